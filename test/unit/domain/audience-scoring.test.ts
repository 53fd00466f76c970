import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContestDefinition, Sheet, Vote } from '../../../server/domain/contest.ts';
import { Exact } from '../../../server/domain/exact.ts';
import { computeResults, trimmedVotes, type PresenterResult } from '../../../server/domain/scoring.ts';

/**
 * The audience panel (大众评审) of DESIGN.md "Audience": t = floor(n × trimPercent / 100) votes
 * dropped from each end, the mean of the rest ÷ scale.max × Σ criteria max, exact.
 */

const x = (text: string | number) => Exact.parse(String(text));

/** Two criteria (60 + 40 = 100 full marks), one judge panel of two judges at 90 %, the audience at 10 % on a 1–10 scale. */
function contest(trimPercent: number, options: { tieBreak?: string[]; presenters?: number } = {}): ContestDefinition {
  return {
    title: 'audience',
    rules: {
      criteria: [
        { key: 'a', name: 'A', max: x(60), step: x('0.5') },
        { key: 'b', name: 'B', max: x(40), step: x('0.5') },
      ],
      panels: [
        { kind: 'judges', key: 'main', name: '主评委', weight: x('0.9'), dropHighest: 0, dropLowest: 0 },
        { kind: 'audience', key: 'public', name: '大众评审', weight: x('0.1'), scale: { min: x(1), max: x(10), step: x(1) }, trimPercent },
      ],
      decimals: 2,
      tieBreak: options.tieBreak ?? [],
      timeLimitSeconds: null,
      awards: [],
    },
    presenters: Array.from({ length: options.presenters ?? 1 }, (_, i) => ({ key: `p${i + 1}`, name: `选手${i + 1}`, unit: '', topic: '', order: null, recused: [], absent: [] })),
    judges: [
      { key: 'm1', name: 'm1', panel: 'main' },
      { key: 'm2', name: 'm2', panel: 'main' },
    ],
  };
}

/** Both judges give the presenter `total` (as 60-scale + 40-scale items). */
const judged = (presenter: string, a: number, b: number): Sheet[] =>
  ['m1', 'm2'].map((judge) => ({ presenter, judge, items: { a: x(a), b: x(b) } }));

const votesFor = (presenter: string, values: readonly number[]): Vote[] => values.map((value, i) => ({ presenter, voter: `v${i}`, value: x(value) }));

const audienceOf = (r: PresenterResult) => r.panels.find((p) => p.panel === 'public')!;

describe('the audience panel score', () => {
  it('drops floor(n × trimPercent / 100) votes from each end and scales the mean to the rubric', () => {
    // 20 votes, 10 %: t = 2 from each end
    const values = [7, 1, 10, 5, 8, 2, 9, 6, 7, 3, 8, 10, 4, 5, 6, 7, 8, 1, 9, 10];
    const [r] = computeResults(contest(10), judged('p1', 50, 30), votesFor('p1', values));
    const audience = audienceOf(r!);
    expect(audience.votes).toEqual({ counted: 20, trimmed: { low: 2, high: 2 }, kept: 16 });
    const kept = [...values].sort((a, b) => a - b).slice(2, 18);
    const keptSum = kept.reduce((s, v) => s + v, 0); // whole numbers: exact in JS too
    // mean ÷ 10 × 100 = keptSum / 16 × 10
    expect(audience.score!.eq(Exact.of(keptSum * 10, 16))).toBe(true);
    // final = 0.9 × 80 + 0.1 × audience
    expect(r!.final!.eq(x(72).add(x('0.1').mul(audience.score!)))).toBe(true);
  });

  it('drops one instance per drop when equal votes straddle the trim boundary', () => {
    // 10 votes, 10 %: t = 1. Three 1s and three 10s: one of each goes, two of each stay.
    const [r] = computeResults(contest(10), judged('p1', 50, 30), votesFor('p1', [1, 10, 5, 1, 10, 5, 1, 10, 5, 5]));
    const audience = audienceOf(r!);
    expect(audience.votes).toEqual({ counted: 10, trimmed: { low: 1, high: 1 }, kept: 8 });
    // kept 1 1 5 5 5 5 10 10 = 42, mean 5.25, ÷ 10 × 100 = 52.5
    expect(audience.score!.toString()).toBe('52.5');
    expect(audience.rounded).toBe('52.50');
  });

  it('gives 0, not "no score", when nobody voted, and the presenter is still complete and ranked', () => {
    const [r] = computeResults(contest(10), judged('p1', 50, 30), []);
    const audience = audienceOf(r!);
    expect(audience.votes).toEqual({ counted: 0, trimmed: { low: 0, high: 0 }, kept: 0 });
    expect(audience.score!.isZero()).toBe(true);
    expect(r!.complete).toBe(true);
    expect(r!.rounded).toBe('72.00');
    expect(r!.rank).toBe(1);
  });

  it('keeps a single vote whatever the trim share (floor(1 × 25 / 100) = 0)', () => {
    const [r] = computeResults(contest(25), judged('p1', 50, 30), votesFor('p1', [7]));
    expect(audienceOf(r!).votes).toEqual({ counted: 1, trimmed: { low: 0, high: 0 }, kept: 1 });
    expect(audienceOf(r!).score!.toString()).toBe('70');
    expect(r!.rounded).toBe('79.00'); // 0.9 × 80 + 0.1 × 70
  });

  it('rounds down the trim count: 19 votes at 10 % drop 1 from each end, not 2', () => {
    const [r] = computeResults(contest(10), judged('p1', 50, 30), votesFor('p1', Array.from({ length: 19 }, (_, i) => (i % 10) + 1)));
    expect(audienceOf(r!).votes).toEqual({ counted: 19, trimmed: { low: 1, high: 1 }, kept: 17 });
  });

  it('keeps a mean that is not a finite decimal exact until the final is rounded once', () => {
    // 1, 2, 2: mean 5/3, ÷ 10 × 100 = 50/3 = 16.666…; final 72 + 5/3 = 73.666… → 73.67
    const [r] = computeResults(contest(0), judged('p1', 50, 30), votesFor('p1', [1, 2, 2]));
    expect(audienceOf(r!).score!.eq(Exact.of(50, 3))).toBe(true);
    expect(audienceOf(r!).rounded).toBe('16.67');
    expect(r!.rounded).toBe('73.67');
  });

  it('does not make a presenter complete without every judge: completeness is the judges’ alone', () => {
    const [r] = computeResults(contest(0), judged('p1', 50, 30).slice(0, 1), votesFor('p1', [10, 10]));
    expect(r!.complete).toBe(false);
    expect(r!.rank).toBeNull();
  });

  it('breaks a tie on the audience panel when tieBreak names it', () => {
    // 0 places: p1 judged 80, audience 60 → 72 + 6 = 78; p2 judged 81, audience 50 → 72.9 + 5 = 77.9 → 78
    const sheets = [...judged('p1', 50, 30), ...judged('p2', 51, 30)];
    const votes = [...votesFor('p1', [6]), ...votesFor('p2', [5])];
    const ranks = (tieBreak: string[]) => {
      const c = contest(0, { tieBreak, presenters: 2 });
      return computeResults({ ...c, rules: { ...c.rules, decimals: 0 } }, sheets, votes).map((r) => [r.presenter, r.rounded, r.rank]);
    };
    expect(ranks([])).toEqual([['p1', '78', 1], ['p2', '78', 1]]);
    expect(ranks(['public'])).toEqual([['p1', '78', 1], ['p2', '78', 2]]);
  });

  it('refuses two counted votes of one voter for one presenter (a caller’s bug: only the last one counts)', () => {
    expect(() => computeResults(contest(0), [], [...votesFor('p1', [5]), ...votesFor('p1', [6])])).toThrow(/two counted votes for presenter p1 by voter v0/);
  });

  it('gives the same final whatever order the votes come in (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer(),
        (values, trim, seed) => {
          const votes = votesFor('p1', values);
          const shuffled = fc.sample(fc.shuffledSubarray(votes, { minLength: votes.length, maxLength: votes.length }), { numRuns: 1, seed })[0]!;
          const [a] = computeResults(contest(trim), judged('p1', 50, 30), votes);
          const [b] = computeResults(contest(trim), judged('p1', 50, 30), shuffled);
          expect(b!.final!.eq(a!.final!)).toBe(true);
          expect(audienceOf(b!).votes).toEqual(audienceOf(a!).votes);
        },
      ),
    );
  });
});

describe('which votes the trim drops (the workbook marks each one)', () => {
  it('marks t lowest and t highest; of equal votes at a boundary the first given goes as lowest, the last as highest', () => {
    // 10 votes at 20 %: 2 from each end; two 3s straddle the low boundary, two 9s the high one
    const values = [9, 3, 5, 3, 1, 9, 7, 6, 10, 4].map(x);
    expect(trimmedVotes(values, 20)).toEqual([null, 'lowest', null, null, 'lowest', 'highest', null, null, 'highest', null]);
    expect(trimmedVotes(values, 0).every((d) => d === null)).toBe(true);
    expect(trimmedVotes([x(5)], 25)).toEqual([null]);
  });

  it('drops exactly what the panel score leaves out, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 25 }), (raw, trim) => {
        const values = raw.map(x);
        const drops = trimmedVotes(values, trim);
        const kept = values.filter((_, i) => drops[i] === null);
        const t = Math.floor((values.length * trim) / 100);
        expect(drops.filter((d) => d === 'lowest')).toHaveLength(t);
        expect(drops.filter((d) => d === 'highest')).toHaveLength(t);
        const score = audienceOf(computeResults(contest(trim), judged('p1', 50, 30), votesFor('p1', raw))[0]!).score!;
        // mean of the kept votes ÷ 10 × 100
        expect(score.eq(kept.reduce((a, b) => a.add(b), Exact.ZERO).div(Exact.of(kept.length)).mul(x(10)))).toBe(true);
      }),
    );
  });
});
