import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { HostSheet, HostSnapshot, JudgeSnapshot, SheetReceipt } from '../../server/contracts/snapshots.ts';
import type { AckResult } from '../../server/contracts/socket.ts';
import { tokenOf } from '../helpers/contest-driver.ts';
import { expectAccessible } from './accessibility.ts';
import { launchBrowser, phonePage, screenshot, startDemoServer, type DemoServer } from './browser.ts';
import { midWordBreaks } from './layout.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';

/**
 * The judge's phone page, through real Chromium at 360 × 740 against a real server with the demo
 * contest (criteria 选题准 20 / 举措实 30 / 成效好 30 / 展示效果 20, steps of 0.5; e09 is recused
 * from p01). The host side is a real socket.io-client connection with the host link's token.
 */

class HostClient {
  readonly socket: Socket;
  constructor(url: string, link: string) {
    this.socket = io(url, { auth: { token: tokenOf(link), protocol: PROTOCOL_VERSION }, transports: ['websocket'] });
  }
  async snapshot(): Promise<HostSnapshot> {
    const answer = (await this.socket.timeout(5000).emitWithAck('contest:sync', {})) as AckResult<{ snapshot: HostSnapshot }>;
    if (!answer.ok) throw new Error(`sync refused: ${answer.error.message}`);
    return answer.snapshot;
  }
  /** a turn command against the current turnsVersion; throws when refused */
  async command(event: string, payload: Record<string, unknown>): Promise<void> {
    const { turnsVersion } = await this.snapshot();
    const answer = (await this.socket.timeout(5000).emitWithAck(event, { ...payload, turnsVersion })) as AckResult;
    if (!answer.ok) throw new Error(`${event} refused: ${answer.error.code} ${answer.error.message}`);
  }
  /** makes sure the presenter is taking sheets, closing whatever turn is open */
  async ensureScoring(presenter: string): Promise<void> {
    const snap = await this.snapshot();
    const phase = snap.turns.find((t) => t.presenter === presenter)!.phase;
    if (phase === 'scoring') return;
    for (const turn of snap.turns) {
      if (turn.phase === 'presenting') await this.command('turn:open-scoring', { presenter: turn.presenter });
      if (turn.phase === 'presenting' || turn.phase === 'scoring') await this.command('turn:close', { presenter: turn.presenter });
    }
    if (phase === 'waiting') await this.command('turn:start', { presenter });
    await this.command('turn:open-scoring', { presenter });
  }
  async sheetsOf(presenter: string, judge: string): Promise<HostSheet[]> {
    return (await this.snapshot()).sheets.filter((s) => s.presenter === presenter && s.judge === judge);
  }
  async enter(presenter: string, judge: string, items: Record<string, string>): Promise<AckResult<SheetReceipt>> {
    return (await this.socket.timeout(5000).emitWithAck('sheet:enter', { presenter, judge, items, submissionId: `host-${judge}-${presenter}-x` })) as AckResult<SheetReceipt>;
  }
}

let demo: DemoServer;
let browser: Browser;
let host: HostClient;
const contexts: BrowserContext[] = [];
/** uncaught errors in any judge page: a test fails on them */
const pageErrors: string[] = [];
/** what the pages logged, printed when a test fails */
const pageLog: string[] = [];

function watch(page: Page): void {
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('requestfailed', (r) => pageLog.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) pageLog.push(`HTTP ${r.status()} ${r.url()}`);
  });
}

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
  host = new HostClient(demo.server.url, demo.links.host);
  await host.snapshot();
});

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') console.log(`judge pages logged:\n${pageLog.join('\n')}`);
  pageLog.length = 0;
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  host?.socket.close();
  await browser?.close();
  await demo?.stop();
});

async function openJudge(judge: string, suffix = ''): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await phonePage(browser);
  contexts.push(context);
  context.setDefaultTimeout(8000);
  watch(page);
  const link = demo.links.judges[judge]!;
  await page.goto(suffix ? link.replace('/judge#', `/judge${suffix}#`) : link);
  await page.locator('header .judge').waitFor();
  return { context, page };
}

const criterion = (page: Page, key: string) => page.locator(`[data-criterion="${key}"]`);
const field = (page: Page, key: string) => criterion(page, key).locator('input.entry');
/** what the criterion's field shows; '未评分' while it is empty (its placeholder) */
const shownValue = async (page: Page, key: string) => (await field(page, key).inputValue()).trim() || ((await field(page, key).getAttribute('placeholder')) ?? '');
const total = (page: Page) => page.locator('[data-total]').first();
const statusLine = (page: Page) => page.locator('[data-status]');

/** The judge types the value on the phone's number pad. */
async function setCriterion(page: Page, key: string, value: string): Promise<void> {
  await field(page, key).fill(value);
  await field(page, key).blur();
  expect(await shownValue(page, key)).toBe(value);
}

/** Like a thumb: tap the slider near the value, then − / + until it reads exactly `value`. */
async function slideCriterion(page: Page, key: string, value: string, max: number): Promise<void> {
  const slider = criterion(page, key).locator('input[type=range]');
  await slider.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = (await slider.boundingBox())!;
  await page.touchscreen.tap(box.x + 16 + (box.width - 32) * (Number(value) / max), box.y + box.height / 2);
  for (let i = 0; i < 20; i++) {
    const now = await shownValue(page, key);
    if (now === value) return;
    const up = now === '未评分' || Number(now) < Number(value);
    await criterion(page, key).getByRole('button', { name: up ? /加/ : /减/ }).tap();
  }
  throw new Error(`${key} did not reach ${value}: ${await shownValue(page, key)}`);
}

const RUBRIC = { topic: 20, measures: 30, results: 30, delivery: 20 };

async function scoreAll(page: Page, values: Record<keyof typeof RUBRIC, string>): Promise<void> {
  for (const key of Object.keys(RUBRIC)) await setCriterion(page, key, values[key as keyof typeof RUBRIC]);
}

async function submitAndConfirm(page: Page): Promise<void> {
  await page.getByRole('button', { name: '提交评分' }).tap();
  await confirmed(page);
}

/** the confirmation takes taps only a moment after it opened (a double tap on 提交评分 must not confirm) */
async function confirmed(page: Page): Promise<void> {
  await page.locator('[data-armed=true]').waitFor();
  await page.getByRole('button', { name: '确认提交', exact: true }).tap();
}

/** a page state a judge sees: a screenshot for people, and the axe-core check */
async function look(page: Page, state: string): Promise<void> {
  await screenshot(page, state);
  await expectAccessible(page, state);
}

/** what the page sees as `window` (this file is type-checked without the DOM library) */
type PageGlobals = { localStorage: Record<string, string>; document: { documentElement: { scrollWidth: number } } };

/** the judge's outbox in localStorage, as the page keeps it */
const outbox = (page: Page) =>
  page.evaluate(() => {
    const { localStorage } = globalThis as unknown as PageGlobals;
    return Object.keys(localStorage)
      .filter((k) => k.startsWith('leitai:outbox:'))
      .map((k) => JSON.parse(localStorage[k]!) as { presenter: string; submissionId: string; total: string; items: Record<string, string> });
  });

async function noHorizontalScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
}


/**
 * Sits between the page and the server on the socket: records every sheet:submit the page sends
 * and, for the first `times` answers to them, replaces the server's answer (or drops it: null).
 */
async function tamperWithSheetAnswers(page: Page, times: number, answer: string | null): Promise<Array<{ id: string; submissionId: string }>> {
  const submits: Array<{ id: string; submissionId: string }> = [];
  let left = times;
  await page.routeWebSocket(/socket\.io/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const sent = typeof m === 'string' ? /^42(\d+)\["sheet:submit",(.*)\]$/.exec(m) : null;
      if (sent) submits.push({ id: sent[1]!, submissionId: (JSON.parse(sent[2]!) as { submissionId: string }).submissionId });
      server.send(m);
    });
    server.onMessage((m) => {
      const ack = typeof m === 'string' ? /^43(\d+)/.exec(m) : null;
      if (ack && left > 0 && submits.some((x) => x.id === ack[1])) {
        left--;
        if (answer !== null) ws.send(`43${ack[1]}[${answer}]`);
      } else ws.send(m);
    });
  });
  return submits;
}

describe('the judge page', () => {
  test('a link without a token, or with a refused one, says so plainly', async () => {
    const { page } = await phonePage(browser);
    contexts.push(page.context());
    watch(page);
    await page.goto(`${demo.server.url}/judge`);
    await page.getByRole('heading', { name: '链接不完整' }).waitFor();
    expect(await page.locator('body').innerText()).toContain('缺少访问码');
    await page.goto(`${demo.server.url}/judge#token=not-a-real-token-000`);
    await page.reload();
    await page.getByRole('heading', { name: '链接已失效' }).waitFor();
    expect(await page.locator('body').innerText()).toContain('请向工作人员索取新的链接');
    await look(page, 'judge-refused');
  });

  test('the judge follows the turn: not started, presenting (no form), then scoring with the rubric', async () => {
    const { page } = await openJudge('m1');
    expect(await page.locator('header').innerText()).toContain('望城区2023年度');
    expect(await page.locator('header').innerText()).toContain('评委：市委办公厅党建处评委 · 主评委');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('望城区2023年度');
    // the title takes two lines at 360 px (in the page's own font, once loaded): they break between words
    await expect.poll(() => page.evaluate(`document.fonts.check('700 16px "Noto Sans SC"', '望城区年度街镇和区直单位基层党建书记工程决赛“”')`), { timeout: 10_000 }).toBe(true);
    expect(await midWordBreaks(page, '[data-testid=judge-title]')).toEqual([]);
    await page.getByText('比赛尚未开始').waitFor();
    await look(page, 'judge-not-started');

    await host.command('turn:start', { presenter: 'p01' });
    await page.getByText('汇报进行中').waitFor();
    const stage = await page.locator('[data-presenter="p01"]').innerText();
    expect(stage).toContain('乌山街道党工委书记');
    expect(stage).toContain('第 1 位 / 共 22 位');
    expect(stage).toContain('汇报中');
    expect(stage).toContain('党政班子“1+N”联企机制');
    expect(await page.locator('input[type=range]').count()).toBe(0);
    await noHorizontalScroll(page);
    await look(page, 'judge-presenting');

    await host.command('turn:open-scoring', { presenter: 'p01' });
    await criterion(page, 'topic').waitFor();
    expect(await page.locator('[data-presenter="p01"]').innerText()).toContain('评分中');
    for (const key of Object.keys(RUBRIC)) expect(await shownValue(page, key)).toBe('未评分');
    expect(await page.locator('.submit').innerText()).toBe('还有 4 项未评分');
    await noHorizontalScroll(page);
    await look(page, 'judge-scoring-open');
  });

  test('a judge scores every item and submits: the confirmation repeats the exact total, ✓ only once the server acknowledged', async () => {
    await host.ensureScoring('p01');
    const { page } = await phonePage(browser);
    contexts.push(page.context());
    watch(page);
    // Stand between the page and the server, to hold back acknowledgements (socket.io ACK frames start "43").
    let holdAcks = true;
    const held: Array<() => void> = [];
    await page.routeWebSocket(/socket\.io/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (holdAcks && typeof m === 'string' && m.startsWith('43')) held.push(() => ws.send(m));
        else ws.send(m);
      });
    });
    await page.goto(demo.links.judges.m2!);
    await criterion(page, 'topic').waitFor();

    await scoreAll(page, { topic: '18.5', measures: '27', results: '26.5', delivery: '15.5' });
    expect(await total(page).innerText()).toBe('87.5');
    await noHorizontalScroll(page);
    await look(page, 'judge-filled');

    await page.getByRole('button', { name: '提交评分' }).tap();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('确认提交 87.5 分？');
    expect(await dialog.locator('.total .number').innerText()).toBe('87.5');
    expect(await dialog.innerText()).toMatch(/选题准\s*18\.5/);
    await page.locator('[data-armed=true]').waitFor();
    await look(page, 'judge-confirm');
    await dialog.getByRole('button', { name: '确认提交', exact: true }).tap();

    // The server stores the sheet, but its answer has not reached the phone: no ✓ yet.
    await expect.poll(async () => (await host.sheetsOf('p01', 'm2')).length).toBe(1);
    await page.getByText('提交中…').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('已送达服务器');
    expect((await outbox(page)).map((s) => s.total)).toEqual(['87.5']);
    await look(page, 'judge-sending');

    holdAcks = false;
    for (const send of held.splice(0)) send();
    await page.getByText('已送达服务器 ✓').waitFor();
    expect(await outbox(page)).toEqual([]);
    const [stored] = await host.sheetsOf('p01', 'm2');
    expect(stored).toMatchObject({ total: '87.5', items: { topic: '18.5', measures: '27', results: '26.5', delivery: '15.5' }, enteredBy: 'judge' });

    // Locked: no controls; the total is in the judge's own list, with the count.
    expect(await page.locator('input[type=range]').count()).toBe(0);
    expect(await page.locator('[data-row="p01"]').innerText()).toMatch(/1\s+乌山街道党工委书记\s+87\.5\s+✓/);
    expect(await page.locator('[data-progress]').innerText()).toContain('已评 1 位 · 还剩 21 位');
    await noHorizontalScroll(page);
    await look(page, 'judge-received');

    // After a reload the page still shows the sheet as received, from the server's snapshot.
    await page.reload();
    await page.getByText('已送达服务器 ✓').waitFor();
    expect(await total(page).innerText()).toBe('87.5');
  });

  test('the controls cannot produce an invalid value, and an untouched item blocks submission', async () => {
    await host.ensureScoring('p01');
    const { page } = await openJudge('m3');
    await criterion(page, 'topic').waitFor();
    const slider = criterion(page, 'topic').locator('input[type=range]');
    expect(await slider.getAttribute('max')).toBe('40'); // 0 … 20 in steps of 0.5: 41 values

    // + from "not scored" gives the first step; − goes back to 0 and then stops.
    await criterion(page, 'topic').getByRole('button', { name: /加/ }).tap();
    expect(await shownValue(page, 'topic')).toBe('0.5');
    await criterion(page, 'topic').getByRole('button', { name: /减/ }).tap();
    expect(await shownValue(page, 'topic')).toBe('0');
    expect(await criterion(page, 'topic').getByRole('button', { name: /减/ }).isDisabled()).toBe(true);

    // At the top, + stops at the maximum.
    await slideCriterion(page, 'topic', '19.5', 20);
    const plus = criterion(page, 'topic').getByRole('button', { name: /加/ });
    await plus.tap();
    expect(await shownValue(page, 'topic')).toBe('20');
    expect(await plus.isDisabled()).toBe(true);
    await plus.tap({ force: true });
    expect(await shownValue(page, 'topic')).toBe('20');
    // The slider cannot go past the end either.
    const box = (await slider.boundingBox())!;
    await page.touchscreen.tap(box.x + box.width - 1, box.y + box.height / 2);
    expect(await shownValue(page, 'topic')).toBe('20');

    // Three of four items: the total counts only what is set, and submitting points at the gap.
    await setCriterion(page, 'measures', '30');
    await setCriterion(page, 'delivery', '0');
    expect(await total(page).innerText()).toBe('50');
    const submit = page.locator('.submit');
    expect(await submit.innerText()).toBe('还有 1 项未评分');
    await submit.tap();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await criterion(page, 'results').getAttribute('class')).toContain('flash');
    expect(await shownValue(page, 'results')).toBe('未评分');
    await look(page, 'judge-incomplete');
    expect(await host.sheetsOf('p01', 'm3')).toEqual([]);

    // The values set so far survive a reload (a draft on the phone), still unsubmitted.
    await page.reload();
    await criterion(page, 'topic').waitFor();
    expect(await shownValue(page, 'topic')).toBe('20');
    expect(await shownValue(page, 'results')).toBe('未评分');
    expect(await total(page).innerText()).toBe('50');
  });

  test('a judge types each score on the number pad: checked as typed, a value not allowed is named next to the field and blocks the sheet; quick choices', async () => {
    await host.ensureScoring('p01');
    const { page } = await openJudge('e04');
    await criterion(page, 'topic').waitFor();
    for (const key of Object.keys(RUBRIC)) expect(await field(page, key).getAttribute('inputmode')).toBe('decimal');
    const problem = (key: string) => criterion(page, key).locator('[data-problem]').innerText();

    // 27.5 of 30 in two taps: the quick choice 27, then + 0.5
    await criterion(page, 'measures').locator('[data-quick="27"]').tap();
    await criterion(page, 'measures').getByRole('button', { name: /加/ }).tap();
    expect(await shownValue(page, 'measures')).toBe('27.5');

    // over the maximum, off the step: said in Chinese next to the field, as typed
    await field(page, 'results').fill('31');
    expect(await problem('results')).toBe('超过满分 30');
    await field(page, 'results').fill('26.3');
    expect(await problem('results')).toBe('必须是 0.5 的整数倍');
    expect(await field(page, 'results').getAttribute('aria-invalid')).toBe('true');
    // "18." is on its way to 18.5: not a mistake yet, but not a value either
    await field(page, 'topic').fill('18.');
    expect(await problem('topic')).toBe('');
    await field(page, 'topic').fill('18.5');
    await setCriterion(page, 'delivery', '15');
    expect(await total(page).innerText()).toBe('61'); // 18.5 + 27.5 + 15: the value not allowed counts for nothing
    const submit = page.locator('.submit');
    expect(await submit.innerText()).toBe('有 1 项分值不符合规则');
    await look(page, 'judge-typed-not-allowed');
    await submit.tap();
    expect(await page.getByRole('dialog').count()).toBe(0);

    // full-width digits from a Chinese keyboard are read as what they are
    await field(page, 'results').fill('２６．５');
    expect(await problem('results')).toBe('');
    await field(page, 'results').blur();
    expect(await shownValue(page, 'results')).toBe('26.5');
    expect(await total(page).innerText()).toBe('87.5');

    // A double tap on 提交评分: the second tap lands where the first did, and sends nothing.
    await submit.scrollIntoViewIfNeeded();
    const box = (await submit.boundingBox())!;
    const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    await page.touchscreen.tap(at.x, at.y);
    await page.touchscreen.tap(at.x, at.y);
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.waitForTimeout(300);
    expect(await dialog.isVisible()).toBe(true);
    expect(await host.sheetsOf('p01', 'e04')).toEqual([]);
    const confirm = dialog.getByRole('button', { name: '确认提交', exact: true });
    const confirmBox = (await confirm.boundingBox())!;
    expect(confirmBox.y + confirmBox.height).toBeLessThan(box.y); // the confirming button is not where the finger was

    // Even a tap right on 确认提交 is not taken in the first moment after the sheet opened.
    await page.locator('[data-armed=true]').waitFor();
    await dialog.getByRole('button', { name: '返回修改' }).tap();
    await dialog.waitFor({ state: 'detached' });
    await page.touchscreen.tap(at.x, at.y);
    await page.touchscreen.tap(confirmBox.x + confirmBox.width / 2, confirmBox.y + confirmBox.height / 2);
    await page.waitForTimeout(300);
    expect(await dialog.isVisible()).toBe(true);
    expect(await host.sheetsOf('p01', 'e04')).toEqual([]);

    await confirmed(page);
    await page.getByText('已送达服务器 ✓').waitFor();
    expect((await host.sheetsOf('p01', 'e04')).map((x) => x.items)).toEqual([{ topic: '18.5', measures: '27.5', results: '26.5', delivery: '15' }]);
  });

  test('every glyph the page may need is fetched while the server answers; when it stops, the banner says the server cannot be reached (not that the network is down)', async () => {
    const { page } = await phonePage(browser);
    contexts.push(page.context());
    page.context().setDefaultTimeout(8000);
    watch(page);
    // Between the page and the server: `down` cuts the socket and drops every new one at once, as
    // a server going down does (a connection refused outright by the route would hang ~20 s).
    let down = false;
    const open: Array<() => void> = [];
    await page.routeWebSocket(/socket\.io/, (ws) => {
      const server = ws.connectToServer();
      if (down) {
        server.onMessage((m) => {
          ws.send(m);
          void ws.close();
          void server.close();
        });
        return;
      }
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => ws.send(m));
      open.push(() => ws.close());
    });
    await page.goto(demo.links.judges.e08!);
    await page.locator('header .judge').waitFor();

    // The names of the contest (every presenter, criterion and panel) and the words of the page
    // when the server is gone: drawn later, perhaps after the connection dropped, never as boxes.
    const snapshot = await host.snapshot();
    const serverBar = '连不上评分服务器（会场网络或服务器故障），正在重连… 可以继续打分，提交会在恢复后自动送达。';
    const offlineBar = '手机网络已断开，正在等待网络… 可以继续打分，提交会在恢复后自动送达。';
    const text = [
      snapshot.contest.title,
      ...snapshot.criteria.map((c) => c.name),
      ...snapshot.panels.map((p) => p.name),
      ...snapshot.presenters.flatMap((p) => [p.name, p.unit, p.topic]),
      serverBar,
      offlineBar,
      '尚未送达，等待连接恢复',
      '暂时连不上服务器。评分已保存在本机，恢复连接后会自动重新提交，无需重新打分。',
    ].join('');
    const glyphsReady = () =>
      page.evaluate((t) => {
        const fonts = (globalThis as unknown as { document: { fonts: { check(font: string, text: string): boolean } } }).document.fonts;
        return fonts.check('400 16px "Noto Sans SC"', t) && fonts.check('700 16px "Noto Sans SC"', t);
      }, text);
    await expect.poll(glyphsReady, { timeout: 10_000 }).toBe(true);

    down = true;
    for (const close of open.splice(0)) close();
    await page.locator('[data-stale]').waitFor();
    expect(await page.locator('[data-stale]').innerText()).toBe(serverBar);
    expect(await glyphsReady()).toBe(true);
    await look(page, 'judge-server-down');

    // (a phone without any network is told so instead: see the sheet kept offline, below)
    down = false;
    await page.locator('[data-stale]').waitFor({ state: 'detached', timeout: 15_000 });
  });

  test('a recused judge sees 回避 and has nothing to submit', async () => {
    await host.ensureScoring('p01');
    const { page } = await openJudge('e09');
    await page.locator('[data-view="recused"]').waitFor();
    expect(await page.locator('[data-view="recused"]').innerText()).toContain('回避');
    expect(await page.locator('input[type=range]').count()).toBe(0);
    expect(await page.getByRole('button', { name: /提交/ }).count()).toBe(0);
    expect(await page.locator('[data-row="p01"]').innerText()).toContain('回避');
    // recused presenters do not count as remaining: 22 − p01
    expect(await page.locator('[data-progress]').innerText()).toContain('已评 0 位 · 还剩 21 位');
    await look(page, 'judge-recused');
  });

  test('a judge the host marks absent for a presenter sees 缺席, not 回避, and has nothing to submit', async () => {
    await host.ensureScoring('p01');
    const { page } = await openJudge('e15');
    await criterion(page, 'topic').waitFor();
    await host.command('judge:excuse', { presenter: 'p01', judge: 'e15', reason: '评委临时离场' });
    await page.locator('[data-view="absent"]').waitFor();
    const shown = await page.locator('[data-view="absent"]').innerText();
    expect(shown).toContain('缺席');
    expect(shown).not.toContain('回避');
    expect(await page.locator('[data-row="p01"]').innerText()).toContain('缺席');
    expect(await page.getByRole('button', { name: /提交/ }).count()).toBe(0);
    expect(await criterion(page, 'topic').count()).toBe(0);
  });

  test('a sheet confirmed while the server is unreachable is kept on the phone, survives a reload, and is stored once with its submissionId', async () => {
    await host.ensureScoring('p01');
    const { context, page } = await openJudge('m4');
    await criterion(page, 'topic').waitFor();

    await context.setOffline(true);
    await page.locator('[data-stale]').waitFor();
    expect(await page.locator('[data-stale]').innerText()).toBe('手机网络已断开，正在等待网络… 可以继续打分，提交会在恢复后自动送达。');
    await scoreAll(page, { topic: '17', measures: '25.5', results: '24', delivery: '16.5' }); // the form works offline
    await submitAndConfirm(page);
    await page.getByText('尚未送达，等待连接恢复').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('已送达服务器');
    const [kept] = await outbox(page);
    expect(kept).toMatchObject({ presenter: 'p01', total: '83', items: { topic: '17', measures: '25.5', results: '24', delivery: '16.5' } });
    expect(kept!.submissionId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(await page.locator('[data-row="p01"]').innerText()).toContain('待送达');
    expect(await page.locator('[data-progress]').innerText()).toBe('已评 0 位 · 还剩 21 位 · 1 份待送达');
    await look(page, 'judge-offline-kept');

    // The judge reloads while still offline (the browser cannot even load the page), then the Wi-Fi comes back.
    await page.reload().catch(() => undefined);
    expect(await host.sheetsOf('p01', 'm4')).toEqual([]);
    await context.setOffline(false);
    await page.goto(demo.links.judges.m4!);
    await page.getByText('已送达服务器 ✓').waitFor();
    expect(await outbox(page)).toEqual([]);

    const stored = await host.sheetsOf('p01', 'm4');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ total: '83', enteredBy: 'judge' });
    // The stored sheet is the one with the phone's submissionId: sending it again stores nothing new.
    const replay = io(demo.server.url, { auth: { token: tokenOf(demo.links.judges.m4!), protocol: PROTOCOL_VERSION }, transports: ['websocket'] });
    try {
      const again = (await replay.timeout(5000).emitWithAck('sheet:submit', { presenter: 'p01', items: kept!.items, submissionId: kept!.submissionId })) as AckResult<SheetReceipt>;
      expect(again).toMatchObject({ ok: true, duplicate: true, sheetId: stored[0]!.id, total: '83' });
    } finally {
      replay.close();
    }
    expect(await host.sheetsOf('p01', 'm4')).toHaveLength(1);
  });

  test('after a dropped connection the kept sheet is delivered by itself when the connection is back', async () => {
    await host.ensureScoring('p01');
    const { context, page } = await openJudge('m5');
    await criterion(page, 'topic').waitFor();
    await scoreAll(page, { topic: '10', measures: '20.5', results: '20', delivery: '10' });
    await context.setOffline(true);
    await page.locator('[data-stale]').waitFor();
    await submitAndConfirm(page);
    await page.getByText('尚未送达，等待连接恢复').waitFor();
    await context.setOffline(false);
    await page.getByText('已送达服务器 ✓').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-stale]').count()).toBe(0);
    expect((await host.sheetsOf('p01', 'm5')).map((s) => s.total)).toEqual(['60.5']);
  });

  test('opening the same judge link on a second phone stops the first, which can take the seat back', async () => {
    const first = await openJudge('m6');
    const second = await openJudge('m6');
    await first.page.getByText('此链接已在另一台设备上打开').waitFor();
    await look(first.page, 'judge-replaced');
    expect(await second.page.locator('header').innerText()).toContain('评委：区委组织部部务会成员C');

    await first.page.getByRole('button', { name: '在本设备继续使用' }).tap();
    await first.page.locator('header .judge').waitFor();
    await second.page.getByText('此链接已在另一台设备上打开').waitFor();
  });

  test('a sheet kept offline that the host entered meanwhile counts as received when the totals agree, and is explained when they do not', async () => {
    await host.ensureScoring('p01');
    const same = await openJudge('m7');
    const differs = await openJudge('e01');
    for (const judge of [same, differs]) {
      await criterion(judge.page, 'topic').waitFor();
      await scoreAll(judge.page, { topic: '15', measures: '22', results: '23', delivery: '14' }); // 74
      await judge.context.setOffline(true);
      await judge.page.locator('[data-stale]').waitFor();
      await submitAndConfirm(judge.page);
      await judge.page.getByText('尚未送达，等待连接恢复').waitFor();
    }
    // Meanwhile the judges hand their paper sheets to the host, who enters them (代录).
    expect(await host.enter('p01', 'm7', { topic: '15', measures: '22', results: '23', delivery: '14' })).toMatchObject({ ok: true, total: '74' });
    expect(await host.enter('p01', 'e01', { topic: '15', measures: '22', results: '23', delivery: '15' })).toMatchObject({ ok: true, total: '75' });

    await same.context.setOffline(false);
    await same.page.getByText('已送达服务器 ✓').waitFor({ timeout: 15_000 });
    expect(await outbox(same.page)).toEqual([]);

    await differs.context.setOffline(false);
    await differs.page.getByText('未能提交').waitFor({ timeout: 15_000 });
    expect(await differs.page.locator('[data-status]').innerText()).toContain('服务器上已有您对本选手的评分（75 分）');
    await look(differs.page, 'judge-already-submitted');
    expect((await host.sheetsOf('p01', 'e01')).map((s) => s.total)).toEqual(['75']);
  });

  test('when the host reopens a sheet, the judge sees why, starts from the earlier values and resubmits', async () => {
    await host.ensureScoring('p01');
    const { page } = await openJudge('m2'); // submitted 87.5 above
    await page.getByText('已送达服务器 ✓').waitFor();
    await host.command('sheet:reopen', { presenter: 'p01', judge: 'm2', reason: '评委反映第二项误触' });
    await page.getByText('原因：评委反映第二项误触').waitFor();
    expect(await shownValue(page, 'measures')).toBe('27');
    expect(await total(page).innerText()).toBe('87.5');
    await look(page, 'judge-reopened');

    await setCriterion(page, 'measures', '28.5');
    expect(await total(page).innerText()).toBe('89');
    await page.getByRole('button', { name: '提交评分' }).tap();
    expect(await page.getByRole('dialog').innerText()).toContain('确认提交 89 分？');
    await confirmed(page);
    await page.getByText('已送达服务器 ✓').waitFor();
    expect(await total(page).innerText()).toBe('89');
    const [sheet] = await host.sheetsOf('p01', 'm2');
    expect(sheet).toMatchObject({ total: '89', corrected: true });
    expect(await page.locator('[data-row="p01"]').innerText()).toContain('89');
  });

  test('when the server cannot save, the page says so and sends the same sheet again until it is stored', async () => {
    await host.ensureScoring('p01');
    const { page } = await phonePage(browser);
    contexts.push(page.context());
    page.context().setDefaultTimeout(8000);
    watch(page);
    // The first two answers to sheet:submit come back as db_unavailable, as when the database is down.
    const submits = await tamperWithSheetAnswers(page, 2, `{"ok":false,"error":{"code":"db_unavailable","message":"not saved: the database did not answer"}}`);
    await page.goto(demo.links.judges.e05!);
    await criterion(page, 'topic').waitFor();
    await scoreAll(page, { topic: '12.5', measures: '18', results: '19.5', delivery: '11' }); // 61
    await submitAndConfirm(page);
    await page.getByText('服务器暂时无法保存，正在自动重新提交').waitFor();
    expect(await page.locator('body').innerText()).not.toContain('已送达服务器');
    await look(page, 'judge-db-retry');
    await page.getByText('已送达服务器 ✓').waitFor({ timeout: 20_000 });
    expect(submits.length).toBe(3);
    expect(new Set(submits.map((s) => s.submissionId)).size).toBe(1);
    expect((await host.sheetsOf('p01', 'e05')).map((x) => x.total)).toEqual(['61']);
  });

  test('when the answer from the server is lost, the page waits, says so, and sends the same sheet again', async () => {
    await host.ensureScoring('p01');
    const { page } = await phonePage(browser);
    contexts.push(page.context());
    page.context().setDefaultTimeout(8000);
    watch(page);
    // The server stores the sheet, but its first answer never reaches the phone.
    const submits = await tamperWithSheetAnswers(page, 1, null);
    await page.goto(demo.links.judges.e07!);
    await criterion(page, 'topic').waitFor();
    await scoreAll(page, { topic: '14', measures: '21', results: '22.5', delivery: '13' }); // 70.5
    await submitAndConfirm(page);
    await expect.poll(async () => (await host.sheetsOf('p01', 'e07')).length).toBe(1);
    await page.getByText('服务器暂未回应，正在自动重新提交（第 2 次）').waitFor({ timeout: 15_000 });
    expect(await page.locator('body').innerText()).not.toContain('已送达服务器');
    await page.getByText('已送达服务器 ✓').waitFor({ timeout: 15_000 });
    expect(submits.length).toBe(2);
    expect(submits[0]!.submissionId).toBe(submits[1]!.submissionId);
    expect((await host.sheetsOf('p01', 'e07')).map((x) => x.total)).toEqual(['70.5']);
  }, 45_000);

  test('once scoring is over, a judge who did not submit is told so instead of seeing a form', async () => {
    await host.ensureScoring('p01');
    const { page } = await openJudge('e02');
    await criterion(page, 'topic').waitFor();
    // Another judge confirmed offline; the turn closes before the phone is back.
    const late = await openJudge('e06');
    await criterion(late.page, 'topic').waitFor();
    await scoreAll(late.page, { topic: '16', measures: '24', results: '25', delivery: '17' }); // 82
    await late.context.setOffline(true);
    await late.page.locator('[data-stale]').waitFor();
    await submitAndConfirm(late.page);
    await late.page.getByText('尚未送达，等待连接恢复').waitFor();

    await host.command('turn:close', { presenter: 'p01' });
    await page.getByText('本选手评分已结束，您没有提交评分').waitFor();
    expect(await page.locator('input[type=range]').count()).toBe(0);
    expect(await page.locator('[data-row="p01"]').innerText()).toContain('未评分');

    // The late sheet is refused: the judge keeps the values on screen and is told to give them to the host.
    await late.context.setOffline(false);
    await late.page.getByText('未能提交').waitFor({ timeout: 15_000 });
    const card = await late.page.locator('[data-status]').innerText();
    expect(card).toContain('该选手现在不接受评分（评分尚未开始或已经结束）。');
    expect(card).toContain('请把以上分数告知主持人，由主持人代录。');
    // the server's own (English) words only behind a small details line
    expect(card).not.toMatch(/[A-Za-z]{3,}|服务器答复/);
    const details = late.page.getByTestId('refusal-details');
    await details.locator('summary').tap();
    expect(await details.innerText()).toContain('turn_not_open:');
    expect(await total(late.page).innerText()).toBe('82');
    await look(late.page, 'judge-turn-closed-refused');
    expect(await host.sheetsOf('p01', 'e06')).toEqual([]);

    await host.command('turn:start', { presenter: 'p02' });
    await page.locator('[data-presenter="p02"]').waitFor();
    expect(await page.locator('[data-presenter="p02"]').innerText()).toContain('汇报中');
    await look(page, 'judge-next-presenter');
  });

  test('a sheet reopened after the turn has moved on is reached from a banner, changed and sent', async () => {
    const { page } = await openJudge('m4'); // submitted 83 for p01 above; p02 is on stage now
    await page.locator('[data-presenter="p02"]').waitFor();
    await host.command('sheet:reopen', { presenter: 'p01', judge: 'm4', reason: '纸质评分表核对不一致' });
    const banner = page.getByRole('alert').filter({ hasText: '主持人退回了您对第 1 位 乌山街道党工委书记 的评分：纸质评分表核对不一致' });
    await banner.waitFor();
    await noHorizontalScroll(page);
    await look(page, 'judge-reopened-banner');
    await banner.getByRole('button', { name: '去修改' }).tap();
    await page.getByText('正在查看第 1 位的评分').waitFor();
    expect(await shownValue(page, 'topic')).toBe('17');
    await setCriterion(page, 'topic', '16');
    expect(await total(page).innerText()).toBe('82');
    await submitAndConfirm(page);
    await page.getByText('已送达服务器 ✓').waitFor();
    expect((await host.sheetsOf('p01', 'm4')).map((x) => x.total)).toEqual(['82']);
    await page.getByRole('button', { name: '返回台上选手' }).tap();
    await page.getByText('汇报进行中').waitFor();
    expect(await page.locator('[data-row="p01"]').innerText()).toMatch(/82\s+✓/);
  });

  test('in English with ?lang=en', async () => {
    const { page } = await openJudge('e03', '?lang=en');
    expect(await page.locator('header').innerText()).toContain('Judge: 领导小组成员单位代表C · 测评打分');
    expect(await page.locator('body').innerText()).toContain('My scores');
    await look(page, 'judge-english');
  });
});
