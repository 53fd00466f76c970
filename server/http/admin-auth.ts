import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { FailedAttempts } from '../auth/failed-attempts.ts';
import { hashToken } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';

/**
 * The admin API takes `Authorization: Bearer <ADMIN_TOKEN>`; only its hash is compared. Ten wrong
 * tokens a minute from one address and that address is refused for the rest of the minute.
 */
export function requireAdmin(adminTokenHash: string, failures = new FailedAttempts(10, 60)) {
  const expected = Buffer.from(adminTokenHash, 'hex');
  return async (request: FastifyRequest): Promise<void> => {
    if (await failures.blocked(request.ip)) {
      request.log.warn(`admin API: refused ${request.ip}, too many wrong admin tokens`);
      throw new AppError('rate_limited', 'too many wrong admin tokens from this address; wait a minute');
    }
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
    if (!token) throw new AppError('unauthorized', 'this needs the admin token: Authorization: Bearer <ADMIN_TOKEN>');
    const given = Buffer.from(hashToken(token), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await failures.fail(request.ip);
      request.log.warn(`admin API: wrong admin token from ${request.ip}`);
      throw new AppError('unauthorized', 'wrong admin token');
    }
  };
}
