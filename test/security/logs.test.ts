import { mkdtempSync, rmSync } from 'node:fs';
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
 * The server's output when it is not a terminal (a log: docker, systemd), every line of it (the
 * JSON log at the most verbose level, the start banner), never contains a token: not the admin
 * token, not a link's token, not a wrong token someone tried. (A start with contests in the
 * database: test/integration/server-start.test.ts.)
 */

const dataDir = mkdtempSync(join(tmpdir(), 'leitai-logs-'));
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the server log', () => {
  it('holds no token after a contest is created, joined, scored and attacked with wrong tokens, at log level trace', async () => {
    server = await startServer({ DATA_DIR: dataDir, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false', LOG_LEVEL: 'trace' });
    const contest = await createContestOverApi(server.url);
    const tokens = [TEST_ADMIN_TOKEN, tokenOf(contest.hostUrl), tokenOf(contest.displayUrl), ...contest.judges.map((j) => tokenOf(j.url))];

    const sockets: ClientSocket[] = [];
    const join = (token: string) => {
      const socket: ClientSocket = connectSocket(server!.url, { auth: { token }, transports: ['websocket', 'polling'], reconnection: false, forceNew: true });
      sockets.push(socket);
      return socket;
    };
    const host = join(tokenOf(contest.hostUrl));
    let version = -1;
    follow<HostSnapshot>(host).onFrame((s) => (version = s.turnsVersion));
    await waitFor(() => version >= 0);
    await ack(host, 'turn:start', { presenter: 'p1', turnsVersion: version });
    await waitFor(() => version === 1);
    await ack(host, 'turn:open-scoring', { presenter: 'p1', turnsVersion: version });
    const judge = join(tokenOf(contest.judges[0]!.url));
    await waitFor(() => judge.connected);
    expect((await ack(judge, 'sheet:submit', { presenter: 'p1', items: { content: '50', delivery: '30' }, submissionId: submissionId() })).ok).toBe(true);
    const wrong = ['WrongTokenWrongToken01', 'WrongTokenWrongToken02'];
    for (const token of wrong) {
      const socket = join(token);
      await new Promise((resolve) => socket.once('connect_error', resolve));
    }
    await fetch(`${server.url}/api/contests`, { headers: { authorization: 'Bearer wrong-admin-token-guess-123' } });
    await fetch(`${server.url}/judge?token=${tokenOf(contest.judges[1]!.url)}`); // a token pasted into a query string by mistake
    for (const s of sockets) s.disconnect();
    await new Promise((r) => setTimeout(r, 500));

    const output = server.output() + server.stderr();
    expect(output.split('\n').filter((line) => line.startsWith('{')).length).toBeGreaterThan(5);
    expect(output).toContain('refused a socket handshake'); // the attempts are logged…
    for (const secret of [...tokens, ...wrong, 'wrong-admin-token-guess-123']) expect(output).not.toContain(secret); // …without their tokens
  }, 120_000);
});
