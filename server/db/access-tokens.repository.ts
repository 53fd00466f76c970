import type { Kysely, Transaction } from 'kysely';
import type { AccessRole, Database } from './database.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AccessGrant {
  contestId: string;
  role: AccessRole;
  judgeKey: string | null;
  generation: number;
}

export async function insertAccessToken(db: Db, tokenHash: string, grant: AccessGrant): Promise<void> {
  await db
    .insertInto('access_tokens')
    .values({ token_hash: tokenHash, contest_id: grant.contestId, role: grant.role, judge_key: grant.judgeKey, generation: grant.generation })
    .execute();
}

/** The grant a token hash stands for, unless it was revoked. */
export async function findAccessGrant(db: Db, tokenHash: string): Promise<AccessGrant | null> {
  const row = await db
    .selectFrom('access_tokens')
    .select(['contest_id', 'role', 'judge_key', 'generation'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? toGrant(row) : null;
}

/**
 * Inside a command's transaction: whether the link it came through is still in force, holding it
 * (FOR SHARE) until the commit. A revoke committed first is seen; a revoke that comes later waits
 * for this commit. So nothing is stored through a revoked link, whichever server process revoked it.
 */
export async function grantInForce(trx: Transaction<Database>, tokenHash: string): Promise<boolean> {
  const row = await trx.selectFrom('access_tokens').select('token_hash').where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).forShare().executeTakeFirst();
  return row !== undefined;
}

/** The live (unrevoked) grants of a contest: what its links are derived from. */
export async function activeGrants(db: Db, contestId: string): Promise<AccessGrant[]> {
  const rows = await db
    .selectFrom('access_tokens')
    .select(['contest_id', 'role', 'judge_key', 'generation'])
    .where('contest_id', '=', contestId)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map(toGrant);
}

function toGrant(row: { contest_id: string; role: AccessRole; judge_key: string | null; generation: number }): AccessGrant {
  return { contestId: row.contest_id, role: row.role, judgeKey: row.judge_key, generation: row.generation };
}

/** Revokes the live grant of a judge; returns its generation, or null when it had none. */
export async function revokeJudgeGrant(db: Db, contestId: string, judgeKey: string): Promise<number | null> {
  const revoked = await db
    .updateTable('access_tokens')
    .set({ revoked_at: new Date() })
    .where('contest_id', '=', contestId)
    .where('role', '=', 'judge')
    .where('judge_key', '=', judgeKey)
    .where('revoked_at', 'is', null)
    .returning('generation')
    .execute();
  return revoked.length === 0 ? null : Math.max(...revoked.map((r) => r.generation));
}
