import type { Kysely, Transaction } from 'kysely';
import type { LiveState } from '../domain/live.ts';
import type { Database } from './database.ts';

/** The live state document of a contest. The caller owns the transaction. */

type Db = Kysely<Database> | Transaction<Database>;

export async function findLiveState(db: Db, contestId: string): Promise<LiveState | null> {
  const row = await db.selectFrom('contest_live').select('state').where('contest_id', '=', contestId).executeTakeFirst();
  return row ? (row.state as LiveState) : null;
}

/** The live state document, with its row locked until the transaction ends (null: none stored yet). */
export async function findLiveStateForUpdate(trx: Transaction<Database>, contestId: string): Promise<LiveState | null> {
  const row = await trx.selectFrom('contest_live').select('state').where('contest_id', '=', contestId).forUpdate().executeTakeFirst();
  return row ? (row.state as LiveState) : null;
}

/** Every stored live state by contest id: one query for a list of contests. */
export async function listLiveStates(db: Db): Promise<Map<string, LiveState>> {
  const rows = await db.selectFrom('contest_live').select(['contest_id', 'state']).execute();
  return new Map(rows.map((r) => [r.contest_id, r.state as LiveState]));
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

/** the columns that store a new live state */
export const liveStateColumns = (state: LiveState) => ({ version: state.version, state: JSON.stringify(state), updated_at: new Date() });

export async function saveLiveState(trx: Transaction<Database>, contestId: string, state: LiveState): Promise<void> {
  await trx.updateTable('contest_live').set(liveStateColumns(state)).where('contest_id', '=', contestId).execute();
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
