/**
 * The one harness both servers are driven by: child processes, real socket.io-client connections,
 * an open-loop burst timed on one monotonic clock (performance.now) into HDR histograms.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { io, type Socket } from 'socket.io-client';
import { freePort } from '../test/helpers/server-process.ts';

export const ROOT = new URL('../', import.meta.url).pathname;

/** what bench/loop-monitor.ts reports of a server process */
export interface ServerMetrics {
  rss: number;
  /** event-loop delay since the last report, ms */
  loopP99Ms: number;
  loopMaxMs: number;
}

export interface ChildServer {
  url: string;
  pid: number;
  /** what the process printed so far (stdout and stderr) */
  output(): string;
  /** its RSS now and its event-loop delay since the last call */
  metrics(): Promise<ServerMetrics>;
  stop(): Promise<void>;
}

/** Runs `node [nodeArgs] --import tsx <script>` until it prints a line with "is ready". */
export async function startChild(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', '--import', `${ROOT}bench/loop-monitor.ts`, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  while (!out.includes('is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => out,
    async metrics() {
      const from = out.length;
      child.kill('SIGUSR2');
      const deadline = Date.now() + 30_000;
      for (;;) {
        const line = /bench-metrics (\{.*\})\n/.exec(out.slice(from));
        if (line) return JSON.parse(line[1]!) as ServerMetrics;
        if (Date.now() > deadline) throw new Error(`${script} did not report its metrics`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); 0 when it is gone or
 * unreadable. What the climb reports of the server and of the database's backends.
 */
export function cpuMsOf(pid: number): number {
  try {
    // fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100 a second)
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** A connection and the (version, arrival) of every snapshot or patch it received. */
export interface Client {
  socket: Socket;
  arrivals: Array<[version: number, at: number]>;
}

function connectOne(url: string, auth: Record<string, unknown>, record: boolean): Promise<Client> {
  const socket = io(url, { auth, transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000 });
  const client: Client = { socket, arrivals: [] };
  if (record) {
    // the audience's updates after the first are patches (docs/protocol.md §3), which carry the version too
    for (const event of ['state:snapshot', 'state:patch']) socket.on(event, (s: { version: number }) => client.arrivals.push([s.version, performance.now()]));
  }
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(new Error(`connect ${JSON.stringify(auth)}: ${error.message}`));
    });
  });
}

/** Opens one connection per auth, `parallel` handshakes at a time (a hall's phones do not all arrive in the same millisecond). */
export async function connectAll(url: string, auths: Array<Record<string, unknown>>, record: boolean, parallel = 50): Promise<Client[]> {
  const clients: Client[] = new Array(auths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, auths.length) }, async () => {
      while (next < auths.length) {
        const i = next++;
        clients[i] = await connectOne(url, auths[i]!, record).catch(async (error: Error) => {
          // a loaded server may answer a handshake db_unavailable (its pool busy): a phone tries again, once
          await new Promise((r) => setTimeout(r, 1000));
          return connectOne(url, auths[i]!, record).catch(() => Promise.reject(error));
        });
      }
    }),
  );
  return clients;
}

export function closeAll(clients: Client[]): void {
  for (const c of clients) c.socket.disconnect();
}

/** Microseconds, up to an hour, 3 significant digits. */
export const newHistogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

export interface BurstResult {
  ack: hdr.Histogram;
  display: hdr.Histogram;
  audience: hdr.Histogram;
  /** sheets refused or unanswered within 30 s, and (submit, watcher) pairs never updated */
  failed: number;
  missed: number;
}

export interface Burst {
  judges: Array<{ client: Client; payload: () => Record<string, unknown> }>;
  displays: Client[];
  audience: Client[];
  windowMs: number;
}

/**
 * Open loop: judge i sends at t0 + (i + ½)·window/N whatever happened to the sheets before it, and
 * every latency is measured from that scheduled time, not from when the timer fired: a harness or
 * server that falls behind is counted, not hidden (no coordinated omission).
 */
export async function runBurst({ judges, displays, audience, windowMs }: Burst): Promise<BurstResult> {
  for (const c of [...displays, ...audience]) c.arrivals.length = 0;
  const t0 = performance.now() + 20;
  const sent: Array<{ scheduled: number; ackAt: number; version: number }> = [];
  let failed = 0;
  await Promise.all(
    judges.map(({ client, payload }, i) => {
      const scheduled = t0 + ((i + 0.5) * windowMs) / judges.length;
      return new Promise<void>((resolve) => {
        setTimeout(() => {
          client.socket
            .timeout(30_000)
            .emitWithAck('sheet:submit', payload())
            .then((answer: { ok: boolean; version?: number; error?: { code: string } }) => {
              if (answer.ok) sent.push({ scheduled, ackAt: performance.now(), version: answer.version! });
              else failed++;
            })
            .catch(() => failed++)
            .finally(resolve);
        }, Math.max(0, Math.ceil(scheduled - performance.now()))); // Node truncates a timer's delay to whole ms: never send early
      });
    }),
  );
  const last = Math.max(0, ...sent.map((s) => s.version));
  const settled = performance.now() + 10_000;
  const behind = () => [...displays, ...audience].some((c) => (c.arrivals.at(-1)?.[0] ?? -1) < last);
  while (behind() && performance.now() < settled) await new Promise((r) => setTimeout(r, 20));

  const ack = newHistogram();
  for (const s of sent) ack.recordValue(Math.max(1, Math.round((s.ackAt - s.scheduled) * 1000)));
  let missed = 0;
  const updates = (watchers: Client[]): hdr.Histogram => {
    const histogram = newHistogram();
    for (const w of watchers) {
      for (const s of sent) {
        const update = w.arrivals.find(([version]) => version >= s.version);
        if (update) histogram.recordValue(Math.max(1, Math.round((update[1] - s.scheduled) * 1000)));
        else missed++;
      }
    }
    return histogram;
  };
  return { ack, display: updates(displays), audience: updates(audience), failed, missed };
}

export interface Figures {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** In milliseconds. */
export function figures(histogram: hdr.Histogram): Figures {
  const ms = (us: number) => Math.round(us / 10) / 100;
  // a percentile is its bucket's highest equivalent value, which can lie a hair above the recorded maximum
  const at = (q: number) => ms(Math.min(histogram.getValueAtPercentile(q), histogram.maxValue));
  return { n: histogram.totalCount, p50: at(50), p99: at(99), max: ms(histogram.maxValue) };
}
