import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { deriveLinkToken, hashToken } from '../auth/tokens.ts';
import type { ContestDefinition } from '../domain/contest.ts';
import { AppError } from '../errors.ts';
import type { ContestWithScores } from '../contest-file/contest-file.ts';
import { activeGrants, insertAccessToken, revokeJudgeGrant, type AccessGrant } from '../db/access-tokens.repository.ts';
import { appendAudit } from '../db/audit.repository.ts';
import { findContest, insertContest } from '../db/contests.repository.ts';
import type { Database } from '../db/database.ts';
import { insertSheet } from '../db/score-sheets.repository.ts';

/** Creating contests and handing out their links. */

export interface ContestLinks {
  host: string;
  display: string;
  judges: Array<{ key: string; name: string; panel: string; url: string }>;
}

function newContestId(): string {
  // 10 characters of a lower-case alphabet: short enough to read out, 50 bits against collisions
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Stores a contest with a host link, a display link and one link per judge, and any sheets the
 * file carried (entered_by 'import'), all in one transaction.
 */
export async function createContest(
  db: Kysely<Database>,
  linkSecret: string,
  { definition, sheets }: ContestWithScores,
  actor: 'admin' | 'system',
): Promise<string> {
  const id = newContestId();
  await db.transaction().execute(async (trx) => {
    await insertContest(trx, id, definition);
    const grants: AccessGrant[] = [
      { contestId: id, role: 'host', judgeKey: null, generation: 0 },
      { contestId: id, role: 'display', judgeKey: null, generation: 0 },
      ...definition.judges.map((j) => ({ contestId: id, role: 'judge' as const, judgeKey: j.key, generation: 0 })),
    ];
    for (const grant of grants) await insertAccessToken(trx, hashToken(deriveLinkToken(linkSecret, grant)), grant);
    for (const [i, sheet] of sheets.entries()) {
      await insertSheet(trx, { contestId: id, sheet, submissionId: `import-${i}`, enteredBy: 'import', supersedesId: null, reason: null });
    }
    await appendAudit(trx, {
      contestId: id,
      actorRole: actor,
      action: 'contest:create',
      detail: { title: definition.title, presenters: definition.presenters.length, judges: definition.judges.length, sheets: sheets.length },
    });
  });
  return id;
}

export async function contestLinks(db: Kysely<Database>, linkSecret: string, baseUrl: string, contestId: string): Promise<ContestLinks | null> {
  const contest: ContestDefinition | null = await findContest(db, contestId);
  if (!contest) return null;
  const grants = await activeGrants(db, contestId);
  const link = (grant: AccessGrant | undefined, page: string): string =>
    grant ? `${baseUrl}/${page}#token=${deriveLinkToken(linkSecret, grant)}` : '';
  return {
    host: link(grants.find((g) => g.role === 'host'), 'host'),
    display: link(grants.find((g) => g.role === 'display'), 'display'),
    judges: contest.judges.map((j) => ({
      key: j.key,
      name: j.name,
      panel: j.panel,
      url: link(grants.find((g) => g.role === 'judge' && g.judgeKey === j.key), 'judge'),
    })),
  };
}

/**
 * A judge's lost phone: the old link stops working (the caller also disconnects a phone still
 * connected with it) and a new one is made. Returns the new link's token.
 */
export async function reissueJudgeLink(db: Kysely<Database>, linkSecret: string, contestId: string, judgeKey: string): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const judge = await trx.selectFrom('judges').select('key').where('contest_id', '=', contestId).where('key', '=', judgeKey).executeTakeFirst();
    if (!judge) throw new AppError('not_found', `no judge ${judgeKey} in contest ${contestId}`);
    const previous = await revokeJudgeGrant(trx, contestId, judgeKey);
    const grant: AccessGrant = { contestId, role: 'judge', judgeKey, generation: (previous ?? -1) + 1 };
    const token = deriveLinkToken(linkSecret, grant);
    await insertAccessToken(trx, hashToken(token), grant);
    await appendAudit(trx, { contestId, actorRole: 'admin', action: 'judge:reissue-link', judgeKey, detail: { generation: grant.generation } });
    return token;
  });
}
