import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ContestListAnswer, LinksAnswer } from '../../server/contracts/admin-api.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { CHROMIUM_PATH } from '../helpers/chromium.ts';
import { adminFetch } from '../helpers/contest-driver.ts';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.ts';

/**
 * Browser tests drive Debian's Chromium (where test/helpers/chromium.ts says) through
 * playwright-core against a real server process with the demo contest in a fresh data folder.
 * The client must be built first (`npm run build`); test/global-setup.ts does that once.
 */

export const SCREENSHOTS = join(ROOT, 'test-results');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
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

/**
 * The demo contest's links, as the admin pages get them (GET /api/contests/:id/links with the
 * admin token), pointed at the server's loopback address. The start banner no longer prints
 * tokens when its output is not a terminal, so tests never read links from it.
 */
export async function demoLinks(server: ServerProcess, adminToken: string = TEST_ADMIN_TOKEN): Promise<DemoLinks> {
  const get = async <T>(path: string): Promise<T> => {
    const response = await adminFetch(server.url, path, { token: adminToken });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  const { contests } = await get<ContestListAnswer>('/api/contests');
  const demo = contests.find((c) => c.presenters === 22) ?? contests[0];
  if (!demo) throw new Error('the server holds no contest');
  const links = await get<LinksAnswer>(`/api/contests/${demo.id}/links`);
  const rewrite = (url: string) => url.replace(/^https?:\/\/[^/]+/, server.url);
  return {
    host: rewrite(links.hostUrl),
    display: rewrite(links.displayUrl),
    judges: Object.fromEntries(links.judges.map((j) => [j.key, rewrite(j.url)])),
  };
}

export interface DemoServer {
  server: ServerProcess;
  links: DemoLinks;
  stop(): Promise<void>;
}

/** A server process on a fresh data folder, with the demo contest loaded. */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leitai-e2e-'));
  const server = await startServer({ DATA_DIR: dataDir, ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...env });
  return {
    server,
    links: await demoLinks(server, env.ADMIN_TOKEN ?? TEST_ADMIN_TOKEN),
    async stop() {
      await server.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An organiser's desktop page (1366 × 900), logged in through the form as an organiser does, showing the contest list. */
export async function adminPage(browser: Browser, baseUrl: string, adminToken: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/admin`);
  await page.getByTestId('login-token').fill(adminToken);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('contest-list').waitFor();
  return page;
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
