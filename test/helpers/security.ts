import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { io as connectSocket, Manager } from 'socket.io-client';
import type { Database } from '../../server/db/database.ts';
import type { Snapshot } from '../../server/contracts/snapshots.ts';
import type { AckErrorCode } from '../../server/contracts/vocabulary.ts';
import { EVENT_LIMITS } from '../../server/realtime/event-budget.ts';
import type { ClientSocket } from './app.ts';
import { follow } from './snapshot-follower.ts';

/**
 * Plumbing for the security tests (test/security/): HTTP requests with full control over the
 * path, headers and body; socket connections from chosen loopback addresses; raw Socket.IO frames
 * that no well-behaved client would send; and before/after pictures of the database.
 */

// ---------------------------------------------------------------- acknowledgement codes

/** Every AckErrorCode, spelled out: the compiler fails here when contracts/vocabulary.ts gains or loses one. */
const ACK_CODES: Record<AckErrorCode, true> = {
  invalid_input: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  stale_version: true,
  invalid_transition: true,
  turn_not_open: true,
  already_submitted: true,
  recused: true,
  out_of_range: true,
  submission_conflict: true,
  not_finished: true,
  correction_pending: true,
  db_unavailable: true,
  rate_limited: true,
  voting_closed: true,
  voter_cap: true,
  entry_code: true,
  no_voter: true,
  internal: true,
};
export const ACK_ERROR_CODES = Object.keys(ACK_CODES) as AckErrorCode[];

interface Refusal {
  ok: false;
  error: { code: string; message: string };
}

/** What is wrong with an answer that should be a refusal with one of `codes`, or null when it is one. */
export function refusalProblem(answer: unknown, codes: readonly string[]): string | null {
  const a = answer as { ok?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (!a || typeof a !== 'object') return `not an object: ${preview(answer)}`;
  if (a.ok !== false) return `not a refusal: ${preview(answer)}`;
  if (!a.error || typeof a.error.code !== 'string' || typeof a.error.message !== 'string' || a.error.message === '') {
    return `not {ok:false, error:{code, message}}: ${preview(answer)}`;
  }
  if (!codes.includes(a.error.code)) return `code ${a.error.code} (${a.error.message}) is not one of ${codes.join(', ')}`;
  // a refusal talks to a person: no stack trace, no SQL, no file paths of the server
  if (/\n\s+at |node_modules|\/server\/|\bselect\b.*\bfrom\b|\binsert into\b/i.test(a.error.message)) return `the message leaks internals: ${a.error.message}`;
  return null;
}

export function preview(value: unknown, max = 200): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value, (_k, v: unknown) => (Buffer.isBuffer(v) ? `<Buffer ${v.length} bytes>` : v)) ?? String(value));
  } catch {
    text = `<${typeof value} that JSON cannot write>`;
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

// ---------------------------------------------------------------- addresses

/**
 * A loopback address other than 127.0.0.1. Linux answers all of 127/8 on lo, and the server keys
 * its failed-attempt limits on the client address, so tests that must send many wrong tokens
 * spread them over addresses instead of locking themselves out.
 */
export const loopback = (n: number): string => {
  if (!Number.isInteger(n) || n < 2 || n > 254) throw new Error(`loopback(${n}): use 2 … 254`);
  return `127.0.0.${n}`;
};

// ---------------------------------------------------------------- HTTP

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
  /** the body parsed as JSON, or undefined when it is not JSON */
  json: unknown;
  /** the answer's headers (empty when the connection ended without an answer) */
  headers: http.IncomingHttpHeaders;
}

export interface HttpRequest {
  method: string;
  /** sent exactly as given (already percent-encoded where it needs to be) */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** the local address to send from (default 127.0.0.1) */
  from?: string;
}

const agents = new Map<string, http.Agent>();
function agentFor(from: string): http.Agent {
  let agent = agents.get(from);
  if (!agent) agents.set(from, (agent = new http.Agent({ keepAlive: true, maxSockets: 8, localAddress: from })));
  return agent;
}

/** One HTTP request over a real connection; status -1 when the connection ended without an answer. */
export function httpRequest(baseUrl: string, r: HttpRequest): Promise<HttpAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: HttpAnswer) => {
      if (!settled) {
        settled = true;
        resolve(answer);
      }
    };
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'transfer-encoding')) headers['content-length'] = Buffer.byteLength(r.body);
    const request = http.request(
      { host: url.hostname, port: url.port, method: r.method, path: r.path, headers, agent: agentFor(r.from ?? '127.0.0.1') },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          done({ status: response.statusCode ?? -1, contentType: String(response.headers['content-type'] ?? ''), text, json, headers: response.headers });
        });
        response.on('error', (error) => done({ status: -1, contentType: '', text: String(error), json: undefined, headers: {} }));
      },
    );
    request.on('error', (error) => done({ status: -1, contentType: '', text: String(error), json: undefined, headers: {} }));
    request.setTimeout(15_000, () => request.destroy(new Error('no answer within 15 s')));
    if (r.body !== undefined) request.write(r.body);
    request.end();
  });
}

/** What is wrong with an HTTP answer that should be a 4xx refusal {ok:false, error:{code, message}}, or null. */
export function httpRefusalProblem(answer: HttpAnswer): string | null {
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status}: ${answer.text.slice(0, 200)}`;
  return refusalProblem(answer.json ?? answer.text, HTTP_ERROR_CODES);
}

/** The codes an HTTP refusal may carry (server/errors.ts ErrorCode, minus the ones that mean the server failed). */
const HTTP_ERROR_CODES = [
  'invalid_input',
  'invalid_contest_file',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'stale_version',
  'invalid_transition',
  'turn_not_open',
  'already_submitted',
  'recused',
  'out_of_range',
  'submission_conflict',
  'not_finished',
  'rate_limited',
] as const;

/** Every route the app registered, as "METHOD /path" (HEAD included), read from Fastify's route tree. */
export function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const parent = stack.join('');
    const path = parent === '' ? m[2]! : `${parent.endsWith('/') || /^[/.]/.test(m[2]!) ? parent : `${parent}/`}${m[2]!}`;
    stack.push(depth === 0 ? m[2]! : path.slice(parent.length));
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) routes.push(`${method} ${path}`);
  }
  return routes;
}

// ---------------------------------------------------------------- sockets

export interface Connection<S extends Snapshot = Snapshot> {
  socket: ClientSocket;
  snapshot(): S;
}

/** What a socket joins with: a link's token, or a contest's public watch code (the audience). */
export type Credential = string | { watch: string };

/** A socket.io-client connection with this token (or watch code) from this address, once its first snapshot is in. */
export async function connectAs<S extends Snapshot = Snapshot>(url: string, token: Credential, from?: string): Promise<Connection<S>> {
  const socket: ClientSocket = connectSocket(url, {
    auth: typeof token === 'string' ? { token } : token,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(from ? { localAddress: from } : {}),
  } as Parameters<typeof connectSocket>[1]);
  const page = follow<S>(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no first snapshot within 10 s')), 10_000);
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('state:snapshot', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { socket, snapshot: () => page.latest() };
}

/**
 * A connection for tests that send many events in a row, faster than any person: a fresh one is
 * opened before this one would use up the burst a socket may send (server/realtime/event-budget.ts),
 * so what such a test checks is what each event asks for, never the rate limit
 * (test/security/floods.test.ts checks that).
 */
export class BudgetedConnection<S extends Snapshot = Snapshot> {
  readonly #open: () => Promise<Connection<S>>;
  #current: Connection<S> | null = null;
  #used = 0;

  constructor(url: string, token: Credential, from?: string) {
    this.#open = () => connectAs<S>(url, token, from);
  }

  /** the open connection, with room for `events` more; a new one when it has none, was dropped, or `fresh` */
  async take(events = 1, fresh = false): Promise<Connection<S>> {
    this.#used += events;
    if (this.#current?.socket.connected && !fresh && this.#used <= EVENT_LIMITS.burst - 4) return this.#current;
    this.#current?.socket.disconnect();
    this.#used = events;
    return (this.#current = await this.#open());
  }

  close(): void {
    this.#current?.socket.disconnect();
  }
}

export type Delivery = { kind: 'answered'; answer: unknown } | { kind: 'dropped' } | { kind: 'unanswered' };

/** Emits with an acknowledgement callback and says what came back: the answer, or the connection dropped. */
export async function emitAndWait(socket: ClientSocket, event: string, args: unknown[], timeoutMs = 5000): Promise<Delivery> {
  if (socket.disconnected) return { kind: 'dropped' };
  try {
    const answer = await (socket.timeout(timeoutMs).emitWithAck as (e: string, ...a: unknown[]) => Promise<unknown>)(event, ...args);
    return { kind: 'answered', answer };
  } catch (error) {
    // socket.io-client rejects pending acks with this message when the connection closes
    if (socket.disconnected || /disconnected/.test(String(error))) return { kind: 'dropped' };
    return { kind: 'unanswered' };
  }
}

let rawAckId = 1_000_000;

/**
 * Writes one Socket.IO EVENT packet as raw text (`2<id>[...]`) on the connection's engine, for
 * payloads no JSON.stringify can produce (10 000 levels of nesting) or that no client library would
 * send; `attachments` follow as binary frames. Listens for the ack with that id on the engine.
 */
export function rawEmit(socket: ClientSocket, packetJson: string, options: { attachments?: Buffer[]; declaredAttachments?: number; timeoutMs?: number } = {}): Promise<Delivery> {
  const id = rawAckId++;
  const engine = socket.io.engine;
  if (socket.disconnected || !engine) return Promise.resolve({ kind: 'dropped' });
  return new Promise((resolve) => {
    const prefix = `3${id}[`;
    const finish = (delivery: Delivery) => {
      clearTimeout(timer);
      engine.off('message', onMessage);
      socket.off('disconnect', onDrop);
      resolve(delivery);
    };
    const onMessage = (data: unknown) => {
      if (typeof data === 'string' && data.startsWith(prefix)) finish({ kind: 'answered', answer: (JSON.parse(data.slice(prefix.length - 1)) as unknown[])[0] });
    };
    const onDrop = () => finish({ kind: 'dropped' });
    const timer = setTimeout(() => finish({ kind: 'unanswered' }), options.timeoutMs ?? 5000);
    engine.on('message', onMessage);
    socket.on('disconnect', onDrop);
    const attachments = options.attachments ?? [];
    const declared = options.declaredAttachments ?? attachments.length;
    engine.write(declared > 0 ? `5${declared}-${id}${packetJson}` : `2${id}${packetJson}`);
    for (const a of attachments) engine.write(a);
  });
}

export interface RawHandshake {
  /** the CONNECT_ERROR message, or null when the handshake was accepted */
  refusal: string | null;
  /** sends an EVENT packet on the engine anyway; 'closed' when the server hung up without an answer */
  sendEvent(event: string, payload: unknown): Promise<'closed' | { answer: unknown } | 'silent'>;
  close(): void;
}

/**
 * A Socket.IO handshake done by hand on a bare engine.io connection, so the connection stays open
 * after a refused CONNECT and the test can try to send a command through it anyway.
 */
export async function rawHandshake(url: string, auth: Record<string, unknown> | undefined, from?: string): Promise<RawHandshake> {
  const manager = new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false, ...(from ? { localAddress: from } : {}) } as ConstructorParameters<typeof Manager>[1]);
  await new Promise<void>((resolve, reject) => manager.open((error) => (error ? reject(error) : resolve())));
  const engine = manager.engine;
  const messages: string[] = [];
  let closed = false;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  engine.on('message', (data: unknown) => {
    if (typeof data === 'string') messages.push(data);
    wake();
  });
  engine.on('close', () => {
    closed = true;
    wake();
  });
  const waitFor = async <T>(check: () => T | undefined, timeoutMs: number): Promise<T | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined || Date.now() > deadline) return found;
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
    }
  };

  engine.write(auth === undefined ? '0' : `0${JSON.stringify(auth)}`);
  // the answer is CONNECT ("0{sid}") or CONNECT_ERROR ("4{message}") on the main namespace
  const reply = await waitFor(() => messages.find((m) => m.startsWith('0') || m.startsWith('4')), 5000);
  if (reply === undefined) throw new Error('no answer to the CONNECT packet within 5 s');
  const refusal = reply.startsWith('4') ? String((JSON.parse(reply.slice(1)) as { message?: unknown }).message) : null;

  let id = 0;
  return {
    refusal,
    async sendEvent(event, payload) {
      if (closed) return 'closed';
      const ackPrefix = `3${id}[`;
      engine.write(`2${id++}${JSON.stringify([event, payload])}`);
      const outcome = await waitFor(() => (closed ? 'closed' : messages.find((m) => m.startsWith(ackPrefix))), 2000);
      if (outcome === undefined) return 'silent';
      if (outcome === 'closed') return 'closed';
      return { answer: (JSON.parse(outcome.slice(ackPrefix.length - 1)) as unknown[])[0] };
    },
    close() {
      manager.engine.close();
    },
  };
}

// ---------------------------------------------------------------- the database, before and after

export interface DatabasePicture {
  /** every application table → its row count */
  counts: Record<string, number>;
  contestLive: unknown[];
  scoreSheets: unknown[];
  /** what was done, if anything was: the audit log names the action */
  auditLog: unknown[];
}

/**
 * Row counts of every table, and the whole of contest_live, score_sheets and audit_log.
 * `exceptContests`: leave out every row that belongs to these contests (contests a test changed
 * or made on purpose), so the picture shows whether anything else changed.
 */
export async function databasePicture(db: Kysely<Database>, options: { exceptContests?: readonly string[] } = {}): Promise<DatabasePicture> {
  const except = options.exceptContests ?? [];
  const tables = (await db.introspection.getTables()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const column = table.name === 'contests' ? 'id' : table.columns.some((c) => c.name === 'contest_id') ? 'contest_id' : null;
    // a row that belongs to no contest (audit_log.contest_id may be null) is always in the picture
    const outside = except.length > 0 && column ? sql` where ${sql.ref(column)} is null or ${sql.ref(column)} not in (${sql.join(except)})` : sql``;
    const { rows } = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(table.name)}${outside}`.execute(db);
    counts[table.name] = Number(rows[0]!.n);
  }
  const rowsOf = async (table: 'contest_live' | 'score_sheets' | 'audit_log', order: 'contest_id' | 'id') => {
    const query = db.selectFrom(table).selectAll().orderBy(order);
    return (except.length > 0 ? query.where((eb) => eb.or([eb('contest_id', 'is', null), eb('contest_id', 'not in', except)])) : query).execute();
  };
  return {
    counts,
    contestLive: await rowsOf('contest_live', 'contest_id'),
    scoreSheets: await rowsOf('score_sheets', 'id'),
    auditLog: await rowsOf('audit_log', 'id'),
  };
}

const contestTables = new WeakMap<Kysely<Database>, Promise<Array<{ table: string; column: string }>>>();

/** Every row that belongs to one contest, table by table, in a stable order. */
export async function contestRows(db: Kysely<Database>, contestId: string): Promise<Record<string, string[]>> {
  let tables = contestTables.get(db);
  if (!tables) {
    tables = db.introspection.getTables().then((all) =>
      all.flatMap((t) => (t.name === 'contests' ? [{ table: t.name, column: 'id' }] : t.columns.some((c) => c.name === 'contest_id') ? [{ table: t.name, column: 'contest_id' }] : [])),
    );
    contestTables.set(db, tables);
  }
  const rows: Record<string, string[]> = {};
  for (const { table, column } of await tables) {
    const { rows: found } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where ${sql.ref(column)} = ${contestId}`.execute(db);
    rows[table] = found.map((r) => JSON.stringify(r)).sort();
  }
  return rows;
}
