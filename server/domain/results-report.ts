import type { ContestDefinition } from './contest.ts';
import type { PresenterResult, VoteCount } from './scoring.ts';

/**
 * Results as plain JSON: what `npm run recount` prints and what the export and the board show.
 * Every number is a decimal string with exactly the contest's places (totals keep their own exact
 * digits), so nothing downstream is tempted to do arithmetic on a float.
 */

export interface PanelReport {
  panel: string;
  score: string | null;
  submitted: number;
  expected: number;
  totals: Array<{ judge: string; total: string; dropped: 'highest' | 'lowest' | null }>;
  /** the audience panel only: votes counted, trimmed from each end, kept */
  votes?: VoteCount;
}

export interface ResultReport {
  rank: number | null;
  presenter: string;
  name: string;
  unit: string;
  final: string | null;
  complete: boolean;
  award: string | null;
  panels: PanelReport[];
}

export function resultsReport(contest: ContestDefinition, results: readonly PresenterResult[]): { results: ResultReport[] } {
  const byKey = new Map(contest.presenters.map((p) => [p.key, p]));
  return {
    results: results.map((r) => {
      const presenter = byKey.get(r.presenter)!;
      return {
        rank: r.rank,
        presenter: r.presenter,
        name: presenter.name,
        unit: presenter.unit,
        final: r.rounded,
        complete: r.complete,
        award: r.award,
        panels: r.panels.map((p) => ({
          panel: p.panel,
          score: p.rounded,
          submitted: p.scores.length,
          expected: p.expected,
          totals: p.scores.map((s) => ({ judge: s.judge, total: s.total.toString(), dropped: s.dropped })),
          ...(p.votes ? { votes: p.votes } : {}),
        })),
      };
    }),
  };
}
