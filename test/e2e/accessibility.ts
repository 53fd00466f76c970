import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { SCREENSHOTS } from './browser.ts';

/**
 * An axe-core check of the page as it is now (WCAG 2.1 A and AA rules). Serious and critical
 * findings fail the test with each rule, the elements it found and why; every finding, minor ones
 * too, is written to test-results/axe/<state>.json for a person to read.
 *
 * Call it at each page state a browser test already visits (a judge's open sheet, the host's
 * reveal, the projector's ranking…): it checks what is on screen, not the page's code.
 */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  // only violations are reported in full: passes and incomplete results are the slow part on large pages
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ resultTypes: ['violations'] }).analyze();
  const dir = join(SCREENSHOTS, 'axe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${state}.json`), JSON.stringify(result.violations, null, 2));
  const blocking = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = blocking.map((v) => {
    const nodes = v.nodes
      .slice(0, 5)
      .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`)
      .join('\n');
    return `  ${v.id} (${v.impact}): ${v.help}\n${nodes}${v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : ''}`;
  });
  expect(report, `accessibility of "${state}" (axe-core, serious and critical):\n${report.join('\n')}`).toEqual([]);
}
