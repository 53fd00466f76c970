import type { Kysely } from 'kysely';
import { findAccessGrant } from '../db/access-tokens.repository.ts';
import { findContestByWatchCode } from '../db/watch-codes.repository.ts';
import type { Database } from '../db/database.ts';
import type { SocketData } from '../contracts/socket.ts';

export const LINK_REVOKED = 'this link was replaced by a new one or removed; nothing was done. Ask the organiser for the new link';

/**
 * Whether a connected link is still in force, answered without the database on almost every
 * command. Each revocation (a reissued link, a judge removed by an edit or an import) takes the
 * next number of one sequence and records it against its contest, after the revocation committed
 * and before its sockets are disconnected. A socket remembers the sequence number from just
 * before its grant was last read: while its contest's last revocation is not newer, that read
 * already saw every revocation; otherwise the grant is read again.
 *
 * This closes the race of a handshake that read the grant just before a revoke committed and
 * joined its rooms just after the revoke's disconnect ran. It knows only this process's
 * revocations: what makes a revoke by another process safe is the check inside each command's
 * transaction (grantInForce), which this only makes rarely needed to fail.
 */
export class LinkRevocations {
  readonly #db: Kysely<Database>;
  #sequence = 0;
  readonly #lastRevoked = new Map<string, number>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Taken before a grant is read; stored as the socket's `grantCheckedAt`. */
  mark(): number {
    return this.#sequence;
  }

  /** After a revocation in this contest (a judge's link, or the watch code) committed, before its sockets are disconnected. */
  revoked(contestId: string): void {
    this.#lastRevoked.set(contestId, ++this.#sequence);
  }

  /** Whether the socket's link is still in force; reads the grant again only after a revocation in its contest. */
  async inForce(data: SocketData): Promise<boolean> {
    if ((this.#lastRevoked.get(data.contestId) ?? 0) <= data.grantCheckedAt) return true;
    const mark = this.mark();
    if (data.role === 'audience') {
      // a watcher's "grant" is the contest's code: in force until the admin issues a new one
      if ((await findContestByWatchCode(this.#db, data.watchCode ?? '')) !== data.contestId) return false;
      data.grantCheckedAt = mark;
      return true;
    }
    const grant = await findAccessGrant(this.#db, data.tokenHash);
    if (!grant || grant.contestId !== data.contestId || grant.role !== data.role || grant.judgeKey !== data.judgeKey) return false;
    data.grantCheckedAt = mark;
    return true;
  }
}
