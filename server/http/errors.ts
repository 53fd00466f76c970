import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorCode } from '../contracts/vocabulary.ts';
import { AppError, isDatabaseUnavailable } from '../errors.ts';

/** The one mapping from error codes to HTTP statuses; every error reply is {ok:false, error:{code, message}}. */
const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  invalid_contest_file: 400,
  out_of_range: 400,
  unauthorized: 401,
  forbidden: 403,
  recused: 403,
  not_found: 404,
  conflict: 409,
  stale_version: 409,
  invalid_transition: 409,
  turn_not_open: 409,
  already_submitted: 409,
  submission_conflict: 409,
  not_finished: 409,
  correction_pending: 409,
  rate_limited: 429,
  voting_closed: 409,
  voter_cap: 409,
  entry_code: 403,
  no_voter: 400,
  db_unavailable: 503,
  internal: 500,
};

/** A refusal of what the client sent, with the status Fastify (or the route) gave it: {code: 'invalid_input'}. */
export function invalidInput(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.status(status).send({ ok: false, error: { code: 'invalid_input', message } });
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(HTTP_STATUS[error.code]).send({ ok: false, error: { code: error.code, message: error.message } });
    }
    // Fastify's own refusals (schema validation, body too large, bad JSON) carry a 4xx status.
    const status = (error as FastifyError).statusCode ?? 500;
    if (status < 500) {
      return invalidInput(reply, status, error.message);
    }
    if (isDatabaseUnavailable(error)) {
      return reply.status(503).send({ ok: false, error: { code: 'db_unavailable', message: 'the database is not answering; nothing was changed, try again' } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ ok: false, error: { code: 'internal', message: 'internal error; the server log has the details' } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ ok: false, error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );
}
