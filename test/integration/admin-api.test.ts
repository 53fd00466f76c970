import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import type { CreatedContestAnswer, LinksAnswer, ReissuedLinkAnswer } from '../../server/contracts/admin-api.ts';
import { startTestServer, testApp, TEST_ADMIN_TOKEN, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, SMALL_CONTEST, tokenOf } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/** The admin API as an organiser's script (or the admin pages) calls it. */

describeEachDatabase('the admin API', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle, { lanAddress: () => '192.168.1.20' });
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
      watchUrl: expect.stringMatching(/\/watch\/[a-z2-9]{7}$/),
      judges: SMALL_CONTEST.judges.map((j: { key: string; name: string; panel: string }) => ({ key: j.key, name: j.name, panel: j.panel, url: expect.stringMatching(/\/judge#token=/) })),
      linkBase: { url: expect.any(String), source: expect.any(String), problem: null },
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

  it('links point where phones can reach the server: PUBLIC_URL, else the LAN address when the admin pages were opened at localhost, and say when no such address is known', async () => {
    /** the links (create, list, reissue) as an app with this environment answers a caller at `host` */
    const linksFor = async (options: { host: string; env?: Record<string, string>; lan?: string | null }) => {
      const built = await testApp(ctx.handle, { env: options.env, lanAddress: () => (options.lan === undefined ? '192.168.1.20' : options.lan) });
      try {
        const inject = async <T>(method: 'GET' | 'POST', url: string, body?: unknown) => {
          const response = await built.app.inject({
            method,
            url,
            headers: { host: options.host, authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
            payload: body === undefined ? undefined : JSON.stringify(body),
          });
          expect(response.statusCode, response.body).toBeLessThan(300);
          return response.json<T>();
        };
        const created = await inject<CreatedContestAnswer>('POST', '/api/contests', SMALL_CONTEST);
        const listed = await inject<LinksAnswer>('GET', `/api/contests/${created.id}/links`);
        const reissued = await inject<ReissuedLinkAnswer>('POST', `/api/contests/${created.id}/judges/m1/reissue`);
        const urls = [created.hostUrl, created.displayUrl, ...created.judges.map((j) => j.url), listed.hostUrl, ...listed.judges.map((j) => j.url), reissued.url, created.watchUrl, listed.watchUrl];
        const bases = new Set(urls.map((u) => u.replace(/\/(host|display|judge)#token=[\w-]+$/, '').replace(/\/watch\/[a-z2-9]{7}$/, '')));
        expect(bases.size, [...bases].join(' ')).toBe(1);
        expect([listed.linkBase, reissued.linkBase]).toEqual([created.linkBase, created.linkBase]);
        expect(created.linkBase.url).toBe([...bases][0]);
        return created.linkBase;
      } finally {
        await built.app.close();
      }
    };

    // the admin pages opened at localhost, as the start banner suggests: the LAN address and the port we were reached at
    expect(await linksFor({ host: 'localhost:3000' })).toEqual({ url: 'http://192.168.1.20:3000', source: 'lan', problem: null });
    expect(await linksFor({ host: '127.0.0.1:4123' })).toEqual({ url: 'http://192.168.1.20:4123', source: 'lan', problem: null });
    expect(await linksFor({ host: '[::1]:3000' })).toEqual({ url: 'http://192.168.1.20:3000', source: 'lan', problem: null });
    // opened at an address of the network: that one (the phones reach the server the same way)
    expect(await linksFor({ host: '10.8.0.7:3000' })).toEqual({ url: 'http://10.8.0.7:3000', source: 'request', problem: null });
    expect(await linksFor({ host: 'leitai-laptop.lan:3000' })).toEqual({ url: 'http://leitai-laptop.lan:3000', source: 'request', problem: null });
    // HOST names one address: that one
    expect(await linksFor({ host: 'localhost:3000', env: { HOST: '192.168.5.9' } })).toEqual({ url: 'http://192.168.5.9:3000', source: 'lan', problem: null });
    // PUBLIC_URL wins, whatever the caller used
    expect(await linksFor({ host: 'localhost:3000', env: { PUBLIC_URL: 'https://leitai.example.org/final/' } })).toEqual({ url: 'https://leitai.example.org/final', source: 'public_url', problem: null });
    // no address the phones can reach: said, so the admin pages warn
    expect(await linksFor({ host: 'localhost:3000', lan: null })).toEqual({ url: 'http://localhost:3000', source: 'request', problem: 'no_network' });
    expect(await linksFor({ host: '127.0.0.1:3000', env: { HOST: '127.0.0.1' } })).toEqual({ url: 'http://127.0.0.1:3000', source: 'request', problem: 'local_only' });
    expect(await linksFor({ host: 'localhost:3000', env: { PUBLIC_URL: 'http://localhost:3000' } })).toEqual({ url: 'http://localhost:3000', source: 'public_url', problem: 'loopback' });
    expect(await linksFor({ host: '169.254.10.2:3000' })).toEqual({ url: 'http://169.254.10.2:3000', source: 'request', problem: 'link_local' });
  });

  it('docs/protocol.md shows each admin route’s answer with exactly the fields the route sends', async () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    /** the first JSON object after the first 2xx status in the section under this heading */
    const documented = (heading: string): unknown => {
      const start = doc.indexOf(`### ${heading}`);
      expect(start, heading).toBeGreaterThan(-1);
      const end = doc.indexOf('\n### ', start + 4);
      const section = doc.slice(start, end === -1 ? undefined : end);
      const from = section.indexOf('{', section.search(/`20\d/));
      let depth = 0;
      let quoted = false;
      for (let i = from; i < section.length; i++) {
        const c = section[i];
        if (c === '"' && section[i - 1] !== '\\') quoted = !quoted;
        else if (!quoted && c === '{') depth++;
        else if (!quoted && c === '}' && --depth === 0) return JSON.parse(section.slice(from, i + 1));
      }
      throw new Error(`no JSON answer under "${heading}"`);
    };
    /** the keys at every level (arrays by their first element), not the values */
    const shape = (v: unknown): unknown =>
      Array.isArray(v) ? v.slice(0, 1).map(shape) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])])) : '·';

    const created = (await (await call('POST', '/api/contests', { body: JSON.stringify(SMALL_CONTEST) })).json()) as { id: string };
    const answers: Array<[string, unknown]> = [
      ['POST /api/contests — create a contest', created],
      ['GET /api/contests — list contests', await (await call('GET', '/api/contests')).json()],
      ["GET /api/contests/:id/links — a contest's links", await (await call('GET', `/api/contests/${created.id}/links`)).json()],
      ["POST /api/contests/:id/judges/:judge/reissue — replace a judge's link", await (await call('POST', `/api/contests/${created.id}/judges/m1/reissue`)).json()],
      ['POST /api/contests/:id/watch/reissue — a new audience code', await (await call('POST', `/api/contests/${created.id}/watch/reissue`)).json()],
      ['POST /api/admin/session — log in (the admin pages)', await (await call('POST', '/api/admin/session', { token: null, body: JSON.stringify({ token: TEST_ADMIN_TOKEN }) })).json()],
    ];
    for (const [heading, answer] of answers) expect(shape(answer), heading).toEqual(shape(documented(heading)));
  });

  it('answers 404 for a contest that does not exist', async () => {
    const response = await call('GET', '/api/contests/nosuchcontest/export');
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
