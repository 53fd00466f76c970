import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../../server/protocol.ts';
import { TEST_ADMIN_TOKEN, type ClientSocket } from '../helpers/app.ts';
import { ack, createContestOverApi, itemsFor, submissionId, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { createEmptyPostgresDatabase, databaseKinds } from '../helpers/databases.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';

/**
 * The server process is killed (SIGKILL: no shutdown code runs) in the middle of a turn and
 * started again on the same database. It must continue exactly where it was, every acknowledged
 * sheet present, on the embedded database and on Postgres.
 */

async function connect(url: string, token: string): Promise<{ socket: ClientSocket; latest: () => HostSnapshot }> {
  const socket: ClientSocket = connectSocket(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  let latest: HostSnapshot | null = null;
  socket.on('state:snapshot', (s) => (latest = s as HostSnapshot));
  await waitFor(() => latest !== null, 15_000);
  return { socket, latest: () => latest! };
}

for (const kind of databaseKinds()) {
  describe(`a server killed mid-turn and started again [${kind}]`, () => {
    const cleanups: Array<() => Promise<unknown> | void> = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it('continues the turn with every acknowledged sheet, and a re-sent sheet is not stored twice', async () => {
      let env: Record<string, string>;
      if (kind === 'postgres') {
        const database = await createEmptyPostgresDatabase();
        cleanups.push(() => database.drop());
        env = { DATABASE_URL: database.url };
      } else {
        const dataDir = mkdtempSync(join(tmpdir(), 'leitai-restart-'));
        cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
        env = { DATA_DIR: dataDir };
      }
      env = { ...env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false' };

      let server: ServerProcess = await startServer(env);
      cleanups.push(() => server.stop('SIGKILL'));
      const contest: CreatedContest = await createContestOverApi(server.url);
      const judgeToken = (key: string) => tokenOf(contest.judges.find((j) => j.key === key)!.url);

      let host = await connect(server.url, tokenOf(contest.hostUrl));
      const act = async (event: string, payload: Record<string, unknown> = {}) => {
        const result = await ack(host.socket, event, { ...payload, turnsVersion: host.latest().turnsVersion });
        expect(result.ok).toBe(true);
        await waitFor(() => host.latest().version >= (result as { version: number }).version);
      };
      await act('turn:start', { presenter: 'p1' });
      await act('turn:open-scoring', { presenter: 'p1' });

      const acknowledged = new Map<string, { id: string; sheetId: string }>();
      for (const key of ['m1', 'm2', 'e1']) {
        const judge = await connect(server.url, judgeToken(key));
        const id = submissionId();
        const result = await ack<{ sheetId: string }>(judge.socket, 'sheet:submit', { presenter: 'p1', items: itemsFor('p1', key), submissionId: id });
        expect(result.ok).toBe(true);
        acknowledged.set(key, { id, sheetId: (result as { sheetId: string }).sheetId });
        judge.socket.disconnect();
      }
      host.socket.disconnect();

      expect(server.child.kill('SIGKILL')).toBe(true);
      await server.exited;
      server = await startServer(env);

      host = await connect(server.url, tokenOf(contest.hostUrl));
      const resumed = host.latest();
      expect(resumed.turns[0]).toMatchObject({ presenter: 'p1', phase: 'scoring' });
      expect(resumed.board.current).toBe('p1');
      expect(resumed.sheets.map((s) => [s.judge, s.id]).sort()).toEqual([...acknowledged].map(([key, a]) => [key, a.sheetId]).sort());

      // m1's phone never saw its receipt, so it sends the same sheet again after the restart
      const m1 = await connect(server.url, judgeToken('m1'));
      const resent = await ack(m1.socket, 'sheet:submit', { presenter: 'p1', items: itemsFor('p1', 'm1'), submissionId: acknowledged.get('m1')!.id });
      expect(resent).toMatchObject({ ok: true, duplicate: true, sheetId: acknowledged.get('m1')!.sheetId });

      for (const key of ['m3', 'm4', 'e2', 'e3']) {
        const judge = await connect(server.url, judgeToken(key));
        expect((await ack(judge.socket, 'sheet:submit', { presenter: 'p1', items: itemsFor('p1', key), submissionId: submissionId() })).ok).toBe(true);
        judge.socket.disconnect();
      }
      await waitFor(() => host.latest().turns[0]!.phase === 'closed');
      expect(host.latest().sheets).toHaveLength(7);

      // the talk clock of a presenter on stage also survives: it keeps running from when it started
      await act('turn:reveal', { presenter: 'p1' });
      await act('turn:start', { presenter: 'p2' });
      const clock = host.latest().turns[1]!.clock;
      host.socket.disconnect();
      m1.socket.disconnect();
      server.child.kill('SIGKILL');
      await server.exited;
      server = await startServer(env);
      host = await connect(server.url, tokenOf(contest.hostUrl));
      expect(host.latest().turns[1]).toMatchObject({ phase: 'presenting', clock });
      expect(host.latest().turns[0]).toMatchObject({ phase: 'revealed', revealCount: 1 });
      host.socket.disconnect();
    }, 120_000);
  });
}
