import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_COOKIE, ADMIN_SESSION_MS, adminSessionKey, checkAdminSession, signAdminSession } from '../auth/admin-session.ts';
import { FailedAttempts } from '../auth/failed-attempts.ts';
import { hashToken } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';

/**
 * The one gate of the admin API, shared by every admin route plugin (so wrong tokens are counted
 * once per address, whichever route they were tried on). A request passes with
 * `Authorization: Bearer <ADMIN_TOKEN>` (scripts) or with the admin cookie set by logging in
 * (the admin pages). Ten wrong tokens a minute from one address and that address is refused for
 * the rest of the minute, the right token included.
 */
export class AdminGuard {
  readonly #expected: Buffer;
  readonly #sessionKey: Buffer;
  readonly #failures: FailedAttempts;
  readonly #now: () => number;
  /** PUBLIC_URL's origin: behind a proxy the browser's Origin is that, not the address we see */
  readonly #publicOrigin: string | null;

  constructor(options: { adminTokenHash: string; linkSecret: string; publicUrl?: string | null; now?: () => number; failures?: FailedAttempts }) {
    this.#expected = Buffer.from(options.adminTokenHash, 'hex');
    this.#sessionKey = adminSessionKey(options.linkSecret, options.adminTokenHash);
    this.#failures = options.failures ?? new FailedAttempts(10, 60);
    this.#now = options.now ?? Date.now;
    this.#publicOrigin = options.publicUrl ? new URL(options.publicUrl).origin : null;
  }

  #ownOrigin(request: FastifyRequest, origin: string): boolean {
    return origin === `${request.protocol}://${request.host}` || origin === this.#publicOrigin;
  }

  /** an onRequest hook: `app.addHook('onRequest', guard.check)` */
  readonly check = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
      await this.verifyToken(request, token);
      return;
    }
    const cookie = request.cookies[ADMIN_COOKIE];
    if (cookie === undefined) throw new AppError('unauthorized', 'this needs the admin token: log in on the admin page, or send Authorization: Bearer <ADMIN_TOKEN>');
    const session = checkAdminSession(this.#sessionKey, cookie, this.#now());
    if (!session.valid) {
      throw new AppError('unauthorized', session.reason === 'expired' ? 'the admin session has expired; log in again' : 'the admin session is not valid; log in again');
    }
    // A cookie goes with every request to this site, including one a hostile page makes the
    // browser send: a change must come from our own pages (SameSite=Strict says so too).
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const origin = request.headers.origin;
      if (request.headers['sec-fetch-site'] === 'cross-site' || (origin !== undefined && !this.#ownOrigin(request, origin))) {
        throw new AppError('forbidden', 'an admin change must come from the admin pages of this server');
      }
    }
    request.adminSessionExpiresAt = session.expiresAt;
  };

  /** Throws unless token is the admin token; counts a wrong one against the address. */
  async verifyToken(request: FastifyRequest, token: string): Promise<void> {
    if (await this.#failures.blocked(request.ip)) {
      request.log.warn(`admin API: refused ${request.ip}, too many wrong admin tokens`);
      throw new AppError('rate_limited', 'too many wrong admin tokens from this address; wait a minute');
    }
    if (!token) throw new AppError('unauthorized', 'this needs the admin token: Authorization: Bearer <ADMIN_TOKEN>');
    const given = Buffer.from(hashToken(token), 'hex');
    if (given.length !== this.#expected.length || !timingSafeEqual(given, this.#expected)) {
      await this.#failures.fail(request.ip);
      request.log.warn(`admin API: wrong admin token from ${request.ip}`);
      throw new AppError('unauthorized', 'wrong admin token');
    }
  }

  /** Logs in with the admin token: sets the session cookie and returns when it ends. */
  async logIn(request: FastifyRequest, reply: FastifyReply, token: string): Promise<number> {
    await this.verifyToken(request, token);
    const expiresAt = this.#now() + ADMIN_SESSION_MS;
    void reply.setCookie(ADMIN_COOKIE, signAdminSession(this.#sessionKey, expiresAt), {
      path: '/api',
      httpOnly: true,
      sameSite: 'strict',
      // https only, when that is how the browser reached us (directly, or through a proxy with TRUST_PROXY)
      secure: request.protocol === 'https',
      expires: new Date(expiresAt),
    });
    return expiresAt;
  }

  logOut(reply: FastifyReply): void {
    void reply.clearCookie(ADMIN_COOKIE, { path: '/api', httpOnly: true, sameSite: 'strict' });
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** set by AdminGuard.check when the request came with a valid admin cookie */
    adminSessionExpiresAt?: number;
  }
}
