import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/connection.ts';
import type { Database } from '../../server/db/database.ts';
import { hashToken } from '../../server/auth/tokens.ts';
import { createEmptyPostgresDatabase, databaseKinds } from '../helpers/databases.ts';
import type { LinksAnswer } from '../../server/contracts/admin-api.ts';
import { adminFetch, tokenOf } from '../helpers/contest-driver.ts';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.ts';

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

/** Runs the server with its stdout on a pseudo-terminal, as when an organiser starts it in a terminal window. */
const onTerminal = { wrapper: ['sh', '-c', 'exec script -qfec "$*" /dev/null', 'sh'] };

/**
 * Every word of the output that could be a token, whose hash is a stored admin token or link
 * token: the test of "no token in this output" that needs no knowledge of the tokens themselves.
 */
async function storedTokensIn(output: string, db: Kysely<Database>): Promise<string[]> {
  const hashes = new Set([
    ...(await db.selectFrom('access_tokens').select('token_hash').execute()).map((t) => t.token_hash),
    ...(await db.selectFrom('server_settings').select('value').where('key', '=', 'admin_token_hash').execute()).map((s) => s.value),
  ]);
  const words = new Set(output.match(/[A-Za-z0-9_-]{16,}/g) ?? []);
  return [...words].filter((word) => hashes.has(hashToken(word)));
}

async function withDatabase<T>(dir: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ databaseUrl: null, dataDir: dir });
  try {
    return await work(handle.db);
  } finally {
    await handle.close();
  }
}

describe('starting with no DATABASE_URL', () => {
  let first = '';

  it('on a terminal: stores data in DATA_DIR with embedded PGlite, loads the demo, reports healthy, and shows the admin token once and every link', async () => {
    const server = await startServer({ DATA_DIR: dataDir }, onTerminal);
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
    // the test server listens on 127.0.0.1 only: the banner says phones cannot reach it (banner.test.ts has the other cases)
    expect(first).toMatch(/on the venue network: http:\/\/\S+:\d+ +\(HOST=127\.0\.0\.1 listens on this machine only/);
    await server.stop();
    await server.exited;
  });

  it('into a pipe (docker, systemd, a log file): the next start prints no token at all and says where the links are; the admin pages have the same links as before', async () => {
    const server = await startServer({ DATA_DIR: dataDir });
    running.push(server);
    const piped = server.output();
    expect(piped).not.toContain('demo contest');
    expect(piped).not.toContain('Admin token');
    expect(piped).toMatch(/管理页面 admin pages: http:\/\/\S+:\d+\/admin/);
    const id = /链接与评委卡 links and judge cards: http:\/\/\S+\/admin\/contests\/([a-z0-9]{10})\/links/.exec(piped)?.[1];
    expect(id).toBeDefined();
    expect(piped).not.toContain('#token=');
    for (const token of [...tokensIn(first, 'host'), ...tokensIn(first, 'display'), ...tokensIn(first, 'judge')]) expect(piped).not.toContain(token);
    // the links are on the admin pages (here their API), the same as before the restart
    const adminToken = /Admin token .*: ([A-Za-z0-9_-]{22})/.exec(first)![1]!;
    const links = (await (await adminFetch(server.url, `/api/contests/${id}/links`, { token: adminToken })).json()) as LinksAnswer;
    expect(links.judges.map((j) => tokenOf(j.url))).toEqual(tokensIn(first, 'judge'));
    expect(tokenOf(links.hostUrl)).toEqual(tokensIn(first, 'host')[0]);
    expect(await server.stop()).toBe(0);
    expect(await withDatabase(dataDir, (db) => storedTokensIn(piped, db))).toEqual([]);
  });

  it('keeps only hashes of the printed tokens in the database', async () => {
    await withDatabase(dataDir, async (db) => {
      const stored = await db.selectFrom('access_tokens').select(['token_hash', 'role', 'judge_key']).execute();
      const printedJudges = tokensIn(first, 'judge');
      expect(stored).toHaveLength(24);
      expect(stored.filter((t) => t.role === 'judge').map((t) => t.token_hash).sort()).toEqual(printedJudges.map(hashToken).sort());
      const everything = JSON.stringify(await db.selectFrom('server_settings').selectAll().execute()) + JSON.stringify(stored);
      for (const token of [...printedJudges, ...tokensIn(first, 'host')]) expect(everything).not.toContain(token);
      expect(everything).not.toContain(/Admin token .*: ([A-Za-z0-9_-]{22})/.exec(first)![1]);
    });
  });

  it('a first start into a log (no terminal, no ADMIN_TOKEN) shows no admin token and says how to get one: `npm run admin-token` in a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leitai-start-log-'));
    try {
      const server = await startServer({ DATA_DIR: dir, LOAD_DEMO: 'false' });
      running.push(server);
      const output = server.output();
      expect(await server.stop()).toBe(0);
      expect(output).not.toContain('Admin token');
      expect(output).toContain('run `npm run admin-token` in a terminal');
      expect(await withDatabase(dir, (db) => storedTokensIn(output, db))).toEqual([]);

      // the way out the start-up names: a token made in a terminal, the one the next start accepts
      const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'admin-token'], { cwd: ROOT, env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', ADMIN_TOKEN: '' } });
      const token = /new admin token .*: ([A-Za-z0-9_-]{22})/.exec(stdout)![1]!;
      const stored = await withDatabase(dir, (db) => db.selectFrom('server_settings').select('value').where('key', '=', 'admin_token_hash').executeTakeFirst());
      expect(stored?.value).toBe(hashToken(token));
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
      expect(server.output()).not.toContain('#token=');
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
