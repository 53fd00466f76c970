import { afterAll, beforeAll, expect, it } from 'vitest';
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

  it('lets a well-formed request through', async () => {
    const preview = await send('POST', `/api/contests/${id}/import/presenters?dryRun=1`, csv);
    expect(preview.status).toBe(200);
    const audit = await send('GET', `/api/contests/${id}/audit?presenter=p1&judge=m1`);
    expect(audit.status).toBe(200);
  });
});
