import type { JudgeConsistency } from '../contracts/reports.ts';
import { inRunningOrder, type ContestDefinition, type Sheet } from './contest.ts';
import { Exact, sum } from './exact.ts';
import { computeResults } from './scoring.ts';

/**
 * How each judge scored compared with their panel, for the organisers' review after a contest:
 * for every presenter the judge scored, deviation = the judge's total − the panel's score, where
 * the panel's score is the exact mean of the kept totals (the one scoring core's PanelResult.score,
 * not its rounded text). A judge who is always generous shows a positive mean deviation; one who
 * is erratic a large mean absolute deviation; and the dropped counts say how often the trimming
 * took them out. Nothing is normalised and no result changes: this is a report.
 *
 * Judges only: the audience vote (大众评审) has no judges, so it never appears here, and its votes
 * are not needed (a judge is compared with their own panel's score, which votes never change).
 *
 * Exact to the end and rounded once to 2 places by Exact.toFixed (四舍五入, halves away from zero,
 * so −0.125 shows as "-0.13", the mirror of 0.125 → "0.13"). Signed means a minus sign when
 * negative and no sign otherwise, so every value stays a plain decimal string.
 */

const PLACES = 2;

export function judgeConsistency(contest: ContestDefinition, sheets: readonly Sheet[]): JudgeConsistency[] {
  const results = computeResults(contest, sheets);
  const byPresenter = new Map(results.map((r) => [r.presenter, r]));
  const panelIndex = new Map(contest.rules.panels.map((p, i) => [p.key, i]));
  // per presenter in running order (computeResults lists them by rank)
  const running = inRunningOrder(contest.presenters);

  return contest.judges.map((judge): JudgeConsistency => {
    const deviations: Array<{ presenter: string; deviation: Exact }> = [];
    let droppedHighest = 0;
    let droppedLowest = 0;
    for (const presenter of running) {
      const panel = byPresenter.get(presenter.key)?.panels[panelIndex.get(judge.panel)!];
      const mine = panel?.scores.find((s) => s.judge === judge.key);
      if (!panel || !mine || panel.score === null) continue;
      deviations.push({ presenter: presenter.key, deviation: mine.total.sub(panel.score) });
      if (mine.dropped === 'highest') droppedHighest++;
      if (mine.dropped === 'lowest') droppedLowest++;
    }
    const n = deviations.length;
    const mean = (values: Exact[]) => (n === 0 ? null : sum(values).div(Exact.of(n)).toFixed(PLACES));
    return {
      judge: judge.key,
      name: judge.name,
      panel: judge.panel,
      scored: n,
      meanDeviation: mean(deviations.map((d) => d.deviation)),
      meanAbsoluteDeviation: mean(deviations.map((d) => abs(d.deviation))),
      droppedHighest,
      droppedLowest,
      deviations: deviations.map((d) => ({ presenter: d.presenter, deviation: d.deviation.toFixed(PLACES) })),
    };
  });
}

function abs(x: Exact): Exact {
  return x.isNegative() ? Exact.ZERO.sub(x) : x;
}
