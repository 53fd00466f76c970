import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, phonePage, startDemoServer, type DemoServer } from '../e2e/browser.ts';

/**
 * The built client satisfies the Content-Security-Policy the server sends: every page loads and
 * runs with no violation reported (a blocked script, style, font, image or socket would be one).
 */

// the page's globals used in the functions below (the server's TypeScript settings have no DOM types)
declare const document: { fonts: { status: string }; body: { innerText: string } };

let demo: DemoServer;
let browser: Browser;
beforeAll(async () => {
  demo = await startDemoServer();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('the Content-Security-Policy', () => {
  it('is sent with every page, and the judge, host and display pages run under it without a single violation', async () => {
    const pages = { judge: demo.links.judges.m1!, host: demo.links.host, display: demo.links.display, home: `${demo.server.url}/` };
    const violations: string[] = [];
    for (const [name, url] of Object.entries(pages)) {
      const { context, page } = await phonePage(browser);
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) violations.push(`${name}: ${message.text()}`);
      });
      await page.addInitScript({
        content: "document.addEventListener('securitypolicyviolation', (e) => console.error('Content-Security-Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
      });
      const response = await page.goto(url);
      expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
      // the page has rendered with its fonts and, except the home page, received its first snapshot
      // (functions, not strings: a string would be eval'd in the page, which this very CSP forbids)
      await page.waitForFunction(() => document.fonts.status === 'loaded' && document.body.innerText.trim().length > 0);
      if (name !== 'home') await page.waitForFunction(() => !/正在连接/.test(document.body.innerText), undefined, { timeout: 15_000 });
      await page.waitForTimeout(500);
      await context.close();
    }
    expect(violations).toEqual([]);
  }, 120_000);
});
