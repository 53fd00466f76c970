import jsQR from 'jsqr';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ContestListAnswer, LinksAnswer } from '../../server/contracts/admin-api.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { adminFetch } from '../helpers/contest-driver.ts';
import { launchBrowser, phonePage, screenshot, startDemoServer, type DemoServer } from './browser.ts';
import { midWordBreaks } from './layout.ts';

/**
 * The organiser's side of the audience page, in the browser: the Links tab shows the watch link
 * and its QR, prints the A4 poster for the hall doors, turns the projector's QR off and on, and
 * replaces a code that spread where it should not (the old one stops at once). Then a phone opens
 * the page in English.
 */

let demo: DemoServer;
let browser: Browser;
let context: BrowserContext;
let admin: Page;
let contestId: string;

const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

async function links(): Promise<LinksAnswer> {
  return (await (await adminFetch(demo.server.url, `/api/contests/${contestId}/links`, { token: TEST_ADMIN_TOKEN })).json()) as LinksAnswer;
}

/** The text a QR code drawn in this element stands for, read from a screenshot as a phone camera would. */
async function decodeQr(element: Locator): Promise<string | null> {
  const png = PNG.sync.read(await element.screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

/** The same address on this test's server (links are built for the LAN, the test reaches loopback). */
const onTestServer = (url: string) => url.replace(/^https?:\/\/[^/]+/, demo.server.url);
const codeOf = (url: string) => url.split('/watch/')[1]!;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
  const list = (await (await adminFetch(demo.server.url, '/api/contests', { token: TEST_ADMIN_TOKEN })).json()) as ContestListAnswer;
  contestId = list.contests.find((c) => c.presenters === 22)!.id;
  context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  admin = await context.newPage();
  await admin.goto(`${demo.server.url}/admin`);
  await admin.getByTestId('login-token').fill(TEST_ADMIN_TOKEN);
  await admin.getByTestId('login-submit').click();
  await admin.waitForURL(/\/admin\/?$/);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe.sequential('the Links tab’s audience section', () => {
  test('shows the watch link the API gives, with a QR that scans to it', async () => {
    await admin.goto(`${demo.server.url}/admin/contests/${contestId}/links`);
    const panel = admin.getByTestId('watch-link-panel');
    await panel.locator('svg').first().waitFor();
    const { watchUrl, watchQr } = await links();
    expect(watchUrl).toMatch(/\/watch\/[a-z2-9]{7}$/);
    expect(watchQr).toBe(true);
    await expect(admin.getByTestId('watch-link-url').inputValue()).resolves.toBe(watchUrl);
    expect(await decodeQr(panel.getByTestId('qr'))).toBe(watchUrl);
    await expect(admin.getByTestId('watch-qr-toggle').isChecked()).resolves.toBe(true);
    await screenshot(admin, 'watch-admin-links');
  });

  test('prints an A4 poster with the contest’s title and a QR of the same link', async () => {
    const { watchUrl } = await links();
    await admin.emulateMedia({ media: 'print' });
    // what printPoster() does before window.print(): the poster alone on the page
    await admin.evaluate("document.body.classList.add('printing-watch-poster')");
    const poster = admin.locator('.watch-poster');
    await expect(poster.isVisible()).resolves.toBe(true);
    expect(await poster.locator('h1').textContent()).toBe((await admin.getByTestId('contest-title').textContent())!.trim());
    expect(await decodeQr(poster.locator('.poster-qr'))).toBe(watchUrl);
    expect(await poster.textContent()).toContain(watchUrl.replace(/^https?:\/\//, ''));
    await screenshot(admin, 'watch-admin-poster');
    await admin.evaluate("document.body.classList.remove('printing-watch-poster')");
    await admin.emulateMedia({ media: 'screen' });
  });

  test('turning the projector’s QR off takes it off the display at once, and on again brings it back', async () => {
    const display = await context.newPage();
    await display.setViewportSize({ width: 1920, height: 1080 });
    await display.goto(demo.links.display);
    await display.getByTestId('watch-qr-code').locator('svg').waitFor();

    await admin.getByTestId('watch-qr-toggle').uncheck();
    await eventually(() => display.getByTestId('watch-qr').count()).toBe(0);
    expect((await links()).watchQr).toBe(false);
    // the setting is kept: a reloaded projector does not bring the QR back
    await display.reload();
    await display.getByTestId('view-title').waitFor();
    await display.waitForTimeout(500);
    expect(await display.getByTestId('watch-qr').count()).toBe(0);

    await admin.getByTestId('watch-qr-toggle').check();
    await eventually(() => display.getByTestId('watch-qr').count()).toBe(1);
    await display.close();
  });

  test('replacing the code: the phones on the old link are told it was replaced, the new link works, the projector shows the new QR', async () => {
    const before = await links();
    const { context: phoneContext, page: phone } = await phonePage(browser);
    await phone.goto(onTestServer(before.watchUrl));
    await eventually(() => phone.getByTestId('watch-title').count()).toBe(1);

    await admin.getByTestId('watch-reissue').click();
    const dialog = admin.getByTestId('watch-reissue-dialog');
    await dialog.waitFor();
    await admin.getByTestId('watch-reissue-confirm').click();
    await admin.getByTestId('watch-reissued').waitFor();
    await expect(dialog.count()).resolves.toBe(0);

    const after = await links();
    expect(codeOf(after.watchUrl)).not.toBe(codeOf(before.watchUrl));
    await eventually(() => admin.getByTestId('watch-link-url').inputValue()).toBe(after.watchUrl);
    expect(await decodeQr(admin.getByTestId('watch-link-panel').getByTestId('qr'))).toBe(after.watchUrl);

    // the phone that was watching on the old code is disconnected; opening it again is refused
    await phone.reload();
    await phone.getByTestId('watch-refused').waitFor();
    await screenshot(phone, 'watch-phone-replaced-code');
    await phone.goto(onTestServer(after.watchUrl));
    await eventually(() => phone.getByTestId('watch-title').count()).toBe(1);

    const display = await context.newPage();
    await display.setViewportSize({ width: 1920, height: 1080 });
    await display.goto(demo.links.display);
    const qr = display.getByTestId('watch-qr-code');
    await qr.locator('svg').waitFor();
    expect(await decodeQr(qr)).toBe(after.watchUrl);
    await display.close();
    await phoneContext.close();
  });

  test('replacing a judge’s link asks first in the same dialog: 取消 (or Escape) keeps the link, 重新生成 replaces it', async () => {
    const before = await links();
    const judge = before.judges[0]!;
    const dialog = admin.getByTestId('reissue-dialog');
    await admin.getByTestId(`reissue-${judge.key}`).click();
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`为 ${judge.name} 重新生成链接？`);
    await screenshot(admin, 'admin-links-reissue-confirm');
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'detached' });
    await admin.getByTestId(`reissue-${judge.key}`).click();
    await dialog.waitFor();
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await links()).judges[0]!.url).toBe(judge.url);

    await admin.getByTestId(`reissue-${judge.key}`).click();
    await admin.getByTestId('reissue-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    expect((await links()).judges[0]!.url).not.toBe(judge.url);
  });
});

test('the audience page in English (?lang=en): the page’s own words are English, the contest’s names stay as written', async () => {
  const { watchUrl } = await links();
  const { context: phoneContext, page } = await phonePage(browser);
  await page.goto(`${onTestServer(watchUrl)}?lang=en`);
  const stage = page.getByTestId('watch-stage');
  await eventually(() => stage.textContent()).toContain('The contest has not started yet');
  const title = (await page.getByTestId('watch-title').textContent())!;
  expect(title).toMatch(/[\u4e00-\u9fff]/);
  // two lines on a phone, broken between words
  expect(await midWordBreaks(page, '[data-testid=watch-title]')).toEqual([]);
  // every Chinese character on the page comes from a name the organiser typed, never from the page's words
  const text = await page.locator('main').innerText();
  expect(await page.title()).toContain('Audience');
  expect(text).not.toMatch(/比赛尚未开始|目前排名|评分进度|位选手|观众/);
  await screenshot(page, 'watch-phone-english');
  await phoneContext.close();
});
