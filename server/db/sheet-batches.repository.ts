import { sql, type Transaction } from 'kysely';
import type { LiveState } from '../domain/live.ts';
import type { SheetToStore, StoredSheet } from '../domain/sheets.ts';
import { auditRow, type AuditRecord } from './audit.repository.ts';
import type { Database } from './database.ts';
import { liveStateColumns } from './live-state.repository.ts';
import { sheetRow, storedSheet } from './score-sheets.repository.ts';

/**
 * A batch of judges' sheets for one contest (group commit, services/live-contests.service.ts) in
 * two statements, whatever its size: one locks the live state and the judges' links, one stores
 * the sheets, the new live state and the audit rows. The caller owns the transaction.
 */

export interface SheetBatchLock {
  /** the stored version, its row locked until the transaction ends (null: no live state stored) */
  version: number | null;
  /** the given token hashes whose grants are in force, each row share-locked until the transaction ends (a revocation waits for the commit) */
  granted: Set<string>;
}

/** One statement: the live state's row lock (which serialises commands on a contest, across server processes too) and the links still in force. */
export async function lockForSheets(trx: Transaction<Database>, contestId: string, tokenHashes: readonly string[]): Promise<SheetBatchLock> {
  const version = trx.selectFrom('contest_live').select('version').where('contest_id', '=', contestId).forUpdate();
  if (tokenHashes.length === 0) {
    const row = await version.executeTakeFirst();
    return { version: row?.version ?? null, granted: new Set() };
  }
  const grants = trx.selectFrom('access_tokens').select('token_hash').where('token_hash', 'in', tokenHashes).where('revoked_at', 'is', null).forShare();
  const row = await trx
    .selectNoFrom([version.as('version'), sql<string[]>`array(${grants})`.as('granted')])
    .executeTakeFirstOrThrow();
  return { version: row.version, granted: new Set(row.granted) };
}

export interface SheetToInsert {
  submissionId: string;
  sheet: SheetToStore;
}

/** One statement: the sheets (returned stored, in the order given), the contest's new live state, the audit rows in the order given. */
export async function storeSheets(trx: Transaction<Database>, contestId: string, state: LiveState, sheets: readonly SheetToInsert[], audit: readonly AuditRecord[]): Promise<StoredSheet[]> {
  const rows = await trx
    .with('saved_state', (db) => db.updateTable('contest_live').set(liveStateColumns(state)).where('contest_id', '=', contestId).returning('version'))
    .with('audited', (db) => db.insertInto('audit_log').values(audit.map(auditRow)).returning('id'))
    .insertInto('score_sheets')
    .values(sheets.map((s) => sheetRow(contestId, s.submissionId, s.sheet)))
    .returningAll()
    .execute();
  // matched by submission id (unique in a contest), not by the order RETURNING happens to use
  const bySubmission = new Map(rows.map((row) => [row.submission_id, storedSheet(row)]));
  return sheets.map((s) => bySubmission.get(s.submissionId)!);
}
