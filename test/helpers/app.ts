import { io as connectSocket, type Socket } from 'socket.io-client';
import { buildApp, type LeitaiApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { DatabaseHandle } from '../../server/db/connection.ts';
import type { Snapshot } from '../../server/contracts/snapshots.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../server/contracts/socket.ts';
import { ensureServerSecrets, type ServerSecrets } from '../../server/startup.ts';
import { follow } from './snapshot-follower.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false', ...env });
}

export interface TestApp extends LeitaiApp {
  config: Config;
  secrets: ServerSecrets;
}

/** The whole app on a test database, built the way main.ts builds it, without listening. */
export async function testApp(handle: DatabaseHandle, options: { env?: Record<string, string>; now?: () => number; lanAddress?: () => string | null } = {}): Promise<TestApp> {
  const config = testConfig(options.env);
  const secrets = await ensureServerSecrets(handle.db, config);
  // links must not depend on the network of the machine the tests run on: no LAN unless a test pins one
  const lanAddress = options.lanAddress ?? (() => null);
  return { ...(await buildApp({ config, db: handle, secrets, now: options.now, lanAddress })), config, secrets };
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RunningTestServer extends TestApp {
  url: string;
  /** a socket.io-client connection with this token, resolved once connected and its first snapshot is in; `snapshot()` is what the page shows, patches applied */
  connect<S extends Snapshot = Snapshot>(token: string): Promise<{ socket: ClientSocket; snapshot: () => S; next: () => Promise<S>; onFrame: (listener: (s: S) => void) => () => void }>;
  close(): Promise<void>;
}

/** The app listening on a free loopback port, with helpers to connect real socket.io clients. */
export async function startTestServer(handle: DatabaseHandle, options: { now?: () => number; env?: Record<string, string>; lanAddress?: () => string | null } = {}): Promise<RunningTestServer> {
  const built = await testApp(handle, options);
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = built.app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const sockets: ClientSocket[] = [];
  return {
    ...built,
    url,
    async connect<S extends Snapshot>(token: string) {
      const socket: ClientSocket = connectSocket(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(socket);
      // what the page would show: whole snapshots and the ones rebuilt from patches
      const page = follow<S>(socket);
      let waiters: Array<(s: S) => void> = [];
      page.onFrame((s) => {
        const w = waiters;
        waiters = [];
        for (const resolve of w) resolve(s);
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect_error', reject);
        socket.once('state:snapshot', () => resolve());
      });
      return {
        socket,
        snapshot: () => page.latest(),
        next: () => new Promise<S>((resolve) => waiters.push(resolve)),
        onFrame: page.onFrame,
      };
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await built.app.close();
    },
  };
}
