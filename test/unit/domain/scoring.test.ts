import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContestDefinition, Sheet } from '../../../server/domain/contest.ts';
import { Exact } from '../../../server/domain/exact.ts';
import { computeResults, sheetItemsProblem, type PresenterResult } from '../../../server/domain/scoring.ts';

const x = (text: string | number) => Exact.parse(String(text));

/** A one-criterion contest (max 100, step 0.01) so a sheet is just its total. */
function contest(options: {
  panels: Array<{ key: string; weight: string; drop?: number; judges: number }>;
  presenters: number;
  decimals?: number;
  tieBreak?: string[];
  awards?: Array<{ name: string; count: number | null }>;
  recused?: Record<string, string[]>;
  absent?: Record<string, string[]>;
}): ContestDefinition {
  return {
    title: 'test',
    rules: {
      criteria: [{ key: 'score', name: '得分', max: x(100), step: x('0.01') }],
      panels: options.panels.map((p) => ({ kind: 'judges' as const, key: p.key, name: p.key, weight: x(p.weight), dropHighest: p.drop ?? 0, dropLowest: p.drop ?? 0 })),
      decimals: options.decimals ?? 2,
      tieBreak: options.tieBreak ?? [],
      timeLimitSeconds: null,
      awards: options.awards ?? [],
    },
    presenters: Array.from({ length: options.presenters }, (_, i) => ({
      key: `p${i + 1}`,
      name: `选手${i + 1}`,
      unit: '',
      topic: '',
      order: null,
      recused: options.recused?.[`p${i + 1}`] ?? [],
      absent: options.absent?.[`p${i + 1}`] ?? [],
    })),
    judges: options.panels.flatMap((p) => Array.from({ length: p.judges }, (_, i) => ({ key: `${p.key}${i + 1}`, name: `${p.key}${i + 1}`, panel: p.key }))),
  };
}

/** sheets from a table: presenter → judge → total */
function sheets(table: Record<string, Record<string, string | number>>): Sheet[] {
  return Object.entries(table).flatMap(([presenter, byJudge]) =>
    Object.entries(byJudge).map(([judge, total]) => ({ presenter, judge, items: { score: x(total) } })),
  );
}

const byPresenter = (results: PresenterResult[], key: string) => results.find((r) => r.presenter === key)!;

describe('a panel score', () => {
  const seven = contest({ panels: [{ key: 'm', weight: '1', drop: 1, judges: 7 }], presenters: 1 });

  it('drops the single highest and lowest of seven judges and averages the five kept', () => {
    const [r] = computeResults(seven, sheets({ p1: { m1: 90, m2: 85, m3: 88, m4: 92, m5: 70, m6: 87, m7: 89 } }));
    const panel = r!.panels[0]!;
    expect(panel.scores.filter((s) => s.dropped === 'highest').map((s) => s.judge)).toEqual(['m4']);
    expect(panel.scores.filter((s) => s.dropped === 'lowest').map((s) => s.judge)).toEqual(['m5']);
    // (90 + 85 + 88 + 87 + 89) / 5 = 87.8
    expect(panel.score!.toString()).toBe('87.8');
    expect(r!.rounded).toBe('87.80');
  });

  it('drops only one instance of a repeated extreme', () => {
    const [r] = computeResults(seven, sheets({ p1: { m1: 90, m2: 90, m3: 80, m4: 80, m5: 85, m6: 85, m7: 85 } }));
    const panel = r!.panels[0]!;
    expect(panel.scores.filter((s) => s.dropped !== null)).toHaveLength(2);
    // kept: 90, 80, 85, 85, 85 → 425 / 5 = 85
    expect(panel.score!.toString()).toBe('85');
  });

  it('drops nothing when no more scores than drops are in', () => {
    const twoOfSeven = computeResults(seven, sheets({ p1: { m1: 90, m2: 80 } }))[0]!;
    expect(twoOfSeven.panels[0]!.scores.every((s) => s.dropped === null)).toBe(true);
    expect(twoOfSeven.panels[0]!.score!.toString()).toBe('85');
    const threeOfSeven = computeResults(seven, sheets({ p1: { m1: 90, m2: 80, m3: 70 } }))[0]!;
    expect(threeOfSeven.panels[0]!.score!.toString()).toBe('80');
    expect(threeOfSeven.complete).toBe(false);
  });

  it('leaves a recused judge out of what is expected and of the mean', () => {
    const c = contest({ panels: [{ key: 'm', weight: '1', drop: 1, judges: 4 }], presenters: 1, recused: { p1: ['m4'] } });
    const [r] = computeResults(c, sheets({ p1: { m1: 90, m2: 80, m3: 85 } }));
    expect(r!.complete).toBe(true);
    expect(r!.panels[0]!.expected).toBe(3);
    expect(r!.panels[0]!.score!.toString()).toBe('85');
    expect(r!.rank).toBe(1);
  });
});

describe('a panel score (the rules docs/protocol.md states)', () => {
  it('counts a judge marked absent exactly like a recused one: not expected, not in the mean', () => {
    const recused = contest({ panels: [{ key: 'm', weight: '1', drop: 1, judges: 4 }], presenters: 1, recused: { p1: ['m4'] } });
    const absent = contest({ panels: [{ key: 'm', weight: '1', drop: 1, judges: 4 }], presenters: 1, absent: { p1: ['m4'] } });
    const table = { p1: { m1: 90, m2: 80, m3: 85 } };
    const [a] = computeResults(absent, sheets(table));
    expect([a!.complete, a!.panels[0]!.expected, a!.panels[0]!.score!.toString(), a!.rank]).toEqual([true, 3, '85', 1]);
    expect(a).toEqual(computeResults(recused, sheets(table))[0]);
  });

  it('strikes the first seat among equal lowest totals and the last seat among equal highest totals', () => {
    const c = contest({ panels: [{ key: 'm', weight: '1', drop: 1, judges: 6 }], presenters: 1 });
    // seats 1 and 4 tie for the lowest (80), seats 2 and 6 for the highest (90)
    const [r] = computeResults(c, sheets({ p1: { m1: 80, m2: 90, m3: 85, m4: 80, m5: 86, m6: 90 } }));
    expect(r!.panels[0]!.scores.map((s) => [s.judge, s.dropped])).toEqual([
      ['m1', 'lowest'],
      ['m2', null],
      ['m3', null],
      ['m4', null],
      ['m5', null],
      ['m6', 'highest'],
    ]);
  });

  it('is shown rounded half-up to the contest’s places, while the final uses the exact mean', () => {
    // main: (85.12 + 85.13) / 2 = 85.125 → shown 85.13; eval 85.125 likewise; final 0.5 × 85.125 + 0.5 × 85.115 = 85.12
    const c = contest({ panels: [{ key: 'm', weight: '0.5', judges: 2 }, { key: 'e', weight: '0.5', judges: 2 }], presenters: 1 });
    const [r] = computeResults(c, sheets({ p1: { m1: '85.12', m2: '85.13', e1: '85.11', e2: '85.12' } }));
    expect(r!.panels.map((p) => [p.score!.toString(), p.rounded])).toEqual([
      ['85.125', '85.13'],
      ['85.115', '85.12'],
    ]);
    // from the rounded panel scores it would be 0.5 × 85.13 + 0.5 × 85.12 = 85.125 → 85.13
    expect([r!.final!.toString(), r!.rounded]).toEqual(['85.12', '85.12']);
  });
});

describe('the final score', () => {
  it('is Σ weight × panel score, exact, then rounded once: 0.35 × 80.01 + 0.65 × 80.02 → 80.017 at 3 places', () => {
    const c = contest({ panels: [{ key: 'm', weight: '0.35', judges: 1 }, { key: 'e', weight: '0.65', judges: 1 }], presenters: 1, decimals: 3 });
    const [r] = computeResults(c, sheets({ p1: { m1: '80.01', e1: '80.02' } }));
    expect(r!.final!.toString()).toBe('80.0165');
    expect(r!.rounded).toBe('80.017');
  });

  it('rounds a final of exactly 90.005 up to 90.01', () => {
    const c = contest({ panels: [{ key: 'm', weight: '1', judges: 2 }], presenters: 1 });
    const [r] = computeResults(c, sheets({ p1: { m1: '90.00', m2: '90.01' } }));
    expect(r!.rounded).toBe('90.01');
  });

  it('is not rounded per panel first: 0.7 × 85.555 + 0.3 × 85.555 stays 85.555 → 85.56', () => {
    const c = contest({ panels: [{ key: 'm', weight: '0.7', judges: 2 }, { key: 'e', weight: '0.3', judges: 2 }], presenters: 1 });
    const [r] = computeResults(c, sheets({ p1: { m1: '85.55', m2: '85.56', e1: '85.55', e2: '85.56' } }));
    expect(r!.final!.toString()).toBe('85.555');
    expect(r!.rounded).toBe('85.56');
  });

  it('is null while a panel has no score, and such a presenter is not ranked', () => {
    const c = contest({ panels: [{ key: 'm', weight: '0.7', judges: 1 }, { key: 'e', weight: '0.3', judges: 1 }], presenters: 1 });
    const [r] = computeResults(c, sheets({ p1: { m1: 90 } }));
    expect(r!.final).toBeNull();
    expect(r!.rounded).toBeNull();
    expect(r!.rank).toBeNull();
    expect(r!.complete).toBe(false);
  });
});

describe('the ranking', () => {
  const twoPanels = (presenters: number, extra: Partial<Parameters<typeof contest>[0]> = {}) =>
    contest({ panels: [{ key: 'm', weight: '0.5', judges: 1 }, { key: 'e', weight: '0.5', judges: 1 }], presenters, tieBreak: ['m'], ...extra });

  it('ranks on the rounded final the audience sees, then on the tie-break panel', () => {
    // p1: 0.5×85.01 + 0.5×85 = 85.005 → 85.01; p2: 0.5×85 + 0.5×85.02 = 85.01 → 85.01; equal shown finals
    const results = computeResults(twoPanels(2), sheets({ p1: { m1: '85.01', e1: '85' }, p2: { m1: '85', e1: '85.02' } }));
    expect(results.map((r) => [r.presenter, r.rounded, r.rank])).toEqual([
      ['p1', '85.01', 1], // main 85.01 beats main 85.00
      ['p2', '85.01', 2],
    ]);
  });

  it('gives equal presenters the same rank, skips the next (1, 2, 2, 4) and lists them in running order', () => {
    const results = computeResults(
      twoPanels(4),
      sheets({ p1: { m1: 80, e1: 80 }, p2: { m1: 90, e1: 90 }, p3: { m1: 85, e1: 85 }, p4: { m1: 85, e1: 85 } }),
    );
    expect(results.map((r) => [r.presenter, r.rank])).toEqual([
      ['p2', 1],
      ['p3', 2],
      ['p4', 2],
      ['p1', 4],
    ]);
  });

  it('lists incomplete presenters after the ranked ones, in running order, without a rank', () => {
    const c = twoPanels(4);
    c.presenters[0]!.order = 4;
    c.presenters[3]!.order = 1;
    c.presenters[1]!.order = 2;
    c.presenters[2]!.order = 3;
    const results = computeResults(c, sheets({ p1: { m1: 70 }, p2: { m1: 70, e1: 70 }, p3: { e1: 70 }, p4: { m1: 60 } }));
    expect(results.map((r) => [r.presenter, r.rank, r.complete])).toEqual([
      ['p2', 1, true],
      ['p4', null, false],
      ['p3', null, false],
      ['p1', null, false],
    ]);
  });

  it('hands out awards from the top, a tie across a boundary taking the higher award for all tied', () => {
    const c = twoPanels(5, { awards: [{ name: '一等奖', count: 1 }, { name: '二等奖', count: 2 }, { name: '三等奖', count: null }] });
    const results = computeResults(
      c,
      sheets({ p1: { m1: 95, e1: 95 }, p2: { m1: 90, e1: 90 }, p3: { m1: 88, e1: 88 }, p4: { m1: 88, e1: 88 }, p5: { m1: 70, e1: 70 } }),
    );
    expect(results.map((r) => [r.presenter, r.rank, r.award])).toEqual([
      ['p1', 1, '一等奖'],
      ['p2', 2, '二等奖'],
      ['p3', 3, '二等奖'],
      ['p4', 3, '二等奖'],
      ['p5', 5, '三等奖'],
    ]);
  });

  it('gives a tie across a boundary the higher award and takes the places from the level below (DESIGN.md: 1, 2, 2, 4, 5, 6 → 一, 二, 二, 三, 三, none)', () => {
    const c = twoPanels(6, { awards: [{ name: '一等奖', count: 1 }, { name: '二等奖', count: 1 }, { name: '三等奖', count: 3 }] });
    const results = computeResults(
      c,
      sheets({ p1: { m1: 95, e1: 95 }, p2: { m1: 90, e1: 90 }, p3: { m1: 90, e1: 90 }, p4: { m1: 85, e1: 85 }, p5: { m1: 80, e1: 80 }, p6: { m1: 75, e1: 75 } }),
    );
    expect(results.map((r) => [r.rank, r.award])).toEqual([
      [1, '一等奖'],
      [2, '二等奖'],
      [2, '二等奖'],
      [4, '三等奖'],
      [5, '三等奖'],
      [6, null],
    ]);
  });

  it('gives no award past the last counted one', () => {
    const c = twoPanels(3, { awards: [{ name: '一等奖', count: 1 }] });
    const results = computeResults(c, sheets({ p1: { m1: 95, e1: 95 }, p2: { m1: 90, e1: 90 }, p3: { m1: 80, e1: 80 } }));
    expect(results.map((r) => r.award)).toEqual(['一等奖', null, null]);
  });
});

describe('a sheet', () => {
  const criteria = [
    { key: 'topic', name: '选题准', max: x(20), step: x('0.5') },
    { key: 'measures', name: '举措实', max: x(30), step: x('0.5') },
  ];

  it('is valid with every item from 0 to max in whole steps', () => {
    expect(sheetItemsProblem(criteria, { topic: x(0), measures: x(30) })).toBeNull();
    expect(sheetItemsProblem(criteria, { topic: x('18.5'), measures: x('29.5') })).toBeNull();
  });

  it('is refused with the criterion named when an item is missing, negative, over max, off-step or unknown', () => {
    expect(sheetItemsProblem(criteria, { topic: x(18) })).toMatch(/measures \(举措实\) has no value/);
    expect(sheetItemsProblem(criteria, { topic: x(-1), measures: x(1) })).toMatch(/topic \(选题准\) is -1, below 0/);
    expect(sheetItemsProblem(criteria, { topic: x('20.5'), measures: x(1) })).toMatch(/topic \(选题准\) is 20.5, over the maximum 20/);
    expect(sheetItemsProblem(criteria, { topic: x('18.25'), measures: x(1) })).toMatch(/not a whole step of 0.5/);
    expect(sheetItemsProblem(criteria, { topic: x(1), measures: x(1), bonus: x(1) })).toMatch(/bonus is not in the rubric/);
  });
});

// ---- properties over random contests ----

interface Scenario {
  contest: ContestDefinition;
  sheets: Sheet[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    panelCount: fc.integer({ min: 1, max: 3 }),
    weightSplit: fc.array(fc.integer({ min: 1, max: 98 }), { minLength: 2, maxLength: 2 }),
    judgesPerPanel: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 3, maxLength: 3 }),
    drops: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
    presenters: fc.integer({ min: 1, max: 6 }),
    decimals: fc.integer({ min: 0, max: 4 }),
    seedSheets: fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 })), { minLength: 108, maxLength: 108 }),
  })
  .map((r) => {
    const [a, b] = [...r.weightSplit].sort((m, n) => m - n) as [number, number];
    const cuts = r.panelCount === 1 ? [100] : r.panelCount === 2 ? [a, 100 - a] : [a, Math.max(b - a, 1), 100 - Math.max(b, a + 1)];
    const weights = cuts.map((c) => Exact.of(c, 100));
    const fix = Exact.ONE.sub(weights.slice(1).reduce((s, w) => s.add(w), Exact.ZERO));
    weights[0] = fix;
    const c: ContestDefinition = {
      title: 'random',
      rules: {
        criteria: [
          { key: 'a', name: 'A', max: x(20), step: x('0.5') },
          { key: 'b', name: 'B', max: x(10), step: x('0.25') },
        ],
        panels: weights.map((w, i) => ({ kind: 'judges' as const, key: `g${i}`, name: `g${i}`, weight: w, dropHighest: r.drops[i]!, dropLowest: r.drops[(i + 1) % 3]! })),
        decimals: r.decimals,
        tieBreak: ['g0'],
        timeLimitSeconds: null,
        awards: [{ name: 'A', count: 2 }, { name: 'B', count: null }],
      },
      presenters: Array.from({ length: r.presenters }, (_, i) => ({ key: `p${i}`, name: `p${i}`, unit: '', topic: '', order: null, recused: [], absent: [] })),
      judges: weights.flatMap((_, i) => Array.from({ length: r.judgesPerPanel[i]! }, (_, j) => ({ key: `g${i}j${j}`, name: '', panel: `g${i}` }))),
    };
    const all: Sheet[] = [];
    let n = 0;
    for (const p of c.presenters) {
      for (const j of c.judges) {
        const [present, a2, b4] = r.seedSheets[n++ % r.seedSheets.length]!;
        if (present || n % 3 === 0) all.push({ presenter: p.key, judge: j.key, items: { a: Exact.of(Math.min(a2, 40), 2), b: Exact.of(b4, 4) } });
      }
    }
    return { contest: c, sheets: all };
  });

const numbers = (results: PresenterResult[]) =>
  results.map((r) => ({ p: r.presenter, final: r.final?.toString() ?? null, rounded: r.rounded, rank: r.rank, award: r.award, complete: r.complete }));

describe('properties of the scoring', () => {
  it('does not depend on the order in which sheets arrive', () => {
    fc.assert(
      fc.property(scenario, fc.func(fc.integer()), (s, order) => {
        const shuffled = [...s.sheets].sort((a, b) => order(a) - order(b));
        expect(numbers(computeResults(s.contest, shuffled))).toEqual(numbers(computeResults(s.contest, s.sheets)));
      }),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order in which judges are listed', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const reversed = { ...s.contest, judges: [...s.contest.judges].reverse() };
        expect(numbers(computeResults(reversed, s.sheets))).toEqual(numbers(computeResults(s.contest, s.sheets)));
      }),
      { numRuns: 200 },
    );
  });

  it('never lowers a presenter’s final when one judge raises a score', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        fc.pre(s.sheets.length > 0);
        const i = pick % s.sheets.length;
        const target = s.sheets[i]!;
        fc.pre(target.items.a!.cmp(x(20)) < 0);
        const raised = s.sheets.map((sheet, k) => (k === i ? { ...sheet, items: { ...sheet.items, a: sheet.items.a!.add(x('0.5')) } } : sheet));
        const before = byPresenter(computeResults(s.contest, s.sheets), target.presenter).final;
        const after = byPresenter(computeResults(s.contest, raised), target.presenter).final;
        if (before !== null) expect(after!.cmp(before)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every panel score between its lowest and highest kept total, and ranks by the rounded final', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const results = computeResults(s.contest, s.sheets);
        for (const r of results) {
          for (const p of r.panels) {
            if (p.score === null) continue;
            const kept = p.scores.filter((k) => k.dropped === null).map((k) => k.total);
            expect(kept.some((t) => t.cmp(p.score!) <= 0) && kept.some((t) => t.cmp(p.score!) >= 0)).toBe(true);
          }
        }
        const ranked = results.filter((r) => r.rank !== null);
        for (let i = 1; i < ranked.length; i++) {
          expect(x(ranked[i - 1]!.rounded!).cmp(x(ranked[i]!.rounded!))).toBeGreaterThanOrEqual(0);
          expect(ranked[i]!.rank!).toBeGreaterThanOrEqual(ranked[i - 1]!.rank!);
        }
        expect(ranked.every((r) => r.complete)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
