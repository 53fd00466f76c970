import { sql, type Kysely, type Transaction } from 'kysely';
import type { LiveState } from '../domain/live.ts';
import type { SheetToStore, StoredSheet } from '../domain/sheets.ts';
import { auditRow, type AuditRecord } from './audit.repository.ts';
import type { Database, ScoreSheetRow } from './database.ts';
import { liveStateWrite } from './live-state.repository.ts';
import { sheetRow, storedSheet } from './score-sheets.repository.ts';

/**
 * A batch of judges' sheets for one contest (group commit, services/live-contests.service.ts),
 * whatever its size, in one autocommitted statement (storeSheetsIfCurrent) or, when that finds the
 * contest moved or a link revoked, in a transaction of two (lockForSheets, then storeSheets), where
 * the caller owns the transaction. A host's step that changes only the live state is one
 * autocommitted statement too (saveStateIfCurrent).
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

/**
 * One statement: the sheets (returned stored, in the order given), the contest's new live state
 * (over `previous`, the one stored), the audit rows in the order given.
 */
export async function storeSheets(
  trx: Transaction<Database>,
  contestId: string,
  previous: LiveState,
  state: LiveState,
  sheets: readonly SheetToInsert[],
  audit: readonly AuditRecord[],
): Promise<StoredSheet[]> {
  const rows = await trx
    .with('saved_state', (db) => db.updateTable('contest_live').set(liveStateWrite(previous, state)).where('contest_id', '=', contestId).returning('version'))
    .with('audited', (db) => db.insertInto('audit_log').values(audit.map(auditRow)).returning('id'))
    .insertInto('score_sheets')
    .values(sheets.map((s) => sheetRow(contestId, s.submissionId, s.sheet)))
    .returningAll()
    .execute();
  return inOrderGiven(rows, sheets);
}

/** matched by submission id (unique in a contest), not by the order RETURNING happens to use */
function inOrderGiven(rows: readonly ScoreSheetRow[], sheets: readonly SheetToInsert[]): StoredSheet[] {
  const bySubmission = new Map(rows.map((row) => [row.submission_id, storedSheet(row)]));
  return sheets.map((s) => bySubmission.get(s.submissionId)!);
}

/**
 * The CTEs of a write committed by itself in one statement (one round trip where BEGIN, the
 * statements and COMMIT take several; on a loaded machine each round trip waits for a core,
 * twice): `current` locks the live state's row, and is empty unless the stored version is
 * `expected` and every link in `tokenHashes` is in force (each share-locked, as lockForSheets
 * does); the audit rows (and, with savedState, the new live state) are written only if it is not.
 * The statement's own verb is a write (INSERT, UPDATE), never SELECT: the PGlite driver flushes
 * after an autocommitted statement that may have written. FOR UPDATE waits for
 * a transaction holding the row (another server process's) and then checks the version it
 * committed. The commit is the database's own: with synchronous_commit on, the statement returns
 * once it is on disk.
 */
function ifCurrent(db: Kysely<Database>, contestId: string, expected: number, tokenHashes: readonly string[], audit: readonly AuditRecord[]) {
  const grants = db.selectFrom('access_tokens').select('token_hash').where('token_hash', 'in', tokenHashes).where('revoked_at', 'is', null).forShare();
  const inForce = tokenHashes.length === 0 ? sql`true` : sql`cardinality(array(${grants})) = ${tokenHashes.length}`;
  // the rows as one JSON parameter, typed by their table (jsonb_populate_recordset): a jsonb
  // column's value is the JSON itself, not its text
  const auditRows = audit.map((r) => {
    const row = auditRow(r);
    return { ...row, detail: JSON.parse(row.detail ?? '{}') as unknown };
  });
  return sql`with current as (
      select contest_id from contest_live
      where contest_id = ${contestId} and version = ${expected} and ${inForce}
      for update
    ),
    audited as (
      insert into audit_log (contest_id, actor_role, actor_key, action, presenter_key, judge_key, detail)
      select a.contest_id, a.actor_role, a.actor_key, a.action, a.presenter_key, a.judge_key, a.detail
      from jsonb_populate_recordset(null::audit_log, ${JSON.stringify(auditRows)}::jsonb) with ordinality as a
      where exists (select from current)
      order by a.ordinality
    )`;
}

/** the live state's new row over `previous` (the one stored), written only if `current` (ifCurrent) is not empty */
function savedState(previous: LiveState, state: LiveState) {
  const live = liveStateWrite(previous, state);
  const document = live.state === undefined ? sql`` : sql`, state = ${live.state}`;
  return sql`update contest_live set version = ${live.version}${document}, updated_at = ${live.updated_at}
    where contest_id in (select contest_id from current)`;
}

/**
 * The whole batch in one statement, committed by itself (ifCurrent): the sheets, the new live
 * state and the audit rows, or, when the contest moved or a link was revoked, nothing, and null:
 * the caller then finds out which in a transaction (lockForSheets).
 */
export async function storeSheetsIfCurrent(
  db: Kysely<Database>,
  contestId: string,
  tokenHashes: readonly string[],
  previous: LiveState,
  state: LiveState,
  sheets: readonly SheetToInsert[],
  audit: readonly AuditRecord[],
): Promise<StoredSheet[] | null> {
  const sheetRows = sheets.map((s) => {
    const row = sheetRow(contestId, s.submissionId, s.sheet);
    return { ...row, items: JSON.parse(row.items) as unknown };
  });
  const { rows } = await sql<ScoreSheetRow>`
    ${ifCurrent(db, contestId, previous.version, tokenHashes, audit)},
    saved_state as (${savedState(previous, state)})
    insert into score_sheets (contest_id, presenter_key, judge_key, submission_id, items, total, supersedes_id, entered_by, reason)
    select s.contest_id, s.presenter_key, s.judge_key, s.submission_id, s.items, s.total, s.supersedes_id, s.entered_by, s.reason
    from jsonb_populate_recordset(null::score_sheets, ${JSON.stringify(sheetRows)}::jsonb) with ordinality as s
    where exists (select from current)
    order by s.ordinality
    returning *`.execute(db);
  return rows.length === 0 ? null : inOrderGiven(rows, sheets);
}

/**
 * A command that changes only the live state and writes audit rows (a host's step), in one
 * statement committed by itself (ifCurrent). False when it stored nothing (the contest moved, or
 * the link was revoked): the caller then finds out which in a transaction.
 */
export async function saveStateIfCurrent(db: Kysely<Database>, contestId: string, tokenHashes: readonly string[], previous: LiveState, state: LiveState, audit: readonly AuditRecord[]): Promise<boolean> {
  const { rows } = await sql<{ version: number }>`
    ${ifCurrent(db, contestId, previous.version, tokenHashes, audit)}
    ${savedState(previous, state)}
    returning version`.execute(db);
  return rows.length === 1;
}
