import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/connection.ts';
import { hashToken } from '../../server/auth/tokens.ts';
import { createEmptyPostgresDatabase, databaseKinds } from '../helpers/databases.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';

/** The server as an organiser starts it: a process with only environment variables to go on. */

const dataDir = mkdtempSync(join(tmpdir(), 'leitai-start-'));
const running: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop('SIGKILL')));
  rmSync(dataDir, { recursive: true, force: true });
});

function tokensIn(output: string, page: string): string[] {
  return [...output.matchAll(new RegExp(`/${page}#token=([A-Za-z0-9_-]{22})`, 'g'))].map((m) => m[1]!);
}

describe('starting with no DATABASE_URL', () => {
  let first = '';

  it('stores data in DATA_DIR with embedded PGlite, loads the demo contest and reports healthy', async () => {
    const server = await startServer({ DATA_DIR: dataDir });
    running.push(server);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, db: 'pglite' });
    first = server.output();
    expect(first).toContain('embedded (PGlite) in ' + dataDir);
    expect(first).toContain('the demo contest (望城区 2023 final, 22 presenters) was loaded');
    expect(first).toMatch(/Admin token \(shown only now.*\): [A-Za-z0-9_-]{22}/);
    expect(first).toContain('望城区2023年度街镇和区直单位基层党建“书记工程”决赛');
    expect(tokensIn(first, 'host')).toHaveLength(1);
    expect(tokensIn(first, 'display')).toHaveLength(1);
    expect(tokensIn(first, 'judge')).toHaveLength(22);
    // links point at an address phones can reach, not only at localhost
    expect(first).toMatch(/on the venue network: http:\/\/\S+:\d+/);
    expect(await server.stop()).toBe(0);
  });

  it('starts again on the same data: the same contest and links, no second demo, no new admin token', async () => {
    const server = await startServer({ DATA_DIR: dataDir });
    running.push(server);
    const again = server.output();
    expect(again).not.toContain('demo contest');
    expect(again).not.toContain('Admin token');
    expect(tokensIn(again, 'judge')).toEqual(tokensIn(first, 'judge'));
    expect(tokensIn(again, 'host')).toEqual(tokensIn(first, 'host'));
    await server.stop();
  });

  it('keeps only hashes of the printed tokens in the database', async () => {
    const handle = await openDatabase({ databaseUrl: null, dataDir });
    try {
      const stored = await handle.db.selectFrom('access_tokens').select(['token_hash', 'role', 'judge_key']).execute();
      const printedJudges = tokensIn(first, 'judge');
      expect(stored).toHaveLength(24);
      expect(stored.filter((t) => t.role === 'judge').map((t) => t.token_hash).sort()).toEqual(printedJudges.map(hashToken).sort());
      const everything = JSON.stringify(await handle.db.selectFrom('server_settings').selectAll().execute()) + JSON.stringify(stored);
      for (const token of [...printedJudges, ...tokensIn(first, 'host')]) expect(everything).not.toContain(token);
      expect(everything).not.toContain(/Admin token .*: (\S+)/.exec(first)![1]);
    } finally {
      await handle.close();
    }
  });
});

describe.runIf(databaseKinds().includes('postgres'))('starting with DATABASE_URL [postgres]', () => {
  it('migrates an empty Postgres database, loads the demo there and reports db "postgres"', async () => {
    const database = await createEmptyPostgresDatabase();
    try {
      const server = await startServer({ DATABASE_URL: database.url });
      running.push(server);
      expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true, db: 'postgres' });
      expect(server.output()).toContain('database: PostgreSQL (DATABASE_URL)');
      expect(server.output()).toContain('the demo contest');
      expect(tokensIn(server.output(), 'judge')).toHaveLength(22);
      expect(await server.stop()).toBe(0);
    } finally {
      await database.drop();
    }
  });
});

describe('starting with a wrong setting', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /^leitai: PORT must be a port number from 1 to 65535, got "abc"$/],
    [{ PORT: '70000' }, /^leitai: PORT must be a port number/],
    [{ DATABASE_URL: 'mysql://localhost/x' }, /^leitai: DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
    [{ ADMIN_TOKEN: 'short' }, /^leitai: ADMIN_TOKEN must be at least 16 characters/],
    [{ LOAD_DEMO: 'perhaps' }, /^leitai: LOAD_DEMO must be true or false/],
  ];
  for (const [env, message] of cases) {
    it(`stops with one clear line for ${JSON.stringify(env)}`, async () => {
      const server = await startServer({ DATA_DIR: dataDir, ...env }, { waitForReady: false });
      running.push(server);
      expect(await server.exited).toBe(1);
      expect(server.stderr().trimEnd().split('\n')).toHaveLength(1);
      expect(server.stderr().trimEnd()).toMatch(message);
    });
  }
});
