import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Dialog, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ContestDetailAnswer, ContestListAnswer, CreatedContestAnswer, LinksAnswer, LotsAnswer } from '../../server/contracts/admin-api.ts';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import type { AckResult } from '../../server/contracts/socket.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import { adminPage, launchBrowser } from './browser.ts';
import { capture } from './capture.ts';
import { expectFitsEverySize } from './layout.ts';
import type { ClientSocket } from '../helpers/app.ts';
import { follow } from '../helpers/snapshot-follower.ts';

/**
 * An organiser edits a contest while the rest of the world moves on: lots drawn from another
 * console, Back pressed by mistake, the host starting the first turn. Nothing typed is lost
 * without asking, and nothing on the server is overwritten by an older picture.
 */

const ADMIN_TOKEN = 'e2e-admin-editing-token-0123456789';

let dataDir: string;
let server: ServerProcess;
let browser: Browser;
let page: Page;
let demoId: string;

const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 100 });

async function api<T>(path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const response = await fetch(`${server.url}/api${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return (await response.json()) as T;
}

/** a fresh copy of the demo contest (not started, 22 presenters), so each test starts clean */
async function freshContest(): Promise<{ id: string; title: string }> {
  const created = await api<CreatedContestAnswer>(`/contests/${demoId}/copy`, 'POST');
  const detail = await api<ContestDetailAnswer>(`/contests/${created.id}`);
  return { id: created.id, title: detail.file.title };
}

/** the next dialog (confirm) is answered as given; resolves with its message */
function answerNextDialog(accept: boolean): Promise<string> {
  return new Promise((resolve) => {
    page.once('dialog', (dialog: Dialog) => {
      resolve(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    });
  });
}

/** the page's history.go(delta) (Back is go(-1), Forward go(1)); the tests run in Node, without the DOM's types */
async function historyGo(delta: number): Promise<void> {
  await page.evaluate((n) => (globalThis as unknown as { history: { go(n: number): void } }).history.go(n), delta);
}

async function openEditor(id: string): Promise<void> {
  await page.goto(`${server.url}/admin/contests/${id}`);
  await page.getByTestId('field-title').waitFor();
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'leitai-e2e-admin-editing-'));
  server = await startServer({ DATA_DIR: dataDir, LOAD_DEMO: 'true', ADMIN_TOKEN });
  browser = await launchBrowser();
  page = await adminPage(browser, server.url, ADMIN_TOKEN);
  const list = await api<ContestListAnswer>('/contests');
  demoId = list.contests[0]!.id;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe.sequential('an organiser’s unsaved work is never lost or saved over newer work without asking', () => {
  test('lots drawn elsewhere while the editor is open: the save is refused with a banner, the draw stays; after 重新载入 saving works', async () => {
    const { id, title } = await freshContest();
    await openEditor(id);

    // another console draws lots meanwhile
    const lots = await api<LotsAnswer>(`/contests/${id}/lots`, 'POST');
    expect(lots.ok).toBe(true);

    await page.getByTestId('field-title').fill(`${title}（改一）`);
    await page.getByTestId('save-button').click();
    await page.getByTestId('stale-banner').waitFor();
    expect(await page.getByTestId('stale-banner').textContent()).toContain('这场比赛在你打开之后已被修改');
    // the draft is kept on the page …
    expect(await page.getByTestId('field-title').inputValue()).toBe(`${title}（改一）`);
    await capture(page, 'admin-editing-stale');
    // … and the server still has the drawn order and the old title
    const stored = await api<ContestDetailAnswer>(`/contests/${id}`);
    expect(stored.file.title).toBe(title);
    const drawn = new Map(lots.order.map((o) => [o.key, o.order]));
    for (const p of stored.file.presenters) expect(p.order, p.key).toBe(drawn.get(p.key));

    // 重新载入 drops the draft, after asking
    const asked = answerNextDialog(true);
    await page.getByTestId('reload-button').click();
    expect(await asked).toContain('未保存');
    await eventually(() => page.getByTestId('stale-banner').count()).toBe(0);
    expect(await page.getByTestId('field-title').inputValue()).toBe(title);

    await page.getByTestId('field-title').fill(`${title}（改二）`);
    await page.getByTestId('save-button').click();
    await eventually(async () => (await api<ContestDetailAnswer>(`/contests/${id}`)).file.title).toBe(`${title}（改二）`);
    await eventually(() => page.getByTestId('save-bar').getAttribute('data-dirty')).toBe('false');
    const after = await api<ContestDetailAnswer>(`/contests/${id}`);
    for (const p of after.file.presenters) expect(p.order, p.key).toBe(drawn.get(p.key));
  });

  test('Back with unsaved changes asks: staying keeps the draft, leaving goes back to the list', async () => {
    const { id, title } = await freshContest();
    await page.goto(`${server.url}/admin`);
    await page.locator(`[data-testid="contest-row"][data-contest-id="${id}"] .title-cell a`).click();
    await page.getByTestId('field-title').waitFor();
    await page.getByTestId('tab-judges').click();
    await page.getByTestId('tab-rules').click();
    // Back between the tabs of the same contest does not ask
    await page.getByTestId('field-title').fill(`${title}（未保存）`);
    await historyGo(-1);
    await eventually(() => page.url()).toMatch(new RegExp(`/admin/contests/${id}/judges$`));
    await historyGo(1);
    await eventually(() => page.url()).toMatch(new RegExp(`/admin/contests/${id}$`));
    await page.getByTestId('field-title').waitFor();
    expect(await page.getByTestId('field-title').inputValue()).toBe(`${title}（未保存）`);

    // Back to the list (three entries back: contest, judges tab, contest): asked; staying keeps the page and the draft
    let asked = answerNextDialog(false);
    await historyGo(-3);
    expect(await asked).toContain('未保存');
    await eventually(() => page.url()).toMatch(new RegExp(`/admin/contests/${id}$`));
    await page.waitForTimeout(300);
    expect(page.url()).toMatch(new RegExp(`/admin/contests/${id}$`));
    expect(await page.getByTestId('contest-page').count()).toBe(1);
    expect(await page.getByTestId('field-title').inputValue()).toBe(`${title}（未保存）`);

    // asked again; leaving goes back to the list
    asked = answerNextDialog(true);
    await historyGo(-3);
    expect(await asked).toContain('未保存');
    await page.getByTestId('contest-list').waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin');
    expect((await api<ContestDetailAnswer>(`/contests/${id}`)).file.title).toBe(title);
    await capture(page, 'admin-contest-list');
  });

  test('the host starts the contest while rule and title changes are unsaved: the rule change is dropped with a banner, the title is kept and saves', async () => {
    const { id, title } = await freshContest();
    await openEditor(id);
    await page.getByTestId('field-title').fill(`${title}（更正）`);
    await page.getByLabel('第 1 个评分项的满分').fill('25');
    await page.getByLabel('第 2 个评分项的满分').fill('25');

    // the host starts the first turn
    const links = await api<LinksAnswer>(`/contests/${id}/links`);
    const host: Socket = io(server.url, { auth: { token: new URL(links.hostUrl).hash.replace('#token=', '') }, transports: ['websocket'] });
    try {
      let snapshot: HostSnapshot | null = null;
      follow<HostSnapshot>(host as ClientSocket).onFrame((s) => (snapshot = s));
      await eventually(() => snapshot !== null).toBe(true);
      const first = snapshot!.presenters[0]!.key;
      const answer = (await host.emitWithAck('turn:start', { presenter: first, turnsVersion: snapshot!.turnsVersion })) as AckResult;
      expect(answer).toMatchObject({ ok: true });
    } finally {
      host.close();
    }

    await page.getByTestId('save-button').click();
    await page.getByTestId('dropped-banner').waitFor();
    const banner = (await page.getByTestId('dropped-banner').textContent())!;
    expect(banner).toContain('规则');
    expect(banner).toContain('比赛已经开始');
    await page.getByTestId('lock-banner').waitFor();
    // the title change is still in the draft, the rule change is back to the saved value
    expect(await page.getByTestId('field-title').inputValue()).toBe(`${title}（更正）`);
    expect(await page.getByLabel('第 1 个评分项的满分').inputValue()).toBe('20');
    expect(await page.getByLabel('第 1 个评分项的满分').isDisabled()).toBe(true);
    expect(await page.getByTestId('save-bar').getAttribute('data-dirty')).toBe('true');
    await capture(page, 'admin-editing-locked-dropped');

    await page.getByTestId('save-button').click();
    await eventually(async () => (await api<ContestDetailAnswer>(`/contests/${id}`)).file.title).toBe(`${title}（更正）`);
    await eventually(() => page.getByTestId('save-bar').getAttribute('data-dirty')).toBe('false');
    expect(await page.getByTestId('save-error').count()).toBe(0);
    const stored = await api<ContestDetailAnswer>(`/contests/${id}`);
    expect(String(stored.file.rules.criteria[0]!.max)).toBe('20');
  });
});

describe.sequential('what the admin pages say and show', () => {
  test('a server refusal is said in Chinese, the server’s English only in a small details line', async () => {
    // a contest file whose weights do not add up: the server refuses it in English (for scripts)
    const demo = await api<ContestDetailAnswer>(`/contests/${demoId}`);
    const broken = { ...demo.file, rules: { ...demo.file.rules, panels: demo.file.rules.panels.map((p, i) => (i === 0 ? { ...p, weight: 0.6 } : p)) } };
    await page.goto(`${server.url}/admin`);
    await page.getByTestId('contest-file-input').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) });
    const error = page.getByTestId('contest-file-error');
    await error.waitFor();
    const details = (await page.getByTestId('contest-file-error-details').textContent())!;
    expect(details).toMatch(/weights sum to 0\.9/);
    const said = (await error.textContent())!.replace(details, '').replace('broken.json', '');
    expect(said).toContain('不是有效的擂台比赛文件');
    expect(said, 'no English outside the details').not.toMatch(/[A-Za-z]{3,}/);
    await capture(page, 'admin-refusal-file');

    // an address of a contest that does not exist
    await page.goto(`${server.url}/admin/contests/zzzzzzzzzz/results`);
    const pageError = page.getByTestId('page-error');
    await pageError.waitFor();
    expect(await pageError.textContent()).toContain('没有找到这场比赛');
    expect(await pageError.textContent()).not.toMatch(/no contest/);
  });

  test('the drawn order full screen fits the longest names and units, at 16:9 and 4:3', async () => {
    const demo = await api<ContestDetailAnswer>(`/contests/${demoId}`);
    // the editor's limits: 200 characters for a name, 500 for a unit
    const long = (seed: string, n: number, tag: string) => Array.from(tag + seed.repeat(Math.ceil(n / seed.length) + 1)).slice(0, n).join('');
    const file = {
      ...demo.file,
      presenters: demo.file.presenters.map((p, i) => ({
        ...p,
        name: i % 2 === 0 ? long('白沙洲街道党工委书记', 200, `${i + 1}号`) : long('丁字湾街道党工委书记张', 32, `${i + 1}号`),
        unit: i % 2 === 0 ? long('区行政审批服务局机关党委', 500, '') : long('望城经济技术开发区管理委员会机关', 21, ''),
      })),
    };
    const response = await fetch(`${server.url}/api/contests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(file),
    });
    const created = (await response.json()) as CreatedContestAnswer;
    // an order exists (typed in, not drawn here): its full-screen view is there all the same
    await page.goto(`${server.url}/admin/contests/${created.id}/order`);
    await page.getByTestId('lots-fullscreen').click();
    await page.getByTestId('lots-fullscreen-view').waitFor();
    expect(await page.getByTestId('lots-fullscreen-view').getByTestId('lots-result-item').count()).toBe(22);
    await expectFitsEverySize(page, 'lots-fullscreen-long', '[data-testid=lots-fullscreen-view]');
    await page.keyboard.press('Escape');
  });
});
