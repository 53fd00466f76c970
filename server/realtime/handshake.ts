import type { Kysely } from 'kysely';
import type { Socket } from 'socket.io';
import { hashToken } from '../auth/tokens.ts';
import { findAccessGrant } from '../db/access-tokens.repository.ts';
import { WATCH_CODE_PATTERN } from '../services/watch.service.ts';
import { voterIdOf } from '../services/audience-votes.service.ts';
import { voterSecretOf } from '../http/voter-cookie.ts';
import type { FailedAttempts } from '../auth/failed-attempts.ts';
import type { LinkRevocations } from '../auth/link-revocations.ts';
import type { WatchCodeCache } from '../auth/watch-code-cache.ts';
import type { Database } from '../db/database.ts';
import { PROTOCOL_VERSION } from '../contracts/vocabulary.ts';
import { type ClientToServerEvents, HANDSHAKE_ERRORS, type InterServerEvents, type ServerToClientEvents, type SocketData } from '../contracts/socket.ts';

export type LeitaiSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface HandshakeDeps {
  db: Kysely<Database>;
  revocations: LinkRevocations;
  /** the contest each audience code opens, read from the database only when not known */
  watchCodes: WatchCodeCache;
  /** wrong tokens, counted per client address */
  failures: FailedAttempts;
  /** behind a reverse proxy: the client's address is the first of X-Forwarded-For, as for HTTP requests */
  trustProxy: boolean;
  log(message: string): void;
}

/** The address wrong tokens are counted against: behind a proxy every connection comes from the proxy itself. */
function clientAddress(socket: LeitaiSocket, trustProxy: boolean): string {
  const forwarded = socket.handshake.headers['x-forwarded-for'];
  const first = trustProxy && typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : '';
  return first || socket.handshake.address;
}

/**
 * Handshake authentication: the token in `auth.token` decides the role and the contest; a public
 * watch code in `auth.watch` (and no token) makes an audience socket of that code's contest. An
 * unknown or revoked token, or an unknown code, is refused before any event can be sent, and
 * counted against the address: codes are short, guessing them must get nowhere.
 */
export function handshakeAuth({ db, revocations, watchCodes, failures, trustProxy, log }: HandshakeDeps) {
  return async (socket: LeitaiSocket, next: (error?: Error) => void): Promise<void> => {
    const token: unknown = socket.handshake.auth?.token;
    const watch: unknown = socket.handshake.auth?.watch;
    const protocol: unknown = socket.handshake.auth?.protocol;
    const address = clientAddress(socket, trustProxy);
    // a page loaded before the server was upgraded: its events and snapshots would not match
    if (protocol !== undefined && protocol !== PROTOCOL_VERSION) {
      log(`refused a socket handshake from ${address}: protocol ${JSON.stringify(protocol)}, not ${PROTOCOL_VERSION}`);
      return next(new Error(HANDSHAKE_ERRORS.outdatedClient));
    }
    try {
      if (await failures.blocked(address)) {
        log(`refused a socket handshake from ${address}: too many wrong tokens`);
        return next(new Error(HANDSHAKE_ERRORS.rateLimited));
      }
      if (token === undefined && watch !== undefined) {
        const code = typeof watch === 'string' ? watch.toLowerCase() : '';
        // before the look-up, as for a token: a reissue from now on is caught when the socket joins
        const grantCheckedAt = revocations.mark();
        const contestId = WATCH_CODE_PATTERN.test(code) ? await watchCodes.contestOf(code) : null;
        if (contestId === null) {
          await failures.fail(address);
          log(`refused a socket handshake from ${address}: unknown watch code`);
          return next(new Error(HANDSHAKE_ERRORS.unknownWatchCode));
        }
        // the phone's voter secret: the httpOnly cookie, else what the page kept in local storage
        const secret = voterSecretOf(socket.handshake.headers.cookie, socket.handshake.auth?.voter);
        const voter = secret === null ? null : voterIdOf(contestId, secret);
        socket.data = { contestId, role: 'audience', judgeKey: null, tokenHash: '', watchCode: code, grantCheckedAt, voter, address };
        return next();
      }
      const tokenHash = typeof token === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(token) ? hashToken(token) : null;
      // before the read: a revocation committed after it is caught when the socket joins (socket.plugin.ts)
      const grantCheckedAt = revocations.mark();
      const grant = tokenHash ? await findAccessGrant(db, tokenHash) : null;
      if (!grant) {
        await failures.fail(address);
        // the token itself is never logged
        log(`refused a socket handshake from ${address}: unknown token`);
        return next(new Error(HANDSHAKE_ERRORS.unauthorized));
      }
      socket.data = { contestId: grant.contestId, role: grant.role, judgeKey: grant.judgeKey, tokenHash: tokenHash!, watchCode: null, grantCheckedAt };
      next();
    } catch {
      next(new Error('db_unavailable: the server cannot check the link right now; try again shortly'));
    }
  };
}
