import { describe, expect, it } from 'vitest';
import type { ContestDefinition, Sheet } from '../../../server/domain/contest.ts';
import { Exact } from '../../../server/domain/exact.ts';
import { judgeConsistency } from '../../../server/domain/judge-consistency.ts';

const x = (text: string | number) => Exact.parse(String(text));

/** one panel, one criterion (max 100, step 0.5) so a sheet is just its total */
function contest(options: { judges: string[]; presenters: Array<{ key: string; recused?: string[] }>; drop: number; decimals?: number }): ContestDefinition {
  return {
    title: 'test',
    rules: {
      criteria: [{ key: 'score', name: '得分', max: x(100), step: x('0.5') }],
      panels: [{ kind: 'judges', key: 'main', name: '主评委', weight: x(1), dropHighest: options.drop, dropLowest: options.drop }],
      decimals: options.decimals ?? 2,
      tieBreak: [],
      timeLimitSeconds: null,
      awards: [],
    },
    presenters: options.presenters.map((p, i) => ({ key: p.key, name: p.key, unit: '', topic: '', order: i + 1, recused: p.recused ?? [], absent: [] })),
    judges: options.judges.map((key) => ({ key, name: `评委${key}`, panel: 'main' })),
  };
}

function sheets(table: Record<string, Record<string, number>>): Sheet[] {
  return Object.entries(table).flatMap(([presenter, byJudge]) => Object.entries(byJudge).map(([judge, total]) => ({ presenter, judge, items: { score: x(total) } })));
}

describe('judge consistency', () => {
  // Five main judges, the highest and the lowest dropped. m2 is always 2 above the kept mean;
  // m4 is dropped as the highest twice; m3 is recused from p3; m2 never scored p4; in p4 m1 and
  // m3 tie for the highest and only the later-listed one (m3) is dropped.
  const c = contest({
    judges: ['m1', 'm2', 'm3', 'm4', 'm5'],
    presenters: [{ key: 'p1' }, { key: 'p2' }, { key: 'p3', recused: ['m3'] }, { key: 'p4' }],
    drop: 1,
  });
  const result = judgeConsistency(
    c,
    sheets({
      p1: { m1: 80, m2: 84, m3: 82, m4: 90, m5: 70 }, // drop 90 and 70; kept 80, 84, 82 → 82
      p2: { m1: 70, m2: 74, m3: 72, m4: 95, m5: 60 }, // drop 95 and 60; kept 70, 74, 72 → 72
      p3: { m1: 59, m2: 63, m4: 50, m5: 70 }, // drop 70 and 50; kept 59, 63 → 61
      p4: { m1: 90, m3: 90, m4: 85, m5: 70 }, // drop m3's 90 and 70; kept 90, 85 → 87.5
    }),
  );
  const of = (judge: string) => result.find((r) => r.judge === judge)!;

  it('lists every judge in the contest’s order with name and panel', () => {
    expect(result.map((r) => [r.judge, r.name, r.panel])).toEqual([
      ['m1', '评委m1', 'main'],
      ['m2', '评委m2', 'main'],
      ['m3', '评委m3', 'main'],
      ['m4', '评委m4', 'main'],
      ['m5', '评委m5', 'main'],
    ]);
  });

  it('shows a judge who is always 2 above the kept mean as +2 every time, on the presenters they scored', () => {
    expect(of('m2')).toEqual({
      judge: 'm2',
      name: '评委m2',
      panel: 'main',
      scored: 3,
      meanDeviation: '2.00',
      meanAbsoluteDeviation: '2.00',
      droppedHighest: 0,
      droppedLowest: 0,
      deviations: [
        { presenter: 'p1', deviation: '2.00' },
        { presenter: 'p2', deviation: '2.00' },
        { presenter: 'p3', deviation: '2.00' },
      ],
    });
  });

  it('counts a judge dropped as the highest twice and the lowest once; the deviation is still against the kept mean', () => {
    // +8, +23, −11, −2.5: mean 17.5 / 4 = 4.375 → 4.38; mean |·| 44.5 / 4 = 11.125 → 11.13
    expect(of('m4')).toMatchObject({
      scored: 4,
      meanDeviation: '4.38',
      meanAbsoluteDeviation: '11.13',
      droppedHighest: 2,
      droppedLowest: 1,
      deviations: [
        { presenter: 'p1', deviation: '8.00' },
        { presenter: 'p2', deviation: '23.00' },
        { presenter: 'p3', deviation: '-11.00' },
        { presenter: 'p4', deviation: '-2.50' },
      ],
    });
  });

  it('leaves out the presenter a judge is recused from, and counts a tie for the highest against the later-listed judge only', () => {
    // m3: 0, 0, (recused from p3), +2.5 dropped → mean 2.5 / 3 = 0.8333… → 0.83
    expect(of('m3')).toMatchObject({ scored: 3, meanDeviation: '0.83', meanAbsoluteDeviation: '0.83', droppedHighest: 1, droppedLowest: 0 });
    expect(of('m3').deviations.map((d) => d.presenter)).toEqual(['p1', 'p2', 'p4']);
    // m1 tied m3 at 90 in p4 and was kept: −2, −2, −2, +2.5 → −3.5 / 4 = −0.875 → −0.88 (halves away from zero); |·| 8.5 / 4 = 2.125 → 2.13
    expect(of('m1')).toMatchObject({ scored: 4, meanDeviation: '-0.88', meanAbsoluteDeviation: '2.13', droppedHighest: 0, droppedLowest: 0 });
    // m5: −12, −12, +9, −17.5 → −32.5 / 4 = −8.125 → −8.13; |·| 50.5 / 4 = 12.625 → 12.63
    expect(of('m5')).toMatchObject({ scored: 4, meanDeviation: '-8.13', meanAbsoluteDeviation: '12.63', droppedHighest: 1, droppedLowest: 3 });
  });

  it('measures against the exact mean, not the rounded panel score', () => {
    // 80, 80, 81, nothing dropped: the mean is 241/3 = 80.333…, shown as 80 at 0 places.
    // Against the exact mean 81 is +0.67, not the +1.00 the rounded score would give.
    const c0 = contest({ judges: ['a', 'b', 'c'], presenters: [{ key: 'p1' }], drop: 0, decimals: 0 });
    const r = judgeConsistency(c0, sheets({ p1: { a: 80, b: 80, c: 81 } }));
    expect(r.map((j) => j.deviations[0]!.deviation)).toEqual(['-0.33', '-0.33', '0.67']);
    expect(r.map((j) => j.meanAbsoluteDeviation)).toEqual(['0.33', '0.33', '0.67']);
  });

  it('has no means for a judge who scored nobody', () => {
    const c1 = contest({ judges: ['a', 'b'], presenters: [{ key: 'p1' }], drop: 0 });
    expect(judgeConsistency(c1, sheets({ p1: { a: 90 } }))[1]).toEqual({
      judge: 'b',
      name: '评委b',
      panel: 'main',
      scored: 0,
      meanDeviation: null,
      meanAbsoluteDeviation: null,
      droppedHighest: 0,
      droppedLowest: 0,
      deviations: [],
    });
  });

  it('ignores the audience vote: adding a 10 % audience panel changes no judge’s figures', () => {
    const withAudience: ContestDefinition = {
      ...c,
      rules: {
        ...c.rules,
        panels: [
          { ...c.rules.panels[0]!, weight: x('0.9') } as ContestDefinition['rules']['panels'][number],
          { kind: 'audience', key: 'public', name: '大众评审', weight: x('0.1'), scale: { min: x(1), max: x(10), step: x(1) }, trimPercent: 10 },
        ],
      },
    };
    const again = judgeConsistency(
      withAudience,
      sheets({
        p1: { m1: 80, m2: 84, m3: 82, m4: 90, m5: 70 },
        p2: { m1: 70, m2: 74, m3: 72, m4: 95, m5: 60 },
        p3: { m1: 59, m2: 63, m4: 50, m5: 70 },
        p4: { m1: 90, m3: 90, m4: 85, m5: 70 },
      }),
    );
    expect(again).toEqual(result);
    expect(again.map((r) => r.panel)).not.toContain('public');
  });
});

