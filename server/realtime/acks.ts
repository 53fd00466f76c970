import type { ErrorCode } from '../contracts/vocabulary.ts';
import { AppError } from '../errors.ts';
import type { AckResult } from '../contracts/socket.ts';
import type { AckErrorCode } from '../contracts/vocabulary.ts';

/** The one mapping from errors to socket acknowledgements. */
const ACK_CODE: Record<ErrorCode, AckErrorCode> = {
  invalid_input: 'invalid_input',
  invalid_contest_file: 'invalid_input',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  stale_version: 'stale_version',
  invalid_transition: 'invalid_transition',
  turn_not_open: 'turn_not_open',
  already_submitted: 'already_submitted',
  recused: 'recused',
  out_of_range: 'out_of_range',
  submission_conflict: 'submission_conflict',
  not_finished: 'not_finished',
  correction_pending: 'correction_pending',
  db_unavailable: 'db_unavailable',
  conflict: 'invalid_transition',
  rate_limited: 'rate_limited',
  voting_closed: 'voting_closed',
  voter_cap: 'voter_cap',
  entry_code: 'entry_code',
  no_voter: 'no_voter',
  internal: 'internal',
};

export function ackError(error: unknown): AckResult<never> {
  if (error instanceof AppError) return { ok: false, error: { code: ACK_CODE[error.code], message: error.message } };
  return { ok: false, error: { code: 'internal', message: 'internal error; the server log has the details' } };
}
