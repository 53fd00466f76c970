import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/postgres-adapter';
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../contracts/socket.ts';
import type { Database } from '../db/database.ts';
import { listLiveVersions } from '../db/live-state.repository.ts';
import type { AudienceVotes } from '../services/audience-votes.service.ts';
import type { ChangeOrigin, LiveContests } from '../services/live-contests.service.ts';
import type { JudgePresences, PresenceReport } from './presence.ts';

type Io = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** how often the stored versions are compared with memory, for news a process missed */
const GAP_CHECK_MS = 2_000;

/** at most one "votes stored" message per contest this often: the other processes' counts are this late, and read the database at most this often per sending process */
const VOTES_NEWS_MS = 250;

/** how often each process reports its judges' phones; three missed reports and it counts as gone */
const PRESENCE_REPORT_MS = 5_000;

/** The adapter's pool: the LISTEN connection it holds for good, and one or two for its NOTIFYs and clean-up. */
const CLUSTER_POOL_SIZE = 3;

/** what pg_stat_activity shows for the adapter's connections */
const CLUSTER_APPLICATION_NAME = 'leitai-cluster';

export interface ClusterOptions {
  /** the app's database: the check for missed news reads through it */
  db: Kysely<Database>;
  databaseUrl: string;
  /** DATABASE_TIMEOUT_MS: the adapter's statements and connections get the same time-outs as the app's */
  timeoutMs: number;
  /** the audience votes: this process's are announced to the others, theirs read from the database */
  votes: AudienceVotes;
  /** the judges' phones: this process's own are reported to the others, theirs are merged in */
  presence: JudgePresences;
  /** the host consoles of a contest are to be sent a new snapshot (another process's phones came or went) */
  hostsChanged: (contestId: string) => void;
  /** another process reissued this contest's watch code: the old one must stop opening it here too */
  watchCodeRevoked: (contestId: string) => void;
  warn: (detail: object, message: string) => void;
  info: (message: string) => void;
}

export interface Cluster {
  /** tells the other processes that this contest's watch code was reissued (and that committed) */
  watchCodeRevoked(contestId: string): void;
  close(): Promise<void>;
}

/** what the cluster log says of how contests were caught up with other processes' changes */
type CatchUps = ReturnType<LiveContests['catchUps']>;
const catchUpsText = ({ changes, changeQueries, whole }: CatchUps) =>
  `caught up ${changes} times by reading the changes (${changeQueries} queries, ${changes > 0 ? (changeQueries / changes).toFixed(1) : '0'} a time), ${whole} times by loading the contest whole`;

/**
 * Several server processes on one Postgres, behind a load balancer. Each process keeps the
 * contests its own sockets use in memory, decides commands on them, and sends its own sockets
 * their snapshots (the broadcaster emits locally). Between processes only one small message goes
 * per change, through @socket.io/postgres-adapter (LISTEN/NOTIFY): "contest X is at version v"
 * (server-side emit `contest:changed`); a process holding X reads from the database what changed
 * (the live state, the sheets after the last it holds: live-contests.service.ts) and sends its own
 * pages the new picture. An admin edit's news carries no version: the contest is loaded whole.
 * Audience votes move no version: a process that stored some says so (`contest:votes`, at most
 * every VOTES_NEWS_MS per contest) and the others read the open turns' counted votes. That costs one NOTIFY per change (coalesced per tick), not one per
 * room (200 judges' rooms) nor thousands of audience snapshots through the database.
 *
 * Commands on one contest are serialised across processes by the row lock each command's
 * transaction takes (live-state.repository.ts lockLiveState); a process whose memory is behind
 * finds the stored version moved and decides again on a reload (live-contests.service.ts).
 *
 * NOTIFY is not replayed: what was sent while a process's LISTEN connection was down (Postgres
 * restarted, the backend was terminated, the network cut) never arrives. So every GAP_CHECK_MS the
 * stored versions are compared with memory, and when the adapter opens its LISTEN connection again
 * every contest held is reloaded (an admin edit changes no version).
 */
export function joinCluster(io: Io, live: LiveContests, { db, databaseUrl, timeoutMs, votes, presence, hostsChanged, watchCodeRevoked, warn, info }: ClusterOptions): Cluster {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: CLUSTER_POOL_SIZE,
    application_name: CLUSTER_APPLICATION_NAME,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1_000,
    // the LISTEN connection is idle for good: a peer that vanished without a word is found out
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  const report = (error: Error) => warn({ err: error }, 'cluster (Postgres adapter) connection error');
  // as in db/connection.ts: every client gets an error listener the moment the pool makes it
  pool.on('connect', (client) => client.on('error', report));
  pool.on('error', () => undefined);

  let listens = 0;
  const adapterPool = {
    query: pool.query.bind(pool),
    /**
     * The adapter takes one client for LISTEN and keeps it. When that connection ends it drops the
     * client without releasing it, and pg's pool would count it for good (three such ends and the
     * pool is full): released here, with the error that removes it from the pool. Every connect
     * after the first is a new LISTEN connection: news may have been missed meanwhile.
     */
    async connect() {
      const client = await pool.connect();
      client.once('end', () => {
        try {
          client.release(new Error('the LISTEN connection ended'));
        } catch {
          // released already (the adapter closed it)
        }
      });
      if (listens++ > 0) setTimeout(() => void reloadAll(), 1_000).unref();
      return client;
    },
  } as unknown as pg.Pool;
  io.adapter(createAdapter(adapterPool, { errorHandler: report, tableName: 'socket_io_attachments' }));

  // ---- out: one message per contest per tick, with its newest version (null: its definition changed)
  const outgoing = new Map<string, 'state' | 'definition'>();
  live.onChange((contestId: string, origin: ChangeOrigin) => {
    if (origin === 'elsewhere') return;
    const kind = origin === 'definition' ? 'definition' : 'state';
    if (outgoing.get(contestId) === 'definition') return;
    const first = outgoing.size === 0;
    outgoing.set(contestId, kind);
    if (first) setImmediate(() => void publish());
  });
  async function publish(): Promise<void> {
    const batch = [...outgoing];
    outgoing.clear();
    // Alone (the adapter counts the other processes by their heartbeats), nobody needs a command's
    // news: each is a NOTIFY that Postgres hands back to this process's own LISTEN connection, and
    // with one process on Postgres (most venues) that was a quarter to a third of the server's CPU
    // at 160–320 sheets a second (bench, CLUSTER=0 against this). A process that starts announces
    // itself at once (the adapter's first heartbeat); a change made before this one heard of it is
    // found by the new one's check for missed news (GAP_CHECK_MS), which reads the changes. A
    // definition's news is always sent: that check reads states and sheets, not definitions.
    const alone = (await io.of('/').adapter.serverCount()) <= 1;
    for (const [contestId, kind] of batch) {
      if (alone && kind === 'state') continue;
      const version = kind === 'definition' ? null : await live.view(contestId).then((v) => v.state.version, () => null);
      io.serverSideEmit('contest:changed', contestId, version);
    }
  }

  // ---- in
  io.on('contest:changed', (contestId: unknown, version: unknown) => {
    if (typeof contestId !== 'string' || (version !== null && !Number.isInteger(version))) return;
    live.changedElsewhere(contestId, version as number | null);
  });

  // ---- audience votes: out at most every VOTES_NEWS_MS per contest, in as a read of the counts
  const votesNews = new Map<string, NodeJS.Timeout>();
  votes.onChange((contestId, origin) => {
    if (origin !== 'here' || votesNews.has(contestId)) return;
    const timer = setTimeout(() => {
      votesNews.delete(contestId);
      io.serverSideEmit('contest:votes', contestId);
    }, VOTES_NEWS_MS);
    timer.unref();
    votesNews.set(contestId, timer);
  });
  io.on('contest:votes', (contestId: unknown) => {
    if (typeof contestId === 'string') votes.changedElsewhere(contestId);
  });

  // ---- a reissued watch code: each process forgets the old one and closes its phones watching with it
  // (auth/watch-code-cache.ts; when this news is lost, its time-out is the bound)
  io.on('watch:revoked', (contestId: unknown) => {
    if (typeof contestId === 'string') watchCodeRevoked(contestId);
  });

  // ---- judges' phones: on each change here (per tick), and every PRESENCE_REPORT_MS all of them
  const processId = randomBytes(8).toString('hex');
  const presenceChanged = new Set<string>();
  presence.onLocalChange((contestId) => {
    if (presenceChanged.size === 0) {
      setImmediate(() => {
        const contestIds = [...presenceChanged];
        presenceChanged.clear();
        reportPresence(contestIds);
      });
    }
    presenceChanged.add(contestId);
  });
  function reportPresence(contestIds: string[]): void {
    if (contestIds.length === 0) return;
    io.serverSideEmit('judges:presence', processId, Object.fromEntries(contestIds.map((id) => [id, presence.local(id)])));
  }
  io.on('judges:presence', (from: unknown, reports: unknown) => {
    if (typeof from !== 'string' || typeof reports !== 'object' || reports === null) return;
    for (const [contestId, judges] of Object.entries(reports as Record<string, PresenceReport>)) {
      if (presence.remote(from, contestId, judges)) hostsChanged(contestId);
    }
  });
  const presenceTimer = setInterval(() => {
    reportPresence(presence.localContests());
    for (const contestId of presence.expire(3 * PRESENCE_REPORT_MS)) hostsChanged(contestId);
  }, PRESENCE_REPORT_MS);
  presenceTimer.unref();

  // ---- missed news
  async function checkVersions(): Promise<void> {
    try {
      for (const [contestId, version] of await listLiveVersions(db)) live.changedElsewhere(contestId, version);
    } catch (error) {
      warn({ err: error }, 'cluster: could not compare the stored versions (will try again)');
    }
  }
  async function reloadAll(): Promise<void> {
    try {
      for (const contestId of (await listLiveVersions(db)).keys()) live.changedElsewhere(contestId, null);
    } catch (error) {
      warn({ err: error }, 'cluster: could not reload the contests after the LISTEN connection came back');
    }
  }
  const gapTimer = setInterval(() => void checkVersions(), GAP_CHECK_MS);
  gapTimer.unref();

  // ---- what catching up costs, in the log once a minute when it moved
  let logged = live.catchUps();
  const logCatchUps = () => {
    const now = live.catchUps();
    if (now.changes !== logged.changes || now.whole !== logged.whole) info(`cluster: ${catchUpsText(now)} since the start`);
    logged = now;
  };
  const catchUpsTimer = setInterval(logCatchUps, 60_000);
  catchUpsTimer.unref();

  return {
    watchCodeRevoked(contestId) {
      io.serverSideEmit('watch:revoked', contestId);
    },
    async close() {
      clearInterval(gapTimer);
      clearInterval(presenceTimer);
      clearInterval(catchUpsTimer);
      for (const timer of votesNews.values()) clearTimeout(timer);
      logCatchUps();
      // tells the other processes this one is gone, then ends the LISTEN connection
      io.of('/').adapter.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await pool.end().catch(() => undefined);
    },
  };
}
