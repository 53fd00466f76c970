import type { ResultsJudgeCell, ResultsRow, ResultsTable, ResultsVote } from '../contracts/reports.ts';
import { audiencePanel, groupBy, inRunningOrder, panelDrops, seatExclusion, type ContestDefinition, type Vote } from './contest.ts';
import { audienceInfo, criterionInfo, itemsText } from './projections.ts';
import { computeResults, trimmedVotes } from './scoring.ts';
import { isCorrection, type StoredSheet } from './sheets.ts';

/**
 * The results table of a contest, as the admin pages, the printed sheet and the workbook show it:
 * one row per presenter (ranked ones by rank, then the rest in running order, exactly as
 * computeResults and `npm run recount` list them), every judge's total with the dropped extremes
 * marked, each panel's score, the final, rank and award, and where each sheet in force came from.
 *
 * Every number comes from the one scoring core (computeResults): nothing here trims, averages or
 * rounds. Totals keep their exact digits; panel scores and finals are the core's rounded strings.
 * Pure: the caller passes the sheets and the time.
 */

/** The part of a sheet in force the table shows: its items and where it came from. */
export type TableSheet = Pick<StoredSheet, 'presenter' | 'judge' | 'items' | 'enteredBy' | 'supersedesId'>;

/**
 * `sheets`: the sheets in force. `owedReveals`: the presenters whose correction the projector has
 * not shown yet (domain/live.ts owedReveals). `votes`: the counted audience votes (the last one of
 * each voter per presenter), scored as the audience panel's column when the rules have one.
 */
export function resultsTable(
  contest: ContestDefinition,
  sheets: readonly TableSheet[],
  generatedAt: Date,
  owedReveals: readonly string[] = [],
  votes: readonly Vote[] = [],
): ResultsTable {
  const { rules } = contest;
  const presenterByKey = byRunningOrder(contest);
  const sheetOf = new Map(sheets.map((s) => [`${s.presenter}\u0000${s.judge}`, s]));
  const judgesByPanel = groupBy(contest.judges, (j) => j.panel);
  const judgesOf = (panel: string) => judgesByPanel.get(panel) ?? [];

  const rows = computeResults(contest, sheets, votes).map((result, i): ResultsRow => {
    const { presenter, order } = presenterByKey.get(result.presenter)!;
    return {
      index: i + 1,
      order,
      presenter: presenter.key,
      name: presenter.name,
      unit: presenter.unit,
      topic: presenter.topic,
      panels: rules.panels.map((panel, p) => {
        const panelResult = result.panels[p]!;
        return {
          panel: panel.key,
          score: panelResult.rounded,
          votes: panelResult.votes,
          judges: judgesOf(panel.key).map((judge): ResultsJudgeCell => {
            const excluded = seatExclusion(presenter, judge.key);
            // the core's view of this judge's sheet: present only when it counted (expected, submitted)
            const scored = panelResult.scores.find((s) => s.judge === judge.key);
            const sheet = scored ? sheetOf.get(`${presenter.key}\u0000${judge.key}`) : undefined;
            return {
              judge: judge.key,
              total: scored ? scored.total.toString() : null,
              dropped: scored?.dropped ?? null,
              recused: excluded === 'recused',
              absent: excluded === 'absent',
              enteredBy: sheet?.enteredBy ?? null,
              corrected: sheet ? isCorrection(sheet) : false,
              items: sheet ? itemsText(contest, sheet) : null,
            };
          }),
        };
      }),
      final: result.rounded,
      rank: result.rank,
      award: result.award,
      complete: result.complete,
    };
  });

  return {
    title: contest.title,
    decimals: rules.decimals,
    generatedAt: generatedAt.toISOString(),
    criteria: rules.criteria.map(criterionInfo),
    panels: rules.panels.map((p) => ({
      key: p.key,
      name: p.name,
      weight: p.weight.toString(),
      ...panelDrops(p),
      judges: judgesOf(p.key).map((j) => ({ key: j.key, name: j.name })),
      kind: p.kind,
      audience: audienceInfo(p),
    })),
    rows,
    owedReveals: [...owedReveals],
  };
}

/** each presenter with the number drawn or typed (a withdrawal leaves a gap the sheets must show), else the place in the list; in running order */
function byRunningOrder(contest: ContestDefinition) {
  return new Map(inRunningOrder(contest.presenters).map((p, i) => [p.key, { presenter: p, order: p.order ?? i + 1 }]));
}

/**
 * Every counted audience vote (the last one of each voter per presenter, in the order the export
 * lists them), presenters in running order and each one's votes from lowest to highest, with the
 * ones the trim drops marked by the scoring core's own rule (trimmedVotes): what an organiser checks
 * the audience panel's column against. [] when the rules have no audience panel.
 */
export function audienceVoteList(contest: ContestDefinition, votes: readonly Vote[]): ResultsVote[] {
  const panel = audiencePanel(contest.rules);
  if (!panel) return [];
  const byPresenter = groupBy(votes, (v) => v.presenter);
  return [...byRunningOrder(contest).values()].flatMap(({ presenter, order }) => {
    const own = byPresenter.get(presenter.key) ?? [];
    const drops = trimmedVotes(own.map((v) => v.value), panel.trimPercent);
    return own
      .map((vote, i) => ({ presenter: presenter.key, order, name: presenter.name, unit: presenter.unit, voter: vote.voter, value: vote.value.toString(), dropped: drops[i]!, exact: vote.value }))
      .sort((a, b) => a.exact.cmp(b.exact))
      .map(({ exact: _exact, ...row }) => row);
  });
}
