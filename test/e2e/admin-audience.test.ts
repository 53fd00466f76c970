import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ContestDetailAnswer, ContestListAnswer, CreatedContestAnswer, LinksAnswer, ResultsAnswer } from '../../server/contracts/admin-api.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import { adminPage, launchBrowser } from './browser.ts';
import { capture } from './capture.ts';

/**
 * An organiser turns on the audience vote (大众评审) for the demo final from the rules editor:
 * adds the panel, gives it 10 % (the main panel gives up 10 points), is told next to the field
 * when a number is wrong, saves; the judges tab never offers the panel to a judge; the Links tab
 * sets the vote's entry code (投票码). Then the
 * results table shows the audience panel as its own column group: votes counted, dropped
 * low/high and its score, the numbers the results API answers.
 */

const ADMIN_TOKEN = 'e2e-admin-audience-token-0123456789';

let dataDir: string;
let server: ServerProcess;
let browser: Browser;
let page: Page;

async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const response = await fetch(`${server.url}/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return (await response.json()) as T;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'leitai-e2e-admin-audience-'));
  server = await startServer({ DATA_DIR: dataDir, LOAD_DEMO: 'true', ADMIN_TOKEN });
  browser = await launchBrowser();
  page = await adminPage(browser, server.url, ADMIN_TOKEN);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

test('the organiser adds a 10 % audience vote to the demo’s rules and saves it', async () => {
  const demoId = (await api<ContestListAnswer>('/contests')).contests[0]!.id;
  await page.goto(`${server.url}/admin/contests/${demoId}`);
  await page.getByTestId('field-title').waitFor();
  const section = page.getByTestId('audience-section');
  expect(await section.textContent()).toContain('未设置：成绩只由评委打分。');

  await page.getByTestId('add-audience').click();
  expect(await page.getByTestId('audience-name').inputValue()).toBe('大众评审');
  expect(await page.getByTestId('audience-scale-min').inputValue()).toBe('1');
  expect(await page.getByTestId('audience-scale-max').inputValue()).toBe('10');
  await page.getByTestId('audience-weight').fill('10');
  // 70 + 30 + 10: the sum is refused until a panel gives up its share
  expect(await page.getByTestId('weight-total').textContent()).toBe('权重合计 110%');
  await page.getByTestId('panel-weight').first().fill('60');
  expect(await page.getByTestId('weight-total').textContent()).toBe('权重合计 100% ✓');

  // a wrong number is named next to its field, in Chinese, and the save is held back
  await page.getByTestId('audience-trim').fill('30');
  await page.getByTestId('audience-scale-step').fill('3');
  const panel = page.getByTestId('audience-panel');
  await expect.poll(() => panel.textContent()).toContain('请填写 0 到 25 的整数');
  expect(await panel.textContent()).toContain('1 不是步长 3 的整数倍');
  // the list by the save button names the audience panel 大众评审, not a row of the panels' table
  const listed = await page.getByTestId('problem-list').locator('li').allTextContents();
  expect(listed).toEqual(['大众评审 · 投票分值 最低：1 不是步长 3 的整数倍', '大众评审 · 两端去掉比例：请填写 0 到 25 的整数（最高、最低两端各去掉百分之几的票）']);
  await capture(page, 'admin-audience-problems');
  await page.getByTestId('audience-trim').fill('10');
  await page.getByTestId('audience-scale-step').fill('1');
  await expect.poll(() => panel.textContent()).not.toContain('整数');
  await section.scrollIntoViewIfNeeded();
  await capture(page, 'admin-audience-rules');

  await page.getByTestId('save-button').click();
  await expect
    .poll(async () => (await api<ContestDetailAnswer>(`/contests/${demoId}`)).file.rules.panels.map((p) => [p.key, p.kind ?? 'judges', p.weight]), { timeout: 10_000 })
    .toEqual([
      ['main', 'judges', 0.6],
      ['eval', 'judges', 0.3],
      ['audience', 'audience', 0.1],
    ]);
  const saved = (await api<ContestDetailAnswer>(`/contests/${demoId}`)).file.rules.panels[2];
  expect(saved).toEqual({ key: 'audience', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 10 });

  // judges sit on the judges' panels only
  await page.getByTestId('tab-judges').click();
  const choices = await page.getByTestId('judges-table').locator('select').first().locator('option').allTextContents();
  expect(choices).toEqual(['主评委', '测评打分']);

  // the vote's entry code (投票码), a live setting beside the watch link: saved at once
  await page.getByTestId('tab-links').click();
  await page.getByTestId('vote-code-panel').waitFor();
  expect(await page.getByTestId('vote-code-now').textContent()).toContain('未设置');
  await page.getByTestId('vote-code-input').fill('88');
  await page.getByTestId('vote-code-set').click();
  expect(await page.getByTestId('vote-code-problem').textContent()).toBe('请填写 3 到 12 位英文字母或数字，如 8866');
  await page.getByTestId('vote-code-input').fill('8866');
  await page.getByTestId('vote-code-set').click();
  await expect.poll(() => page.getByTestId('vote-code-now').textContent()).toContain('8866');
  expect((await api<LinksAnswer>(`/contests/${demoId}/links`)).voteEntryCode).toBe('8866');
  await page.getByTestId('vote-code-panel').scrollIntoViewIfNeeded();
  await capture(page, 'admin-audience-vote-code');
}, 60_000);

test('the results table shows the audience panel: votes counted, dropped low/high, score', async () => {
  // the demo final with its judges' sheets, stored from a file, with a 10 % audience vote
  const file = JSON.parse(readFileSync(new URL('../fixtures/demo-scored.json', import.meta.url), 'utf8'));
  file.rules.panels[0].weight = 0.6;
  file.rules.panels.push({ key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 10 });
  // and a hall's votes: 12 to 52 phones per presenter, the first presenter none
  file.audienceVotes = file.presenters.flatMap((p: { key: string }, i: number) =>
    Array.from({ length: i === 0 ? 0 : 12 + ((i * 17) % 41) }, (_, v) => ({ presenter: p.key, voter: `v${v}`, value: 1 + ((i * 7 + v * 3) % 10) })),
  );
  const created = await api<CreatedContestAnswer>('/contests?withScores=true', { method: 'POST', json: file });
  const answer = await api<ResultsAnswer>(`/contests/${created.id}/results`);

  await page.goto(`${server.url}/admin/contests/${created.id}/results`);
  await page.getByTestId('results-table').waitFor();
  const heads = await page.getByTestId('results-panel-head').allTextContents();
  expect(heads.map((h) => h.trim())).toEqual(['主评委（60%）', '测评打分（30%）', '大众评审（10%）']);
  const head = await page.locator('[data-testid=results-table] thead').textContent();
  expect(head).toContain('计票');
  expect(head).toContain('去掉 低/高');
  expect(head).toContain('大众评审得分');

  expect(answer.results.rows.some((r) => r.panels[2]!.votes!.trimmed.low > 0)).toBe(true);
  const rows = page.getByTestId('results-row');
  expect(await rows.count()).toBe(answer.results.rows.length);
  for (const [i, row] of answer.results.rows.entries()) {
    const line = rows.nth(i);
    const votes = row.panels[2]!.votes!;
    expect(await line.getByTestId('results-votes').textContent(), row.presenter).toBe(String(votes.counted));
    expect(await line.getByTestId('results-votes-trimmed').textContent(), row.presenter).toBe(`${votes.trimmed.low} / ${votes.trimmed.high}`);
    expect(await line.locator('[data-testid=results-panel-score][data-panel=public]').textContent(), row.presenter).toBe(row.panels[2]!.score);
    expect(await line.getByTestId('results-final').textContent(), row.presenter).toBe(row.final);
  }
  expect(await page.getByTestId('results-legend').textContent()).toContain('计票 = 计入的观众票数');
  // the audience group is at the table's right end, by the final: scroll there for the screenshot
  await page.locator('.table-scroll').evaluate((el: { scrollLeft: number; scrollWidth: number }) => (el.scrollLeft = el.scrollWidth));
  await capture(page, 'admin-audience-results');

  // the printed summary carries the same columns
  await page.goto(`${server.url}/admin/contests/${created.id}/print`);
  await page.getByTestId('print-sheet-summary').waitFor();
  expect(await page.getByTestId('print-votes').count()).toBe(answer.results.rows.length);
  expect(await page.getByTestId('print-choose-panel-public').count()).toBe(0);
  await capture(page, 'admin-audience-print');
}, 60_000);

test('a contest file whose only panel is the audience vote is refused on import, the problem named in Chinese, and nothing is stored', async () => {
  const before = (await api<ContestListAnswer>('/contests')).contests.length;
  const demo = JSON.parse(readFileSync(new URL('../../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8'));
  const votesOnly = {
    ...demo,
    rules: { ...demo.rules, panels: [{ key: 'public', name: '大众评审', kind: 'audience', weight: 1, scale: { min: 1, max: 10, step: 1 } }], tieBreak: [] },
    judges: [],
    presenters: demo.presenters.map(({ recused: _recused, ...p }: { recused?: string[] }) => p),
  };
  await page.goto(`${server.url}/admin`);
  await page.getByTestId('contest-file-input').setInputFiles({ name: 'votes-only.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(votesOnly)) });
  const error = page.getByTestId('contest-file-error');
  await error.waitFor();
  const details = (await page.getByTestId('contest-file-error-details').textContent())!;
  expect(details).toContain("the only panel is the audience panel public; a contest needs at least one judges' panel");
  const said = (await error.textContent())!.replace(details, '').trim();
  expect(said).toBe('没有导入“votes-only.json”：服务器没有接受：这不是有效的擂台比赛文件，或文件里的规则有误。评委组：除大众评审外，至少要有 1 个评委组。');
  await capture(page, 'admin-audience-votes-only-refused');
  expect((await api<ContestListAnswer>('/contests')).contests.length).toBe(before);
});
