import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, TEST_ADMIN_TOKEN, type RunningTestServer } from '../helpers/app.ts';
import { createContestOverApi, tokenOf, type CreatedContest } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/** Guessing tokens gets nowhere; every response carries the security headers. */

/** A socket handshake with this token: 'connected', or the refusal's code. `headers` as a reverse proxy adds them. */
function handshake(url: string, token: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = connectSocket(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
    socket.once('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.once('connect_error', (error) => {
      socket.disconnect();
      resolve(error.message.split(':')[0]!);
    });
  });
}

describeEachDatabase('abuse of the front door', (ctx) => {
  let server: RunningTestServer;
  let contest: CreatedContest;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    contest = await createContestOverApi(server.url);
  });
  afterAll(() => server.close());

  it('stops a brute force of judge tokens: after 20 wrong tokens a minute even a right one is refused from that address', async () => {
    // one after the other: sent all at once, every guess may be checked before any failure is
    // counted, and which are cut off is then a race (CI saw the last three all unauthorized)
    const guesses: string[] = [];
    for (let i = 0; i < 25; i++) guesses.push(await handshake(server.url, `guess${String(i).padStart(17, '0')}`));
    expect(guesses.slice(0, 20)).toEqual(Array(20).fill('unauthorized'));
    expect(guesses.slice(20)).toEqual(Array(5).fill('rate_limited'));
    expect(await handshake(server.url, tokenOf(contest.judges[0]!.url))).toBe('rate_limited');
  });

  it('stops a brute force of the admin token with 429 after 10 wrong ones', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await fetch(`${server.url}/api/contests`, { headers: { authorization: `Bearer wrong-token-${i}-xxxxxxxx` } })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const right = await fetch(`${server.url}/api/contests`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(right.status).toBe(429);
  });

  it('sends security headers with a Content-Security-Policy that allows only this server', async () => {
    const response = await fetch(`${server.url}/healthz`);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });
});

describeEachDatabase('abuse of the front door behind a reverse proxy (TRUST_PROXY)', (ctx) => {
  let server: RunningTestServer;
  let contest: CreatedContest;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle, { env: { TRUST_PROXY: 'true' } });
    contest = await createContestOverApi(server.url);
  });
  afterAll(() => server.close());

  /** a handshake through the proxy (every connection comes from its address) for the client at `client` */
  const handshakeFor = (client: string, token: string) => handshake(server.url, token, { 'x-forwarded-for': `${client}, 10.0.0.1` });

  it('counts wrong link tokens per client, not per proxy: one guesser is locked out, the other phones still join', async () => {
    const guesses = await Promise.all(Array.from({ length: 25 }, (_, i) => handshakeFor('203.0.113.7', `guess${String(i).padStart(17, '0')}`)));
    expect(guesses.slice(-3)).toContain('rate_limited');
    expect(await handshakeFor('203.0.113.7', tokenOf(contest.judges[0]!.url))).toBe('rate_limited');
    expect(await handshakeFor('203.0.113.8', tokenOf(contest.judges[0]!.url))).toBe('connected');
  });
});
