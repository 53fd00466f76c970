import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostSnapshot, SheetReceipt } from '../../server/contracts/snapshots.ts';
import type { AckResult } from '../../server/contracts/socket.ts';
import { tokenOf } from '../helpers/contest-driver.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { expectAccessible } from './accessibility.ts';
import { demoLinks, launchBrowser, screenshot, type DemoLinks } from './browser.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';

/**
 * The host console (/host#token=…) in real Chromium at 1366 × 768, against a real server with the
 * demo contest (22 presenters; 7 main judges m1…m7 and 15 evaluation judges e01…e15; e09 is
 * recused from p01). The judges are real socket.io-client connections with their links' tokens.
 * The scenarios run in order on one contest, the way an evening goes.
 */

const MAIN = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'];
const EVAL = Array.from({ length: 15 }, (_, i) => `e${String(i + 1).padStart(2, '0')}`);
const ALL_JUDGES = [...MAIN, ...EVAL];

let dataDir: string;
let server: ServerProcess;
let links: DemoLinks;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** a second console on the same contest, in English */
let other: Page;
/**
 * The second console's socket runs through Playwright, which can hold what the server sends it:
 * while held, that console still looks at the old state, as a console does in the instant before
 * the other console's change reaches it.
 */
const otherInbox = { hold: false, held: [] as Array<() => void> };
/** the same for the main (Chinese) console */
const pageInbox = { hold: false, held: [] as Array<() => void> };

/** a console whose incoming socket messages can be held back (see otherInbox) */
function holdable(inbox: typeof otherInbox) {
  return (p: Page) =>
    p.routeWebSocket(/\/socket\.io\//, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((message) => upstream.send(message));
      upstream.onMessage((message) => {
        if (inbox.hold) inbox.held.push(() => ws.send(message));
        else ws.send(message);
      });
    });
}

function release(inbox: typeof otherInbox): void {
  inbox.hold = false;
  for (const deliver of inbox.held.splice(0)) deliver();
}
const judges = new Map<string, Socket>();

/** waits until the value read from the page matches */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

async function openConsole(link: string, before?: (p: Page) => Promise<void>): Promise<Page> {
  const p = await context.newPage();
  await before?.(p);
  await p.goto(link);
  await p.getByTestId('next-step').waitFor();
  return p;
}

/** a page state the host sees: a screenshot for people, and the axe-core check */
async function look(p: Page, state: string): Promise<void> {
  await screenshot(p, state);
  await expectAccessible(p, state);
}

const nextLabel = (p: Page = page) => p.getByTestId('next-step').innerText();
const nextButton = (p: Page = page) => p.getByTestId('next-step');
const rowPhase = (presenter: string, p: Page = page) => p.locator(`[data-testid=running-order] [data-presenter=${presenter}]`).getAttribute('data-phase');
const focusPhase = (p: Page = page) => p.getByTestId('focus-phase').innerText();
const tile = (judge: string, p: Page = page) => p.locator(`[data-testid=judge-status] [data-judge=${judge}]`);
const panelCounts = (p: Page = page) => p.getByTestId('panel-count').allInnerTexts();

function connectJudge(key: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(server.url, { auth: { token: tokenOf(links.judges[key]!), protocol: PROTOCOL_VERSION }, transports: ['websocket'] });
    socket.once('state:snapshot', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** a judge's sheet from their phone; the items differ a little per judge so the totals do */
async function submit(judge: string, presenter: string, items?: Record<string, string>): Promise<SheetReceipt> {
  const i = ALL_JUDGES.indexOf(judge);
  const sheet = items ?? { topic: ['18.5', '17', '19', '16.5'][i % 4]!, measures: '27', results: ['26.5', '25', '28'][i % 3]!, delivery: '18' };
  const answer = (await judges
    .get(judge)!
    .timeout(8000)
    .emitWithAck('sheet:submit', { presenter, items: sheet, submissionId: `e2e-${judge}-${presenter}-${Math.random().toString(36).slice(2, 10)}` })) as AckResult<SheetReceipt>;
  if (!answer.ok) throw new Error(`${judge} → ${presenter} refused: ${answer.error.code} ${answer.error.message}`);
  return answer;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'leitai-host-e2e-'));
  [server, browser] = await Promise.all([startServer({ DATA_DIR: dataDir, ADMIN_TOKEN: TEST_ADMIN_TOKEN }), launchBrowser()]);
  links = await demoLinks(server);
  for (const key of ALL_JUDGES) judges.set(key, await connectJudge(key));
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  page = await openConsole(links.host, holdable(pageInbox));
  const english = new URL(links.host);
  english.search = '?lang=en';
  other = await openConsole(english.toString(), holdable(otherInbox));
}, 90_000);

afterAll(async () => {
  for (const socket of judges.values()) socket.close();
  await browser?.close();
  await server?.stop('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('host console', () => {
  test('the big button walks presenter 1 through start → scoring → closed by itself → reveal, saying each time what it will do', async () => {
    await eventually(() => nextLabel()).toBe('开始汇报');
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('乌山街道党工委书记');
    await eventually(() => page.getByTestId('connection').innerText()).toContain('已连接');
    await eventually(() => page.getByTestId('projector').innerText()).toContain('标题页');
    await look(page, 'host-1-ready');

    await nextButton().click();
    await eventually(() => nextLabel()).toBe('结束汇报，开始评分');
    await eventually(() => focusPhase()).toBe('汇报中');
    await eventually(() => rowPhase('p01')).toBe('presenting');
    await eventually(() => page.getByTestId('projector').innerText()).toContain('1号 乌山街道党工委书记');
    await eventually(() => page.getByTestId('clock').getAttribute('data-running')).toBe('true');

    // the clock can be paused and resumed
    await page.getByRole('button', { name: '暂停计时' }).click();
    await eventually(() => page.getByTestId('clock').innerText()).toContain('已暂停');
    await page.getByRole('button', { name: '继续计时' }).click();
    await eventually(() => page.getByTestId('clock').getAttribute('data-running')).toBe('true');
    await look(page, 'host-2-presenting');

    await nextButton().click();
    await eventually(() => nextLabel()).toBe('结束评分（21 位未交）');
    await eventually(() => focusPhase()).toBe('评分中');
    await eventually(() => tile('e09').getAttribute('data-state')).toBe('recused');
    await eventually(() => tile('e09').innerText()).toContain('回避');

    // every non-recused judge but the last submits from their phone
    const expected = ALL_JUDGES.filter((j) => j !== 'e09');
    for (const judge of expected.slice(0, -1)) await submit(judge, 'p01');
    await eventually(() => panelCounts()).toEqual(['主评委 7/7', '测评打分 13/14']);
    await eventually(() => nextLabel()).toBe('结束评分（1 位未交）');
    await eventually(() => tile('e15').getAttribute('data-state')).toBe('missing');
    await eventually(() => tile('m1').innerText()).toContain('✓');
    await look(page, 'host-3-scoring');

    // the host looks ahead at 5号 meanwhile: the big button says it cannot start anyone yet
    await page.locator('[data-testid=running-order] [data-presenter=p05]').click();
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('区民政局党组书记');
    await eventually(() => nextLabel()).toBe('1号 乌山街道党工委书记 正在评分中');
    expect(await nextButton().isDisabled()).toBe(true);

    // the last sheet closes the turn by itself: the console goes back to it without the host doing anything
    await submit(expected.at(-1)!, 'p01');
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('乌山街道党工委书记');
    await eventually(() => focusPhase()).toBe('评分结束');
    await eventually(() => nextLabel()).toBe('公布得分');
    await eventually(() => panelCounts()).toEqual(['主评委 7/7', '测评打分 14/14']);

    await nextButton().click();
    await eventually(() => focusPhase()).toBe('已公布');
    await eventually(() => nextLabel()).toBe('下一位：2号 白沙洲街道党工委书记');
    const final = await page.getByTestId('focus-final').innerText();
    expect(final).toMatch(/^\d+\.\d{2}$/);
    await eventually(() => page.getByTestId('projector').innerText()).toContain(final);
    await eventually(() => page.getByTestId('ranking').innerText()).toContain('乌山街道党工委书记');
    // rank and running-order number are told apart; no award while others are still to come
    expect(await page.getByTestId('ranking').locator('thead').innerText()).toMatch(/名次\s+出场号 · 选手\s+得分/);
    expect(await page.getByTestId('ranking').locator('[data-presenter=p01]').innerText()).toMatch(/^1\s+1号\s*乌山街道党工委书记\s+\d+\.\d{2}$/);
    await look(page, 'host-4-revealed');
  }, 90_000);

  test('closing with judges missing lists exactly who has not submitted; a paper sheet (代录) fills a gap', async () => {
    await nextButton().click();
    await eventually(() => rowPhase('p02')).toBe('presenting');
    await eventually(() => nextLabel()).toBe('结束汇报，开始评分');
    await nextButton().click();
    await eventually(() => nextLabel()).toBe('结束评分（22 位未交）');

    const missing = ['m3', 'e04', 'e11'];
    for (const judge of ALL_JUDGES.filter((j) => !missing.includes(j))) await submit(judge, 'p02');
    await eventually(() => nextLabel()).toBe('结束评分（3 位未交）');

    await nextButton().click();
    const confirm = page.getByTestId('confirm-close');
    await confirm.waitFor();
    expect(await confirm.locator('[data-testid=missing-judges] li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-judge')))).toEqual(missing);
    const listed = await confirm.getByTestId('missing-judges').innerText();
    for (const name of ['市委政研室党建处评委', '领导小组成员单位代表D', '村（社区）书记代表C']) expect(listed).toContain(name);
    expect(listed).toContain('主评委（1）');
    expect(listed).toContain('测评打分（2）');
    await look(page, 'host-5-missing-judges');
    await confirm.getByRole('button', { name: '取消' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await rowPhase('p02')).toBe('scoring');

    // m3's phone failed; the host types in the paper sheet
    await tile('m3').getByRole('button', { name: '代录' }).click();
    const dialog = page.getByTestId('paper-dialog');
    await dialog.waitFor();
    await page.fill('#paper-topic', '20.5');
    await eventually(() => dialog.getByTestId('item-error').first().innerText()).toBe('超过满分 20');
    await page.fill('#paper-topic', '18.3');
    await eventually(() => dialog.getByTestId('item-error').first().innerText()).toBe('必须是 0.5 的整数倍');
    expect(await dialog.getByTestId('paper-total').innerText()).toBe('—');
    await page.fill('#paper-topic', '18.5');
    await page.fill('#paper-measures', '27');
    await page.fill('#paper-results', '26.5');
    await page.fill('#paper-delivery', '17.5');
    await eventually(() => dialog.getByTestId('paper-total').innerText()).toBe('89.5');
    await look(page, 'host-6-paper-sheet');
    await dialog.getByTestId('confirm').click();
    await dialog.waitFor({ state: 'detached' });

    await eventually(() => tile('m3').getAttribute('data-state')).toBe('in');
    await eventually(() => tile('m3').getByTestId('entered-by-host').innerText()).toBe('代录');
    expect(await tile('m3').innerText()).toContain('89.5');
    await eventually(() => nextLabel()).toBe('结束评分（2 位未交）');

    await nextButton().click();
    await confirm.waitFor();
    expect(await confirm.locator('[data-testid=missing-judges] li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-judge')))).toEqual(['e04', 'e11']);
    await confirm.getByTestId('confirm').click();
    await eventually(() => focusPhase()).toBe('评分结束');
    await eventually(() => nextLabel()).toBe('公布得分');
    expect(await tile('e04').innerText()).toContain('未交');

    // e04 and e11 had left the hall: marked absent for 2号 (with a reason), 2号 no longer waits for them
    for (const judge of ['e04', 'e11']) {
      await tile(judge).getByTestId('excuse').click();
      const excuse = page.getByTestId('excuse-dialog');
      await excuse.waitFor();
      await excuse.getByTestId('confirm').click();
      await eventually(() => excuse.getByRole('alert').innerText()).toBe('请填写原因。');
      await excuse.locator('textarea').fill('评委临时离场');
      if (judge === 'e04') await look(page, 'host-6a-excuse');
      await excuse.getByTestId('confirm').click();
      await excuse.waitFor({ state: 'detached' });
      // absent, not recused: the tile says 缺席
      await eventually(() => tile(judge).getAttribute('data-state')).toBe('absent');
      expect(await tile(judge).innerText()).toContain('缺席');
      expect(await tile(judge).innerText()).not.toContain('回避');
    }
    await eventually(panelCounts).toEqual(['主评委 7/7', '测评打分 13/13']);
  }, 90_000);

  test('reopening a sheet requires a reason; the correction reaches the projector only when the host reveals again', async () => {
    await nextButton().click();
    await eventually(() => focusPhase()).toBe('已公布');
    const shownBefore = await page.getByTestId('projector').innerText();

    await tile('m1').getByRole('button', { name: '重开' }).click();
    const dialog = page.getByTestId('reopen-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('confirm').click();
    await eventually(() => dialog.getByRole('alert').innerText()).toBe('请填写原因。');
    expect(await dialog.isVisible()).toBe(true);
    await look(page, 'host-7a-reopen-reason');
    await page.waitForTimeout(300);
    expect(await tile('m1').innerText()).not.toContain('已重开');

    await dialog.locator('textarea').fill('评委反映第二项误填');
    await dialog.getByTestId('confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(() => tile('m1').innerText()).toContain('已重开');
    await eventually(() => page.getByTestId('correction').innerText()).toContain('已重开评分');

    // m1 sends the corrected sheet from the phone: the console knows the projector is behind
    await submit('m1', 'p02', { topic: '15', measures: '20', results: '20', delivery: '15' });
    await eventually(() => tile('m1').innerText()).toContain('已更正');
    await eventually(() => tile('m1').innerText()).toContain('70');
    await eventually(() => page.getByTestId('re-reveal').innerText()).toBe('重新公布（有更正未上大屏）');
    await eventually(() => page.getByTestId('correction').innerText()).toContain('大屏仍显示旧分数');
    expect(await page.getByTestId('projector').innerText()).toBe(shownBefore);
    await look(page, 'host-7-correction');

    await page.getByTestId('re-reveal').click();
    await eventually(() => page.getByTestId('re-reveal').innerText()).toBe('重新公布得分');
    await eventually(() => page.getByTestId('correction').count()).toBe(0);
    await eventually(() => nextLabel()).toBe('下一位：3号 桥驿镇党委书记');
  }, 60_000);

  test('two consoles press next on the same picture: one starts the presenter, the other says another console acted first and shows the new state', async () => {
    await eventually(() => nextLabel(other)).toBe('Next: #3 桥驿镇党委书记');
    await eventually(() => nextLabel()).toBe('下一位：3号 桥驿镇党委书记');

    // the English console has not yet heard of the Chinese one's click when its own goes out
    otherInbox.hold = true;
    try {
      await nextButton().click();
      await eventually(() => rowPhase('p03')).toBe('presenting');
      expect(await nextLabel(other)).toBe('Next: #3 桥驿镇党委书记');
      await nextButton(other).click();
      await page.waitForTimeout(500);
    } finally {
      release(otherInbox);
    }

    await eventually(() => rowPhase('p03')).toBe('presenting');
    await eventually(() => rowPhase('p03', other)).toBe('presenting');
    await eventually(() => nextLabel()).toBe('结束汇报，开始评分');
    await eventually(() => nextLabel(other)).toBe('End talk, open scoring');
    const refusals = async () => (await page.getByTestId('refusal').count()) + (await other.getByTestId('refusal').count());
    await eventually(refusals).toBe(1);
    expect(await page.getByTestId('refusal').count()).toBe(0);
    expect(await other.getByTestId('refusal').getAttribute('data-code')).toBe('stale_version');
    expect(await other.getByTestId('refusal').innerText()).toMatch(/Someone else acted first \(another console, say\): nothing was done/);
    await look(other, 'host-8-second-console-refused');

    // the other way round: the Chinese console is a step behind, and says so in Chinese; the
    // server's own English words stay folded in the details line
    pageInbox.hold = true;
    try {
      await nextButton(other).click();
      await eventually(() => rowPhase('p03', other)).toBe('scoring');
      expect(await nextLabel()).toBe('结束汇报，开始评分');
      await nextButton().click();
      await page.waitForTimeout(500);
    } finally {
      release(pageInbox);
    }
    await eventually(() => rowPhase('p03')).toBe('scoring');
    const refusal = page.getByTestId('refusal');
    await eventually(() => refusal.getAttribute('data-code')).toBe('stale_version');
    expect(await refusal.innerText()).toContain('状态刚被另一处操作改变（例如另一个主持台先操作了），本次未执行。');
    expect(await refusal.innerText()).not.toMatch(/[A-Za-z]{3,}/);
    await refusal.locator('summary').click();
    expect(await refusal.getByTestId('refusal-details').innerText()).toContain('stale_version:');
    await look(page, 'host-8a-refused-in-chinese');
    await refusal.getByRole('button', { name: '知道了' }).click();
    await other.close();
  }, 60_000);

  test('undo sends a presenter started by mistake back to waiting; skip marks one a no-show (弃权), asked first, and undo brings them back', async () => {
    // p03 is scoring after the two-console races
    await page.getByTestId('undo').click();
    const confirm = page.getByTestId('confirm-undo');
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain('退回“候场”');
    await look(page, 'host-9a-confirm-undo');
    await confirm.getByTestId('confirm').click();
    await eventually(() => rowPhase('p03')).toBe('waiting');
    await eventually(() => page.getByTestId('projector').innerText()).toContain('标题页');
    await eventually(() => nextLabel()).toBe('开始汇报');
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('桥驿镇党委书记');

    // 3号 does not appear: asked first
    await page.getByTestId('skip').click();
    await page.getByTestId('confirm-skip').getByTestId('confirm').click();
    await eventually(() => rowPhase('p03')).toBe('skipped');
    expect(await page.locator('[data-testid=running-order] [data-presenter=p03] .phase').innerText()).toBe('弃权');
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('区行政审批局党组书记');
    await eventually(() => nextLabel()).toBe('开始汇报');

    // … then turns up after all: select the row, undo the skip
    await page.locator('[data-testid=running-order] [data-presenter=p03]').click();
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('桥驿镇党委书记');
    await eventually(() => page.getByTestId('undo').innerText()).toContain('撤回弃权');
    await look(page, 'host-9-skipped');
    await page.getByTestId('undo').click();
    await page.getByTestId('confirm-undo').getByTestId('confirm').click();
    await eventually(() => rowPhase('p03')).toBe('waiting');
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('桥驿镇党委书记');
    await eventually(() => nextLabel()).toBe('开始汇报');

    // undo is refused by the console once sheets are in
    await nextButton().click();
    await eventually(() => nextLabel()).toBe('结束汇报，开始评分');
    await nextButton().click();
    await eventually(() => focusPhase()).toBe('评分中');
    await submit('m1', 'p03');
    await eventually(() => page.getByTestId('undo').isDisabled()).toBe(true);
    await eventually(() => page.getByTestId('secondary').innerText()).toContain('已有评分，不能撤回');
  }, 60_000);

  test('a judge whose phone drops (a locked screen) shows when it was last connected, not a bare 离线; a seat that moved to another phone is marked', async () => {
    // p03 is scoring and e05 has not submitted yet
    await eventually(() => tile('e05').innerText()).toContain('未交');
    judges.get('e05')!.close();
    await eventually(() => tile('e05').getByTestId('presence').innerText()).toBe('刚刚在线');
    expect(await tile('e05').innerText()).not.toContain('离线');
    expect(await tile('e05').getByTestId('seat-moved').count()).toBe(0);

    // the link is opened on a second phone while the first one still holds the seat
    const first = await connectJudge('e05');
    const second = await connectJudge('e05');
    await eventually(() => tile('e05').getByTestId('seat-moved').innerText()).toBe('换过手机');
    expect(await tile('e05').getByTestId('seat-moved').getAttribute('title')).toContain('另一台设备上打开过 1 次');
    await eventually(() => tile('e05').getByTestId('presence').count()).toBe(0); // connected: nothing to say
    first.close();
    judges.set('e05', second);
    await look(page, 'host-9b-presence');
  });

  test('when the server goes away the console says so and disables commands; after the restart it shows the live state again', async () => {
    const port = server.port;
    await server.stop('SIGKILL');
    await eventually(() => page.getByTestId('stale-banner').innerText()).toContain('连接中断，正在重连…');
    await eventually(() => page.getByTestId('connection').innerText()).toBe('连接中断，正在重连…');
    expect(await nextButton().isDisabled()).toBe(true);
    await look(page, 'host-10-stale');

    server = await startServer({ DATA_DIR: dataDir, PORT: String(port) });
    await eventually(() => page.getByTestId('stale-banner').count()).toBe(0);
    await eventually(() => page.getByTestId('connection').innerText()).toContain('已连接');
    expect(await rowPhase('p01')).toBe('revealed');
    expect(await rowPhase('p02')).toBe('revealed');
    await eventually(() => focusPhase()).toBe('评分中');
    expect(await tile('m1').innerText()).toContain('✓');
    expect(await nextButton().isDisabled()).toBe(false);
  }, 90_000);

  test('a paper sheet sent while the server hangs is retried with the same id, and stored once', async () => {
    // p03 is scoring; m2 has not submitted
    await tile('m2').getByRole('button', { name: '代录' }).click();
    const dialog = page.getByTestId('paper-dialog');
    await dialog.waitFor();
    await page.fill('#paper-topic', '16');
    await page.fill('#paper-measures', '25');
    await page.fill('#paper-results', '24');
    await page.fill('#paper-delivery', '15');
    await eventually(() => dialog.getByTestId('paper-total').innerText()).toBe('80');

    server.child.kill('SIGSTOP');
    try {
      await dialog.getByTestId('confirm').click();
      await eventually(() => dialog.innerText()).toContain('正在用同一编号重试（第 2 次）');
      await expect.poll(() => dialog.innerText(), { timeout: 30_000, interval: 250 }).toContain('服务器仍未回应');
      await look(page, 'host-12-paper-timeout');
    } finally {
      server.child.kill('SIGCONT');
    }
    // the server wakes up, stores the first copy, recognises the retries; the console sees the sheet arrive
    await expect.poll(() => dialog.innerText(), { timeout: 30_000, interval: 250 }).toContain('已保存：总分 80');
    await dialog.getByTestId('done').click();
    await eventually(() => tile('m2').getByTestId('entered-by-host').count()).toBe(1);
    expect(await tile('m2').innerText()).not.toContain('已更正');
    await eventually(() => nextLabel()).toBe('结束评分（20 位未交）');
  }, 120_000);

  test('at the end of the evening: the last turns are decided, the projector switches screens, and the big button reveals the awards', async () => {
    // p03 is scoring with two sheets in; close it with the others missing, reveal it
    await eventually(() => nextLabel()).toBe('结束评分（20 位未交）');
    await nextButton().click();
    await page.getByTestId('confirm-close').getByTestId('confirm').click();
    await eventually(() => nextLabel()).toBe('公布得分');
    await nextButton().click();
    await eventually(() => nextLabel()).toBe('下一位：4号 区行政审批局党组书记');

    // a correction after the reveal (the trial run's case): the host looks at 1号, reopens m2's
    // sheet, m2 resubmits, and the host goes back to the live turn
    await page.locator('[data-testid=running-order] [data-presenter=p01]').click();
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('乌山街道党工委书记');
    await tile('m2').getByRole('button', { name: '重开' }).click();
    const reopen = page.getByTestId('reopen-dialog');
    await reopen.waitFor();
    await reopen.locator('textarea').fill('评委反映第三项误填');
    await reopen.getByTestId('confirm').click();
    await reopen.waitFor({ state: 'detached' });
    const banner = page.getByTestId('owed-banner');
    await eventually(() => banner.innerText()).toContain('1号 乌山街道党工委书记：已重开 市委组织部评委 的评分，等待重新提交');
    await submit('m2', 'p01', { topic: '10', measures: '10', results: '10', delivery: '10' });
    await page.getByRole('button', { name: '回到当前出场' }).click();
    await eventually(() => page.getByTestId('focus-name').innerText()).toBe('桥驿镇党委书记');
    // wherever the host looks, the owed re-reveal is on screen; the running order does not say 已公布
    await eventually(() => banner.innerText()).toContain('1号 乌山街道党工委书记：评分已更正，大屏仍显示旧分数。');
    expect(await banner.innerText()).toContain('重新公布之前，大屏不能显示排名和颁奖。');
    expect(await page.locator('[data-testid=running-order] [data-presenter=p01]').getAttribute('data-owed')).toBe('true');
    expect(await page.locator('[data-testid=running-order] [data-presenter=p01] .phase').innerText()).toBe('待重新公布');
    expect(await page.locator('[data-testid=running-order] [data-presenter=p02] .phase').innerText()).toBe('已公布');
    expect(await page.getByRole('button', { name: '显示排名' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'host-owed-rereveal');
    await screenshot(page, 'host-11a-owed-rereveal');

    // three presenters revealed, nineteen to come: no award can be known yet
    expect(await page.locator('#ranking-title').innerText()).toContain('实时排名');
    expect(await page.getByTestId('ranking').innerText()).not.toContain('奖');

    // 4号 does not appear: the skip button names the presenter it skips and asks first; a double click
    // (two clicks 150 ms apart, as a hand makes them) skips one presenter, not two
    const skip = page.getByTestId('skip');
    await eventually(() => skip.innerText()).toBe('弃权（跳过 4号）');
    const doubleClick = async (box: { x: number; y: number; width: number; height: number }) => {
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForTimeout(150);
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    };
    await page.waitForTimeout(900); // the button is new: it takes clicks once armed
    await doubleClick((await skip.boundingBox())!);
    const confirmSkip = page.getByTestId('confirm-skip');
    await confirmSkip.waitFor();
    expect(await confirmSkip.innerText()).toContain('4号 区行政审批局党组书记 弃权？');
    await look(page, 'host-10a-confirm-skip');
    await page.waitForTimeout(300);
    expect(await rowPhase('p04')).toBe('waiting');
    // a click on the relabelled button right away was aimed at 4号: it does nothing. Where a click
    // lands is asked in the page the moment the label changes (a click sent from here could come
    // later than that moment on a loaded machine, and then rightly land)
    // (page code as text: this file is type-checked without the DOM's types)
    await page.evaluate(`{
      const observer = new MutationObserver(() => {
        const button = document.querySelector('[data-testid=skip]');
        if (!button || !button.innerText.includes('5号')) return;
        observer.disconnect();
        const box = button.getBoundingClientRect();
        window.relabelHit = button.contains(document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2));
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    }`);
    await doubleClick((await confirmSkip.getByTestId('confirm').boundingBox())!);
    await eventually(() => rowPhase('p04')).toBe('skipped');
    await eventually(() => skip.innerText()).toBe('弃权（跳过 5号）');
    expect(await page.evaluate('window.relabelHit')).toBe(false);
    expect(await confirmSkip.count()).toBe(0);
    expect(await rowPhase('p05')).toBe('waiting');

    // everyone after 4号 does not appear too (a script of the host's commands, to keep the test short)
    const script = io(server.url, { auth: { token: tokenOf(links.host), protocol: PROTOCOL_VERSION }, transports: ['websocket'] });
    try {
      for (let position = 5; position <= 22; position++) {
        const sync = (await script.timeout(8000).emitWithAck('contest:sync', {})) as AckResult<{ snapshot: HostSnapshot }>;
        if (!sync.ok) throw new Error(sync.error.message);
        const answer = (await script.timeout(8000).emitWithAck('turn:skip', { presenter: `p${String(position).padStart(2, '0')}`, turnsVersion: sync.snapshot.turnsVersion })) as AckResult;
        expect(answer.ok).toBe(true);
      }
    } finally {
      script.close();
    }
    await eventually(() => rowPhase('p22')).toBe('skipped');
    await eventually(() => page.getByTestId('skip').count()).toBe(0);

    // every turn is decided, but the awards wait: the big button reveals 1号 again first, the ranking is disabled
    await eventually(() => nextLabel()).toBe('重新公布：1号 乌山街道党工委书记');
    expect(await page.getByRole('button', { name: '显示排名' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: '显示排名' }).getAttribute('title')).toBe('重新公布之前，大屏不能显示排名和颁奖。');
    await expectAccessible(page, 'host-owed-before-awards');
    await banner.getByTestId('owed-rereveal').click();
    await eventually(() => banner.count()).toBe(0);
    await eventually(() => page.getByTestId('projector').innerText()).toContain('1号 乌山街道党工委书记');
    expect(await page.locator('[data-testid=running-order] [data-presenter=p01] .phase').innerText()).toBe('已公布');

    // every presenter decided and the correction revealed: the ranking is final, with its awards
    await eventually(() => page.locator('#ranking-title').innerText()).toContain('最终排名');
    expect(await page.getByTestId('ranking').locator('[data-presenter=p01]').innerText()).toContain('一等奖');

    await page.getByRole('button', { name: '显示排名' }).click();
    await eventually(() => page.getByTestId('projector').innerText()).toContain('排名');
    await page.getByRole('button', { name: '显示标题' }).click();
    await eventually(() => page.getByTestId('projector').innerText()).toContain('标题页');

    // the award levels come from the rules, lowest first, whether or not anyone is in them
    await eventually(() => nextLabel()).toBe('揭晓三等奖');
    await look(page, 'host-11-awards');
    await nextButton().click();
    await eventually(() => page.getByTestId('projector').innerText()).toContain('颁奖');
    await eventually(() => nextLabel()).toBe('揭晓二等奖');
    await nextButton().click();
    await eventually(() => nextLabel()).toBe('揭晓一等奖');
    await nextButton().click();
    await eventually(() => nextLabel()).toBe('全部完成');
    expect(await nextButton().isDisabled()).toBe(true);
  }, 90_000);

  test('a console that missed the latest state is refused, and then shows the current state by itself', async () => {
    // this console's connection loses every update after the first snapshot, as when a frame is lost
    let snapshots = 0;
    const late = await openConsole(links.host, (p) =>
      p.routeWebSocket(/\/socket\.io\//, (ws) => {
        const upstream = ws.connectToServer();
        ws.onMessage((message) => upstream.send(message));
        upstream.onMessage((message) => {
          if (typeof message === 'string' && message.startsWith('42["state:patch"')) return;
          if (typeof message === 'string' && message.startsWith('42["state:snapshot"') && snapshots++ > 0) return;
          ws.send(message);
        });
      }),
    );
    const screen = (p: Page) => p.locator('[data-testid=projector] .screen').innerText();
    await eventually(() => screen(late)).toBe('颁奖');
    await page.getByRole('button', { name: '显示排名' }).click();
    await eventually(() => screen(page)).toBe('排名');
    expect(await screen(late)).toBe('颁奖');

    await late.getByRole('button', { name: '显示标题' }).click();
    await eventually(() => late.getByTestId('refusal').getAttribute('data-code')).toBe('stale_version');
    await eventually(() => screen(late)).toBe('排名');
    expect(await screen(page)).toBe('排名');
    await late.close();
  });
});
