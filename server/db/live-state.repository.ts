import { sql, type Kysely, type Transaction } from 'kysely';
import { onlyVersionMoved, type LiveState } from '../domain/live.ts';
import type { Database } from './database.ts';

/**
 * The live state document of a contest. The caller owns the transaction.
 *
 * The `version` column is the state's version; the document's own `version` field can be older: a
 * change that moves nothing but the version (most judges' sheets) writes the column alone, not the
 * document again (liveStateWrite). Every read takes the version from the column (storedLiveState,
 * liveStateDocument).
 */

type Db = Kysely<Database> | Transaction<Database>;

const storedLiveState = (row: { state: unknown; version: number }): LiveState => ({ ...(row.state as LiveState), version: row.version });

/** The stored live state as one jsonb value, its version the column's: for statements written in SQL. */
export const liveStateDocument = sql<LiveState>`(state || jsonb_build_object('version', version))`;

export async function findLiveState(db: Db, contestId: string): Promise<LiveState | null> {
  const row = await db.selectFrom('contest_live').select(['state', 'version']).where('contest_id', '=', contestId).executeTakeFirst();
  return row ? storedLiveState(row) : null;
}

/** The live state document, with its row locked until the transaction ends (null: none stored yet). */
export async function findLiveStateForUpdate(trx: Transaction<Database>, contestId: string): Promise<LiveState | null> {
  const row = await trx.selectFrom('contest_live').select(['state', 'version']).where('contest_id', '=', contestId).forUpdate().executeTakeFirst();
  return row ? storedLiveState(row) : null;
}

/** Every stored live state by contest id: one query for a list of contests. */
export async function listLiveStates(db: Db): Promise<Map<string, LiveState>> {
  const rows = await db.selectFrom('contest_live').select(['contest_id', 'state', 'version']).execute();
  return new Map(rows.map((r) => [r.contest_id, storedLiveState(r)]));
}

/**
 * The stored version, with the row locked until the transaction ends: commands on one contest
 * are serialised by the database, even across server processes.
 */
export async function lockLiveState(trx: Transaction<Database>, contestId: string): Promise<number | null> {
  const row = await trx.selectFrom('contest_live').select('version').where('contest_id', '=', contestId).forUpdate().executeTakeFirst();
  return row?.version ?? null;
}

export async function insertLiveState(db: Db, contestId: string, state: LiveState): Promise<void> {
  await db
    .insertInto('contest_live')
    .values({ contest_id: contestId, version: state.version, state: JSON.stringify(state) })
    .onConflict((oc) => oc.column('contest_id').doNothing())
    .execute();
}

/** the columns that store a new live state, whole */
const liveStateColumns = (state: LiveState) => ({ version: state.version, state: JSON.stringify(state), updated_at: new Date() });

/**
 * The columns that move the stored state from `previous` (what is stored) to `next`: the version
 * alone when nothing else moved (a sheet that neither closes nor changes a turn). The document is
 * 5–10 KB of JSON for a contest of 30–60 presenters, and writing it again took Postgres about as
 * long as the rest of a sheet's statement (~150 µs of the ~375 µs of an autocommitted update, this
 * machine); the column alone keeps the jsonb (stored compressed) as it was.
 */
export const liveStateWrite = (previous: LiveState, next: LiveState): { version: number; state?: string; updated_at: Date } =>
  onlyVersionMoved(previous, next) ? { version: next.version, updated_at: new Date() } : liveStateColumns(next);

/** Stores `state` over `previous`, the state stored now (the version alone when nothing else moved). */
export async function saveLiveState(trx: Transaction<Database>, contestId: string, previous: LiveState, state: LiveState): Promise<void> {
  await trx.updateTable('contest_live').set(liveStateWrite(previous, state)).where('contest_id', '=', contestId).execute();
}

/** The stored version of every contest that has a live state: one small query (the cluster's check for missed news). */
export async function listLiveVersions(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('contest_live').select(['contest_id', 'version']).execute();
  return new Map(rows.map((r) => [r.contest_id, r.version]));
}

/** The stored version of one contest, not locked (null: none stored yet). */
export async function findLiveVersion(db: Db, contestId: string): Promise<number | null> {
  const row = await db.selectFrom('contest_live').select('version').where('contest_id', '=', contestId).executeTakeFirst();
  return row?.version ?? null;
}
