import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, createContestOverApi, SMALL_CONTEST } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * The admin routes' schemas (server/http/route-schemas.ts): a request whose URL, query or body
 * does not fit is refused before any handler runs, in the app's error shape, with a message that
 * names the field and says what came; nothing is stored. A URL parameter that cannot be an id is
 * answered 404 (such a URL names nothing, as results-export.test.ts asserts), the query and the
 * body 400.
 */

interface Refusal {
  ok: false;
  error: { code: string; message: string };
}

describeEachDatabase('the admin routes’ schemas', (ctx) => {
  let server: RunningTestServer;
  let id: string;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    ({ id } = await createContestOverApi(server.url));
  });
  afterAll(() => server.close());

  const send = async (method: string, path: string, body?: { type: string; text: string | Buffer }) => {
    const response = await adminFetch(server.url, path, { method, headers: body ? { 'content-type': body.type } : {}, body: body?.text });
    return { status: response.status, body: (await response.json()) as Refusal };
  };
  const json = (value: unknown) => ({ type: 'application/json', text: typeof value === 'string' ? value : JSON.stringify(value) });
  const csv = { type: 'text/csv', text: Buffer.from('出场顺序,姓名,单位\n1,周书记,东街道\n', 'utf8') };
  /** everything a refused request could have changed */
  const stored = async () => ({
    contests: (await ctx.db.selectFrom('contests').select('id').execute()).length,
    audit: (await ctx.db.selectFrom('audit_log').select('id').execute()).length,
    contest: await (await adminFetch(server.url, `/api/contests/${id}/export`)).text(),
  });

  it('answers a URL parameter that cannot be an id, a key or a kind of list 404, naming the parameter', async () => {
    const before = await stored();
    for (const [method, path, named] of [
      ['GET', '/api/contests/not%20an%20id', /^id: no contest has this id .*\(got "not an id"\)$/],
      ['GET', '/api/contests/constructor/results', /^id: /],
      ['POST', `/api/contests/${id}/judges/__proto__/reissue`, /^judge: no judge has this key .*\(got "__proto__"\)$/],
      ['POST', `/api/contests/${id}/import/scores`, /^kind: .*只能导入 presenters（选手）或 judges（评委）.*\(got "scores"\)$/],
      ['GET', '/api/templates/scores.xlsx', /^file: .*presenters\.xlsx、presenters\.csv、judges\.xlsx、judges\.csv/],
    ] as const) {
      const answer = await send(method, path, method === 'POST' && path.includes('import') ? csv : undefined);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toEqual({ ok: false, error: { code: 'not_found', message: expect.stringMatching(named) } });
    }
    expect(await stored()).toEqual(before);
  });

  it('answers a query parameter of the wrong kind 400, naming it, and stores nothing', async () => {
    const before = await stored();
    for (const [method, path, body, named] of [
      ['POST', `/api/contests/${id}/import/presenters?dryRun=maybe`, csv, /^dryRun: true \(a preview only\) or false \(got "maybe"\)$/],
      ['POST', `/api/contests/${id}/import/presenters?dryRun=true&dryRun=false`, csv, /^dryRun: .*\(got \["true","false"\]\)$/],
      ['POST', '/api/contests?withScores=yes', json(SMALL_CONTEST), /^withScores: true \(an archive with its scores\) or false \(got "yes"\)$/],
      ['GET', `/api/contests/${id}/audit?colour=red`, undefined, /^colour: not a filter of the audit log \(presenter, judge\)/],
      ['GET', `/api/contests/${id}/audit.csv?judge=m1&judge=m2`, undefined, /^judge: give one judge key/],
    ] as const) {
      const answer = await send(method, path, body);
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toEqual({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(named) } });
    }
    expect(await stored()).toEqual(before);
  });

  it('answers a body of the wrong type 400, naming the field, and stores nothing', async () => {
    const before = await stored();
    for (const [method, path, body, code, named] of [
      ['POST', '/api/admin/session', json({ token: 5 }), 'invalid_input', /^token: expected string \(got 5\)$/],
      ['POST', '/api/admin/session', json({}), 'invalid_input', /^token: expected required property \(it is missing\)$/],
      ['POST', '/api/admin/session', json(['x']), 'invalid_input', /^body: expected object \(got \["x"\]\)$/],
      // a contest file is checked whole by its reader, which names the key the same way
      ['POST', '/api/contests', json('"a contest"'), 'invalid_contest_file', /^document: expected object \(got "a contest"\)$/],
      ['PUT', `/api/contests/${id}`, json({ ...SMALL_CONTEST, title: 7 }), 'invalid_contest_file', /^title: expected string \(got 7\)$/],
      ['PUT', `/api/contests/${id}`, json([]), 'invalid_contest_file', /^document: expected object \(got \[\]\)$/],
    ] as const) {
      const answer = await send(method, path, body);
      expect(answer.status, `${method} ${path} ${String(body.text)}`).toBe(400);
      expect(answer.body, path).toEqual({ ok: false, error: { code, message: expect.stringMatching(named) } });
    }
    expect(await stored()).toEqual(before);
  });

  describe('the audience vote (大众评审) in a contest’s rules', () => {
    const AUDIENCE = { key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 10 };
    /** the small contest with a 10 % audience panel (主评委 60 %), changed by `change` */
    const withAudience = (change: (file: typeof SMALL_CONTEST) => void = () => {}) => {
      const file = structuredClone(SMALL_CONTEST);
      file.rules.panels[0].weight = 0.6;
      file.rules.panels.push(structuredClone(AUDIENCE));
      change(file);
      return json(file);
    };

    it('refuses each bad field of the audience panel 400, naming it, and stores nothing', async () => {
      const before = await stored();
      for (const [body, named] of [
        [withAudience((f) => (f.rules.panels[2].scale.step = 0)), /^rules\.panels\[2\]\.scale\.step: audience panel public: the step must be above 0, got 0$/],
        [withAudience((f) => (f.rules.panels[2].scale.max = 9.5)), /^rules\.panels\[2\]\.scale\.max: .*9\.5 is not a whole number of steps of 1$/],
        [withAudience((f) => (f.rules.panels[2].scale.max = 1)), /^rules\.panels\[2\]\.scale\.max: .*the highest vote 1 must be above the lowest 1$/],
        [withAudience((f) => (f.rules.panels[2].trimPercent = 30)), /^rules\.panels\[2\]\.trimPercent: .*25/],
        [withAudience((f) => delete f.rules.panels[2].scale), /^rules\.panels\[2\]\.scale: the audience panel public needs a vote scale/],
        [withAudience((f) => (f.rules.panels[2].dropHighest = 1)), /^rules\.panels\[2\]\.dropHighest: panel public is the audience panel; it trims with trimPercent/],
        [withAudience((f) => (f.rules.panels[1].trimPercent = 10)), /^rules\.panels\[1\]\.trimPercent: panel eval is a judges' panel/],
        [withAudience((f) => (f.judges[0].panel = 'public')), /^judges\[0\]\.panel: judge m1: panel public is the audience panel, which has no judges$/],
        [withAudience((f) => f.rules.panels.push({ ...AUDIENCE, key: 'online', weight: 0 })), /^rules\.panels\[3\]\.(kind|weight): /],
        [withAudience((f) => (f.rules.panels[2].weight = 0.2)), /^rules\.panels: the panel weights sum to 1\.1, they must sum to exactly 1$/],
        [
          withAudience((f) => {
            f.rules.panels = [{ ...AUDIENCE, weight: 1 }] as typeof f.rules.panels;
            f.rules.tieBreak = [];
            f.judges = [];
          }),
          /^rules\.panels: the only panel is the audience panel public; a contest needs at least one judges' panel besides the audience vote$/,
        ],
      ] as const) {
        // saved over the contest, and imported as a new one
        for (const [method, path] of [['PUT', `/api/contests/${id}`], ['POST', '/api/contests']]) {
          const answer = await send(method!, path!, body);
          expect(answer.status, body.text).toBe(400);
          expect(answer.body, body.text).toEqual({ ok: false, error: { code: 'invalid_contest_file', message: expect.stringMatching(named) } });
        }
      }
      expect(await stored()).toEqual(before);
    });

    it('stores a well-formed audience panel and answers it back as it was sent; the tie-break may name it', async () => {
      const body = withAudience((f) => (f.rules.tieBreak = ['main', 'public']));
      const saved = await send('PUT', `/api/contests/${id}`, body);
      expect(saved.status).toBe(200);
      const detail = (await (await adminFetch(server.url, `/api/contests/${id}`)).json()) as { file: typeof SMALL_CONTEST };
      expect(detail.file.rules.panels[2]).toEqual(AUDIENCE);
      expect(detail.file.rules.tieBreak).toEqual(['main', 'public']);
      // and back to judges only: nothing of the audience panel is left
      expect((await send('PUT', `/api/contests/${id}`, json(SMALL_CONTEST))).status).toBe(200);
      const after = (await (await adminFetch(server.url, `/api/contests/${id}`)).json()) as { file: typeof SMALL_CONTEST };
      expect(after.file.rules.panels).toEqual(SMALL_CONTEST.rules.panels.map((p: object) => ({ dropHighest: 0, dropLowest: 0, ...p })));
    });
  });

  it('lets a well-formed request through', async () => {
    const preview = await send('POST', `/api/contests/${id}/import/presenters?dryRun=1`, csv);
    expect(preview.status).toBe(200);
    const audit = await send('GET', `/api/contests/${id}/audit?presenter=p1&judge=m1`);
    expect(audit.status).toBe(200);
  });
});
