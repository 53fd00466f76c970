import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { testApp, testConfig } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

describeEachDatabase('GET /healthz', (ctx) => {
  it('answers 200 with the kind of database once the server is ready', async () => {
    const { app } = await testApp(ctx.handle);
    const reply = await app.inject({ method: 'GET', url: '/healthz' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ ok: true, db: ctx.kind });
    await app.close();
  });
});

describe('GET /healthz while the database cannot be reached', () => {
  const unreachable = openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/leitai', dataDir: null });
  afterAll(async () => (await unreachable).close());

  it('answers 503 with ok:false instead of hanging or claiming health', async () => {
    const handle = await unreachable;
    // secrets would need the database; health must not
    const { app } = await buildApp({ config: testConfig(), db: handle, secrets: { linkSecret: 'x', adminTokenHash: '00', newAdminToken: null } });
    const reply = await app.inject({ method: 'GET', url: '/healthz' });
    expect(reply.statusCode).toBe(503);
    expect(reply.json()).toEqual({ ok: false, db: 'postgres' });
    await app.close();
  });
});
