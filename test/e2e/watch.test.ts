import { readFileSync } from 'node:fs';
import jsQR from 'jsqr';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { HostSnapshot, JudgeSnapshot, Snapshot } from '../../server/contracts/snapshots.ts';
import type { AckResult, ClientToServerEvents, ServerToClientEvents } from '../../server/contracts/socket.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { createContestOverApi } from '../helpers/contest-driver.ts';
import { withAudiencePanel } from '../helpers/voters.ts';
import { launchBrowser, phonePage, screenshot, startDemoServer, type DemoServer } from './browser.ts';
import { midWordBreaks } from './layout.ts';
import { follow } from '../helpers/snapshot-follower.ts';

/**
 * Scan to watch: the projector shows the audience page's QR; a phone (360 × 740) decodes it from
 * the screen, opens the address, and follows a turn through to its reveal with the calculation.
 */

type Sock = Socket<ServerToClientEvents, ClientToServerEvents>;
/** what the page's Animation objects are read for (the test has no DOM types) */
type Animating = { playState: string; effect: { getTiming(): { iterations: number } } | null };

function connect<S extends Snapshot>(url: string, link: string): { socket: Sock; latest: () => S | null } {
  const token = new URLSearchParams(new URL(link).hash.slice(1)).get('token');
  const socket: Sock = io(url, { auth: { token, protocol: PROTOCOL_VERSION }, transports: ['websocket'], forceNew: true });
  const page = follow<S>(socket);
  return { socket, latest: () => page.frames.at(-1) ?? null };
}

async function until<T>(read: () => T | null | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The host console as a script: its socket, the first presenter, and the turn commands on that presenter. */
async function hostOf(link: string) {
  const host = connect<HostSnapshot>(demo.server.url, link);
  sockets.push(host.socket);
  const presenter = (await until(() => host.latest())).presenters[0]!;
  const command = async (event: 'turn:start' | 'turn:open-scoring' | 'turn:reveal') => {
    const answer = (await (host.socket.emitWithAck as (e: string, p: unknown) => Promise<AckResult<{ version: number }>>)(event, {
      presenter: presenter.key,
      turnsVersion: host.latest()!.turnsVersion,
    })) as AckResult<{ version: number }>;
    if (!answer.ok) throw new Error(`${event}: ${answer.error.message}`);
    await until(() => host.latest()!.version >= answer.version);
  };
  return { host, presenter, command };
}

/** Every judge's phone sends a sheet for the presenter once its turn is in scoring. */
async function everyJudgeScores(links: string[], presenter: string, tag: string): Promise<void> {
  const judges = links.map((link) => connect<JudgeSnapshot>(demo.server.url, link));
  sockets.push(...judges.map((j) => j.socket));
  await Promise.all(
    judges.map(async (judge, i) => {
      const snapshot = await until(() => judge.latest()?.presenters.find((p) => p.key === presenter)?.phase === 'scoring' && judge.latest());
      // a judge recused (回避) from this presenter has nothing to send
      if (!snapshot.presenters.find((p) => p.key === presenter)!.canSubmit) return;
      // every criterion at its maximum, or at one step, both on the rubric
      const items = Object.fromEntries(snapshot.criteria.map((c) => [c.key, i % 2 === 0 ? c.max : c.step]));
      const answer = (await (judge.socket.emitWithAck as (e: string, p: unknown) => Promise<AckResult>)('sheet:submit', { presenter, items, submissionId: `${tag}-${i}-0000` })) as AckResult;
      if (!answer.ok) throw new Error(`sheet:submit: ${answer.error.message}`);
    }),
  );
}

let demo: DemoServer;
let browser: Browser;
const sockets: Sock[] = [];

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await browser?.close();
  await demo?.stop();
});

test('a phone scans the projector’s QR, opens the audience page, and sees a turn revealed with its calculation', async () => {
  const display = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await display.goto(demo.links.display);
  const qr = display.getByTestId('watch-qr-code');
  await qr.locator('svg').waitFor();
  await screenshot(display, 'watch-display-title');
  const png = PNG.sync.read(await qr.screenshot());
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(decoded?.data).toMatch(new RegExp(`^${demo.server.url}/watch/[a-z2-9]{7}$`));
  // the short address under the QR is the same address, for people who type it
  expect(await display.getByTestId('watch-qr').textContent()).toContain(decoded!.data.replace(/^https?:\/\//, ''));

  const { context, page } = await phonePage(browser);
  await page.goto(decoded!.data);
  await expect.poll(() => page.getByTestId('watch-title').textContent()).toMatch(/\S/);
  await screenshot(page, 'watch-phone-waiting');

  const { host, presenter, command } = await hostOf(demo.links.host);

  await command('turn:start');
  await expect.poll(() => page.getByTestId('watch-stage').textContent()).toContain(presenter.name);
  await expect(page.getByTestId('watch-clock').isVisible()).resolves.toBe(true);
  await screenshot(page, 'watch-phone-presenting');

  await command('turn:open-scoring');
  await everyJudgeScores(Object.values(demo.links.judges), presenter.key, 'watch-e2e');
  await expect.poll(() => page.getByTestId('watch-progress').textContent()).toMatch(/(\d+) \/ \1/);
  await until(() => host.latest()!.turns.find((t) => t.presenter === presenter.key)!.phase === 'closed');
  await command('turn:reveal');

  const reveal = page.getByTestId('watch-reveal');
  await reveal.waitFor();
  const shown = host.latest()!.board.reveal!;
  await expect.poll(() => page.getByTestId('watch-final').textContent()).toBe(shown.final);
  // each seat's score, the dropped ones struck out, each panel's score
  expect(await page.getByTestId('watch-seat').count()).toBe(shown.panels.reduce((n, p) => n + p.totals.length + p.unscored.length, 0));
  expect(await reveal.locator('[data-testid="watch-seat"][data-dropped="highest"] s').count()).toBe(shown.panels.reduce((n, p) => n + p.totals.filter((t) => t.dropped === 'highest').length, 0));
  expect(await page.getByTestId('watch-panel-score').allTextContents()).toEqual(shown.panels.map((p) => p.score ?? '—'));
  const width = await page.evaluate('document.scrollingElement.scrollWidth');
  expect(width, 'nothing wider than the phone').toBeLessThanOrEqual(360);
  await page.getByTestId('watch-reveal').screenshot({ path: 'test-results/watch-phone-reveal-card.png' });
  await screenshot(page, 'watch-phone-reveal');
  await context.close();
  await display.close();
}, 90_000);

test('with a 10 % audience panel, a phone scans the QR, votes, changes its vote, and sees its vote counted in the reveal', async () => {
  const demoFile = JSON.parse(readFileSync(new URL('../../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8'));
  const contest = await createContestOverApi(demo.server.url, withAudiencePanel(demoFile));
  const display = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await display.goto(contest.displayUrl);
  const qr = display.getByTestId('watch-qr-code');
  await qr.locator('svg').waitFor();
  const png = PNG.sync.read(await qr.screenshot());
  const address = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)!.data;
  expect(address).toBe(contest.watchUrl);

  const { context, page } = await phonePage(browser);
  await page.goto(address);
  await expect.poll(() => page.getByTestId('watch-title').textContent()).toMatch(/\S/);

  const { host, presenter, command } = await hostOf(contest.hostUrl);
  // an entry code: on the projector only; the phone asks for it
  const entry = await fetch(`${demo.server.url}/api/contests/${contest.id}/audience`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ entryCode: 'HALL7' }),
  });
  expect(entry.status).toBe(200);
  await command('turn:start');
  await command('turn:open-scoring');

  // without the code the vote is refused, in Chinese; with it (typed in lower case) it counts
  const vote = page.getByTestId('watch-vote');
  await vote.waitFor();
  await vote.getByTestId('watch-vote-choice').filter({ hasText: /^7$/ }).click();
  await expect.poll(() => page.getByTestId('watch-vote-refusal').textContent()).toBe('投票码不对：请输入大屏上显示的投票码。');
  await expect.poll(() => display.getByTestId('entry-code').textContent()).toBe('HALL7');
  await page.getByTestId('watch-entry-code').fill('hall7');
  // the phone votes 8, then changes its mind to 9: the last one counts
  await vote.getByTestId('watch-vote-choice').filter({ hasText: /^8$/ }).click();
  await expect.poll(() => page.getByTestId('watch-vote-status').textContent()).toBe('已投 8 分，可修改');
  await vote.getByTestId('watch-vote-choice').filter({ hasText: /^9$/ }).click();
  await expect.poll(() => page.getByTestId('watch-vote-status').textContent()).toBe('已投 9 分，可修改');
  await expect.poll(() => page.getByTestId('watch-vote-count').textContent()).toContain('已有 1 人投票');
  await screenshot(page, 'vote-phone-voted');
  // the projector counts it live
  await expect.poll(() => display.getByTestId('vote-count').textContent()).toBe('1 人已投');
  await screenshot(display, 'vote-display-scoring-1920');
  const width = await page.evaluate('document.scrollingElement.scrollWidth');
  expect(width, 'nothing wider than the phone').toBeLessThanOrEqual(360);

  // the host console does not offer to undo a turn the audience voted on (the server would refuse it), and says why
  const hostPage = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await hostPage.goto(contest.hostUrl);
  await expect.poll(() => hostPage.getByTestId('focus-votes').textContent()).toContain('1');
  await expect.poll(() => hostPage.getByTestId('undo').isDisabled()).toBe(true);
  expect(await hostPage.getByTestId('undo-blocked').textContent()).toBe('观众已投票，不能撤回');
  // the judges' panels are listed by seat; the audience panel has no seats (its count is the one above)
  expect(await hostPage.getByTestId('panel-count').allTextContents()).toEqual(['主评委 0/7', '测评打分 0/14']);
  await screenshot(hostPage, 'vote-host-undo-blocked');
  await hostPage.close();

  await everyJudgeScores(contest.judges.map((j) => j.url), presenter.key, 'vote-e2e');
  await until(() => host.latest()!.turns.find((t) => t.presenter === presenter.key)!.phase === 'closed');
  await expect.poll(() => page.getByTestId('watch-vote-status').textContent()).toBe('投票已结束，您投了 9 分');
  await command('turn:reveal');

  const shown = host.latest()!.board.reveal!;
  const audience = shown.panels.find((p) => p.panel === 'public')!;
  // one vote of 9 on a 1–10 scale: 90 of the rubric's 100
  expect(audience).toMatchObject({ score: '90.00', votes: { counted: 1, trimmed: { low: 0, high: 0 }, kept: 1 } });
  await expect.poll(() => page.getByTestId('watch-final').textContent()).toBe(shown.final);
  await expect.poll(() => page.getByTestId('watch-reveal-votes').textContent()).toBe('计入 1 票，去掉最高、最低各 0 票');
  await screenshot(page, 'vote-phone-reveal');
  await expect.poll(() => display.getByTestId('reveal-votes').textContent()).toBe('计入 1 票 · 去掉最高、最低各 0 票');
  // once the staged reveal has played
  const settled = () =>
    display.waitForFunction(
      () => (globalThis as unknown as { document: { getAnimations(): Animating[] } }).document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
      null,
      { timeout: 15_000 },
    );
  await settled();
  await screenshot(display, 'vote-display-reveal-1920');
  for (const [w, h] of [[1280, 720], [1024, 768]] as const) {
    await display.setViewportSize({ width: w, height: h });
    await settled();
    await screenshot(display, `vote-display-reveal-${w}`);
    // the final's formula (three panels) wraps between its terms or words, never inside a name
    expect(await midWordBreaks(display, '.formula'), `${w}×${h}`).toEqual([]);
  }
  await context.close();
  await display.close();
}, 120_000);
