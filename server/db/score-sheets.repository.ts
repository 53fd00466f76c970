import type { Insertable, Kysely, Transaction } from 'kysely';
import { Exact } from '../domain/exact.ts';
import { sheetTotal } from '../domain/scoring.ts';
import { sheetsInForce, type SheetToStore, type StoredSheet } from '../domain/sheets.ts';
import type { Database, ScoreSheetRow, ScoreSheetsTable } from './database.ts';

/**
 * Score sheets, append-only: a correction is a new row that supersedes the one before it (which
 * sheet is in force is the domain's rule, domain/sheets.ts). Nothing here updates or deletes a
 * sheet. The caller owns the transaction.
 */

type Db = Kysely<Database> | Transaction<Database>;

export function storedSheet(row: ScoreSheetRow): StoredSheet {
  return {
    id: String(row.id),
    presenter: row.presenter_key,
    judge: row.judge_key,
    items: Object.fromEntries(Object.entries(row.items).map(([k, v]) => [k, Exact.parse(v)])),
    total: Exact.parse(row.total),
    enteredBy: row.entered_by,
    supersedesId: row.supersedes_id,
    submissionId: row.submission_id,
    reason: row.reason,
    createdAt: row.created_at.getTime(),
  };
}

/** the row that stores a sheet */
export function sheetRow(contestId: string, submissionId: string, sheet: SheetToStore): Insertable<ScoreSheetsTable> {
  return {
    contest_id: contestId,
    presenter_key: sheet.presenter,
    judge_key: sheet.judge,
    submission_id: submissionId,
    items: JSON.stringify(Object.fromEntries(Object.entries(sheet.items).map(([k, v]) => [k, v.toString()]))),
    total: sheetTotal(sheet.items).toString(),
    supersedes_id: sheet.supersedesId,
    entered_by: sheet.enteredBy,
    reason: sheet.reason,
  };
}

export async function insertSheet(trx: Db, contestId: string, submissionId: string, sheet: SheetToStore): Promise<StoredSheet> {
  const row = await trx.insertInto('score_sheets').values(sheetRow(contestId, submissionId, sheet)).returningAll().executeTakeFirstOrThrow();
  return storedSheet(row);
}

export async function findSheetBySubmission(db: Db, contestId: string, submissionId: string): Promise<StoredSheet | null> {
  const row = await db
    .selectFrom('score_sheets')
    .selectAll()
    .where('contest_id', '=', contestId)
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
  return row ? storedSheet(row) : null;
}

/** Every sheet of the contest, superseded ones too (a reveal names the sheets it showed by id), in the order they were stored. */
export async function findContestSheets(db: Db, contestId: string): Promise<StoredSheet[]> {
  const rows = await db.selectFrom('score_sheets').selectAll().where('contest_id', '=', contestId).orderBy('id').execute();
  return rows.map(storedSheet);
}

/** The contest's sheets in force (one per presenter and judge that has submitted), in the order they were stored. */
export async function findSheetsInForce(db: Db, contestId: string): Promise<StoredSheet[]> {
  return sheetsInForce(await findContestSheets(db, contestId));
}
