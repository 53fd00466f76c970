import { sql, type Kysely, type Transaction } from 'kysely';
import type { Sheet } from '../domain/contest.ts';
import { Exact } from '../domain/exact.ts';
import type { RecordedSheet } from '../domain/results-table.ts';
import { sheetTotal } from '../domain/scoring.ts';
import type { EnteredBy } from '../contracts/vocabulary.ts';
import type { Database, ScoreSheetRow } from './database.ts';

/**
 * Score sheets, append-only. A correction is a new row that supersedes the one before it; the
 * effective sheet of a (presenter, judge) is the row nobody supersedes. Nothing here updates or
 * deletes a sheet. The caller owns the transaction.
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface NewSheet {
  contestId: string;
  sheet: Sheet;
  submissionId: string;
  enteredBy: EnteredBy;
  supersedesId: string | null;
  reason: string | null;
}

export async function insertSheet(trx: Db, s: NewSheet): Promise<ScoreSheetRow> {
  return trx
    .insertInto('score_sheets')
    .values({
      contest_id: s.contestId,
      presenter_key: s.sheet.presenter,
      judge_key: s.sheet.judge,
      submission_id: s.submissionId,
      items: JSON.stringify(Object.fromEntries(Object.entries(s.sheet.items).map(([k, v]) => [k, v.toString()]))),
      total: sheetTotal(s.sheet.items).toString(),
      supersedes_id: s.supersedesId,
      entered_by: s.enteredBy,
      reason: s.reason,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findSheetBySubmission(db: Db, contestId: string, submissionId: string): Promise<ScoreSheetRow | null> {
  const row = await db
    .selectFrom('score_sheets')
    .selectAll()
    .where('contest_id', '=', contestId)
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
  return row ?? null;
}

/** The rows nobody supersedes: one per (presenter, judge) that has submitted. */
export async function effectiveSheetRows(db: Db, contestId: string): Promise<ScoreSheetRow[]> {
  return db
    .selectFrom('score_sheets as s')
    .selectAll('s')
    .where('s.contest_id', '=', contestId)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('score_sheets as later').select(sql`1`.as('one')).whereRef('later.supersedes_id', '=', 's.id'))),
    )
    .orderBy('s.id')
    .execute();
}

export function sheetFromRow(row: ScoreSheetRow): Sheet {
  return {
    presenter: row.presenter_key,
    judge: row.judge_key,
    items: Object.fromEntries(Object.entries(row.items).map(([k, v]) => [k, Exact.parse(v)])),
  };
}

export async function effectiveSheets(db: Db, contestId: string): Promise<Sheet[]> {
  return (await effectiveSheetRows(db, contestId)).map(sheetFromRow);
}

/** A sheet row with who entered it and whether it replaces an earlier sheet (results table, workbook). */
export function recordedSheet(row: ScoreSheetRow): RecordedSheet {
  return { ...sheetFromRow(row), enteredBy: row.entered_by, corrected: row.supersedes_id !== null };
}

export async function effectiveRecordedSheets(db: Db, contestId: string): Promise<RecordedSheet[]> {
  return (await effectiveSheetRows(db, contestId)).map(recordedSheet);
}

/** Rows in force by presenter and judge, as the live state's reveal records name them (by id). */
export function sheetIdsInForce(rows: readonly ScoreSheetRow[]): Map<string, Map<string, { id: string }>> {
  const byPresenter = new Map<string, Map<string, { id: string }>>();
  for (const row of rows) {
    let byJudge = byPresenter.get(row.presenter_key);
    if (!byJudge) byPresenter.set(row.presenter_key, (byJudge = new Map()));
    byJudge.set(row.judge_key, { id: String(row.id) });
  }
  return byPresenter;
}
