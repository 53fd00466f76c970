import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import jsQR from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ContestDetailAnswer, LinksAnswer } from '../../server/contracts/admin-api.ts';
import type { ContestFile } from '../../server/contest-file/contest-file.schema.ts';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import { computeResults } from '../../server/domain/scoring.ts';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import type { AckResult } from '../../server/contracts/socket.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import { launchBrowser, SCREENSHOTS } from './browser.ts';
import { capture } from './capture.ts';
import type { ClientSocket } from '../helpers/app.ts';
import { follow } from '../helpers/snapshot-follower.ts';

/**
 * An organiser prepares the 2023 望城区 final from an empty server through the admin pages alone:
 * logs in, types the rules, imports the judges from the Excel template and the presenters from
 * the CSV template saved as GBK (as Excel in China does), draws lots, prints the judges' QR cards
 * to PDF. The contest is then run (host and judges as socket clients, with the scores of
 * test/fixtures/demo-scored.json), and the organiser downloads the results workbook and prints
 * the signature sheets. Every number must match the recount of the same scores.
 */

const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
const DEMO: ContestFile = JSON.parse(readFileSync(new URL('../fixtures/demo-scored.json', import.meta.url), 'utf8'));
const RECOUNT = computeResults(readContestFile(JSON.stringify(DEMO)).definition, readContestFile(JSON.stringify(DEMO)).sheets);
const PANEL_NAMES: Record<string, string> = Object.fromEntries(DEMO.rules.panels.map((p) => [p.key, p.name]));
const judgeName = (key: string) => DEMO.judges.find((j) => j.key === key)!.name;

let dataDir: string;
let work: string;
let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let contestId: string;

const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });
const api = async <T>(path: string): Promise<T> => (await fetch(`${server.url}/api${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as Promise<T>;

async function download(click: () => Promise<void>): Promise<{ name: string; path: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(work, file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), path };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'leitai-e2e-admin-'));
  work = mkdtempSync(join(tmpdir(), 'leitai-e2e-admin-files-'));
  server = await startServer({ DATA_DIR: dataDir, LOAD_DEMO: 'false', ADMIN_TOKEN });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe.sequential('an organiser prepares, runs and files the demo contest through the browser', () => {
  test('logs in with the admin token; a wrong one is refused on the form', async () => {
    await page.goto(`${server.url}/admin`);
    // plain words for the organiser; the variable and the command only in the technician's note
    const form = page.getByTestId('login-form');
    await form.waitFor();
    expect(await form.innerText()).not.toMatch(/ADMIN_TOKEN|npm|admin-token/);
    await page.getByTestId('login-tech-note').locator('summary').click();
    expect(await page.getByTestId('login-tech-note').innerText()).toMatch(/ADMIN_TOKEN[\s\S]*npm run admin-token/);
    await page.getByTestId('login-token').fill('not-the-token');
    await page.getByTestId('login-submit').click();
    await eventually(() => page.getByTestId('login-error').isVisible()).toBe(true);
    await capture(page, 'admin-login');
    await page.getByTestId('login-token').fill(ADMIN_TOKEN);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('contest-list').waitFor();
    await page.getByTestId('contest-list-empty').waitFor();
    // the token went into an httpOnly cookie, not into the page's storage
    const storage = await page.evaluate(() => {
      const w = globalThis as unknown as { document: { cookie: string }; localStorage: object; sessionStorage: object };
      return { cookie: w.document.cookie, stored: JSON.stringify(w.localStorage) + JSON.stringify(w.sessionStorage) };
    });
    expect(storage.cookie).toBe('');
    expect(storage.stored).not.toContain(ADMIN_TOKEN);
  });

  test('types the rules of the final into a new contest and saves it', async () => {
    await page.getByRole('link', { name: '新建比赛' }).first().click();
    await page.getByTestId('field-title').fill(DEMO.title);
    const { criteria, panels, awards } = DEMO.rules;
    for (let i = 1; i < criteria.length; i++) await page.getByRole('button', { name: '添加评分项' }).click();
    // the internal keys stay out of the organiser's way; a technician can show them (as this test does, to match the fixture)
    expect(await page.getByLabel('第 1 个评分项的代码').count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: /代码/ }).count()).toBe(0);
    await page.getByTestId('show-keys').check();
    for (const [i, c] of criteria.entries()) {
      await page.getByLabel(`第 ${i + 1} 个评分项的名称`).fill(c.name);
      await page.getByLabel(`第 ${i + 1} 个评分项的满分`).fill(String(c.max));
      await page.getByLabel(`第 ${i + 1} 个评分项的步长`).fill(String(c.step));
      await page.getByLabel(`第 ${i + 1} 个评分项的代码`).fill(c.key);
    }
    await page.getByRole('button', { name: '添加评委组' }).click();
    for (const [i, p] of panels.entries()) {
      await page.getByLabel(`第 ${i + 1} 个评委组的名称`).fill(p.name);
      await page.getByLabel(`第 ${i + 1} 个评委组的代码`).fill(p.key);
      await page.getByLabel(`第 ${i + 1} 个评委组去掉最高分的个数`).fill(String(p.dropHighest));
      await page.getByLabel(`第 ${i + 1} 个评委组去掉最低分的个数`).fill(String(p.dropLowest));
    }
    // a weight typed wrong first: the message sits next to the field before anything is sent
    await page.getByLabel('第 1 个评委组的权重（百分比）').fill('60');
    await page.getByLabel('第 2 个评委组的权重（百分比）').fill('30');
    await eventually(() => page.getByTestId('weight-total').textContent()).toMatch(/90/);
    await capture(page, 'admin-rules-weight-problem');
    await page.getByLabel('第 1 个评委组的权重（百分比）').fill('70');
    await eventually(() => page.getByTestId('weight-total').textContent()).toMatch(/100.*✓/);
    await page.getByLabel('＋ 添加比较的评委组…').selectOption({ label: panels[0]!.name });
    await page.getByTestId('time-minutes').fill(String(DEMO.rules.timeLimitSeconds! / 60));
    await page.getByTestId('time-seconds').fill('0');
    for (const [i, a] of awards!.entries()) {
      await page.getByRole('button', { name: '添加奖项' }).click();
      await page.getByLabel(`第 ${i + 1} 个奖项的名称`).fill(a.name);
      if (a.count !== undefined) await page.getByLabel(`第 ${i + 1} 个奖项的人数`).fill(String(a.count));
    }
    await capture(page, 'admin-rules');
    await page.getByTestId('save-button').click();
    await page.waitForURL(/\/admin\/contests\/[a-z0-9]{10}$/);
    contestId = /contests\/([a-z0-9]{10})$/.exec(page.url())![1]!;
    const stored = await api<ContestDetailAnswer>(`/contests/${contestId}`);
    expect(stored.file.rules).toEqual({ ...DEMO.rules });
    expect(stored.file.title).toBe(DEMO.title);
  });

  test('downloads the judges’ Excel template, fills it in, previews and imports it', async () => {
    await page.getByTestId('tab-judges').click();
    const template = await download(() => page.getByTestId('template-judges-xlsx').click());
    expect(template.name).toMatch(/\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(template.path);
    const sheet = book.worksheets[0]!;
    let headerRow = 0;
    sheet.eachRow((row, n) => {
      if (!headerRow && (row.values as unknown[]).includes('姓名')) headerRow = n;
    });
    const header = (sheet.getRow(headerRow).values as unknown[]).map((v) => String(v ?? ''));
    // the organiser types over the template's example rows and on below them
    for (let n = headerRow + 1; n <= sheet.rowCount; n++) sheet.getRow(n).eachCell((cell) => (cell.value = null));
    DEMO.judges.forEach((j, i) => {
      const cells: Record<string, string> = { 编号: j.key, 姓名: j.name, 评委组: PANEL_NAMES[j.panel]! };
      header.forEach((h, column) => {
        if (cells[h] !== undefined) sheet.getRow(headerRow + 1 + i).getCell(column).value = cells[h];
      });
    });
    const filled = join(work, '评委名单.xlsx');
    await book.xlsx.writeFile(filled);

    await page.getByTestId('import-file-judges').setInputFiles(filled);
    await page.getByTestId('import-preview-table').waitFor();
    await eventually(() => page.getByTestId('import-preview-row').count()).toBe(DEMO.judges.length);
    await capture(page, 'admin-import-judges-preview');
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').waitFor();
    const stored = await api<ContestDetailAnswer>(`/contests/${contestId}`);
    expect(stored.file.judges).toEqual(DEMO.judges);
  });

  test('fills the presenters’ CSV template as Excel saves it (GBK), sees a mistake in the preview, fixes it and imports', async () => {
    await page.getByTestId('tab-presenters').click();
    const template = await download(() => page.getByTestId('template-presenters-csv').click());
    const rows = parseCsv(readFileSync(template.path, 'utf8').replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
    const headerIndex = rows.findIndex((r) => r.includes('姓名'));
    const header = rows[headerIndex]!;
    const body = DEMO.presenters.map((p) => {
      const cells: Record<string, string> = { 编号: p.key, 姓名: p.name, 单位: p.unit ?? '', 题目: p.topic ?? '', 回避评委: (p.recused ?? []).map(judgeName).join('、') };
      return header.map((h) => cells[h] ?? '');
    });
    const gbk = (lines: string[][]) => iconv.encode(stringifyCsv([...rows.slice(0, headerIndex), header, ...lines], { record_delimiter: '\r\n' }), 'gbk');

    // first try: one name left empty
    const broken = body.map((r) => [...r]);
    broken[4]![header.indexOf('姓名')] = '';
    writeFileSync(join(work, '选手名单-有错.csv'), gbk(broken));
    await page.getByTestId('import-file-presenters').setInputFiles(join(work, '选手名单-有错.csv'));
    await page.getByTestId('import-preview-table').waitFor();
    await eventually(() => page.getByTestId('import-encoding').textContent()).toMatch(/GBK/i);
    await eventually(() => page.getByTestId('import-preview').textContent()).toMatch(new RegExp(`第 ?${headerIndex + 6} ?行|${headerIndex + 6}`));
    expect(await page.getByTestId('import-confirm').isDisabled()).toBe(true);
    await capture(page, 'admin-import-presenters-problem');
    expect((await api<ContestDetailAnswer>(`/contests/${contestId}`)).file.presenters).toEqual([]);

    writeFileSync(join(work, '选手名单.csv'), gbk(body));
    await page.getByTestId('import-file-presenters').setInputFiles(join(work, '选手名单.csv'));
    await eventually(() => page.getByTestId('import-preview-row').count()).toBe(DEMO.presenters.length);
    await eventually(() => page.getByTestId('import-confirm').isEnabled()).toBe(true);
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').waitFor();
    const stored = await api<ContestDetailAnswer>(`/contests/${contestId}`);
    expect(stored.file.presenters.map((p) => [p.key, p.name, p.unit, p.topic, p.recused])).toEqual(
      DEMO.presenters.map((p) => [p.key, p.name, p.unit, p.topic, p.recused ?? []]),
    );
  });

  test('draws lots in front of the room: every presenter gets a place, the draw is in the audit log', async () => {
    await page.getByTestId('tab-order').click();
    await page.getByTestId('lots-button').click();
    await page.getByTestId('lots-confirm').click();
    // the order the import gave is on the page already: wait for the one just drawn
    await page.locator('[data-testid="lots-result"][data-fresh="true"]').waitFor();
    await page.getByTestId('lots-confirm-dialog').waitFor({ state: 'detached' });
    await eventually(() => page.getByTestId('lots-result').getByTestId('lots-result-item').count()).toBe(DEMO.presenters.length);
    // the names appear one by one, the last within a few seconds
    const lastShown = (scope: string) =>
      page.getByTestId(scope).getByTestId('lots-result-item').last().evaluate((li) => Number((globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle(li).opacity));
    await eventually(() => lastShown('lots-result')).toBe(1);
    await capture(page, 'admin-lots');
    await page.getByTestId('lots-fullscreen').click();
    await page.getByTestId('lots-fullscreen-view').waitFor();
    await eventually(() => lastShown('lots-fullscreen-view')).toBe(1);
    await capture(page, 'admin-lots-fullscreen');
    await page.keyboard.press('Escape');
    // later (the page reopened, another day): the drawn order can still be put up full screen
    await page.reload();
    await page.getByTestId('lots-fullscreen').click();
    await page.getByTestId('lots-fullscreen-view').waitFor();
    expect(await page.getByTestId('lots-fullscreen-view').getByTestId('lots-result-item').count()).toBe(DEMO.presenters.length);
    await page.keyboard.press('Escape');
    await page.getByTestId('lots-fullscreen-view').waitFor({ state: 'detached' });

    const stored = await api<ContestDetailAnswer>(`/contests/${contestId}`);
    expect(stored.file.presenters.map((p) => p.order)).toEqual(DEMO.presenters.map((_, i) => i + 1));
    const shown = await page.getByTestId('lots-result').getByTestId('lots-result-item').allTextContents();
    stored.file.presenters.forEach((p, i) => expect(shown[i]).toContain(p.name));
    const audit = await api<{ entries: Array<{ action: string; detail: { order: Array<{ key: string }> } }> }>(`/contests/${contestId}/audit`);
    const draw = audit.entries.filter((e) => e.action === 'contest:lots');
    expect(draw).toHaveLength(1);
    expect(draw[0]!.detail.order.map((o) => o.key)).toEqual(stored.file.presenters.map((p) => p.key));
  });

  test('prints the judges’ QR cards: 8 to an A4 sheet, each QR scans to that judge’s own link, its address printed under it', async () => {
    await page.getByTestId('tab-links').click();
    await page.getByTestId('judge-links-table').waitFor();
    // this server listens on 127.0.0.1 only: phones could not open these links, and the page says so and how to fix it
    const warning = page.getByTestId('link-base-warning');
    expect(await warning.getAttribute('data-problem')).toBe('local_only');
    expect(await warning.textContent()).toMatch(/手机.*(打不开|连不上)[\s\S]*HOST[\s\S]*PUBLIC_URL/);
    await capture(page, 'admin-links');
    await page.getByTestId('print-cards').click();
    await page.getByTestId('cards-page').waitFor();
    await eventually(() => page.locator('[data-testid="judge-card"] svg').count()).toBe(DEMO.judges.length);
    expect(await page.getByTestId('cards-sheet').count()).toBe(Math.ceil(DEMO.judges.length / 8));
    expect(await page.getByTestId('link-base-warning').isVisible()).toBe(true);
    await capture(page, 'admin-cards');

    const links = await api<LinksAnswer>(`/contests/${contestId}/links`);
    const cards = page.getByTestId('judge-card');
    for (const index of [0, 7, 8, DEMO.judges.length - 1]) {
      const card = cards.nth(index);
      const name = await card.getByTestId('judge-card-name').textContent();
      const png = PNG.sync.read(await card.getByTestId('qr').screenshot());
      const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      expect(decoded?.data, `the QR on ${name}'s card`).toBe(links.judges.find((j) => j.name === name)!.url);
      // the address a person can read and check (host, port, path), never the token
      const url = new URL(decoded!.data);
      expect(await card.getByTestId('judge-card-address').textContent()).toBe(`${url.host}/judge`);
      expect(await card.textContent()).toMatch(new RegExp(`第 ${String(index + 1).padStart(2, '0')} 张 / 共 ${DEMO.judges.length} 张`));
    }

    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ path: join(SCREENSHOTS, 'judge-cards.pdf'), format: 'A4', printBackground: true, preferCSSPageSize: true });
    await page.emulateMedia({ media: 'screen' });
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(Math.ceil(DEMO.judges.length / 8));
  });

  test('tests the projector before the event: the display link shows a test card with the title and a safe-area frame', async () => {
    const links = await api<LinksAnswer>(`/contests/${contestId}/links`);
    const projector = await context.newPage();
    try {
      await projector.setViewportSize({ width: 1920, height: 1080 });
      await projector.goto(`${links.displayUrl}&testcard=1`);
      await projector.getByTestId('display-testcard').waitFor();
      await eventually(() => projector.getByTestId('testcard-title').textContent()).toBe(DEMO.title);
      await eventually(() => projector.getByTestId('testcard-size').textContent()).toMatch(/1920\s*[×x]\s*1080/);
      await capture(projector, 'display-testcard');
    } finally {
      await projector.close();
    }
  });

  test('runs the contest: each presenter in the drawn order, every judge’s sheet from the fixture, revealed', async () => {
    const links = await api<LinksAnswer>(`/contests/${contestId}/links`);
    const connect = (url: string) => {
      const socket: Socket = io(server.url, { auth: { token: new URL(url).hash.replace('#token=', '') }, transports: ['websocket'] });
      return socket;
    };
    const host = connect(links.hostUrl);
    let snapshot: HostSnapshot | null = null;
    follow<HostSnapshot>(host as ClientSocket).onFrame((s) => (snapshot = s));
    const judges = new Map(links.judges.map((j) => [j.key, connect(j.url)]));
    await eventually(() => snapshot !== null).toBe(true);
    const hostDo = async (event: string, presenter: string) => {
      const answer = (await host.emitWithAck(event, { presenter, turnsVersion: snapshot!.turnsVersion })) as AckResult;
      expect(answer, `${event} ${presenter}`).toMatchObject({ ok: true });
      await eventually(() => snapshot!.version >= (answer as unknown as { version: number }).version).toBe(true);
    };
    try {
      for (const presenter of snapshot!.presenters) {
        await hostDo('turn:start', presenter.key);
        await hostDo('turn:open-scoring', presenter.key);
        for (const score of DEMO.scores!.filter((s) => s.presenter === presenter.key)) {
          const items = Object.fromEntries(Object.entries(score.items).map(([k, v]) => [k, String(v)]));
          const answer = (await judges.get(score.judge)!.emitWithAck('sheet:submit', { presenter: presenter.key, items, submissionId: `e2e-${presenter.key}-${score.judge}` })) as AckResult;
          expect(answer, `${score.judge} for ${presenter.key}`).toMatchObject({ ok: true });
        }
        await eventually(() => snapshot!.turns.find((t) => t.presenter === presenter.key)!.phase).toBe('closed');
        await hostDo('turn:reveal', presenter.key);
      }
    } finally {
      host.close();
      for (const socket of judges.values()) socket.close();
    }
  }, 180_000);

  test('downloads the results workbook: every final, rank and award as the recount has them', async () => {
    await page.goto(`${server.url}/admin/contests/${contestId}/results`);
    await page.getByTestId('results-table').waitFor();
    await capture(page, 'admin-results');
    const workbook = await download(() => page.getByTestId('download-results-xlsx').click());
    expect(workbook.name).toMatch(/成绩\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(workbook.path);
    const sheet = book.getWorksheet('成绩汇总')!;
    const headerRow = [...Array(sheet.rowCount).keys()].map((i) => i + 1).find((n) => (sheet.getRow(n).values as unknown[]).includes('最后得分'))!;
    const column = (name: string) => (sheet.getRow(headerRow).values as unknown[]).indexOf(name);
    // what Excel shows: a number in its cell's number format ("0.00" → two places)
    const shown = (cell: ExcelJS.Cell) => (typeof cell.value === 'number' ? cell.value.toFixed((cell.numFmt?.split('.')[1] ?? '').length) : cell.text);
    const byName = new Map<string, { final: string; rank: string; award: string }>();
    sheet.eachRow((row, n) => {
      if (n <= headerRow) return;
      const name = row.getCell(column('姓名')).text;
      if (name) byName.set(name, { final: shown(row.getCell(column('最后得分'))), rank: row.getCell(column('名次')).text, award: row.getCell(column('奖项')).text });
    });
    for (const result of RECOUNT) {
      const name = DEMO.presenters.find((p) => p.key === result.presenter)!.name;
      expect(byName.get(name), name).toEqual({ final: result.rounded, rank: String(result.rank), award: result.award ?? '' });
    }
  });

  test('prints the signature sheets to PDF: each panel’s sheet shows the recount’s panel scores, with lines to sign', async () => {
    await page.goto(`${server.url}/admin/contests/${contestId}/print`);
    await page.getByTestId('print-sheet-summary').waitFor();
    for (const panel of DEMO.rules.panels) {
      const sheet = page.getByTestId(`print-sheet-panel-${panel.key}`);
      const text = (await sheet.textContent())!;
      for (const result of RECOUNT) expect(text).toContain(result.panels.find((p) => p.panel === panel.key)!.rounded!);
      for (const j of DEMO.judges.filter((j) => j.panel === panel.key)) expect(await sheet.getByTestId(`signature-judge-${j.key}`).count()).toBe(1);
      expect(await sheet.getByTestId('signature-supervisor').count()).toBe(1);
    }
    const summary = (await page.getByTestId('print-sheet-summary').textContent())!;
    for (const result of RECOUNT) expect(summary).toContain(result.rounded!);
    expect(await page.locator('[data-testid^="print-sheet-judge-"]').count()).toBe(DEMO.judges.length);
    await capture(page, 'admin-print');
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ path: join(SCREENSHOTS, 'signature-sheets.pdf'), printBackground: true, preferCSSPageSize: true });
    await page.emulateMedia({ media: 'screen' });
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)!.length).toBeGreaterThanOrEqual(1 + DEMO.rules.panels.length + DEMO.judges.length);
  });

  test('while a correction is not revealed again, the results page and the signature sheets say the projector shows the old score', async () => {
    const links = await api<LinksAnswer>(`/contests/${contestId}/links`);
    const connect = (url: string): Socket => io(server.url, { auth: { token: new URL(url).hash.replace('#token=', '') }, transports: ['websocket'] });
    const host = connect(links.hostUrl);
    const judge = connect(links.judges.find((j) => j.key === 'm1')!.url);
    let snapshot: HostSnapshot | null = null;
    follow<HostSnapshot>(host as ClientSocket).onFrame((s) => (snapshot = s));
    const hostDo = async (event: string, payload: Record<string, unknown>) => {
      const answer = (await host.emitWithAck(event, { ...payload, turnsVersion: snapshot!.turnsVersion })) as AckResult<{ version: number }>;
      expect(answer, event).toMatchObject({ ok: true });
      await eventually(() => snapshot!.version >= (answer as { version: number }).version).toBe(true);
    };
    try {
      await eventually(() => snapshot !== null).toBe(true);
      const presenter = DEMO.presenters[0]!;
      // m1 asks to correct their sheet and sends the same values again: the numbers stay, but the projector has not shown this sheet
      await hostDo('sheet:reopen', { presenter: presenter.key, judge: 'm1', reason: '评委申请更正' });
      const score = DEMO.scores!.find((x) => x.presenter === presenter.key && x.judge === 'm1')!;
      const items = Object.fromEntries(Object.entries(score.items).map(([k, v]) => [k, String(v)]));
      expect(await judge.emitWithAck('sheet:submit', { presenter: presenter.key, items, submissionId: 'e2e-correction-m1' })).toMatchObject({ ok: true });
      await eventually(() => snapshot!.turns.find((t) => t.presenter === presenter.key)!.correctionPending).toBe(true);

      await page.goto(`${server.url}/admin/contests/${contestId}/results`);
      await eventually(() => page.getByTestId('results-owed').innerText()).toContain(`${presenter.name} 的评分已更正，但尚未在大屏重新公布`);
      await capture(page, 'admin-results-owed');
      await page.goto(`${server.url}/admin/contests/${contestId}/print`);
      await eventually(() => page.getByTestId('print-owed').first().innerText()).toContain('尚未在大屏重新公布');

      await hostDo('turn:reveal', { presenter: presenter.key });
      await page.goto(`${server.url}/admin/contests/${contestId}/results`);
      await page.getByTestId('results-table').waitFor();
      expect(await page.getByTestId('results-owed').count()).toBe(0);
    } finally {
      host.close();
      judge.close();
    }
  });

  test('finds the draw and the sheets in the audit log, and each judge in the consistency view', async () => {
    await page.goto(`${server.url}/admin/contests/${contestId}/audit`);
    await page.getByTestId('audit-table').waitFor();
    await eventually(() => page.locator('[data-testid="audit-row"][data-action="contest:lots"]').count()).toBe(1);
    await capture(page, 'admin-audit');
    await page.goto(`${server.url}/admin/contests/${contestId}/consistency`);
    for (const panel of DEMO.rules.panels) await page.getByTestId(`consistency-chart-${panel.key}`).waitFor();
    expect(await page.getByTestId('consistency-row').count()).toBe(DEMO.judges.length);
    await capture(page, 'admin-consistency');
  });
});
