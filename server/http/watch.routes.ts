import type { FastifyInstance } from 'fastify';
import type { WatchCodeCache } from '../auth/watch-code-cache.ts';
import type { VoterAnswer } from '../contracts/admin-api.ts';
import { AppError } from '../errors.ts';
import { ROUTES, type RouteTypes } from './route-schemas.ts';
import { newVoterSecret, validVoterSecret, VOTER_COOKIE } from './voter-cookie.ts';

/**
 * The audience page's one HTTP route: the phone's anonymous voter id. The secret goes into an
 * httpOnly cookie (the socket handshake reads it) and back to the page, which keeps it in local
 * storage for browsers that drop cookies. A phone that already has one keeps it: from the cookie,
 * else from what the page sends (its local storage).
 */
export async function watchRoutes(app: FastifyInstance, { watchCodes }: { watchCodes: WatchCodeCache }): Promise<void> {
  app.post<RouteTypes<typeof ROUTES.voter>>('/api/watch/:code/voter', { schema: ROUTES.voter }, async (request, reply): Promise<VoterAnswer> => {
    if ((await watchCodes.contestOf(request.params.code)) === null) throw new AppError('not_found', 'no contest has this watch code (it may have been replaced): scan the QR code on the projector again');
    const voter = validVoterSecret(request.cookies[VOTER_COOKIE]) ?? validVoterSecret(request.body?.voter) ?? newVoterSecret();
    void reply.setCookie(VOTER_COOKIE, voter, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 180 * 24 * 3600, secure: request.protocol === 'https' });
    return { ok: true, voter };
  });
}
