import type { ErrorCode } from './contracts/vocabulary.ts';

/**
 * The one error type. Every refusal the server gives (HTTP reply, socket ack, CLI exit) carries a
 * code from ErrorCode (contracts/vocabulary.ts) and a message a person can act on; transports map
 * codes to their own form in one place each (server/http/errors.ts, server/realtime/acks.ts).
 */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * Whether an error means the database could not be reached, did not answer in time or dropped the
 * connection (as opposed to refusing the statement): such a command can be sent again. Whether it
 * was applied is known only when this happened before the COMMIT was sent; the live service
 * reloads the contest otherwise.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    // connection exceptions (but not 08P01, a statement the server refused, e.g. too many parameters),
    // operator intervention (shutdown), insufficient resources
    (/^(08|57P|53)/.test(code) && code !== '08P01') ||
    // our time-outs (db/connection.ts): statement_timeout, idle_in_transaction_session_timeout
    code === '57014' ||
    code === '25P03' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|is not currently accepting connections|PGlite is closed/i.test(message)
  );
}

/**
 * What a client is told of a failure while storing what it sent: an AppError as it is, the
 * database's absence as db_unavailable (with `notSaved`, which says what to send again), anything
 * else as internal, with no database or stack detail (the socket layer logs `cause`).
 */
export function asStoringError(error: unknown, notSaved: string): AppError {
  if (isAppError(error)) return error;
  if (isDatabaseUnavailable(error)) return new AppError('db_unavailable', notSaved);
  return new AppError('internal', 'internal error; the server log has the details', { cause: (error as Error)?.stack ?? String(error) });
}
