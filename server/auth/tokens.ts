import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';

/**
 * Access tokens: 128 bits, base64url (22 characters), stored only as a SHA-256 hash.
 *
 * Personal links (host, display, each judge) are derived, not drawn: HMAC(link secret, contest,
 * role, judge, generation). The server can print or re-print a link (the start banner, the judges'
 * QR cards) without keeping the token itself, and revoking a link is moving its generation on.
 * The link secret is random, made on first start and kept in server_settings.
 */

const TOKEN_BYTES = 16;

export function randomToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** `length` characters drawn uniformly from `alphabet`: a short public code, read off paper or typed on a phone */
export function randomCode(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface LinkSubject {
  contestId: string;
  role: 'host' | 'display' | 'judge';
  judgeKey: string | null;
  generation: number;
}

export function deriveLinkToken(linkSecret: string, s: LinkSubject): string {
  return createHmac('sha256', linkSecret)
    .update(JSON.stringify([s.contestId, s.role, s.judgeKey, s.generation]))
    .digest()
    .subarray(0, TOKEN_BYTES)
    .toString('base64url');
}
