import type { FastifyRequest } from 'fastify';
import type { DatabaseHandle } from '../db/connection.ts';
import { findContest } from '../db/contests.repository.ts';
import type { ContestDefinition } from '../domain/contest.ts';
import { AppError } from '../errors.ts';
import { KEY_PATTERN } from '../schemas/common.schema.ts';

/** What a contest id, a judge or presenter key in a URL must look like. */
export const IDENTIFIER = new RegExp(KEY_PATTERN);

/** A preHandler: URL parameters are identifiers, anything else cannot name a contest or a judge. */
export async function identifierParams(request: FastifyRequest): Promise<void> {
  const params = request.params as Record<string, string>;
  for (const [name, value] of Object.entries(params ?? {})) {
    if (!IDENTIFIER.test(value)) throw new AppError('not_found', `no ${name === 'id' ? 'contest' : name} "${value.slice(0, 64)}"`);
  }
}

/** The contest's definition, or a 404. */
export async function contestOr404(db: DatabaseHandle, id: string): Promise<ContestDefinition> {
  const contest = await findContest(db.db, id);
  if (!contest) throw new AppError('not_found', `no contest ${id}`);
  return contest;
}
