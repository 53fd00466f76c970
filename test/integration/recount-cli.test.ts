import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * `npm run --silent recount -- FILE`, run as an organiser would run it: a child process, its
 * stdout and stderr and exit status.
 */

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const scored = JSON.parse(readFileSync(join(root, 'test/fixtures/demo-scored.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'leitai-recount-'));

async function recount(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'recount', '--', file], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let n = 0;
function fileWith(change: (doc: typeof scored) => void): string {
  const doc = structuredClone(scored);
  change(doc);
  const path = join(dir, `case-${n++}.json`);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

describe('npm run recount on the demo contest with every sheet in', () => {
  it('prints results whose numbers for 乌山街道 (p01) match the hand count', async () => {
    const { code, stdout, stderr } = await recount(join(root, 'test/fixtures/demo-scored.json'));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { results } = JSON.parse(stdout);
    expect(results).toHaveLength(22);
    const p01 = results.find((r: { presenter: string }) => r.presenter === 'p01');
    // Main panel (7 judges, drop 1 + 1), totals m1…m7: 83, 83.5, 81.5, 82, 81, 84, 81.5.
    // Dropped: 84 (m6) and 81 (m5). Kept 83 + 83.5 + 81.5 + 82 + 81.5 = 411.5; 411.5 / 5 = 82.3.
    const main = p01.panels.find((p: { panel: string }) => p.panel === 'main');
    expect(main.totals.map((t: { total: string }) => t.total)).toEqual(['83', '83.5', '81.5', '82', '81', '84', '81.5']);
    expect(main.totals.filter((t: { dropped: string | null }) => t.dropped).map((t: { judge: string; dropped: string }) => `${t.judge}:${t.dropped}`)).toEqual([
      'm5:lowest',
      'm6:highest',
    ]);
    expect(main.score).toBe('82.30');
    // Evaluation panel: e09 is recused from p01, so 14 sheets count. Totals e01…e08, e10…e15:
    // 83.5, 79.5, 79.5, 80.5, 80, 81.5, 81.5, 84.5, 82.5, 85, 85, 85, 84, 80 — sum 1152.
    // Dropped: one 85 and one 79.5. Kept 1152 − 85 − 79.5 = 987.5 over 12 = 82.291666… → 82.29.
    const evaluation = p01.panels.find((p: { panel: string }) => p.panel === 'eval');
    expect(evaluation.submitted).toBe(14);
    expect(evaluation.expected).toBe(14);
    expect(evaluation.score).toBe('82.29');
    // Final: 0.7 × 82.3 + 0.3 × 987.5 / 12 = 57.61 + 24.6875 = 82.2975 → 82.30 (rounded once, half-up).
    expect(p01.final).toBe('82.30');
    expect(p01.complete).toBe(true);
    // 16 presenters finish above 82.30 in this fixture; awards are 3 + 6 + the rest.
    expect(p01.rank).toBe(17);
    expect(p01.award).toBe('三等奖');
    expect(results.map((r: { rank: number }) => r.rank)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it('lists presenters still missing sheets after the ranked ones, with rank and final null where a panel has nothing', async () => {
    const file = fileWith((doc) => {
      doc.scores = doc.scores.filter((s: { presenter: string; judge: string }) => !(s.presenter === 'p03' && s.judge.startsWith('m')) && !(s.presenter === 'p05' && s.judge === 'e01'));
    });
    const { code, stdout } = await recount(file);
    expect(code).toBe(0);
    const { results } = JSON.parse(stdout);
    expect(results.slice(-2).map((r: { presenter: string; rank: null; final: string | null; complete: boolean }) => [r.presenter, r.rank, r.final === null, r.complete])).toEqual([
      ['p03', null, true, false],
      ['p05', null, false, false],
    ]);
  });
});

describe('npm run recount with an audience panel (大众评审) and the export\'s counted votes', () => {
  it('counts the votes into the final: 0.6 × main + 0.3 × eval + 0.1 × the trimmed audience mean on 100 points', async () => {
    const votes = [10, 9, 9, 8, 8, 8, 7, 7, 6, 1].map((value, i) => ({ presenter: 'p01', voter: `v${i}`, value }));
    const file = fileWith((doc) => {
      doc.rules.panels[0].weight = 0.6;
      doc.rules.panels.push({ key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 10 });
      doc.audienceVotes = [...votes, { presenter: 'p02', voter: 'v0', value: 5 }];
    });
    const { code, stdout, stderr } = await recount(file);
    expect([code, stderr]).toEqual([0, '']);
    const p01 = JSON.parse(stdout).results.find((r: { presenter: string }) => r.presenter === 'p01');
    const audience = p01.panels.find((p: { panel: string }) => p.panel === 'public');
    // 10 votes at 10 %: the 10 and the 1 go; 9 + 9 + 8 + 8 + 8 + 7 + 7 + 6 = 62 over 8 = 7.75 → 77.5 of 100
    expect(audience.votes).toEqual({ counted: 10, trimmed: { low: 1, high: 1 }, kept: 8 });
    expect(audience.score).toBe('77.50');
    // 0.6 × 82.3 + 0.3 × 987.5 / 12 + 0.1 × 77.5 = 49.38 + 24.6875 + 7.75 = 81.8175 → 81.82
    expect(p01.final).toBe('81.82');
    // p02 has one vote; the other 20 presenters none, and an audience score of 0, not "no score"
    const p03 = JSON.parse(stdout).results.find((r: { presenter: string }) => r.presenter === 'p03');
    expect(p03.panels.find((p: { panel: string }) => p.panel === 'public')).toMatchObject({ score: '0.00', votes: { counted: 0 } });
    expect(p03.complete).toBe(true);
  });
});

describe.concurrent('npm run recount refuses an invalid file with exit status 2 and one line naming the problem', () => {
  const cases: Array<[string, (doc: typeof scored) => void, RegExp]> = [
    ['an item over its max', (d) => (d.scores[0].items.topic = 20.5), /scores\[0\]\.items: judge m1, presenter p01: criterion topic \(选题准\) is 20\.5, over the maximum 20/],
    ['an off-step item', (d) => (d.scores[3].items.measures = 24.25), /scores\[3\]\.items: .*criterion measures \(举措实\) is 24\.25, not a whole step of 0\.5/],
    ['weights that do not sum to 1', (d) => (d.rules.panels[1].weight = 0.25), /rules\.panels: the panel weights sum to 0\.95, they must sum to exactly 1/],
    ['an unknown judge', (d) => (d.scores[5].judge = 'm9'), /scores\[5\]\.judge: no judge with key "m9"/],
    ['an unknown presenter', (d) => (d.scores[6].presenter = 'p99'), /scores\[6\]\.presenter: no presenter with key "p99"/],
    ['a duplicate sheet', (d) => d.scores.push(structuredClone(d.scores[2])), /scores\[482\]: a second sheet by judge m3 for presenter p01/],
    ['a recused judge’s sheet', (d) => d.scores.push({ presenter: 'p01', judge: 'e09', items: d.scores[0].items }), /scores\[482\]: judge e09 is recused from presenter p01/],
    ['a duplicate presenter key', (d) => (d.presenters[1].key = 'p01'), /presenters\[1\]\.key: duplicate key "p01"/],
    ['a missing title', (d) => delete d.title, /title: .*missing/],
    ['a wrong format', (d) => (d.format = 'leitai/contest@2'), /format: must be "leitai\/contest@1"/],
    ['an audience vote off the scale', (d) => {
      d.rules.panels[0].weight = 0.6;
      d.rules.panels.push({ key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 } });
      d.audienceVotes = [{ presenter: 'p01', voter: 'v1', value: 0 }];
    }, /audienceVotes\[0\]\.value: voter v1, presenter p01: the vote 0 is outside 1–10/],
    ['a contest whose only panel is the audience', (d) => {
      d.rules.panels = [{ key: 'public', name: '大众评审', kind: 'audience', weight: 1, scale: { min: 1, max: 10, step: 1 } }];
      d.rules.tieBreak = [];
      d.judges = [];
      d.scores = [];
      d.presenters.forEach((p: { recused?: string[] }) => delete p.recused);
    }, /rules\.panels: the only panel is the audience panel public; a contest needs at least one judges' panel/],
    ['a string where a number belongs', (d) => (d.rules.criteria[0].max = '20'), /rules\.criteria\[0\]\.max: expected number/],
  ];

  for (const [what, change, message] of cases) {
    it(`refuses ${what}`, async () => {
      const { code, stdout, stderr } = await recount(fileWith(change));
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
    });
  }

  it('refuses text that is not JSON', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"format": "leitai/contest@1", "title": ');
    const { code, stdout, stderr } = await recount(path);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(/^recount: .*broken\.json: not valid JSON/);
  });

  it('refuses a number with more digits than can be kept exactly instead of rounding it', async () => {
    const path = join(dir, 'digits.json');
    writeFileSync(path, readFileSync(join(root, 'test/fixtures/demo-scored.json'), 'utf8').replace('"weight": 0.7', '"weight": 0.70000000000000001'));
    const { code, stderr } = await recount(path);
    expect(code).toBe(2);
    expect(stderr).toMatch(/0\.70000000000000001 has more digits than can be kept exactly/);
  });

  it('says what is missing when no file is named or it cannot be read', async () => {
    expect((await recount(join(dir, 'nope.json'))).stderr).toMatch(/cannot read .*nope\.json: ENOENT/);
  });
});
