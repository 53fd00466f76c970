import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the server and Postgres, for fault tests. It reads the client's side of the
 * wire protocol just far enough to see each query's text, so a test can make a fault happen at an
 * exact point of a transaction (the first query whose text matches a pattern):
 *
 * - `cut`: the connection is cut before the query reaches Postgres;
 * - `lose-reply`: the query reaches Postgres and runs (for a COMMIT: the transaction is stored),
 *   then its reply is thrown away and the connection cut, so the client never learns the outcome;
 * - `freeze`: from this query on nothing moves, in either direction, on any connection, new ones
 *   included, until `thaw()`; connections stay open, as in a network partition.
 *
 * Only this test's database goes through it; Postgres itself is never touched.
 */

export type Fault = 'cut' | 'lose-reply' | 'freeze';

interface Rule {
  pattern: RegExp;
  fault: Fault;
  /** matching queries still to let through before this one fires */
  skip: number;
  fired: () => void;
}

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

export class PgProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<Pair>();
  #rules: Rule[] = [];
  #frozen = false;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
    server.on('connection', (client) => this.#pairs.add(new Pair(this, client, connect(target.port, target.host))));
  }

  /** A proxy on a free loopback port in front of the Postgres of `databaseUrl`. */
  static async start(databaseUrl: string): Promise<PgProxy> {
    const url = new URL(databaseUrl);
    const server = createServer({ noDelay: true });
    const proxy = new PgProxy(server, { host: url.hostname, port: Number(url.port || 5432) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** `databaseUrl` pointed at this proxy instead of at Postgres. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String((this.#server.address() as { port: number }).port);
    return url.toString();
  }

  /** Arms a fault for the next query matching `pattern` (or the one after `skip` more); resolves once it has happened. */
  fault(fault: Fault, pattern: RegExp, skip = 0): Promise<void> {
    return new Promise((fired) => this.#rules.push({ pattern, fault, skip, fired }));
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  freeze(): void {
    this.#frozen = true;
  }

  /** Lets everything held since the freeze through, in order, and traffic flow again. */
  thaw(): void {
    this.#frozen = false;
    for (const pair of this.#pairs) pair.flush();
  }

  /** Cuts every open connection at once. */
  cutAll(): void {
    for (const pair of this.#pairs) pair.cut();
  }

  /** how many connections are open through the proxy */
  get connections(): number {
    return this.#pairs.size;
  }

  async close(): Promise<void> {
    this.#rules = [];
    this.thaw();
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** @internal the first armed rule matching this query text, removed once taken */
  takeRule(text: string): Rule | undefined {
    let taken: Rule | undefined;
    for (const rule of this.#rules) {
      if (!rule.pattern.test(text)) continue;
      if (rule.skip > 0) rule.skip--;
      else taken ??= rule;
    }
    if (taken) this.#rules.splice(this.#rules.indexOf(taken), 1);
    return taken;
  }

  /** @internal */
  forget(pair: Pair): void {
    this.#pairs.delete(pair);
  }
}

/** One client connection and its own connection to Postgres. */
class Pair {
  readonly #proxy: PgProxy;
  readonly #client: Socket;
  readonly #upstream: Socket;
  /** client bytes not yet parsed into whole messages */
  #partial = Buffer.alloc(0);
  /** the startup message (the only one without a type byte) has gone by */
  #started = false;
  /** what happened during a freeze, in order: bytes with where they were going, or a side closing */
  readonly #held: Array<{ to: Socket; data: Buffer } | 'closed'> = [];
  /** a lose-reply fault fired: whatever Postgres answers next is dropped and the connection cut */
  #losingReply = false;
  #closed = false;

  constructor(proxy: PgProxy, client: Socket, upstream: Socket) {
    this.#proxy = proxy;
    this.#client = client;
    this.#upstream = upstream;
    upstream.setNoDelay(true);
    client.on('data', (data) => this.#fromClient(data));
    upstream.on('data', (data) => this.#fromPostgres(data));
    // a side that closes during a freeze is, like its bytes, seen by the other side only at the thaw
    const closed = () => (proxy.frozen ? this.#held.push('closed') : this.cut());
    for (const socket of [client, upstream]) {
      socket.on('error', closed);
      socket.on('close', closed);
    }
  }

  #fromClient(data: Buffer): void {
    this.#partial = Buffer.concat([this.#partial, data]);
    for (;;) {
      const message = this.#nextMessage();
      if (!message) return;
      this.#forwardClientMessage(message);
      if (this.#closed) return;
    }
  }

  /** The next whole message from the client, or null until more bytes arrive. */
  #nextMessage(): { bytes: Buffer; text: string | null } | null {
    const buf = this.#partial;
    let length: number;
    if (!this.#started) {
      if (buf.length < 8) return null;
      length = buf.readInt32BE(0);
      const code = buf.readInt32BE(4);
      if (code !== SSL_REQUEST && code !== CANCEL_REQUEST) this.#started = true;
    } else {
      if (buf.length < 5) return null;
      length = 1 + buf.readInt32BE(1);
    }
    if (buf.length < length) return null;
    const bytes = buf.subarray(0, length);
    this.#partial = buf.subarray(length);
    return { bytes, text: this.#started ? queryText(bytes) : null };
  }

  #forwardClientMessage(message: { bytes: Buffer; text: string | null }): void {
    const rule = message.text !== null && !this.#proxy.frozen ? this.#proxy.takeRule(message.text) : undefined;
    if (rule?.fault === 'cut') {
      this.cut();
      rule.fired();
      return;
    }
    if (rule?.fault === 'freeze') this.#proxy.freeze();
    if (rule?.fault === 'lose-reply') this.#losingReply = true;
    this.#send(this.#upstream, message.bytes);
    rule?.fired();
  }

  #fromPostgres(data: Buffer): void {
    if (this.#losingReply && !this.#proxy.frozen) {
      // Postgres has answered, so it has run the query; the client never hears of it
      this.cut();
      return;
    }
    this.#send(this.#client, data);
  }

  #send(to: Socket, data: Buffer): void {
    if (this.#proxy.frozen) this.#held.push({ to, data: Buffer.from(data) });
    else if (!this.#closed) to.write(data);
  }

  flush(): void {
    for (const held of this.#held.splice(0)) {
      if (held === 'closed') this.cut();
      else if (held.to === this.#client) this.#fromPostgres(held.data);
      else if (!this.#closed) held.to.write(held.data);
    }
  }

  cut(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
    this.#upstream.destroy();
    this.#proxy.forget(this);
  }
}

/** The SQL text of a simple query ('Q') or of a statement being prepared ('P'); null for other messages. */
function queryText(message: Buffer): string | null {
  const type = String.fromCharCode(message[0]!);
  if (type === 'Q') return cString(message, 5);
  if (type === 'P') {
    const nameEnd = message.indexOf(0, 5);
    return nameEnd < 0 ? null : cString(message, nameEnd + 1);
  }
  return null;
}

function cString(buf: Buffer, start: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 ? buf.length : end);
}
