import type { Kysely } from 'kysely';
import { randomCode } from '../auth/tokens.ts';
import { appendAudit } from '../db/audit.repository.ts';
import type { Database } from '../db/database.ts';
import { replaceWatchCode, setWatchQr } from '../db/watch-codes.repository.ts';
import { setEntryCode } from '../db/audience-votes.repository.ts';
import { AppError } from '../errors.ts';

/**
 * The audience page's public code (/watch/<code>) and its QR on the projector. The code is
 * random, never derived from the link secret: it is printed on posters and shown to the whole
 * hall, and must say nothing about any other link.
 */

/** no 0/o, 1/l/i: read off a poster and typed on a phone without doubt */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const LENGTH = 7;

/** what the handshake accepts as a code before asking the database: anything else is refused unread */
export const WATCH_CODE_PATTERN = new RegExp(`^[${ALPHABET}]{${LENGTH}}$`);

export function newWatchCode(): string {
  return randomCode(ALPHABET, LENGTH);
}

/** A new code: the old one stops opening the page (the caller disconnects its watchers). Returns the new code. */
export async function reissueWatchCode(db: Kysely<Database>, contestId: string): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const code = newWatchCode();
    const before = await replaceWatchCode(trx, contestId, code);
    if (before === null) throw new AppError('not_found', `no contest ${contestId}`);
    await appendAudit(trx, { contestId, actorRole: 'admin', action: 'watch:reissue-code', detail: { before, after: code } });
    return code;
  });
}

/** Whether the projector shows the audience page's QR and address. */
export async function showWatchQr(db: Kysely<Database>, contestId: string, show: boolean): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await setWatchQr(trx, contestId, show))) throw new AppError('not_found', `no contest ${contestId}`);
    await appendAudit(trx, { contestId, actorRole: 'admin', action: 'watch:qr', detail: { after: show } });
  });
}

/** The audience vote's entry code (null: none); the audit log records the change, as it does the QR's. */
export async function setVoteEntryCode(db: Kysely<Database>, contestId: string, entryCode: string | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await setEntryCode(trx, contestId, entryCode))) throw new AppError('not_found', `no contest ${contestId}`);
    await appendAudit(trx, { contestId, actorRole: 'admin', action: 'vote:entry-code', detail: { after: entryCode } });
  });
}
