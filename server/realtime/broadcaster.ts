import { randomBytes } from 'node:crypto';
import type { BroadcastOperator, Server } from 'socket.io';
import { audienceSnapshot, displaySnapshot, hostSnapshot, JudgeProjections, type LiveView } from '../domain/projections.ts';
import { compareStates, statePatch } from '../domain/state-patch.ts';
import type { AudienceSnapshot, DisplaySnapshot, HostSnapshot, JudgeSnapshot, Snapshot } from '../contracts/snapshots.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../contracts/socket.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import type { LeitaiSocket } from './handshake.ts';
import { AudiencePacer } from './audience-pacer.ts';
import { JudgePresences } from './presence.ts';
import { inTurns } from './in-turns.ts';
import { rooms } from './rooms.ts';

type Io = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type Room = BroadcastOperator<ServerToClientEvents, SocketData>;

/** at most this many sends a second to a contest's audience room */
const AUDIENCE_SENDS_PER_SECOND = 4;

/** phones written per emit of an audience send (one encoding each; the clock is read between them) */
const AUDIENCE_CHUNK = 64;

/** names this process's snapshots (`rev`): another process's names never equal them */
const PROCESS_NAME = randomBytes(6).toString('base64url');

/**
 * The snapshot each of a contest's rooms was last sent (named by its `rev`): every page in the room
 * holds it, or a patch to a newer one is on its way. null: the room was empty at the last change.
 */
interface Sent {
  host: HostSnapshot | null;
  display: DisplaySnapshot | null;
  audience: AudienceSnapshot | null;
  /** per judge, with the state it was made from */
  judges: Map<string, { snapshot: JudgeSnapshot; view: LiveView }>;
}

/**
 * Sends every client of a contest what changed for its role after a committed change. Changes that
 * come in a burst (22 judges submitting at once) are coalesced into one broadcast per tick. Each
 * role's snapshot is built once per change and compared with the one its room was last sent: the
 * room gets a `state:patch` of what changed (server/domain/state-patch.ts), so one new sheet costs
 * the host console one sheet and its result, not every sheet of the contest; nothing when only
 * `version` moved (another judge's sheet, for a judge). The audience (any number of phones in the
 * hall) gets one emit per 64 phones of its room, each encoded once by Socket.IO and written a few
 * milliseconds of the event loop at a time, paced to a few a second with the latest state always
 * last.
 */
export class Broadcaster {
  readonly #io: Io;
  readonly #live: LiveContests;
  readonly #pending = new Set<string>();
  /** which judges' phones are connected, and since when not (the host console shows it) */
  readonly #presence: JudgePresences;
  readonly #audience: AudiencePacer;
  readonly #sent = new Map<string, Sent>();
  #revs = 0;

  constructor(io: Io, live: LiveContests, presence: JudgePresences = new JudgePresences()) {
    this.#io = io;
    this.#live = live;
    this.#presence = presence;
    this.#audience = new AudiencePacer(1000 / AUDIENCE_SENDS_PER_SECOND, (contestId) => this.#sendAudience(contestId));
  }

  judgeConnected(socket: LeitaiSocket): void {
    this.#presence.connected(socket.data.contestId, socket.data.judgeKey!, socket.id);
    this.schedule(socket.data.contestId, 'host');
  }

  judgeDisconnected(socket: LeitaiSocket): void {
    this.#presence.disconnected(socket.data.contestId, socket.data.judgeKey!, socket.id);
    this.schedule(socket.data.contestId, 'host');
  }

  /** this judge's link was opened on another device, which takes the seat */
  judgeSeatMoved(socket: LeitaiSocket): void {
    this.#presence.moved(socket.data.contestId, socket.data.judgeKey!);
  }

  /**
   * The snapshot a socket joining or asking `contest:sync` is given: the one its room was last
   * sent, so that it holds the next patch's `from`. When the room's is out of date, the room is
   * sent the change first (a patch, to the others in it), which the next broadcast then need not
   * send. The audience's send is paced instead (#audienceJoin).
   */
  async snapshotFor(socket: LeitaiSocket): Promise<Snapshot> {
    const { contestId, role, judgeKey } = socket.data;
    const view = await this.#live.view(contestId);
    const sent = this.#sentTo(contestId);
    const others = (room: string): Room => this.#io.local.to(room).except(socket.id);
    // the room's snapshot with this moment's clock (every patch sets `serverNow` anyway)
    const now = <S extends Snapshot>(held: S): S => ({ ...held, serverNow: view.now });
    if (role === 'host') return now((sent.host = this.#advance(others(rooms.hosts(contestId)), sent.host, hostSnapshot(view, this.#presence.of(contestId)))));
    if (role === 'display') return now((sent.display = this.#advance(others(rooms.displays(contestId)), sent.display, displaySnapshot(view))));
    if (role === 'judge') {
      const last = sent.judges.get(judgeKey!);
      const snapshot = this.#advance(others(rooms.judge(contestId, judgeKey!)), last?.snapshot ?? null, new JudgeProjections(view).snapshot(judgeKey!));
      // the state the judge's snapshot shows: a view older than the room's leaves it as it was
      sent.judges.set(judgeKey!, { snapshot, view: last && last.snapshot.version > view.state.version ? last.view : view });
      return now(snapshot);
    }
    socket.data.greeted = true;
    return this.#audienceJoin(contestId, audienceSnapshot(displaySnapshot(view)));
  }

  /**
   * An audience phone's first snapshot, decided and written in one turn of the event loop, the
   * phone counted in the hall's sends only from then on: the phone is in the hall's room from its
   * handshake, and a paced send between that and its first snapshot would reach it as a patch from
   * a snapshot it does not hold yet (it would ask for the whole state again).
   */
  async greetAudience(socket: LeitaiSocket): Promise<void> {
    const view = await this.#live.view(socket.data.contestId);
    socket.emit('state:snapshot', this.#audienceJoin(socket.data.contestId, audienceSnapshot(displaySnapshot(view))));
    socket.data.greeted = true;
  }

  /**
   * Broadcast soon; 'host' when only the host's view changed (a judge came or went); 'votes' when
   * only audience votes came in: the judges see nothing of votes and are not sent anything.
   */
  schedule(contestId: string, scope: 'all' | 'host' | 'votes' = 'all'): void {
    const key = `${scope}:${contestId}`;
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    setImmediate(() => {
      this.#pending.delete(key);
      this.#send(contestId, scope).catch(() => undefined);
    });
  }

  #sentTo(contestId: string): Sent {
    let sent = this.#sent.get(contestId);
    if (!sent) this.#sent.set(contestId, (sent = { host: null, display: null, audience: null, judges: new Map() }));
    return sent;
  }

  #rev(): string {
    return `${PROCESS_NAME}.${++this.#revs}`;
  }

  /**
   * Sends `room` the change from `last` (what it holds) to `next`, whole when it holds nothing
   * known; returns what the room holds now. Nothing is sent when `next` shows nothing new, nor when
   * it was built from an older state than `last` (a join's view, overtaken by a broadcast).
   */
  #advance<S extends Snapshot>(room: Room, last: S | null, next: S): S {
    if (last && compareStates(next, last) < 0) return last;
    const rev = this.#rev();
    if (!last) {
      const held = { ...next, rev };
      room.emit('state:snapshot', held);
      return held;
    }
    // the host console is sent every version (docs/protocol.md §4)
    const patch = statePatch(last, next, rev, next.role === 'host');
    if (!patch) return last;
    room.emit('state:patch', patch);
    return { ...next, rev };
  }

  #has(room: string): boolean {
    return (this.#io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  }

  /**
   * Emits go to this process's own sockets only (`io.local`): with several processes on one
   * Postgres each sends its own pages their changes (server/realtime/cluster.ts). A room nobody is
   * in is sent nothing and forgets what it held: the next page to join gets a whole snapshot.
   */
  async #send(contestId: string, scope: 'all' | 'host' | 'votes'): Promise<void> {
    const view = await this.#live.view(contestId);
    const sent = this.#sentTo(contestId);
    let display: DisplaySnapshot | null = null;
    const shown = (): DisplaySnapshot => (display ??= displaySnapshot(view));
    const hosts = rooms.hosts(contestId);
    sent.host = this.#has(hosts) ? this.#advance(this.#io.local.to(hosts), sent.host, hostSnapshot(view, this.#presence.of(contestId), shown().board)) : null;
    if (scope === 'host') return;
    const displays = rooms.displays(contestId);
    sent.display = this.#has(displays) ? this.#advance(this.#io.local.to(displays), sent.display, shown()) : null;
    if (scope === 'all') {
      const judges = new JudgeProjections(view);
      for (const judge of view.contest.judges) {
        const room = rooms.judge(contestId, judge.key);
        if (!this.#has(room)) {
          sent.judges.delete(judge.key);
          continue;
        }
        // nothing is built or sent when the judge sees nothing new (another judge's sheet), nor
        // from a view older than what the judge holds (a snapshot made for a join meanwhile)
        const last = sent.judges.get(judge.key);
        if (last && (last.snapshot.version > view.state.version || judges.unchanged(last.view, judge.key))) continue;
        sent.judges.set(judge.key, { snapshot: this.#advance(this.#io.local.to(room), last?.snapshot ?? null, judges.snapshot(judge.key)), view });
      }
    }
    if (this.#has(rooms.audience(contestId))) return this.#audience.changed(contestId);
    // nobody holds it any more: the next hall gets a whole snapshot first
    this.#audience.forget(contestId);
    sent.audience = null;
  }

  /**
   * A phone joining or asking `contest:sync` is given the audience snapshot last sent to the hall,
   * even when the state has moved since (a paced send is then due, and carries the change): it
   * holds exactly that send's `from` and applies it. A snapshot of the newer state, made for the
   * phone alone, would make it ask again at every send while votes keep coming in faster than the
   * sends (a hall of phones reconnecting on bad Wi-Fi during a vote would each fetch a whole
   * snapshot four times a second). What the phone is given is at most one paced interval old, and a
   * page never goes back (it keeps the newest it holds). The first phone of an empty hall is given
   * one the next send is made from.
   */
  #audienceJoin(contestId: string, current: AudienceSnapshot): AudienceSnapshot {
    const sent = this.#sentTo(contestId);
    const last = sent.audience;
    if (!last) return (sent.audience = { ...current, rev: this.#rev() });
    return { ...last, serverNow: current.serverNow };
  }

  /**
   * One send to the hall: the phones of the audience room are written a chunk at a time, and the
   * event loop turns whenever a turn's budget is spent (in-turns.ts): writing one snapshot to
   * 10,000 sockets in one go held the loop for a second on the bench's crowd, and in 32 fixed
   * slices up to ~200 ms a slice on a loaded machine (judges' acks waited behind it). The pacer
   * runs a contest's sends one after the other, so every phone gets them in order. Each chunk is
   * one emit to its phones' own rooms, which Socket.IO encodes once for the chunk (and frames once:
   * the WebSocket frame is pre-built) where writing to each socket would encode per phone.
   */
  async #sendAudience(contestId: string): Promise<void> {
    if (!this.#has(rooms.audience(contestId))) return;
    const view = await this.#live.view(contestId);
    const audience = audienceSnapshot(displaySnapshot(view));
    const sent = this.#sentTo(contestId);
    const last = sent.audience;
    if (last && compareStates(audience, last) < 0) return;
    // the change only, from the snapshot last sent: a phone holding it rebuilds this one (a
    // phone that does not asks for the whole, docs/protocol.md §4)
    const rev = this.#rev();
    const patch = last && statePatch(last, audience, rev);
    if (last && !patch) return;
    const held = (sent.audience = { ...audience, rev });
    // the phones in the room now that hold a snapshot: one joining during the send, or not given
    // its first snapshot yet, is given the one just recorded (#audienceJoin, greetAudience)
    const sockets = this.#io.sockets.sockets;
    const phones = [...(this.#io.sockets.adapter.rooms.get(rooms.audience(contestId)) ?? [])].filter((id) => sockets.get(id)?.data.greeted);
    await inTurns(phones, (chunk) => {
      const to = this.#io.local.to(chunk);
      if (patch) to.emit('state:patch', patch);
      else to.emit('state:snapshot', held);
    }, { chunk: AUDIENCE_CHUNK });
  }
}
