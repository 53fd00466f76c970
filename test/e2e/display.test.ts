import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostSnapshot, JudgeSnapshot, Snapshot } from '../../server/contracts/snapshots.ts';
import type { AckResult, ClientToServerEvents, ServerToClientEvents } from '../../server/contracts/socket.ts';
import { PROTOCOL_VERSION } from '../../server/contracts/vocabulary.ts';
import type { ContestDetailAnswer, ContestListAnswer, CreatedContestAnswer } from '../../server/contracts/admin-api.ts';
import type { ContestFile } from '../../server/contest-file/contest-file.schema.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import { demoLinks, launchBrowser, screenshot, type DemoLinks } from './browser.ts';
import { expectAccessible } from './accessibility.ts';
import { expectFitsEverySize, midWordBreaks, PROJECTOR_SIZES } from './layout.ts';
import { follow } from '../helpers/snapshot-follower.ts';

/**
 * The projector in a full hall, through the real page in Chromium at 1920 × 1080, against a real
 * server with the demo contest, driven by a real host console and real judges' sockets. Each test
 * is one step of the same contest, in order, and asserts what the audience would see.
 */

// What functions run inside the page may use (this tsconfig is the server's: it has no DOM library).
declare const document: {
  body: { innerText: string };
  scrollingElement: { scrollHeight: number; scrollWidth: number } | null;
  querySelector(selector: string): { textContent: string | null; parentElement: object | null } | null;
  querySelectorAll(selector: string): { length: number };
  getAnimations(): Array<{ playState: string; effect: { getTiming(): { iterations?: number } } | null }>;
  fonts: { ready: Promise<unknown>; check(font: string, text: string): boolean };
};
declare const getComputedStyle: (element: object) => { opacity: string; cursor: string; userSelect: string; color: string };
declare const innerWidth: number;
declare const innerHeight: number;

// ---------------------------------------------------------------- the people around the projector

type Sock = Socket<ServerToClientEvents, ClientToServerEvents>;

class Client<S extends Snapshot> {
  readonly socket: Sock;
  snapshot: S | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(url: string, link: string) {
    const token = new URLSearchParams(new URL(link).hash.slice(1)).get('token');
    this.socket = io(url, { auth: { token, protocol: PROTOCOL_VERSION }, transports: ['websocket'], forceNew: true, reconnectionDelayMax: 500 });
    follow<S>(this.socket).onFrame((snapshot) => {
      this.snapshot = snapshot;
      for (const listener of this.#listeners) listener();
    });
  }

  /** the first snapshot (from now on) that satisfies `ok` */
  until(ok: (s: S) => boolean, timeoutMs = 10_000): Promise<S> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.snapshot && ok(this.snapshot)) {
          this.#listeners.delete(check);
          clearTimeout(timer);
          resolve(this.snapshot);
        }
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`no snapshot as expected within ${timeoutMs} ms (last version ${this.snapshot?.version})`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}

type HostCommand = 'turn:start' | 'turn:open-scoring' | 'turn:close' | 'turn:reveal' | 'turn:skip' | 'clock:pause' | 'clock:resume' | 'sheet:reopen' | 'judge:excuse' | 'screen:show' | 'awards:reveal-next';

class Host extends Client<HostSnapshot> {
  /** sends a command made against the latest snapshot, and waits for the snapshot it leads to */
  async command(event: HostCommand, payload: Record<string, unknown> = {}): Promise<HostSnapshot> {
    const before = await this.until(() => true);
    const emit = this.socket.timeout(10_000).emitWithAck as unknown as (e: string, p: object) => Promise<AckResult<{ version: number }>>;
    const result = await emit.call(this.socket, event, { ...payload, turnsVersion: before.turnsVersion });
    if (!result.ok) throw new Error(`${event} refused: ${result.error.code}: ${result.error.message}`);
    return this.until((s) => s.version >= result.version);
  }

  result(presenter: string) {
    const found = this.snapshot!.results.find((r) => r.presenter === presenter);
    if (!found) throw new Error(`no result for ${presenter}`);
    return found;
  }
}

class Judge extends Client<JudgeSnapshot> {
  constructor(
    url: string,
    link: string,
    readonly key: string,
  ) {
    super(url, link);
  }

  /** a sheet whose items add up to `total` (63 to 93, in steps of 0.5) */
  async submit(presenter: string, total: number): Promise<string> {
    const items = { topic: '18', measures: '27', results: String(total - 63), delivery: '18' };
    const result = await this.socket.timeout(10_000).emitWithAck('sheet:submit', { presenter, items, submissionId: randomUUID() });
    if (!result.ok) throw new Error(`${this.key} could not submit for ${presenter}: ${result.error.code}: ${result.error.message}`);
    return result.total;
  }
}

// ---------------------------------------------------------------- the venue

const MAIN = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'];
const EVAL = Array.from({ length: 15 }, (_, i) => `e${String(i + 1).padStart(2, '0')}`);

/** p01's sheets: in 主评委 m5 is the highest and m6 the lowest; in 测评 (e09 recused) e11 and e14 */
const P01: Record<string, number> = {
  m1: 88, m2: 91.5, m3: 85, m4: 89, m5: 93, m6: 80, m7: 90,
  e01: 84, e02: 86.5, e03: 88, e04: 79.5, e05: 90, e06: 85, e07: 87, e08: 83, e10: 86, e11: 92, e12: 81, e13: 84.5, e14: 75, e15: 88.5,
};

const dataDir = mkdtempSync(join(tmpdir(), 'leitai-display-'));
let server: ServerProcess;
let links: DemoLinks;
let browser: Browser;
let page: Page;
let host: Host;
const judges = new Map<string, Judge>();

const ADMIN_TOKEN = 'display-test-admin-token';

/** a page of its own browser context (axe-core checks pages only of contexts made with newContext) */
async function projectorPage(options: { viewport: { width: number; height: number }; locale?: string }): Promise<Page> {
  return (await browser.newContext(options)).newPage();
}

async function startLeitai(port?: number): Promise<ServerProcess> {
  return startServer({ DATA_DIR: dataDir, ADMIN_TOKEN, ...(port ? { PORT: String(port) } : {}) });
}

beforeAll(async () => {
  server = await startLeitai();
  links = await demoLinks(server, ADMIN_TOKEN);
  browser = await launchBrowser();
  page = await projectorPage({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  host = new Host(server.url, links.host);
  for (const key of [...MAIN, ...EVAL]) judges.set(key, new Judge(server.url, links.judges[key]!, key));
  await host.until(() => true);
  await page.goto(links.display);
}, 90_000);

afterAll(async () => {
  host?.close();
  for (const judge of judges.values()) judge.close();
  await browser?.close();
  await server?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- what the hall sees

const judge = (key: string) => judges.get(key)!;
const text = () => page.innerText('body');
const digits = () => page.innerText('[data-testid=clock-digits]');
const seconds = (mmss: string) => {
  const [m, s] = mmss.replace('+', '').split(':').map(Number);
  return m! * 60 + s!;
};
/** a number standing on its own in a text, not inside a longer one */
const showsNumber = (haystack: string, value: string) => new RegExp(`(?<![\\w.])${value.replace('.', '\\.')}(?![\\w.])`).test(haystack);

async function view(name: string, extra = ''): Promise<void> {
  await page.waitForSelector(`[data-testid=view-${name}]${extra}`, { timeout: 10_000 });
}

/** waits until every staged animation on screen has finished (the reveal takes a few seconds) */
async function settled(): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity), null, {
    timeout: 15_000,
  });
}

/** a picture of the screen as the hall sees it, once the fonts have arrived: test-results/NAME.png */
async function shoot(name: string, on: Page = page): Promise<void> {
  await on.evaluate(() => document.fonts.ready.then(() => undefined));
  await screenshot(on, name);
  await expectAccessible(on, name);
}

async function expectNoScrollbars(): Promise<void> {
  for (const [width, height] of [
    [1920, 1080],
    [1280, 720],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    const size = await page.evaluate(() => ({
      scrollHeight: document.scrollingElement!.scrollHeight,
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerHeight,
      innerWidth,
    }));
    expect(size.scrollHeight, `${width}×${height}`).toBeLessThanOrEqual(size.innerHeight);
    expect(size.scrollWidth, `${width}×${height}`).toBeLessThanOrEqual(size.innerWidth);
  }
  await page.setViewportSize({ width: 1920, height: 1080 });
}

/** a whole turn, quickly: start, score with `totals` (judge → total), reveal */
async function runTurn(presenter: string, totals: Record<string, number>): Promise<void> {
  await host.command('turn:start', { presenter });
  await host.command('turn:open-scoring', { presenter });
  await Promise.all(Object.entries(totals).map(([key, total]) => judge(key).submit(presenter, total)));
  await host.until((s) => s.turns.find((t) => t.presenter === presenter)?.phase === 'closed');
  await host.command('turn:reveal', { presenter });
}

function totalsFor(presenter: string, offset: number): Record<string, number> {
  const recused = host.snapshot!.presenters.find((p) => p.key === presenter)!.recused;
  return Object.fromEntries(
    Object.entries(P01)
      .map(([key, total]) => [key, Math.min(93, total + offset)] as const)
      .concat(recused.includes('e09') ? [] : [['e09', 86 + offset] as const])
      .filter(([key]) => !recused.includes(key)),
  );
}

// ---------------------------------------------------------------- the contest, step by step

describe('the projector during a contest', () => {
  test('before the start it shows the contest title, and nothing scrolls', async () => {
    await view('title');
    const title = host.snapshot!.contest.title;
    expect(await page.innerText('h1')).toBe(title);
    expect(await text()).toContain('比赛即将开始');
    expect(await page.title()).toContain(title);
    const style = await page.evaluate(() => {
      const s = getComputedStyle(document.querySelector('.leitai-display')!);
      return { cursor: s.cursor, userSelect: s.userSelect };
    });
    expect(style).toEqual({ cursor: 'none', userSelect: 'none' });
    await shoot('display-title');
    await expectNoScrollbars();
    // the title wraps between words, never inside one (区直单|位), on 16:9 and 4:3
    for (const [width, height] of PROJECTOR_SIZES) {
      await page.setViewportSize({ width, height });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      await page.waitForTimeout(100);
      expect(await midWordBreaks(page, '[data-testid=view-title] h1'), `${width}×${height}`).toEqual([]);
    }
    await page.setViewportSize({ width: 1920, height: 1080 });
  });

  test('a started turn shows the presenter and the talk clock counting down from the limit', async () => {
    await host.command('turn:start', { presenter: 'p01' });
    await view('turn', '[data-phase=presenting]');
    const p01 = host.snapshot!.presenters.find((p) => p.key === 'p01')!;
    const shown = await text();
    expect(shown).toContain('第 1 位');
    expect(shown).toContain(p01.name);
    expect(shown).toContain(p01.topic);
    expect(shown).toContain('剩余时间');

    const first = seconds(await digits());
    expect(first).toBeGreaterThan(470);
    expect(first).toBeLessThanOrEqual(480);
    await page.waitForTimeout(2_300);
    const later = seconds(await digits());
    expect(first - later).toBeGreaterThanOrEqual(2);
    expect(first - later).toBeLessThanOrEqual(3);
    await shoot('display-turn');
  });

  test('when the host pauses, the clock stops and says 暂停; on resume it runs on', async () => {
    await host.command('clock:pause');
    await page.waitForSelector('[data-testid=clock][data-paused=true]');
    expect(await text()).toContain('暂停');
    const paused = await digits();
    await page.waitForTimeout(1_500);
    expect(await digits()).toBe(paused);
    await shoot('display-turn-paused');

    await host.command('clock:resume');
    await page.waitForSelector('[data-testid=clock][data-paused=false]');
    await page.waitForTimeout(1_300);
    expect(seconds(await digits())).toBeLessThan(seconds(paused));
  });

  test('while the judges score, the projector shows how many sheets are in and none of their totals', async () => {
    await host.command('turn:open-scoring', { presenter: 'p01' });
    const early = ['m1', 'm2', 'm3', 'e01', 'e02', 'e03', 'e04', 'e05'];
    const submitted = await Promise.all(early.map((key) => judge(key).submit('p01', P01[key]!)));
    await page.waitForFunction(() => /3\/7/.test(document.body.innerText) && /5\/14/.test(document.body.innerText), null, { timeout: 10_000 });

    const shown = await text();
    expect(shown).toContain('主评委');
    expect(shown).toContain('测评打分');
    expect(shown).toContain('已评');
    for (const total of submitted) expect(showsNumber(shown, total), `total ${total} on screen`).toBe(false);
    expect(await page.locator('[data-testid=view-reveal]').count()).toBe(0);
    await shoot('display-scoring');
  });

  test('nothing of the scores reaches the projector before the host reveals', async () => {
    const rest = Object.keys(P01).filter((key) => !['m1', 'm2', 'm3', 'e01', 'e02', 'e03', 'e04', 'e05'].includes(key));
    await Promise.all(rest.map((key) => judge(key).submit('p01', P01[key]!)));
    await host.until((s) => s.turns.find((t) => t.presenter === 'p01')?.phase === 'closed');
    await view('turn', '[data-phase=closed]');
    await page.waitForFunction(() => /7\/7/.test(document.body.innerText) && /14\/14/.test(document.body.innerText));

    const result = host.result('p01');
    expect(result.final).not.toBeNull();
    const shown = await text();
    const html = await page.content();
    expect(shown).toContain('等待公布');
    expect(showsNumber(html, result.final!)).toBe(false);
    for (const panel of result.panels) expect(showsNumber(html, panel.score!)).toBe(false);
    for (const sheet of host.snapshot!.sheets.filter((s) => s.presenter === 'p01')) {
      expect(showsNumber(shown, sheet.total), `total ${sheet.total} on screen`).toBe(false);
    }
    await shoot('display-closed');
  });

  test('the reveal is staged, then shows every total in seat order, the dropped ones struck through, and the final the server computed', async () => {
    await host.command('turn:reveal', { presenter: 'p01' });
    await view('reveal', '[data-count="1"]');
    // staged: the totals come first, the final a few seconds later
    await page.waitForTimeout(800);
    const early = await page.evaluate(() => Number(getComputedStyle(document.querySelector('[data-testid=final]')!.parentElement!).opacity));
    expect(early).toBeLessThan(0.5);
    await settled();

    const cards = await page.$$eval('[data-testid^=reveal-panel-]', (panels) =>
      panels.map((panel) => ({
        panel: panel.getAttribute('data-testid')!.replace('reveal-panel-', ''),
        score: panel.querySelector('[data-testid=panel-score]')!.textContent!.trim(),
        totals: [...panel.querySelectorAll('[data-testid=total]')].map((card) => ({
          seat: Number(card.getAttribute('data-seat')),
          value: card.querySelector('.value')!.textContent!.trim(),
          dropped: card.getAttribute('data-dropped'),
          struck: card.querySelector('s') !== null,
          label: card.querySelector('.bottom')!.textContent!.trim(),
        })),
      })),
    );
    const seatsOf = (panel: string) => cards.find((c) => c.panel === panel)!.totals;
    const sheets = host.snapshot!.sheets.filter((s) => s.presenter === 'p01');
    const totalOf = (judgeKey: string) => sheets.find((s) => s.judge === judgeKey)!.total;

    // 主评委: seats 1–7 in order, each showing that judge's total
    expect(seatsOf('main').map((c) => c.seat)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seatsOf('main').map((c) => c.value)).toEqual(MAIN.map(totalOf));
    // 测评: e09 is recused from p01, so seat 9 has no total, and says why
    expect(seatsOf('eval').map((c) => c.seat)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15]);
    expect(seatsOf('eval').map((c) => c.value)).toEqual(EVAL.filter((k) => k !== 'e09').map(totalOf));
    const unscored = await page.$$eval('[data-testid=unscored]', (els) => els.map((el) => [el.getAttribute('data-seat'), el.getAttribute('data-reason'), el.textContent!.replace(/\s+/g, '')]));
    expect(unscored).toEqual([['9', 'recused', '9号回避']]);

    const struck = cards.flatMap((c) => c.totals.filter((t) => t.struck).map((t) => `${c.panel}:${t.seat}:${t.dropped}:${t.label}`));
    expect(struck.sort()).toEqual(['eval:11:highest:去掉最高分', 'eval:14:lowest:去掉最低分', 'main:5:highest:去掉最高分', 'main:6:lowest:去掉最低分']);

    const result = host.result('p01');
    expect(await page.innerText('[data-testid=final]')).toBe(result.final);
    expect(cards.map((c) => c.score)).toEqual(result.panels.map((p) => p.score));
    expect(await page.innerText('[data-testid=rank]')).toBe(`第 ${result.rank} 名`);
    expect(await text()).not.toContain('已更正');
    await shoot('display-reveal');
    await expectNoScrollbars();
  });

  test('a new snapshot does not replay the reveal', async () => {
    await host.command('screen:show', { screen: 'turn' });
    await page.waitForTimeout(200);
    const opacity = await page.evaluate(() => Number(getComputedStyle(document.querySelector('[data-testid=final]')!.parentElement!).opacity));
    expect(opacity).toBe(1);
  });

  test('a correction stays off the projector until the host reveals again, then it is marked 已更正', async () => {
    const before = host.result('p01').final!;
    await host.command('sheet:reopen', { presenter: 'p01', judge: 'm3', reason: '评委录入错误' });
    const corrected = await judge('m3').submit('p01', 87);
    const after = await host.until((s) => s.results.find((r) => r.presenter === 'p01')!.final !== before);
    const newFinal = after.results.find((r) => r.presenter === 'p01')!.final!;
    await page.waitForTimeout(700);

    // the hall still sees the scores as revealed
    expect(await page.getAttribute('[data-testid=view-reveal]', 'data-count')).toBe('1');
    expect(await page.innerText('[data-testid=final]')).toBe(before);
    expect(await page.innerText('[data-testid=reveal-panel-main] [data-seat="3"] .value')).toBe('85');
    expect(await text()).not.toContain('已更正');
    expect(showsNumber(await page.content(), newFinal)).toBe(false);

    await host.command('turn:reveal', { presenter: 'p01' });
    await view('reveal', '[data-count="2"]');
    await settled();
    expect(await page.innerText('[data-testid=reveal-panel-main] [data-seat="3"] .value')).toBe(corrected);
    expect(await page.getAttribute('[data-testid=reveal-panel-main] [data-seat="3"]', 'data-corrected')).toBe('true');
    const shown = await text();
    expect(shown).toContain('已更正');
    expect(shown).toContain('成绩已更正');
    expect(await page.innerText('[data-testid=final]')).toBe(newFinal);
    await shoot('display-reveal-corrected');
  });

  test('the next presenter takes the screen; the ranking lists the revealed presenters in rank order', async () => {
    await host.command('turn:start', { presenter: 'p02' });
    await view('turn', '[data-phase=presenting]');
    expect(await text()).toContain('第 2 位');
    // p01's reveal fades out as p02 comes on, and is gone
    await page.waitForSelector('[data-testid=view-reveal]', { state: 'detached', timeout: 2_000 });
    await host.command('turn:open-scoring', { presenter: 'p02' });
    // e04 has left the hall: everyone else scores, the host marks e04 absent, which closes the turn
    await Promise.all(Object.entries(totalsFor('p02', 2)).filter(([key]) => key !== 'e04').map(([key, total]) => judge(key).submit('p02', total)));
    await host.command('judge:excuse', { presenter: 'p02', judge: 'e04', reason: '评委临时离场' });
    await host.until((s) => s.turns.find((t) => t.presenter === 'p02')?.phase === 'closed');
    await host.command('turn:reveal', { presenter: 'p02' });
    // the projector says seat 4 of 测评 was absent (缺席), not recused, rather than leaving a gap
    await view('reveal', '[data-presenter=p02]');
    const absent = page.locator('[data-testid=reveal-panel-eval] [data-testid=unscored]');
    expect(await absent.evaluateAll((els) => els.map((el) => [el.getAttribute('data-seat'), el.getAttribute('data-reason')]))).toEqual([['4', 'absent']]);
    expect(await absent.innerText()).toContain('缺席');
    await settled();
    await shoot('display-reveal-absent');
    await runTurn('p03', totalsFor('p03', -3));

    await host.command('screen:show', { screen: 'ranking' });
    await view('ranking');
    await settled();
    const rows = await page.$$eval('[data-testid=ranking-row]', (els) =>
      els.map((el) => ({ presenter: el.getAttribute('data-presenter'), rank: el.querySelector('[data-testid=rank]')!.textContent!.trim(), final: el.querySelector('[data-testid=final]')!.textContent!.trim() })),
    );
    const ranked = host.snapshot!.results.filter((r) => ['p01', 'p02', 'p03'].includes(r.presenter));
    expect(rows).toEqual(ranked.map((r) => ({ presenter: r.presenter, rank: String(r.rank), final: r.final })));
    expect(rows.map((r) => Number(r.rank))).toEqual([1, 2, 3]);
    expect(rows.map((r) => r.presenter)).toEqual(['p02', 'p01', 'p03']);
    // three turns in, nobody has won anything yet
    expect(await text()).not.toMatch(/等奖/);
    await shoot('display-ranking');
    await expectNoScrollbars();
  });

  test('while the connection is down the clock stands still under a 正在重新连接… badge; then it catches up', async () => {
    await host.command('turn:start', { presenter: 'p04' });
    await view('turn', '[data-phase=presenting]');
    const startedAt = host.snapshot!.turns.find((t) => t.presenter === 'p04')!.clock.runningSince!;
    const port = server.port;
    expect(await page.locator('[data-testid=stale-badge]').count()).toBe(0);

    await server.stop('SIGKILL');
    await page.waitForSelector('[data-testid=stale-badge]', { timeout: 10_000 });
    expect(await text()).toContain('正在重新连接');
    // its glyphs were fetched while the server could still be reached: no blank boxes now
    expect(await page.evaluate(() => document.fonts.check('700 30px "Noto Sans SC"', '正在重新连接…'))).toBe(true);
    const frozen = await digits();
    await page.waitForTimeout(2_000);
    expect(await digits()).toBe(frozen);
    await shoot('display-stale');

    server = await startLeitai(port);
    await page.waitForSelector('[data-testid=stale-badge]', { state: 'detached', timeout: 20_000 });
    await page.waitForTimeout(300);
    // the talk went on while the projector was cut off: the clock shows the server's time, not where it froze
    const expected = 480 - (Date.now() - startedAt) / 1000;
    expect(Math.abs(seconds(await digits()) - expected)).toBeLessThanOrEqual(2);
    expect(seconds(await digits())).toBeLessThan(seconds(frozen));
  }, 60_000);

  test('the awards are revealed from the lowest level up, the newest one emphasised', async () => {
    await host.until((s) => s.judges.filter((j) => j.connected).length === 22, 20_000);
    await host.command('turn:open-scoring', { presenter: 'p04' });
    await Promise.all(Object.entries(totalsFor('p04', 1)).map(([key, total]) => judge(key).submit('p04', total)));
    await host.until((s) => s.turns.find((t) => t.presenter === 'p04')?.phase === 'closed');
    await host.command('turn:reveal', { presenter: 'p04' });
    for (const p of host.snapshot!.presenters.filter((x) => !['p01', 'p02', 'p03', 'p04'].includes(x.key))) {
      await host.command('turn:skip', { presenter: p.key });
    }

    await host.command('awards:reveal-next');
    await view('awards');
    expect(await page.innerText('[data-testid=award-name]')).toBe('三等奖');
    await host.command('awards:reveal-next');
    await page.waitForFunction(() => document.querySelector('[data-testid=award-name]')?.textContent === '二等奖');
    await host.command('awards:reveal-next');
    await page.waitForFunction(() => document.querySelector('[data-testid=award-name]')?.textContent === '一等奖');
    await settled();
    const firstPrize = host.snapshot!.board.awards.at(-1)!;
    const winners = await page.$$eval('[data-testid=award-winner]', (els) => els.map((el) => el.getAttribute('data-presenter')));
    expect(winners).toEqual(firstPrize.presenters.map((p) => p.presenter));
    expect(await page.locator('[data-testid=award-earlier]').count()).toBe(2);
    await shoot('display-awards');
    await expectNoScrollbars();
  }, 60_000);

  test('in English with ?lang=en', async () => {
    const english = await projectorPage({ viewport: { width: 1920, height: 1080 } });
    await english.goto(links.display.replace('/display#', '/display?lang=en#'));
    await english.waitForSelector('[data-testid=view-awards]');
    expect(await english.innerText('body')).toContain('Awards');
    await english.waitForTimeout(1_500);
    await shoot('display-awards-en', english);
    await english.context().close();
  });
});

describe('a projector with a link that cannot work', () => {
  test('a refused token says so on the whole screen', async () => {
    const other = await projectorPage({ viewport: { width: 1920, height: 1080 } });
    await other.goto(`${server.url}/display#token=AAAAAAAAAAAAAAAAAAAAAA`);
    await other.waitForFunction(() => document.body.innerText.includes('大屏链接无效'), null, { timeout: 10_000 });
    await shoot('display-refused', other);
    await other.goto(`${server.url}/display`);
    await other.reload();
    await other.waitForFunction(() => document.body.innerText.includes('链接不完整'));
    await other.context().close();
  });
});

describe('a talk that runs over its limit', () => {
  test('the clock turns amber in the last minute, then red and counts the overrun; a one-panel reveal strikes nothing', async () => {
    // a contest with a 3-second limit, one panel of two judges and no trimming
    const response = await fetch(`${server.url}/api/contests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        format: 'leitai/contest@1',
        title: '计时测试赛',
        rules: { criteria: [{ key: 'topic', name: '选题准', max: 20, step: 0.5 }], panels: [{ key: 'all', name: '评委', weight: 1 }], timeLimitSeconds: 3 },
        presenters: [{ key: 'a', name: '张三', unit: '第一支部', topic: '红色引擎' }],
        judges: [
          { key: 'j1', name: '评委甲', panel: 'all' },
          { key: 'j2', name: '评委乙', panel: 'all' },
        ],
      }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { hostUrl: string; displayUrl: string; judges: Array<{ key: string; url: string }> };
    const shortHost = new Host(server.url, created.hostUrl);
    const shortJudges = created.judges.map((j) => new Judge(server.url, j.url, j.key));
    const hall = await projectorPage({ viewport: { width: 1920, height: 1080 } });
    try {
      await shortHost.until(() => true);
      await hall.goto(created.displayUrl.replace(/^http:\/\/[^/]+/, server.url));
      await hall.waitForSelector('[data-testid=view-title]');

      await shortHost.command('turn:start', { presenter: 'a' });
      await hall.waitForSelector('[data-testid=clock][data-mood=warning]');
      expect(await hall.innerText('[data-testid=clock]')).toContain('最后一分钟');
      expect(await hall.$eval('[data-testid=clock-digits]', (el) => getComputedStyle(el).color)).toBe('rgb(255, 194, 26)');

      await hall.waitForSelector('[data-testid=clock][data-mood=overrun]', { timeout: 6_000 });
      await hall.waitForFunction(() => document.querySelector('[data-testid=clock-digits]')?.textContent === '+0:02', null, { timeout: 5_000 });
      expect(await hall.innerText('[data-testid=clock]')).toContain('超时');
      expect(await hall.$eval('[data-testid=clock-digits]', (el) => getComputedStyle(el).color)).toBe('rgb(255, 77, 66)');
      await shoot('display-turn-overrun', hall);

      await shortHost.command('turn:open-scoring', { presenter: 'a' });
      for (const [i, j] of shortJudges.entries()) {
        const result = await j.socket.timeout(10_000).emitWithAck('sheet:submit', { presenter: 'a', items: { topic: i === 0 ? '18.5' : '17' }, submissionId: randomUUID() });
        expect(result.ok).toBe(true);
      }
      await shortHost.until((s) => s.turns[0]!.phase === 'closed');
      await shortHost.command('turn:reveal', { presenter: 'a' });
      await hall.waitForSelector('[data-testid=view-reveal]');
      await hall.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), null, { timeout: 15_000 });
      expect(await hall.$$eval('[data-testid=total] .value', (els) => els.map((el) => el.textContent))).toEqual(['18.5', '17']);
      expect(await hall.locator('[data-testid=total] s').count()).toBe(0);
      expect(await hall.innerText('[data-testid=final]')).toBe(shortHost.snapshot!.results[0]!.final);
      expect(await hall.innerText('[data-testid=final]')).toBe('17.75');
      await shoot('display-reveal-one-panel', hall);
    } finally {
      await hall.context().close();
      shortHost.close();
      for (const j of shortJudges) j.close();
    }
  }, 60_000);
});

describe('the longest names the editor allows, on 16:9 and 4:3 projectors', () => {
  /** `n` characters of `seed` (Chinese, no spaces, as organisers type), after `tag` so each differs */
  const longText = (seed: string, n: number, tag = '') => Array.from(tag + seed.repeat(Math.ceil(n / seed.length) + 1)).slice(0, n).join('');
  // the editor's limits (client/src/admin/editor/validate.ts, the contest file schema): 200 for a title or a name, 500 for a unit or a topic
  const NAME = 200;
  const TEXT = 500;

  let contest: ContestFile;
  let longHost: Host;
  const longJudges = new Map<string, Judge>();
  let hall: Page;

  beforeAll(async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const list = (await (await fetch(`${server.url}/api/contests`, { headers: admin })).json()) as ContestListAnswer;
    const demo = list.contests.find((c) => c.presenters === 22)!;
    const { file } = (await (await fetch(`${server.url}/api/contests/${demo.id}`, { headers: admin })).json()) as ContestDetailAnswer;
    contest = {
      ...file,
      title: longText('望城区2023年度街镇和区直单位基层党建“书记工程”决赛', NAME),
      rules: {
        ...file.rules,
        panels: file.rules.panels.map((p, i) => ({ ...p, name: longText('区委组织部主评委测评打分组', NAME, `${i + 1}组`) })),
        // 3, 8, the rest: a level of three (large cards) and one of eight (rows)
        awards: [3, 8, undefined].map((count, i) => ({ name: longText('优秀基层党组织书记项目奖', NAME, ['一等奖', '二等奖', '三等奖'][i]), ...(count ? { count } : {}) })),
      },
      // twelve presenters: the ranking fills its first column of eleven and starts the second. After
      // the first (whose reveal shows all 7 + 15 seats), all judges but m1 and e01 are recused,
      // which keeps the turns quick
      presenters: file.presenters.slice(0, 12).map((p, i) => ({
        ...p,
        name: longText('白沙洲街道党工委书记', NAME, `${i + 1}号`),
        unit: longText('区行政审批服务局机关党委', TEXT),
        topic: longText('党建工作与审批服务工作深度融合提升服务品质审批效能', TEXT),
        recused: i === 0 ? [] : file.judges.filter((j) => j.key !== 'm1' && j.key !== 'e01').map((j) => j.key),
        // the demo contest's file carries what the tests above did to it (a judge marked absent)
        absent: [],
      })),
    };
    const response = await fetch(`${server.url}/api/contests`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify(contest) });
    // the body names the field the server refused, if it does
    expect(response.status, await response.clone().text()).toBe(201);
    const created = (await response.json()) as CreatedContestAnswer;
    longHost = new Host(server.url, created.hostUrl);
    for (const j of created.judges) longJudges.set(j.key, new Judge(server.url, j.url, j.key));
    await longHost.until(() => true);
    hall = await projectorPage({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    await hall.goto(created.displayUrl.replace(/^http:\/\/[^/]+/, server.url));
    await hall.waitForSelector('[data-testid=view-title]');
  }, 60_000);

  afterAll(async () => {
    longHost?.close();
    for (const j of longJudges.values()) j.close();
    await hall?.context().close();
  });

  /** every judge not recused submits for `presenter`, each a different total */
  async function scoreAll(presenter: string, index: number, only?: (key: string) => boolean): Promise<void> {
    const recused = contest.presenters.find((p) => p.key === presenter)!.recused ?? [];
    const keys = contest.judges.map((j) => j.key).filter((k) => !recused.includes(k) && (only?.(k) ?? true));
    await Promise.all(keys.map((k, i) => longJudges.get(k)!.submit(presenter, 66 + ((i * 7 + index * 5) % 27))));
  }

  async function closeAndReveal(presenter: string): Promise<void> {
    await longHost.until((s) => s.turns.find((t) => t.presenter === presenter)?.phase === 'closed');
    await longHost.command('turn:reveal', { presenter });
  }

  test('the title, a talk with its clock, the scoring and a corrected reveal fit, nothing small', async () => {
    await expectFitsEverySize(hall, 'long-title');

    const first = longHost.snapshot!.presenters[0]!.key;
    await longHost.command('turn:start', { presenter: first });
    await hall.waitForSelector('[data-testid=view-turn][data-phase=presenting]');
    await expectFitsEverySize(hall, 'long-turn');

    await longHost.command('turn:open-scoring', { presenter: first });
    await scoreAll(first, 0, (k) => k.startsWith('m'));
    await hall.waitForSelector('[data-testid=view-turn][data-phase=scoring]');
    await expectFitsEverySize(hall, 'long-scoring');

    await scoreAll(first, 0, (k) => !k.startsWith('m'));
    await closeAndReveal(first);
    await longHost.command('sheet:reopen', { presenter: first, judge: 'm3', reason: '评委录入错误' });
    await longJudges.get('m3')!.submit(first, 84);
    await longHost.until((s) => s.sheets.some((x) => x.presenter === first && x.judge === 'm3' && x.total === '84'));
    await longHost.command('turn:reveal', { presenter: first });
    await hall.waitForSelector('[data-testid=view-reveal][data-count="2"]');
    await expectFitsEverySize(hall, 'long-reveal');
  }, 90_000);

  test('the final ranking of all twelve and the awards fit', async () => {
    const presenters = longHost.snapshot!.presenters.slice(1);
    for (const [i, p] of presenters.entries()) {
      await longHost.command('turn:start', { presenter: p.key });
      await longHost.command('turn:open-scoring', { presenter: p.key });
      await scoreAll(p.key, i + 1);
      await closeAndReveal(p.key);
    }
    await longHost.command('screen:show', { screen: 'ranking' });
    await hall.waitForFunction(() => document.querySelectorAll('[data-testid=ranking-row]').length === 12);
    // every presenter revealed and complete: the standings are final
    expect.soft(await hall.innerText('[data-testid=view-ranking] h1')).toBe('最终排名');
    await expectFitsEverySize(hall, 'long-ranking');

    await longHost.command('awards:reveal-next');
    await longHost.command('awards:reveal-next');
    await hall.waitForFunction(() => document.querySelectorAll('[data-testid=award-winner]').length === 8);
    await expectFitsEverySize(hall, 'long-awards-eight');
    await longHost.command('awards:reveal-next');
    await hall.waitForFunction(() => document.querySelectorAll('[data-testid=award-earlier]').length === 2);
    await expectFitsEverySize(hall, 'long-awards-last');
  }, 120_000);
});
