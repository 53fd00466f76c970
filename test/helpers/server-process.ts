import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { copyPgliteTemplate } from './pglite-template.ts';

/** Starts `tsx server/main.ts` as a child process, the way `npm start` does after building the client. */

export const ROOT = new URL('../../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** everything the process printed on stdout so far */
  output(): string;
  stderr(): string;
  /** resolves with the exit code once the process has ended */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServer(env: Record<string, string>, options: { waitForReady?: boolean; wrapper?: string[] } = {}): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // a fresh embedded data folder starts as a copy of the migrated template (no 5–10 s initdb)
  if (env.DATA_DIR && !env.DATABASE_URL) copyPgliteTemplate(env.DATA_DIR);
  // a wrapper (e.g. strace) runs the server as its child: stopping the wrapper stops the server
  const [command, ...args] = [...(options.wrapper ?? []), process.execPath, '--import', 'tsx', 'server/main.ts'];
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group, so stop() reaches a wrapper's child (the server under strace) too
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server: ServerProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          child.kill(signal);
        }
      }
      return exited;
    },
  };
  if (options.waitForReady ?? true) {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${err}`);
      if (out.includes('Leitai is ready')) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not start within 90 s:\n${out}\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return server;
}
