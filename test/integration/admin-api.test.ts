import { afterAll, beforeAll, expect, it } from 'vitest';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, SMALL_CONTEST, tokenOf } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/** The admin API as an organiser's script (or the admin pages) calls it. */

describeEachDatabase('the admin API', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
  });
  afterAll(() => server.close());

  const call = (method: string, path: string, options: { token?: string | null; body?: string } = {}) =>
    adminFetch(server.url, path, { method, token: options.token, headers: options.body === undefined ? {} : { 'content-type': 'application/json' }, body: options.body });
  const contestCount = async () => (await ctx.db.selectFrom('contests').select('id').execute()).length;

  it('refuses every route without the admin token, or with a wrong one, and says what is needed', async () => {
    for (const [method, path] of [
      ['GET', '/api/contests'],
      ['POST', '/api/contests'],
      ['GET', '/api/contests/x/export'],
      ['GET', '/api/contests/x/links'],
      ['POST', '/api/contests/x/judges/m1/reissue'],
    ] as const) {
      const none = await call(method, path, { token: null, body: method === 'POST' ? JSON.stringify(SMALL_CONTEST) : undefined });
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.stringMatching(/Authorization: Bearer/) } });
      const wrong = await call(method, path, { token: 'not-the-admin-token-at-all', body: method === 'POST' ? JSON.stringify(SMALL_CONTEST) : undefined });
      expect(wrong.status).toBe(401);
    }
    expect(await contestCount()).toBe(0);
  });

  it('creates a contest from a contest file and answers 201 with the host, display and judges’ links', async () => {
    const response = await call('POST', '/api/contests', { body: JSON.stringify(SMALL_CONTEST) });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string };
    expect(body).toEqual({
      ok: true,
      id: expect.stringMatching(/^[a-z0-9]{10}$/),
      hostUrl: expect.stringMatching(/\/host#token=/),
      displayUrl: expect.stringMatching(/\/display#token=/),
      judges: SMALL_CONTEST.judges.map((j: { key: string; name: string; panel: string }) => ({ key: j.key, name: j.name, panel: j.panel, url: expect.stringMatching(/\/judge#token=/) })),
    });
    const links = (await (await call('GET', `/api/contests/${body.id}/links`)).json()) as { hostUrl: string; judges: unknown[] };
    expect(links).toMatchObject({ ok: true, hostUrl: (body as unknown as { hostUrl: string }).hostUrl, judges: (body as unknown as { judges: unknown[] }).judges });
    const list = (await (await call('GET', '/api/contests')).json()) as { contests: Array<{ id: string }> };
    expect(list.contests.map((c) => c.id)).toContain(body.id);

    const exported = await call('GET', `/api/contests/${body.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toContain(`contest-${body.id}.json`);
    const file = readContestFile(await exported.text());
    expect(file.definition).toEqual(readContestFile(JSON.stringify(SMALL_CONTEST)).definition);
    expect(file.sheets).toEqual([]);
  });

  it('refuses an invalid contest file with 400 naming the key, and stores nothing', async () => {
    const before = await contestCount();
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ ...SMALL_CONTEST, rules: { ...SMALL_CONTEST.rules, panels: [{ ...SMALL_CONTEST.rules.panels[0], weight: 0.6 }, SMALL_CONTEST.rules.panels[1]] } }), /rules\.panels: the panel weights sum to 0\.9/],
      [JSON.stringify({ ...SMALL_CONTEST, judges: [...SMALL_CONTEST.judges, { key: 'x1', name: 'X', panel: 'nope' }] }), /judges\[7\]\.panel: judge x1: no panel with key "nope"/],
      [JSON.stringify({ ...SMALL_CONTEST, scores: [{ presenter: 'p1', judge: 'm1', items: { content: 50, delivery: 30 } }] }), /scores: a new contest starts without scores/],
      ['{"format": "leitai/contest@1", "title": ', /not valid JSON/],
      [JSON.stringify(SMALL_CONTEST).replace('"weight":0.7', '"weight":0.70000000000000001'), /more digits than can be kept exactly/],
    ];
    for (const [body, message] of cases) {
      const response = await call('POST', '/api/contests', { body });
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { ok: boolean; error: { message: string } };
      expect(answer.ok).toBe(false);
      expect(answer.error.message).toMatch(message);
    }
    expect(await contestCount()).toBe(before);
  });

  it('reissues a lost phone’s link: the old one stops working at once, even on a phone still connected, the new one works', async () => {
    const created = (await (await call('POST', '/api/contests', { body: JSON.stringify(SMALL_CONTEST) })).json()) as { id: string; judges: Array<{ key: string; url: string }> };
    const oldToken = tokenOf(created.judges[0]!.url);
    const phone = await server.connect(oldToken);
    const dropped = new Promise<string>((resolve) => phone.socket.once('disconnect', (reason) => resolve(reason)));
    const response = await call('POST', `/api/contests/${created.id}/judges/m1/reissue`);
    expect(response.status).toBe(200);
    const { url } = (await response.json()) as { url: string };
    expect(tokenOf(url)).not.toBe(oldToken);
    expect(await dropped).toBe('io server disconnect');
    await expect(server.connect(oldToken)).rejects.toThrow(/unauthorized/);
    const fresh = await server.connect(tokenOf(url));
    expect(fresh.snapshot()).toMatchObject({ role: 'judge', judge: { key: 'm1' } });
    const links = (await (await call('GET', `/api/contests/${created.id}/links`)).json()) as { judges: Array<{ key: string; url: string }> };
    expect(links.judges[0]!.url).toBe(url);
    expect((await call('POST', `/api/contests/${created.id}/judges/nobody/reissue`)).status).toBe(404);
  });

  it('answers 404 for a contest that does not exist', async () => {
    const response = await call('GET', '/api/contests/nosuchcontest/export');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
