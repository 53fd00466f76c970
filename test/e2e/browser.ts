import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.ts';

/**
 * Browser tests drive Debian's Chromium (/usr/bin/chromium, installed by .ci/run) through
 * playwright-core against a real server process with the demo contest in a fresh data folder.
 * The client must be built first (`npm run build`); test/e2e/global-setup.ts does that once.
 */

export const SCREENSHOTS = join(ROOT, 'test-results');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface DemoLinks {
  host: string;
  display: string;
  /** judge key → link */
  judges: Record<string, string>;
}

/** The links the start banner printed, with the server's loopback address. */
export function linksFromBanner(server: ServerProcess): DemoLinks {
  const out = server.output();
  const rewrite = (url: string) => url.replace(/^http:\/\/[^/]+/, server.url);
  const host = /主持台 host console: (\S+)/.exec(out)?.[1];
  const display = /大屏 display:\s+(\S+)/.exec(out)?.[1];
  if (!host || !display) throw new Error(`no links in the banner:\n${out}`);
  const judges: Record<string, string> = {};
  for (const m of out.matchAll(/^\s+(\S+)\s+.*?(http\S+\/judge#token=\S+)$/gm)) judges[m[1]!] = rewrite(m[2]!);
  return { host: rewrite(host), display: rewrite(display), judges };
}

export interface DemoServer {
  server: ServerProcess;
  links: DemoLinks;
  stop(): Promise<void>;
}

/** A server process on a fresh data folder, with the demo contest loaded. */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leitai-e2e-'));
  const server = await startServer({ DATA_DIR: dataDir, ...env });
  return {
    server,
    links: linksFromBanner(server),
    async stop() {
      await server.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A phone-sized page (360 × 740, touch) as judges use. */
export async function phonePage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  return { context, page: await context.newPage() };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
