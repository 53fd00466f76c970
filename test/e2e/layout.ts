import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser.ts';
import { animationsDone } from './capture.ts';

/**
 * Whether a screen's text fits, measured in the page (test/e2e/layout-probe.js): no text under
 * 2.5 % of the viewport's height, none cut off without an ellipsis, none cut to nothing, none
 * overlapping other text or the top bar. The projector is checked at the sizes projectors have.
 */

export const PROJECTOR_SIZES = [
  [1920, 1080],
  [1280, 720],
  [1024, 768],
] as const;

const PROBE = readFileSync(new URL('./layout-probe.js', import.meta.url), 'utf8');

async function layoutProblems(page: Page, root: string): Promise<string[]> {
  // evaluated over the protocol, so the page's Content-Security-Policy does not stop it
  await page.evaluate(PROBE);
  return page.evaluate(([selector]) => (globalThis as unknown as { __layoutProblems(s: string): string[] }).__layoutProblems(selector!), [root]);
}

/** where the text of `selector` wraps inside a word ("区直单|位"), at the current size */
export async function midWordBreaks(page: Page, selector: string): Promise<string[]> {
  await page.evaluate(PROBE);
  return page.evaluate(([s]) => (globalThis as unknown as { __midWordBreaks(s: string): string[] }).__midWordBreaks(s!), [selector]);
}

/** the page laid out again after a resize, its fonts in and its animations finished */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(() => undefined));
  await animationsDone(page);
  // two frames: the resize observers' fitting runs, then its layout
  await page.evaluate(() => {
    const frame = (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame;
    return new Promise<void>((resolve) => frame(() => frame(() => resolve())));
  });
}

/**
 * At every projector size: a screenshot (test-results/layout-STATE-WxH.png) and the page's own
 * measurement of `root`; fails with every problem found, per size.
 */
export async function expectFitsEverySize(page: Page, state: string, root = '.stage'): Promise<void> {
  const found: string[] = [];
  for (const [width, height] of PROJECTOR_SIZES) {
    await page.setViewportSize({ width, height });
    await settle(page);
    await screenshot(page, `layout-${state}-${width}x${height}`);
    for (const problem of await layoutProblems(page, root)) found.push(`${width}×${height} ${problem}`);
  }
  await page.setViewportSize({ width: 1920, height: 1080 });
  expect.soft(found, `${state}: what does not fit`).toEqual([]);
}
