import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.ts';

/** Each contest's audience code and whether the projector shows its QR. The caller owns the transaction. */

type Db = Kysely<Database> | Transaction<Database>;

export interface WatchSettings {
  code: string;
  showQr: boolean;
  /** the audience vote's entry code, shown only on the projector; null: none */
  entryCode: string | null;
}

export async function insertWatchCode(db: Db, contestId: string, code: string): Promise<void> {
  await db.insertInto('watch_codes').values({ contest_id: contestId, code }).execute();
}

export async function findWatchSettings(db: Db, contestId: string): Promise<WatchSettings | null> {
  const row = await db.selectFrom('watch_codes').select(['code', 'show_qr', 'entry_code']).where('contest_id', '=', contestId).executeTakeFirst();
  return row ? { code: row.code, showQr: row.show_qr, entryCode: row.entry_code } : null;
}

/** The contest a watch code opens, or null (an old code after a reissue opens none). */
export async function findContestByWatchCode(db: Db, code: string): Promise<string | null> {
  const row = await db.selectFrom('watch_codes').select('contest_id').where('code', '=', code).executeTakeFirst();
  return row?.contest_id ?? null;
}

/** Replaces the code; returns the one it replaced, or null when the contest has none. */
export async function replaceWatchCode(db: Db, contestId: string, code: string): Promise<string | null> {
  const before = await db.selectFrom('watch_codes').select('code').where('contest_id', '=', contestId).forUpdate().executeTakeFirst();
  if (!before) return null;
  await db.updateTable('watch_codes').set({ code, updated_at: new Date() }).where('contest_id', '=', contestId).execute();
  return before.code;
}

/** Returns false when the contest has no watch code row. */
export async function setWatchQr(db: Db, contestId: string, showQr: boolean): Promise<boolean> {
  const result = await db.updateTable('watch_codes').set({ show_qr: showQr, updated_at: new Date() }).where('contest_id', '=', contestId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
