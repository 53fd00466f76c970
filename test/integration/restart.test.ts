import { afterAll, describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { createContestOverApi, hostDo, itemsFor, submissionId, submit, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { databaseKinds, serverStorage } from '../helpers/databases.ts';
import { connectAs } from '../helpers/security.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';

/**
 * The server process is killed (SIGKILL: no shutdown code runs) in the middle of a turn and
 * started again on the same database. It must continue exactly where it was, every acknowledged
 * sheet present, on the embedded database and on Postgres.
 */

for (const kind of databaseKinds()) {
  describe(`a server killed mid-turn and started again [${kind}]`, () => {
    const cleanups: Array<() => Promise<unknown> | void> = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it('continues the turn with every acknowledged sheet, and a re-sent sheet is not stored twice', async () => {
      const storage = await serverStorage(kind, 'leitai-restart-');
      cleanups.push(() => storage.remove());
      const env = { ...storage.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false' };

      let server: ServerProcess = await startServer(env);
      cleanups.push(() => server.stop('SIGKILL'));
      const contest: CreatedContest = await createContestOverApi(server.url);
      const judgeToken = (key: string) => tokenOf(contest.judges.find((j) => j.key === key)!.url);

      let host = await connectAs<HostSnapshot>(server.url, tokenOf(contest.hostUrl));
      await hostDo(host, 'turn:start', { presenter: 'p1' });
      await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });

      const acknowledged = new Map<string, { id: string; sheetId: string }>();
      for (const key of ['m1', 'm2', 'e1']) {
        const judge = await connectAs(server.url, judgeToken(key));
        const id = submissionId();
        const result = await submit(judge, 'p1', itemsFor('p1', key), id);
        expect(result.ok).toBe(true);
        acknowledged.set(key, { id, sheetId: (result as { sheetId: string }).sheetId });
        judge.socket.disconnect();
      }
      host.socket.disconnect();

      expect(server.child.kill('SIGKILL')).toBe(true);
      await server.exited;
      server = await startServer(env);

      host = await connectAs<HostSnapshot>(server.url, tokenOf(contest.hostUrl));
      const resumed = host.snapshot();
      expect(resumed.turns[0]).toMatchObject({ presenter: 'p1', phase: 'scoring' });
      expect(resumed.board.current).toBe('p1');
      expect(resumed.sheets.map((s) => [s.judge, s.id]).sort()).toEqual([...acknowledged].map(([key, a]) => [key, a.sheetId]).sort());

      // m1's phone never saw its receipt, so it sends the same sheet again after the restart
      const m1 = await connectAs(server.url, judgeToken('m1'));
      const resent = await submit(m1, 'p1', itemsFor('p1', 'm1'), acknowledged.get('m1')!.id);
      expect(resent).toMatchObject({ ok: true, duplicate: true, sheetId: acknowledged.get('m1')!.sheetId });

      for (const key of ['m3', 'm4', 'e2', 'e3']) {
        const judge = await connectAs(server.url, judgeToken(key));
        expect((await submit(judge, 'p1', itemsFor('p1', key))).ok).toBe(true);
        judge.socket.disconnect();
      }
      await waitFor(() => host.snapshot().turns[0]!.phase === 'closed');
      expect(host.snapshot().sheets).toHaveLength(7);

      // the talk clock of a presenter on stage also survives: it keeps running from when it started
      await hostDo(host, 'turn:reveal', { presenter: 'p1' });
      await hostDo(host, 'turn:start', { presenter: 'p2' });
      const clock = host.snapshot().turns[1]!.clock;
      host.socket.disconnect();
      m1.socket.disconnect();
      server.child.kill('SIGKILL');
      await server.exited;
      server = await startServer(env);
      host = await connectAs<HostSnapshot>(server.url, tokenOf(contest.hostUrl));
      expect(host.snapshot().turns[1]).toMatchObject({ phase: 'presenting', clock });
      expect(host.snapshot().turns[0]).toMatchObject({ phase: 'revealed', revealCount: 1 });
      host.socket.disconnect();
    }, 120_000);
  });
}
