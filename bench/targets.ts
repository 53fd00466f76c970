/**
 * The two servers under test and how a venue is set up on each: Leitai (a contest created over the
 * admin API, a host console opening each turn) and the bare baseline (nothing to set up).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { HostSnapshot } from '../server/contracts/snapshots.ts';
import { PROTOCOL_VERSION } from '../server/contracts/vocabulary.ts';
import { applyPatch } from '../server/domain/state-patch.ts';
import { buildPgliteTemplate, copyPgliteTemplate } from '../test/helpers/pglite-template.ts';
import { closeAll, connectAll, cpuMsOf, startChild, type ChildServer, type Client, type ServerMetrics } from './harness.ts';

export type TargetName = 'baseline' | 'leitai';

/** pglite: a fresh data folder per server; postgres: a fresh database per server on this server (URL of any database there). */
export type DatabaseChoice = { kind: 'pglite' } | { kind: 'postgres'; url: string };

export interface Venue {
  judges: Array<{ auth: Record<string, unknown> }>;
  display: Record<string, unknown>;
  audience: Record<string, unknown>;
  /** opens scoring on the next presenter (Leitai; the baseline has no turns) and says which */
  nextTurn(): Promise<string>;
  /** how many more turns nextTurn can open (Infinity on the baseline) */
  turnsLeft(): number;
  close(): void;
}

export interface Target {
  name: TargetName;
  url: string;
  /** a contest with this many judges and turns presenters; a sheet's items for it */
  venue(judges: number, turns: number): Promise<Venue>;
  items: Record<string, string>;
  /** the server process's RSS and event-loop delay since the last call (bench/loop-monitor.ts) */
  metrics(): Promise<ServerMetrics>;
  /**
   * Leitai on Postgres: one more process on the same database, joined to this one through the
   * cluster (server/realtime/cluster.ts) as docs/deploy.md runs them; null where there is none
   * (the baseline keeps nothing to share, PGlite's folder takes one process)
   */
  peer: (() => Promise<Peer>) | null;
  /** CPU ms used so far by the server process and (on Postgres) by its database's backends now connected (null on PGlite, which runs inside the server) */
  cpuMs(): Promise<{ server: number; database: number | null }>;
  stop(): Promise<void>;
}

/** another process serving the same database as a target */
export type Peer = Pick<Target, 'url' | 'metrics' | 'stop'>;

const ADMIN_TOKEN = `bench-admin-${randomBytes(9).toString('base64url')}`;
const ITEMS = { content: '50', delivery: '30.5' };

interface FreshDatabase {
  env: Record<string, string>;
  /** the pids of its Postgres backends now (none on PGlite) */
  backends(): Promise<number[]>;
  drop(): Promise<void>;
}

async function freshDatabase(choice: DatabaseChoice, name: TargetName): Promise<FreshDatabase> {
  if (choice.kind === 'pglite') {
    buildPgliteTemplate();
    const dir = mkdtempSync(join(tmpdir(), `leitai-bench-${name}-`));
    // both start from the same migrated folder: no initdb, and the same data files underneath
    copyPgliteTemplate(dir);
    return { env: { DATA_DIR: dir }, backends: async () => [], drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  // the process id in the name: two benches on one Postgres (several worktrees on one machine) must not drop each other's database
  const database = `leitai_bench_${name}_${process.pid}`;
  const admin = async (statement: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: choice.url });
    await client.connect();
    try {
      return (await client.query(statement, values)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists ${database} with (force)`);
  await admin(`create database ${database}`);
  const url = new URL(choice.url);
  url.pathname = `/${database}`;
  return {
    env: { DATABASE_URL: url.toString() },
    backends: async () => (await admin('select pid from pg_stat_activity where datname = $1', [database])).map((r) => Number(r.pid)),
    drop: async () => void (await admin(`drop database if exists ${database} with (force)`)),
  };
}

export async function startTarget(name: TargetName, database: DatabaseChoice, nodeArgs: string[] = []): Promise<Target> {
  const db = await freshDatabase(database, name);
  const script = name === 'leitai' ? 'server/main.ts' : 'bench/baseline-server.ts';
  // CLUSTER=0 npm run bench: Leitai without the cluster's adapter, to see what it costs
  const env = { ...db.env, ADMIN_TOKEN, LOAD_DEMO: 'false', ...(process.env.CLUSTER ? { CLUSTER: process.env.CLUSTER } : {}) };
  const child = await startChild(script, env, nodeArgs);
  const peers: ChildServer[] = [];
  const stop = async () => {
    for (const p of peers) await p.stop();
    await child.stop();
    await db.drop();
  };
  const peer = async (): Promise<Peer> => {
    const started = await startChild(script, env, nodeArgs);
    peers.push(started);
    return { url: started.url, metrics: () => started.metrics(), stop: () => started.stop() };
  };
  const cpuMs = async () => ({
    server: cpuMsOf(child.pid),
    database: database.kind === 'pglite' ? null : (await db.backends()).reduce((sum, pid) => sum + cpuMsOf(pid), 0),
  });
  return {
    name,
    url: child.url,
    items: ITEMS,
    metrics: () => child.metrics(),
    cpuMs,
    venue: name === 'leitai' ? (j, t) => leitaiVenue(child, j, t) : async (j) => baselineVenue(j),
    peer: name === 'leitai' && database.kind === 'postgres' ? peer : null,
    stop,
  };
}

function baselineVenue(judges: number): Venue {
  return {
    judges: Array.from({ length: judges }, (_, i) => ({ auth: { token: `judge-j${i}`, protocol: 1 } })),
    display: { token: 'display-token', protocol: 1 },
    audience: { watch: 'bench01', protocol: 1 },
    nextTurn: async () => `p${randomBytes(4).toString('hex')}`,
    turnsLeft: () => Infinity,
    close: () => {},
  };
}

/** One panel of `judges`, one presenter per turn, two criteria. */
function contestFile(judges: number, turns: number): unknown {
  return {
    format: 'leitai/contest@1',
    title: `基准测试 ${judges} 位评委`,
    rules: {
      criteria: [
        { key: 'content', name: '内容', max: 60, step: 0.5 },
        { key: 'delivery', name: '表达', max: 40, step: 0.5 },
      ],
      panels: [{ key: 'main', name: '评委', weight: 1, dropHighest: 1, dropLowest: 1 }],
      decimals: 2,
      tieBreak: [],
      timeLimitSeconds: 300,
      awards: [{ name: '一等奖', count: 1 }],
    },
    presenters: Array.from({ length: turns }, (_, i) => ({ key: `p${i}`, name: `选手${i}`, unit: '单位', topic: '题目', order: i + 1 })),
    judges: Array.from({ length: judges }, (_, i) => ({ key: `j${i}`, name: `评委${i}`, panel: 'main' })),
  };
}

const tokenOf = (link: string): string => new URLSearchParams(new URL(link).hash.slice(1)).get('token')!;

async function leitaiVenue(server: ChildServer, judges: number, turns: number): Promise<Venue> {
  const response = await fetch(`${server.url}/api/contests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(contestFile(judges, turns)),
  });
  if (response.status !== 201) throw new Error(`POST /api/contests answered ${response.status}: ${await response.text()}`);
  const contest = (await response.json()) as { hostUrl: string; displayUrl: string; watchUrl: string; judges: Array<{ url: string }> };
  const [host] = (await connectAll(server.url, [{ token: tokenOf(contest.hostUrl), protocol: PROTOCOL_VERSION }], false)) as [Client];
  let snapshot: Pick<HostSnapshot, 'version' | 'turnsVersion'> = { version: -1, turnsVersion: -1 };
  let held: HostSnapshot | null = null;
  const waiting = new Set<() => void>();
  host.socket.on('state:snapshot', (s: HostSnapshot) => {
    if (s.version >= snapshot.version) snapshot = held = s;
    for (const check of waiting) check();
  });
  // after the first snapshot the console gets patches (docs/protocol.md §4); this one never misses one
  host.socket.on('state:patch', (patch) => {
    const step = applyPatch(held, patch);
    if (step.kind === 'apply') snapshot = held = step.snapshot;
    for (const check of waiting) check();
  });
  // as the console does: acts the moment its snapshot shows what it waits for (no polling delay in the figures)
  const seen = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!done()) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
    });
  const hostDo = async (event: string, presenter: string): Promise<void> => {
    await seen(() => snapshot.version >= 0);
    const turnsVersion = snapshot.turnsVersion;
    const answer = (await host.socket
      .timeout(30_000)
      .emitWithAck(event, { presenter, turnsVersion })
      .catch((error: Error) => {
        throw new Error(`host ${event} ${presenter}: ${error.message} (connected: ${host.socket.connected})\n${server.output().slice(-2000)}`);
      })) as { ok: boolean; version: number; error?: { code: string } };
    // the sheet that closed the last turn moved turnsVersion, and its ack can come before the
    // host's update saying so: send again the moment that update arrives, as the console would
    // (a fixed 20 ms pause here put 40–60 ms of the harness's own into every turn change)
    if (!answer.ok && answer.error?.code === 'stale_version') {
      await seen(() => snapshot.turnsVersion !== turnsVersion);
      return hostDo(event, presenter);
    }
    if (!answer.ok) throw new Error(`${event} refused: ${answer.error?.code}`);
    await seen(() => snapshot.version >= answer.version);
  };
  let turn = 0;
  return {
    judges: contest.judges.map((j) => ({ auth: { token: tokenOf(j.url), protocol: PROTOCOL_VERSION } })),
    display: { token: tokenOf(contest.displayUrl), protocol: PROTOCOL_VERSION },
    audience: { watch: new URL(contest.watchUrl).pathname.split('/').at(-1)!, protocol: PROTOCOL_VERSION },
    turnsLeft: () => turns - turn,
    async nextTurn() {
      // as the console: the next turn is offered once the update that the last sheet closed this
      // one has arrived (sending before it is refused stale_version, a round trip the console
      // never makes)
      const previous = `p${turn - 1}`;
      // (a turn a failed sheet left open is never closed: after a while the start is sent anyway, and refused)
      await Promise.race([seen(() => held === null || held.turns.find((t) => t.presenter === previous)?.phase !== 'scoring'), new Promise((r) => setTimeout(r, 5000))]);
      const presenter = `p${turn++}`;
      await hostDo('turn:start', presenter);
      await hostDo('turn:open-scoring', presenter);
      return presenter;
    },
    close: () => closeAll([host]),
  };
}
