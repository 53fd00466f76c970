import type { Kysely } from 'kysely';
import type { AuditEntryView } from '../contracts/admin-api.ts';
import type { JudgeConsistency, ResultsTable, ResultsVote } from '../contracts/reports.ts';
import { listAudit, type AuditFilter } from '../db/audit.repository.ts';
import { findContest } from '../db/contests.repository.ts';
import type { AuditEntry, Database } from '../db/database.ts';
import { findLiveState } from '../db/live-state.repository.ts';
import { findSheetsInForce } from '../db/score-sheets.repository.ts';
import { findCountedVotes } from '../db/audience-votes.repository.ts';
import type { ContestDefinition } from '../domain/contest.ts';
import { judgeConsistency } from '../domain/judge-consistency.ts';
import { owedReveals } from '../domain/live.ts';
import { audienceVoteList, resultsTable } from '../domain/results-table.ts';
import { byPresenterAndJudge } from '../domain/sheets.ts';
import { AppError } from '../errors.ts';

/**
 * After the contest: the results table, the audit log and the judges' consistency. Every number
 * comes from the one scoring core on the sheets in force in the database, the same path
 * `npm run recount` takes on an export.
 */

/** The contest's definition, or not_found. */
async function contestOrNotFound(db: Kysely<Database>, id: string): Promise<ContestDefinition> {
  const contest = await findContest(db, id);
  if (!contest) throw new AppError('not_found', `no contest ${id}`);
  return contest;
}

/**
 * The results, and the presenters whose corrected score the projector has not shown yet (the pages
 * and the workbook warn); `votes`: every counted audience vote, marked where the trim dropped it
 * (the workbook's 大众评审投票 sheet).
 */
export async function contestResults(db: Kysely<Database>, id: string): Promise<{ contest: ContestDefinition; table: ResultsTable; votes: ResultsVote[] }> {
  const contest = await contestOrNotFound(db, id);
  const state = await findLiveState(db, id);
  const sheets = await findSheetsInForce(db, id);
  const owed = state ? owedReveals(contest, state, byPresenterAndJudge(sheets)) : [];
  const counted = await findCountedVotes(db, id);
  return { contest, table: resultsTable(contest, sheets, new Date(), owed, counted), votes: audienceVoteList(contest, counted) };
}

function auditView(row: AuditEntry): AuditEntryView {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actorRole: row.actor_role,
    actorKey: row.actor_key,
    action: row.action,
    presenter: row.presenter_key,
    judge: row.judge_key,
    detail: row.detail,
  };
}

/** The contest and its audit log, for one presenter and/or one judge of the contest (refused invalid_input, naming the filter, when it is not). */
export async function contestAudit(db: Kysely<Database>, id: string, filter: AuditFilter): Promise<{ contest: ContestDefinition; entries: AuditEntryView[] }> {
  const contest = await contestOrNotFound(db, id);
  if (filter.presenter !== undefined && !contest.presenters.some((p) => p.key === filter.presenter)) {
    throw new AppError('invalid_input', `presenter: no presenter "${filter.presenter}" in this contest`);
  }
  if (filter.judge !== undefined && !contest.judges.some((j) => j.key === filter.judge)) {
    throw new AppError('invalid_input', `judge: no judge "${filter.judge}" in this contest`);
  }
  return { contest, entries: (await listAudit(db, id, filter)).map(auditView) };
}

export async function contestConsistency(db: Kysely<Database>, id: string): Promise<JudgeConsistency[]> {
  const contest = await contestOrNotFound(db, id);
  return judgeConsistency(contest, await findSheetsInForce(db, id));
}
