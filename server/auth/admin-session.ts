import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The admin pages' session: after the organiser types ADMIN_TOKEN once, the browser holds an
 * httpOnly cookie instead of the token (never in a URL, never readable by a script). The cookie
 * is `<expiry ms>.<HMAC of the expiry>` under a key derived from the link secret and the admin
 * token's hash, so nothing is stored per session, an edited expiry fails the check, and replacing
 * the admin token (`npm run admin-token`) ends every session at once.
 */

export const ADMIN_COOKIE = 'leitai_admin';
/** long enough for a contest day, short enough that a forgotten laptop does not stay logged in for ever */
export const ADMIN_SESSION_MS = 12 * 60 * 60 * 1000;

export function adminSessionKey(linkSecret: string, adminTokenHash: string): Buffer {
  return createHmac('sha256', linkSecret).update(`admin-session\u0000${adminTokenHash}`).digest();
}

const mac = (key: Buffer, expiresAt: number) => createHmac('sha256', key).update(`admin:${expiresAt}`).digest();

export function signAdminSession(key: Buffer, expiresAt: number): string {
  return `${expiresAt}.${mac(key, expiresAt).toString('base64url')}`;
}

export type SessionCheck = { valid: true; expiresAt: number } | { valid: false; reason: 'expired' | 'invalid' };

export function checkAdminSession(key: Buffer, cookie: string, now: number): SessionCheck {
  const match = /^(\d{13})\.([A-Za-z0-9_-]{43})$/.exec(cookie);
  if (!match) return { valid: false, reason: 'invalid' };
  const expiresAt = Number(match[1]);
  const given = Buffer.from(match[2]!, 'base64url');
  const expected = mac(key, expiresAt);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'invalid' };
  if (expiresAt <= now) return { valid: false, reason: 'expired' };
  return { valid: true, expiresAt };
}
