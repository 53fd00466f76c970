import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import { TEST_ADMIN_TOKEN, type ClientSocket } from '../helpers/app.ts';
import { ack, createContestOverApi, submissionId, tokenOf, waitFor } from '../helpers/contest-driver.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import { follow } from '../helpers/snapshot-follower.ts';

/**
 * The embedded database (PGlite) is one process's: a second server on the same folder must be
 * refused, not corrupt it. And PGlite never fsyncs: Leitai flushes the data folder itself after each
 * commit, before the acknowledgement, so an acknowledged sheet survives a power cut.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'leitai-embedded-'));
const running: ServerProcess[] = [];
afterAll(async () => {
  for (const s of running) await s.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('two servers on one embedded data folder', () => {
  it('refuses the second with one line naming the folder and the running server, and the first keeps serving', async () => {
    const first = await startServer({ DATA_DIR: dataDir, LOAD_DEMO: 'false' });
    running.push(first);
    const second = await startServer({ DATA_DIR: dataDir, LOAD_DEMO: 'false' }, { waitForReady: false });
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(second.stderr().trim()).toBe(
      `leitai: the data folder ${dataDir} is in use by another Leitai server (pid ${first.child.pid}); stop that one first, or set DATA_DIR to another folder (if no Leitai server is running, delete ${join(dataDir, 'leitai.lock')})`,
    );
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });

  it('starts on a folder whose server was killed (its lock is stale)', async () => {
    await running[0]!.stop('SIGKILL');
    const again = await startServer({ DATA_DIR: dataDir, LOAD_DEMO: 'false' });
    running.push(again);
    expect(await (await fetch(`${again.url}/healthz`)).json()).toEqual({ ok: true, db: 'pglite' });
    await again.stop();
  });
});

const strace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(strace || process.env.CI)('an acknowledged sheet on the embedded database', () => {
  it('is flushed to disk (fsync of the WAL segment) before the acknowledgement, as is a host\'s step', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'leitai-fsync-'));
    const trace = join(folder, 'strace.log');
    const server = await startServer(
      { DATA_DIR: join(folder, 'data'), ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false' },
      // -f: follow threads; -y: print the path behind each fd; only the flush calls are traced
      { wrapper: ['strace', '-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync', '-o', trace] },
    );
    running.push(server);
    try {
      const contest = await createContestOverApi(server.url);
      const connect = async (token: string) => {
        const socket: ClientSocket = connectSocket(server.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
        const page = follow<HostSnapshot>(socket);
        await waitFor(() => page.frames.length > 0, 15_000);
        return { socket, latest: () => page.latest() };
      };
      const host = await connect(tokenOf(contest.hostUrl));
      const walFlushes = () => readFileSync(trace, 'utf8').split('\n').filter((line) => /(fsync|fdatasync)\(\d+<[^>]*\/pg_wal\/[0-9A-F]{24}>\)\s+= 0/.test(line)).length;
      for (const event of ['turn:start', 'turn:open-scoring']) {
        const flushed = walFlushes();
        const result = await ack(host.socket, event, { presenter: 'p1', turnsVersion: host.latest().turnsVersion });
        expect(result.ok).toBe(true);
        // a host's step too is on disk before its acknowledgement
        expect(walFlushes(), event).toBeGreaterThan(flushed);
        await waitFor(() => host.latest().version === (result as { version: number }).version);
      }
      const judge = await connect(tokenOf(contest.judges[0]!.url));
      const before = walFlushes();
      const receipt = await ack(judge.socket, 'sheet:submit', { presenter: 'p1', items: { content: '50', delivery: '30' }, submissionId: submissionId() });
      expect(receipt.ok).toBe(true);
      // the flush happened before the acknowledgement reached us
      expect(walFlushes()).toBeGreaterThan(before);
      host.socket.disconnect();
      judge.socket.disconnect();
    } finally {
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 180_000);
});
