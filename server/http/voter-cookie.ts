import { randomToken } from '../auth/tokens.ts';

/**
 * The audience voter's secret: random (128 bits), made by the server, kept by the phone in an
 * httpOnly cookie and, for browsers that drop cookies (some in-app browsers do), in the watch
 * page's local storage, which sends it in the socket handshake. It is never stored or exported:
 * the voter id is a digest of it per contest (voterIdOf), so it says nothing about any judge's
 * link or the phone's votes in another contest.
 */

export const VOTER_COOKIE = 'leitai_voter';
const SECRET = /^[A-Za-z0-9_-]{22,64}$/;

export const newVoterSecret = (): string => randomToken();

/** A well-formed secret, or null. */
export const validVoterSecret = (value: unknown): string | null => (typeof value === 'string' && SECRET.test(value) ? value : null);

/** The voter secret from a Cookie header, else from the handshake's `auth.voter`; null when neither holds one. */
export function voterSecretOf(cookieHeader: string | undefined, fallback: unknown): string | null {
  const fromCookie = cookieHeader
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${VOTER_COOKIE}=`))
    ?.slice(VOTER_COOKIE.length + 1);
  return validVoterSecret(fromCookie) ?? validVoterSecret(fallback);
}
