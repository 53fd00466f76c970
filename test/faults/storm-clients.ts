import { io as connectSocket } from 'socket.io-client';
import type { HostSnapshot, JudgeSnapshot } from '../../server/contracts/snapshots.ts';
import type { AckResult } from '../../server/contracts/socket.ts';
import { applyPatch } from '../../server/domain/state-patch.ts';
import type { ClientSocket } from '../helpers/app.ts';

/**
 * Clients for fault tests that keep going while the server dies under them: judges that behave
 * like the real judge page's outbox (client/src/judge/outbox.svelte.ts) and a host console that
 * drives every turn from whatever its latest snapshot says. Both reconnect by themselves, for as
 * long as it takes, and record what they saw so the test can check it against the database.
 */

export type Rand = () => number;

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed from its seed. */
function prng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per purpose (killer, each judge, host), so one's draws never shift another's. */
export function stream(seed: number, name: string): Rand {
  let h = 2166136261 ^ seed;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return prng(h >>> 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type AnyAck = AckResult<Record<string, unknown>>;

/**
 * Sends one command and resolves with the server's answer, or null when none came (no connection,
 * the connection dropped, or the timeout passed): the command may or may not have been applied.
 * Nothing is emitted while disconnected, so socket.io-client never buffers a packet to send later
 * behind our back.
 */
async function request(socket: ClientSocket, event: string, payload: unknown, timeoutMs = 5000): Promise<AnyAck | null> {
  if (!socket.connected) return null;
  try {
    const timed = socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> };
    return (await timed.emitWithAck(event, payload)) as AnyAck;
  } catch {
    return null;
  }
}

/** A socket that comes back by itself after any loss: network errors, refusals and server-side closes alike. */
function resilientSocket(url: string, token: string): ClientSocket {
  const socket: ClientSocket = connectSocket(url, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    timeout: 5000,
  });
  const again = () => setTimeout(() => socket.active || socket.connected || socket.connect(), 200);
  // a refusal by the server (not a network error) ends socket.io's own retries, as on the judge page
  socket.on('connect_error', () => socket.active || again());
  socket.on('disconnect', (reason) => reason === 'io server disconnect' && again());
  return socket;
}

export interface SentSheet {
  submissionId: string;
  presenter: string;
  judge: string;
  items: Record<string, string>;
  /** how many times it was emitted */
  sends: number;
}

export interface AckedSheet {
  submissionId: string;
  sheetId: string;
  presenter: string;
  judge: string;
  items: Record<string, string>;
  total: string;
  duplicate: boolean;
}

/**
 * One judge's phone. When its snapshot says a presenter can be scored, it waits a random 0–300 ms,
 * then gives the sheet a submissionId once and sends it until an ok arrives: again after no answer
 * or `db_unavailable`, and at every reconnect. Any other refusal is a problem: this judge only ever
 * sends one sheet per presenter, while the turn is open.
 */
export class StormJudge {
  /** presenter → the sheet made for it (made once, never changed) */
  readonly sent = new Map<string, SentSheet>();
  /** presenter → the first ok acknowledgement */
  readonly acked = new Map<string, AckedSheet>();
  readonly problems: string[] = [];
  retries = 0;
  readonly #socket: ClientSocket;
  /** the snapshot this phone shows: a patch is made from it */
  #held: JudgeSnapshot | null = null;
  readonly #rand: Rand;
  readonly #items: (presenter: string) => Record<string, string>;
  readonly #scheduled = new Set<string>();
  readonly #inFlight = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(
    url: string,
    token: string,
    readonly key: string,
    rand: Rand,
    items: (presenter: string) => Record<string, string>,
  ) {
    this.#rand = rand;
    this.#items = items;
    this.#socket = resilientSocket(url, token);
    this.#socket.on('connect', () => {
      for (const presenter of this.sent.keys()) void this.#send(presenter);
    });
    this.#socket.on('state:snapshot', (s) => this.#onSnapshot(s as JudgeSnapshot));
    // a patch is made from the snapshot this phone holds; after a gap, it asks for the whole
    this.#socket.on('state:patch', (patch) => {
      const step = applyPatch(this.#held, patch);
      if (step.kind === 'apply') this.#onSnapshot(step.snapshot);
      else if (step.kind === 'resync') void request(this.#socket, 'contest:sync', {}).then((answer) => answer?.ok && this.#onSnapshot((answer as unknown as { snapshot: JudgeSnapshot }).snapshot));
    });
    this.#socket.on('session:replaced', () => this.problems.push(`${key}: told its session was replaced`));
  }

  /** sheets emitted and not yet answered with an ok */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** the sheets emitted and not answered yet */
  unanswered(): SentSheet[] {
    return [...this.#inFlight].map((presenter) => this.sent.get(presenter)!);
  }

  /** presenters whose sheet is made and not yet acknowledged */
  unacknowledged(): string[] {
    return [...this.sent.keys()].filter((p) => !this.acked.has(p));
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#socket.disconnect();
  }

  #later(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) work();
    }, ms);
    this.#timers.add(timer);
  }

  #onSnapshot(snapshot: JudgeSnapshot): void {
    if (!this.#held || snapshot.version >= this.#held.version) this.#held = snapshot;
    for (const p of snapshot.presenters) {
      if (!p.canSubmit) continue;
      const acked = this.acked.get(p.key);
      if (acked) {
        // snapshots are made after the commit and travel in order with the ack: the server forgot it
        const problem = `${this.key}: the server asks again for the sheet for ${p.key} it acknowledged as sheet ${acked.sheetId} (submission ${acked.submissionId})`;
        if (!this.problems.includes(problem)) this.problems.push(problem);
        continue;
      }
      if (this.sent.has(p.key) || this.#scheduled.has(p.key)) continue;
      this.#scheduled.add(p.key);
      this.#later(Math.floor(this.#rand() * 300), () => this.#make(p.key));
    }
  }

  #make(presenter: string): void {
    const suffix = Math.floor(this.#rand() * 2 ** 32).toString(36);
    const sheet: SentSheet = { submissionId: `ks-${this.key}-${presenter}-${suffix}`, presenter, judge: this.key, items: this.#items(presenter), sends: 0 };
    this.sent.set(presenter, sheet);
    void this.#send(presenter);
  }

  async #send(presenter: string): Promise<void> {
    if (this.#closed || this.#inFlight.has(presenter) || this.acked.has(presenter)) return;
    const sheet = this.sent.get(presenter)!;
    if (!this.#socket.connected) return; // the reconnect sends it
    this.#inFlight.add(presenter);
    sheet.sends++;
    if (sheet.sends > 1) this.retries++;
    const answer = await request(this.#socket, 'sheet:submit', { presenter, items: sheet.items, submissionId: sheet.submissionId });
    this.#inFlight.delete(presenter);
    if (this.#closed) return;
    if (answer?.ok) {
      const receipt = answer as unknown as { sheetId: string; presenter: string; judge: string; total: string; duplicate: boolean };
      if (receipt.presenter !== presenter || receipt.judge !== this.key) this.problems.push(`${this.key}: a receipt for ${receipt.judge}/${receipt.presenter} answered its sheet for ${presenter}`);
      this.acked.set(presenter, { submissionId: sheet.submissionId, sheetId: receipt.sheetId, presenter, judge: this.key, items: sheet.items, total: receipt.total, duplicate: receipt.duplicate });
      return;
    }
    if (answer === null || answer.error.code === 'db_unavailable') {
      // not answered or not saved: the same submission again, soon (or at the reconnect)
      this.#later(100 + Math.floor(this.#rand() * 300), () => void this.#send(presenter));
      return;
    }
    this.problems.push(`${this.key}: sheet for ${presenter} (submission ${sheet.submissionId}, send ${sheet.sends}) refused: ${answer.error.code}: ${answer.error.message}`);
  }
}

export interface HostStats {
  /** commands sent (answered or not) */
  commands: number;
  /** commands that got no answer (the server died or the connection dropped) */
  unanswered: number;
  /** unanswered commands sent again as they were, with their old turnsVersion, once reconnected */
  resent: number;
  /** refusals that meant "look at the snapshot again", by code */
  refusals: Record<string, number>;
}

/**
 * The host console, driving every turn from its latest snapshot: start → open scoring (after a
 * short talk, 50–250 ms) → wait until the last sheet closes the turn → reveal → a short pause → next. After a
 * reconnect it continues from whatever phase each turn is in. `stale_version` and
 * `invalid_transition` mean "look again": it asks for a fresh snapshot and decides anew.
 */
export class StormHost {
  readonly stats: HostStats = { commands: 0, unanswered: 0, resent: 0, refusals: {} };
  readonly problems: string[] = [];
  readonly #socket: ClientSocket;
  readonly #rand: Rand;
  #latest: HostSnapshot | null = null;
  /** a snapshot arrived on the current connection */
  #fresh = false;
  #maxVersion = -1;
  #waiters: Array<() => void> = [];
  #closed = false;
  /** a command is sent and not answered yet */
  #commanding = false;

  constructor(url: string, token: string, rand: Rand) {
    this.#rand = rand;
    this.#socket = resilientSocket(url, token);
    this.#socket.on('state:snapshot', (s) => this.#accept(s as HostSnapshot));
    this.#socket.on('state:patch', (patch) => {
      const step = applyPatch(this.#latest, patch);
      if (step.kind === 'apply') this.#accept(step.snapshot);
      else if (step.kind === 'resync') void this.#sync();
    });
    this.#socket.on('disconnect', () => (this.#fresh = false));
  }

  get latest(): HostSnapshot | null {
    return this.#latest;
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** a command (start, open scoring, reveal) is sent and not answered yet */
  get commanding(): boolean {
    return this.#commanding;
  }

  close(): void {
    this.#closed = true;
    this.#socket.disconnect();
  }

  #accept(snapshot: HostSnapshot): void {
    if (snapshot.version < this.#maxVersion) {
      // every snapshot is made after a commit, so a lower version means committed state was lost
      this.problems.push(`host: the server came back at version ${snapshot.version} after it had sent version ${this.#maxVersion}`);
    }
    this.#maxVersion = Math.max(this.#maxVersion, snapshot.version);
    this.#latest = snapshot;
    this.#fresh = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** until the next snapshot, or ms */
  #changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #sync(): Promise<void> {
    const answer = await request(this.#socket, 'contest:sync', {});
    if (answer?.ok) this.#accept((answer as unknown as { snapshot: HostSnapshot }).snapshot);
  }

  /**
   * Runs the contest to the end: every turn revealed. Throws on a refusal that a restart cannot
   * explain, as soon as `failed()` says a client saw something wrong, or when nothing moves for
   * stallMs (with `explain()` in the message).
   */
  async run(options: { stallMs: number; explain: () => string; failed: () => boolean }): Promise<void> {
    const talkUntil = new Map<string, number>();
    let nextStartAt = 0;
    let unanswered: { event: 'turn:start' | 'turn:open-scoring' | 'turn:reveal'; presenter: string; turnsVersion: number } | null = null;
    let lastVersion = -1;
    let lastProgress = Date.now();
    for (;;) {
      if (this.#closed) throw new Error('host: closed before the contest ended');
      const snapshot = this.#fresh && this.#socket.connected ? this.#latest : null;
      if (snapshot && snapshot.version !== lastVersion) {
        lastVersion = snapshot.version;
        lastProgress = Date.now();
      }
      if (this.problems.length > 0 || options.failed()) throw new Error(`host: stopped the contest: ${options.explain()}`);
      if (Date.now() - lastProgress > options.stallMs) {
        throw new Error(`host: nothing moved for ${options.stallMs} ms (version ${lastVersion}, connected ${this.#socket.connected}); ${options.explain()}`);
      }
      if (!snapshot) {
        await sleep(25);
        continue;
      }
      const position = new Map(snapshot.presenters.map((p) => [p.key, p.position]));
      const turns = [...snapshot.turns].sort((a, b) => position.get(a.presenter)! - position.get(b.presenter)!);
      if (turns.every((t) => t.phase === 'revealed')) return;
      const first = (phase: string) => turns.find((t) => t.phase === phase)?.presenter;
      const presenting = first('presenting');
      const scoring = first('scoring');
      const closed = first('closed');
      const waiting = first('waiting');
      const now = Date.now();
      let event: 'turn:start' | 'turn:open-scoring' | 'turn:reveal';
      let presenter: string;
      let turnsVersion = snapshot.turnsVersion;
      if (unanswered) {
        ({ event, presenter, turnsVersion } = unanswered);
        unanswered = null;
        this.stats.resent++;
      } else if (presenting) {
        if (!talkUntil.has(presenting)) talkUntil.set(presenting, now + 50 + Math.floor(this.#rand() * 200));
        if (now < talkUntil.get(presenting)!) {
          await this.#changed(Math.min(50, talkUntil.get(presenting)! - now));
          continue;
        }
        [event, presenter] = ['turn:open-scoring', presenting];
      } else if (scoring) {
        await this.#changed(200); // the last sheet closes the turn
        continue;
      } else if (closed) {
        [event, presenter] = ['turn:reveal', closed];
      } else if (waiting) {
        if (now < nextStartAt) {
          await this.#changed(Math.min(50, nextStartAt - now));
          continue;
        }
        [event, presenter] = ['turn:start', waiting];
      } else {
        throw new Error(`host: no turn to act on: ${turns.map((t) => `${t.presenter}:${t.phase}`).join(' ')}`);
      }

      this.stats.commands++;
      this.#commanding = true;
      const answer = await request(this.#socket, event, { presenter, turnsVersion }).finally(() => (this.#commanding = false));
      if (answer === null) {
        this.stats.unanswered++;
        unanswered = { event, presenter, turnsVersion };
        continue;
      }
      if (answer.ok) {
        if (event === 'turn:reveal') nextStartAt = Date.now() + 50 + Math.floor(this.#rand() * 150);
        const version = (answer as unknown as { version: number }).version;
        const deadline = Date.now() + 2000;
        while (this.#fresh && (this.#latest?.version ?? -1) < version && Date.now() < deadline) await this.#changed(100);
        continue;
      }
      const { code, message } = answer.error;
      if (code === 'stale_version' || code === 'invalid_transition') {
        this.stats.refusals[code] = (this.stats.refusals[code] ?? 0) + 1;
        await this.#sync();
        continue;
      }
      if (code === 'db_unavailable') {
        await sleep(200);
        continue;
      }
      throw new Error(`host: ${event} ${presenter} refused: ${code}: ${message}`);
    }
  }
}
