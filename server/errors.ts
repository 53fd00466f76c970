/**
 * The one error type. Every refusal the server gives (HTTP reply, socket ack, CLI exit) carries a
 * code from this union and a message a person can act on; transports map codes to their own form
 * in one place each (server/http/errors.ts, server/realtime/acks.ts).
 */
export type ErrorCode =
  | 'invalid_input' // a payload or file that fails the schema or the contest's rules
  | 'invalid_contest_file'
  | 'unauthorized' // no or unknown credentials
  | 'forbidden' // known credentials, not allowed to do this
  | 'not_found'
  | 'conflict' // would contradict stored data (e.g. editing rules once scores exist)
  | 'db_unavailable'
  | 'internal';

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
