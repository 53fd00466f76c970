import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { hashToken } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';

/** The admin API takes `Authorization: Bearer <ADMIN_TOKEN>`; only its hash is compared. */
export function requireAdmin(adminTokenHash: string) {
  const expected = Buffer.from(adminTokenHash, 'hex');
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
    if (!token) throw new AppError('unauthorized', 'this needs the admin token: Authorization: Bearer <ADMIN_TOKEN>');
    const given = Buffer.from(hashToken(token), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('unauthorized', 'wrong admin token');
  };
}
