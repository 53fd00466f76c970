import type { Page } from 'playwright-core';
import { expectAccessible } from './accessibility.ts';
import { screenshot } from './browser.ts';

/**
 * Waits until the page's staged and cross-fading animations have finished; endless ones (a pulse)
 * and CSS transitions (the clock's bar follows the time) never do and are not waited for.
 */
export async function animationsDone(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { document: { getAnimations(): Array<{ playState: string; transitionProperty?: string; effect: { getTiming(): { iterations?: number } } | null }> } }).document
        .getAnimations()
        .every((a) => a.playState !== 'running' || a.transitionProperty !== undefined || a.effect?.getTiming().iterations === Infinity),
    null,
    { timeout: 15_000 },
  );
}

/** a page state once its animations are over: a screenshot (test-results/NAME.png) and an axe-core check of it */
export async function capture(page: Page, name: string): Promise<void> {
  await animationsDone(page);
  await screenshot(page, name);
  await expectAccessible(page, name);
}
