import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keeps connections that hold a file without doing anything from crowding out the ones that do.
 *
 * A connection is "waiting" while it is not serving a request and not an authenticated live
 * socket: from its TCP accept until its first request is complete (half-open), between keep-alive
 * requests (idle), and after a WebSocket upgrade until Socket.IO has accepted its handshake. When
 * one address holds more than `waitingPerAddress` waiting connections, its oldest is closed (a
 * half-open one first: one that never completed a request); when all addresses together hold more
 * than `waitingTotal`, the same over all of them. A connection serving a request (a long poll
 * included) or carrying an authenticated live socket is never counted, so the judges', host's and
 * projector's sockets are never touched, however many there are behind one address. An honest
 * page's connection is half-open for a moment only and is never the oldest; a flood of half-open
 * connections closes its own. From an address honest phones share with the flood (a carrier's NAT)
 * a page's connection may be closed before it spoke, under a heavy flood: the page retries.
 *
 * Behind a reverse proxy every connection comes from the proxy's address, so the per-address limit
 * is the total one there (the proxy itself does what this does for each client).
 */

export interface ConnectionLimits {
  waitingPerAddress: number;
  waitingTotal: number;
}

/** Limits for a process that may hold `openFiles` files: a quarter of them for waiting connections. */
export function connectionLimits(openFiles: number | null, behindProxy: boolean): ConnectionLimits {
  const waitingTotal = Math.max(64, Math.floor(Math.min(openFiles ?? 1024, 65_536) / 4));
  return { waitingTotal, waitingPerAddress: behindProxy ? waitingTotal : Math.min(64, waitingTotal) };
}

interface Tracked {
  address: string;
  /** requests being served on it now */
  active: number;
  /** a request or an upgrade was complete on it: it is not (or no longer) half-open */
  spoke: boolean;
  live: boolean;
}

/** Waiting connections in the order they began to wait, the half-open ones apart: they are closed first. */
class WaitingLine {
  readonly halfOpen = new Set<Socket>();
  readonly idle = new Set<Socket>();

  get size(): number {
    return this.halfOpen.size + this.idle.size;
  }

  add(socket: Socket, spoke: boolean): void {
    (spoke ? this.idle : this.halfOpen).add(socket);
  }

  delete(socket: Socket): void {
    this.halfOpen.delete(socket);
    this.idle.delete(socket);
  }

  oldest(): Socket {
    return (this.halfOpen.size > 0 ? this.halfOpen : this.idle).values().next().value!;
  }
}

export class ConnectionGuard {
  readonly #limits: ConnectionLimits;
  readonly #log: (closed: Map<string, number>) => void;
  readonly #tracked = new WeakMap<Socket, Tracked>();
  readonly #waiting = new WaitingLine();
  readonly #waitingByAddress = new Map<string, WaitingLine>();
  /** WebSocket upgrades of an engine.io session that began with polling, by session id */
  readonly #upgradesBySession = new Map<string, Socket>();
  /** closed since the last log line, by address */
  #closedSinceLog = new Map<string, number>();
  #loggedAt = 0;

  /** `log` hears, at most every 10 s, how many waiting connections were closed, by address */
  constructor(server: Server, limits: ConnectionLimits, log: (closed: Map<string, number>) => void) {
    this.#limits = limits;
    this.#log = log;
    server.on('connection', (socket: Socket) => {
      this.#tracked.set(socket, { address: socket.remoteAddress ?? 'unknown', active: 0, spoke: false, live: false });
      socket.once('close', () => this.#forget(socket));
      this.#wait(socket);
    });
    server.on('request', (request: IncomingMessage, response: { once(event: 'close', listener: () => void): void }) => {
      const socket = request.socket;
      const tracked = this.#tracked.get(socket);
      if (!tracked) return;
      tracked.active++;
      tracked.spoke = true;
      this.#stopWaiting(socket);
      response.once('close', () => {
        tracked.active--;
        if (tracked.active === 0 && !socket.destroyed) this.#wait(socket);
      });
    });
    server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
      const tracked = this.#tracked.get(socket);
      if (tracked) tracked.spoke = true;
      // waiting again, as of now, until Socket.IO accepts its handshake (see live())
      this.#stopWaiting(socket);
      this.#wait(socket);
      const session = new URL(request.url ?? '/', 'http://x').searchParams.get('sid');
      if (session) {
        this.#upgradesBySession.set(session, socket);
        socket.once('close', () => this.#upgradesBySession.delete(session));
      }
    });
  }

  /**
   * An authenticated Socket.IO connection: its WebSocket is no longer waiting. `conn` is the
   * socket's engine.io connection, `session` its id; one that began with long polling counts once
   * it upgrades.
   */
  live(conn: { request: IncomingMessage; transport: { name: string }; once(event: 'upgrade', listener: () => void): unknown }, session: string): void {
    const mark = (socket: Socket | undefined) => {
      const tracked = socket && this.#tracked.get(socket);
      if (!tracked) return;
      tracked.live = true;
      this.#stopWaiting(socket);
    };
    if (conn.transport.name === 'websocket') mark(conn.request.socket);
    else conn.once('upgrade', () => mark(this.#upgradesBySession.get(session)));
  }

  #wait(socket: Socket): void {
    const tracked = this.#tracked.get(socket);
    if (!tracked || tracked.live) return;
    this.#waiting.add(socket, tracked.spoke);
    let mine = this.#waitingByAddress.get(tracked.address);
    if (!mine) this.#waitingByAddress.set(tracked.address, (mine = new WaitingLine()));
    mine.add(socket, tracked.spoke);
    while (mine.size > this.#limits.waitingPerAddress) this.#close(mine.oldest());
    while (this.#waiting.size > this.#limits.waitingTotal) this.#close(this.#waiting.oldest());
  }

  #stopWaiting(socket: Socket): void {
    this.#waiting.delete(socket);
    const address = this.#tracked.get(socket)?.address;
    if (address === undefined) return;
    const mine = this.#waitingByAddress.get(address);
    mine?.delete(socket);
    if (mine?.size === 0) this.#waitingByAddress.delete(address);
  }

  #forget(socket: Socket): void {
    this.#stopWaiting(socket);
    this.#tracked.delete(socket);
  }

  #close(socket: Socket): void {
    const address = this.#tracked.get(socket)?.address ?? 'unknown';
    this.#forget(socket);
    socket.destroy();
    // a flood must not flood the log too: one line every 10 s at most
    this.#closedSinceLog.set(address, (this.#closedSinceLog.get(address) ?? 0) + 1);
    const now = Date.now();
    if (now - this.#loggedAt >= 10_000) {
      this.#log(this.#closedSinceLog);
      this.#closedSinceLog = new Map();
      this.#loggedAt = now;
    }
  }
}
