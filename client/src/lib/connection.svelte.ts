import { io, type Socket } from 'socket.io-client';
import type { Snapshot, StatePatch } from '../../../server/contracts/snapshots.ts';
import { applyPatch, compareStates } from '../../../server/domain/state-patch.ts';
import type { AckResult, ClientToServerEvents, CommandEvent, Payload, ServerToClientEvents } from '../../../server/contracts/socket.ts';
import { PROTOCOL_VERSION } from '../../../server/contracts/vocabulary.ts';

/**
 * The one owner of the socket. Holds the latest snapshot the server sent for this client's role
 * (a snapshot replaces the previous one unless it is older; a `state:patch` makes a new one from
 * exactly the snapshot it was made from, else the page asks for the whole again), the connection
 * status, and the offset between this device's clock and the server's (for the talk clock).
 */

/** refused: the link is unknown or revoked; outdated: this page is older than the server (reloading did not help) */
export type ConnectionStatus = 'connecting' | 'online' | 'offline' | 'replaced' | 'refused' | 'outdated';

/** the server refused this page's protocol version: load the page the server serves now, once a minute at most */
function reloadForNewVersion(): boolean {
  const key = 'leitai:reloaded-for-version';
  const last = Number(sessionStorage.getItem(key) ?? 0);
  if (Date.now() - last < 60_000) return false;
  sessionStorage.setItem(key, String(Date.now()));
  location.reload();
  return true;
}

type Ack<E extends CommandEvent> = Parameters<ClientToServerEvents[E]>[1];
type AckValue<E extends CommandEvent> = Parameters<Ack<E>>[0];

/** the access token from the link's fragment (#token=…), which never reaches server logs */
export function tokenFromLocation(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('token');
}

/** the audience page's public code from its path (/watch/<code>), or null */
export function watchCodeFromLocation(): string | null {
  return /^\/watch\/([A-Za-z0-9]{4,16})\/?$/.exec(location.pathname)?.[1] ?? null;
}

/** what a page joins with: a link's token, or (the audience) the contest's public watch code, with the phone's voter secret when it has one */
export type Credential = string | { watch: string; voter?: string | null };

/** a page that missed an update says it may be behind only if the resync has not answered by then */
const STALE_AFTER_GAP_MS = 1500;

/** how long after a (re)connect the page waits for the server's own first snapshot before asking for it */
const FIRST_SNAPSHOT_WAIT_MS = 5000;

/** the wait before the next contest:sync after one went unanswered or was refused: 1 s, 2 s, 4 s, then 5 s, each ±25 % so that a hall of phones does not ask in step */
function syncBackoffMs(attempt: number): number {
  return Math.min(5000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Connection<S extends Snapshot> {
  status = $state<ConnectionStatus>('connecting');
  snapshot = $state.raw<S | null>(null);
  /** serverNow − Date.now() at the last snapshot: add it to Date.now() to get server time */
  clockOffsetMs = $state(0);
  /** a snapshot has arrived since the last (re)connect */
  #fresh = $state(false);
  /** true from a disconnect until the next snapshot arrives: what is on screen may be old */
  stale = $derived(this.status !== 'online' || this.snapshot === null || !this.#fresh);

  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** this page needs a snapshot it has not got (a patch's gap, a refused command, a connect without one) */
  #syncOwed = false;
  /** the one loop asking contest:sync until #syncOwed is settled is running: patches meanwhile wait for its answer */
  #resyncing = false;
  /** marks the page stale when a resync for a missed update has not been answered in STALE_AFTER_GAP_MS */
  #staleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(credential: Credential) {
    const auth = typeof credential === 'string' ? { token: credential } : { watch: credential.watch, ...(credential.voter ? { voter: credential.voter } : {}) };
    this.#socket = io({ auth: { ...auth, protocol: PROTOCOL_VERSION }, transports: ['websocket', 'polling'], reconnectionDelayMax: 3000 });
    this.#socket.on('connect', () => {
      this.#fresh = false;
      this.status = 'online';
      // the server sends a snapshot by itself, unless it could not make one (the database was down)
      this.#resync(FIRST_SNAPSHOT_WAIT_MS);
    });
    this.#socket.on('disconnect', (reason) => {
      if (this.status === 'replaced') return;
      this.status = 'offline';
      // The server closing our connection (it is restarting) stops Socket.IO's own reconnection:
      // try again ourselves, until the server is back.
      if (reason === 'io server disconnect') this.#retrySoon();
    });
    this.#socket.on('connect_error', (error) => {
      if (error.message.startsWith('unauthorized')) {
        this.status = 'refused';
        this.#socket.disconnect();
        return;
      }
      if (error.message.startsWith('outdated_client')) {
        this.#socket.disconnect();
        if (!reloadForNewVersion()) this.status = 'outdated';
        return;
      }
      if (this.status !== 'replaced') this.status = 'offline';
      // A refusal by the server (database briefly down, too many attempts) is not retried by
      // Socket.IO itself; a network failure is (the socket stays active).
      if (!this.#socket.active) this.#retrySoon();
    });
    this.#socket.on('state:snapshot', (snapshot) => this.#accept(snapshot as S));
    this.#socket.on('state:patch', (patch) => this.#patch(patch));
    this.#socket.on('session:replaced', () => {
      this.status = 'replaced';
      this.#socket.disconnect();
    });
  }

  #staleIfStillOwed(): void {
    if (this.#staleTimer !== null) return;
    this.#staleTimer = setTimeout(() => {
      this.#staleTimer = null;
      if (this.#syncOwed) this.#fresh = false;
    }, STALE_AFTER_GAP_MS);
  }

  #accept(snapshot: S): void {
    this.#fresh = true;
    if (this.#staleTimer !== null) clearTimeout(this.#staleTimer);
    this.#staleTimer = null;
    this.#syncOwed = false;
    // After a reconnect the server's first snapshot may carry the same version as ours; take it
    // anyway (it is the server's current truth). Only an older one is ignored: a lower version, or
    // at the same version fewer audience votes (votes do not move the version, docs/protocol.md).
    if (this.snapshot && compareStates(snapshot, this.snapshot) < 0) return;
    this.clockOffsetMs = snapshot.serverNow - Date.now();
    this.snapshot = snapshot;
  }

  /** an update: applied over exactly the snapshot it was made from, else a resync on a gap */
  #patch(patch: StatePatch): void {
    const step = applyPatch<S>(this.snapshot, patch);
    if (step.kind === 'apply') this.#accept(step.snapshot);
    // what is shown stays until the answer: never an older state, and never a patch over the wrong
    // one; marked stale only if the answer is slow (a projector must not flash 正在重新连接 in
    // front of the hall for a resync that takes a few milliseconds)
    else if (step.kind === 'resync') {
      this.#staleIfStillOwed();
      this.#resync(0);
    }
  }

  /** server time now, in epoch ms */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /**
   * Sends a command and resolves with the server's answer. Without an answer in time (the
   * connection dropped, the server is down) it resolves with a `timeout` error: the command may or
   * may not have been applied. After any refused, failed or unanswered command the current
   * snapshot is fetched (contest:sync): the refusal may come from a change this page has not seen
   * (a lost frame, a command whose outcome the server itself learned only later).
   */
  async send<E extends CommandEvent>(event: E, payload: Payload<E>, timeoutMs = 8000): Promise<AckValue<E> | { ok: false; error: { code: 'timeout'; message: string } }> {
    const answer = await this.#emit(event, payload, timeoutMs);
    if (!answer.ok && event !== 'contest:sync') this.#resync(0);
    return answer;
  }

  /**
   * Owes the page a snapshot and, unless the one loop is already running, asks contest:sync after
   * `firstWaitMs`, again with a growing wait while it goes unanswered or refused, until a snapshot
   * arrives (its answer or any other). A disconnect ends the loop: the next connect starts it again.
   */
  #resync(firstWaitMs: number): void {
    this.#syncOwed = true;
    if (this.#resyncing) return;
    this.#resyncing = true;
    void this.#syncUntilAnswered(firstWaitMs).finally(() => (this.#resyncing = false));
  }

  async #syncUntilAnswered(firstWaitMs: number): Promise<void> {
    let wait = firstWaitMs;
    for (let attempt = 0; ; attempt++) {
      if (wait > 0) await sleep(wait);
      if (!this.#syncOwed || !this.#socket.connected || this.status !== 'online') return;
      const answer = await this.#emit('contest:sync', {}, 8000);
      if (answer.ok) return this.#accept(answer.snapshot as S);
      wait = syncBackoffMs(attempt);
    }
  }

  #emit<E extends CommandEvent>(event: E, payload: Payload<E>, timeoutMs: number): Promise<AckValue<E> | { ok: false; error: { code: 'timeout'; message: string } }> {
    return new Promise((resolve) => {
      // Socket.IO would buffer it and send it after a reconnect, against a state the sender never saw
      if (!this.#socket.connected) {
        resolve({ ok: false, error: { code: 'timeout', message: 'not connected to the server' } });
        return;
      }
      const emit = this.#socket.timeout(timeoutMs).emit as unknown as (
        event: E,
        payload: Payload<E>,
        ack: (error: Error | null, result: AckValue<E>) => void,
      ) => void;
      emit.call(this.#socket, event, payload, (error, result) => {
        if (error) resolve({ ok: false, error: { code: 'timeout', message: 'no answer from the server' } });
        else resolve(result);
      });
    });
  }

  #retrySoon(): void {
    setTimeout(() => {
      if (this.status !== 'replaced' && this.status !== 'refused' && this.status !== 'outdated' && !this.#socket.connected) this.#socket.connect();
    }, 1500 + Math.random() * 1500);
  }

  /** after `replaced`: take the seat back on this device */
  reclaim(): void {
    this.status = 'connecting';
    this.#socket.connect();
  }

  get connected(): boolean {
    return this.#socket.connected;
  }
}
