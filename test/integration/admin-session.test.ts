import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_COOKIE, adminSessionKey, signAdminSession } from '../../server/auth/admin-session.ts';
import { hashToken } from '../../server/auth/tokens.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type RunningTestServer } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/** The organiser logs in once with the admin token; the browser then holds an httpOnly cookie. */

describeEachDatabase('logging in to the admin pages', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
  });
  afterAll(() => server.close());

  const logIn = (token: string) =>
    fetch(`${server.url}/api/admin/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const cookieOf = (response: Response) => /^([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!;
  const withCookie = (cookie: string, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });

  it('sets an httpOnly, same-site cookie for the right token, and the admin API then answers without a header', async () => {
    const response = await logIn(TEST_ADMIN_TOKEN);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; expiresAt: string };
    expect(body.ok).toBe(true);
    const hours = (Date.parse(body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(new RegExp(`^${ADMIN_COOKIE}=`));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/api/);
    expect(setCookie).not.toContain(TEST_ADMIN_TOKEN);

    const cookie = cookieOf(response);
    expect((await withCookie(cookie, '/api/contests')).status).toBe(200);
    const session = (await (await withCookie(cookie, '/api/admin/session')).json()) as { expiresAt: string };
    expect(session.expiresAt).toBe(body.expiresAt);
  });

  it('refuses a wrong token with 401 and sets no cookie', async () => {
    const response = await logIn('not-the-admin-token');
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.json()).toEqual({ ok: false, error: { code: 'unauthorized', message: 'wrong admin token' } });
    expect((await fetch(`${server.url}/api/admin/session`)).status).toBe(401);
  });

  it('refuses an expired cookie, a tampered one and one from before the admin token was replaced, saying to log in again', async () => {
    const key = adminSessionKey(server.secrets.linkSecret, server.secrets.adminTokenHash);
    const expired = `${ADMIN_COOKIE}=${signAdminSession(key, Date.now() - 1000)}`;
    const answer = await withCookie(expired, '/api/contests');
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toMatch(/expired; log in again/);

    const good = signAdminSession(key, Date.now() + 60_000);
    const stretched = good.replace(/^\d+/, String(Date.now() + 10 * 365 * 86_400_000));
    expect((await withCookie(`${ADMIN_COOKIE}=${stretched}`, '/api/contests')).status).toBe(401);

    const oldKey = adminSessionKey(server.secrets.linkSecret, hashToken('the-admin-token-before-it-was-replaced'));
    expect((await withCookie(`${ADMIN_COOKIE}=${signAdminSession(oldKey, Date.now() + 60_000)}`, '/api/contests')).status).toBe(401);
    expect((await withCookie(`${ADMIN_COOKIE}=${good}`, '/api/contests')).status).toBe(200);
  });

  it('refuses a change sent with the cookie from another site', async () => {
    const cookie = cookieOf(await logIn(TEST_ADMIN_TOKEN));
    const response = await withCookie(cookie, '/api/contests', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('logs out by clearing the cookie', async () => {
    const response = await fetch(`${server.url}/api/admin/session`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toMatch(new RegExp(`^${ADMIN_COOKIE}=;.*Expires=Thu, 01 Jan 1970`, 'i'));
  });
});

describeEachDatabase('logging in to the admin pages behind an https reverse proxy', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle, { env: { PUBLIC_URL: 'https://leitai.example.org', TRUST_PROXY: 'true' } });
  });
  afterAll(() => server.close());

  const viaProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7', host: 'leitai.example.org' };

  it('sets a Secure cookie when the browser came over https, and takes changes from the public address', async () => {
    const login = await fetch(`${server.url}/api/admin/session`, {
      method: 'POST',
      headers: { ...viaProxy, 'content-type': 'application/json', origin: 'https://leitai.example.org' },
      body: JSON.stringify({ token: TEST_ADMIN_TOKEN }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/; Secure/i);
    const cookie = /^([^;]+)/.exec(login.headers.get('set-cookie')!)![1]!;
    const created = await fetch(`${server.url}/api/contests`, {
      method: 'POST',
      headers: { ...viaProxy, cookie, 'content-type': 'application/json', origin: 'https://leitai.example.org' },
      body: readFileSync(new URL('../fixtures/small-contest.json', import.meta.url), 'utf8'),
    });
    expect(created.status).toBe(201);
    const elsewhere = await fetch(`${server.url}/api/contests`, {
      method: 'POST',
      headers: { ...viaProxy, cookie, 'content-type': 'application/json', origin: 'https://evil.example.org' },
      body: '{}',
    });
    expect(elsewhere.status).toBe(403);
  });
});
