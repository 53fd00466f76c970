import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HostSnapshot, JudgeSnapshot } from '../../server/contracts/snapshots.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { createContestOverApi, hostDo, submissionId, submit, tokenOf } from '../helpers/contest-driver.ts';
import { adminClient, describeEachDatabase } from '../helpers/databases.ts';

/**
 * The database stops answering during scoring. A sheet must then be answered "not saved" (never
 * acknowledged as stored), the server must stay up and say so on /healthz, and the same sheet
 * sent again once the database is back must land exactly once.
 */

describeEachDatabase('a database outage during scoring', (ctx) => {
  let server: RunningTestServer;
  let host: { snapshot: () => HostSnapshot; socket: import('../helpers/app.ts').ClientSocket; next: () => Promise<HostSnapshot> };
  let judge: { snapshot: () => JudgeSnapshot; socket: import('../helpers/app.ts').ClientSocket; next: () => Promise<JudgeSnapshot> };
  let databaseName = '';

  /** Refuse new connections and end the open ones, as a stopped server would. */
  async function takeDatabaseDown(): Promise<void> {
    const client = adminClient();
    await client.connect();
    await client.query(`alter database ${databaseName} with allow_connections false`);
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [databaseName]);
    await client.end();
  }

  async function bringDatabaseBack(): Promise<void> {
    const client = adminClient();
    await client.connect();
    await client.query(`alter database ${databaseName} with allow_connections true`);
    await client.end();
  }

  beforeAll(async () => {
    if (ctx.kind !== 'postgres') return;
    databaseName = (await sql<{ name: string }>`select current_database() as name`.execute(ctx.db)).rows[0]!.name;
    server = await startTestServer(ctx.handle);
    const contest = await createContestOverApi(server.url);
    host = await server.connect<HostSnapshot>(tokenOf(contest.hostUrl));
    judge = await server.connect<JudgeSnapshot>(tokenOf(contest.judges[0]!.url));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
  });
  afterAll(async () => {
    if (ctx.kind !== 'postgres') return;
    await server.close();
    if (ctx.kind === 'postgres') await bringDatabaseBack();
  });

  const id = submissionId();

  // The embedded database lives inside the server process: there is no separate server to lose.
  it.runIf(ctx.kind === 'postgres')('answers a sheet with db_unavailable (not saved) instead of an acknowledgement, and /healthz says the database is down', async () => {
    await takeDatabaseDown();
    const result = await submit(judge, 'p1', { content: '50', delivery: '30' }, id);
    expect(result).toEqual({ ok: false, error: { code: 'db_unavailable', message: expect.stringMatching(/not saved/) } });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ ok: false, db: ctx.kind });
    // nothing moved: the judge can still submit, the host still sees no sheet
    const sync = (await host.socket.emitWithAck('contest:sync', {})) as { ok: true; snapshot: HostSnapshot };
    expect(sync.snapshot.sheets).toEqual([]);
  });

  it.runIf(ctx.kind === 'postgres')('stores the same sheet exactly once when it is sent again after the database is back', async () => {
    await bringDatabaseBack();
    const result = await submit(judge, 'p1', { content: '50', delivery: '30' }, id);
    expect(result).toMatchObject({ ok: true, duplicate: false, total: '80' });
    expect(await submit(judge, 'p1', { content: '50', delivery: '30' }, id)).toMatchObject({ ok: true, duplicate: true });
    const rows = await ctx.db.selectFrom('score_sheets').select('id').where('submission_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
