import type { Server } from 'socket.io';
import { audienceSnapshot, displaySnapshot, hostSnapshot, judgeSnapshot, JudgeProjections, shownKey } from '../domain/projections.ts';
import { audiencePatch } from '../domain/audience-patch.ts';
import type { AudienceSnapshot, Snapshot } from '../contracts/snapshots.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../contracts/socket.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import type { LeitaiSocket } from './handshake.ts';
import { AudiencePacer } from './audience-pacer.ts';
import { JudgePresences } from './presence.ts';
import { inTurns } from './in-turns.ts';
import { rooms } from './rooms.ts';

type Io = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** at most this many sends a second to a contest's audience room */
const AUDIENCE_SENDS_PER_SECOND = 4;

/** phones written per emit of an audience send (one encoding each; the clock is read between them) */
const AUDIENCE_CHUNK = 64;

/** what was last sent to a contest's rooms, as keys of what they show (projections.ts: shownKey, JudgeProjections.viewKey) */
interface Sent {
  display: string | null;
  audience: string | null;
  /** the audience snapshot last sent (its key is `audience`): the next send is a patch from it; null: the next is whole */
  audienceSnapshot: AudienceSnapshot | null;
  judges: Map<string, string>;
}

/**
 * Sends every client of a contest its role's snapshot after a committed change. Changes that come
 * in a burst (22 judges submitting at once) are coalesced into one broadcast per tick. Each role's
 * snapshot is built once per change, and a room is sent nothing when what it shows did not change:
 * another judge's sheet changes a judge's snapshot only in `version` (and `serverNow`), which the
 * pages need no message for (docs/protocol.md §4). The audience (any number of phones in the hall)
 * gets one emit per 64 phones of its room, each encoded once by Socket.IO, paced to a few a second
 * with the latest state always last; after the first, a send is a patch of what changed
 * since the previous one (server/domain/audience-patch.ts).
 */
export class Broadcaster {
  readonly #io: Io;
  readonly #live: LiveContests;
  readonly #pending = new Set<string>();
  /** which judges' phones are connected, and since when not (the host console shows it) */
  readonly #presence: JudgePresences;
  readonly #audience: AudiencePacer;
  readonly #sent = new Map<string, Sent>();

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

  async snapshotFor(socket: LeitaiSocket): Promise<Snapshot> {
    const view = await this.#live.view(socket.data.contestId);
    if (socket.data.role === 'host') return hostSnapshot(view, this.#presence.of(socket.data.contestId));
    if (socket.data.role === 'judge') return judgeSnapshot(view, socket.data.judgeKey!);
    if (socket.data.role === 'audience') return this.#audienceJoin(socket.data.contestId, audienceSnapshot(displaySnapshot(view)));
    return displaySnapshot(view);
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
    if (!sent) this.#sent.set(contestId, (sent = { display: null, audience: null, audienceSnapshot: null, judges: new Map() }));
    return sent;
  }

  /**
   * Emits go to this process's own sockets only (`io.local`): with several processes on one
   * Postgres each sends its own pages their snapshots (server/realtime/cluster.ts).
   */
  async #send(contestId: string, scope: 'all' | 'host' | 'votes'): Promise<void> {
    const view = await this.#live.view(contestId);
    const presence = this.#presence.of(contestId);
    if (scope === 'host') {
      this.#io.local.to(rooms.hosts(contestId)).emit('state:snapshot', hostSnapshot(view, presence));
      return;
    }
    const display = displaySnapshot(view);
    this.#io.local.to(rooms.hosts(contestId)).emit('state:snapshot', hostSnapshot(view, presence, display.board));
    const sent = this.#sentTo(contestId);
    const shown = shownKey(display);
    if (shown !== sent.display) {
      sent.display = shown;
      this.#io.local.to(rooms.displays(contestId)).emit('state:snapshot', display);
    }
    if (scope === 'votes') return this.#audienceChanged(contestId);
    const judges = new JudgeProjections(view);
    for (const judge of view.contest.judges) {
      const key = judges.viewKey(judge.key);
      if (sent.judges.get(judge.key) === key) continue;
      sent.judges.set(judge.key, key);
      this.#io.local.to(rooms.judge(contestId, judge.key)).emit('state:snapshot', judges.snapshot(judge.key));
    }
    this.#audienceChanged(contestId);
  }

  #audienceChanged(contestId: string): void {
    if (this.#hasAudience(contestId)) return this.#audience.changed(contestId);
    this.#audience.forget(contestId);
    // nobody holds it any more: the next hall gets a whole snapshot first
    const sent = this.#sent.get(contestId);
    if (sent) sent.audience = sent.audienceSnapshot = null;
  }

  /**
   * A phone joining or asking `contest:sync` is given the audience snapshot last sent when it shows
   * the same (only the version moved, on a change the projector does not show): it then holds
   * exactly the next patch's `from` and applies it, where a snapshot of the newer version would
   * make every phone that joined since the last send ask again (docs/protocol.md §3).
   */
  #audienceJoin(contestId: string, current: AudienceSnapshot): AudienceSnapshot {
    const sent = this.#sent.get(contestId);
    if (!sent?.audienceSnapshot || sent.audience !== shownKey(current)) return current;
    return { ...sent.audienceSnapshot, serverNow: current.serverNow };
  }

  #hasAudience(contestId: string): boolean {
    return (this.#io.sockets.adapter.rooms.get(rooms.audience(contestId))?.size ?? 0) > 0;
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
    if (!this.#hasAudience(contestId)) return;
    const view = await this.#live.view(contestId);
    const audience = audienceSnapshot(displaySnapshot(view));
    const sent = this.#sentTo(contestId);
    const shown = shownKey(audience);
    if (shown === sent.audience) return;
    // the change only, from the snapshot last sent: a phone holding it rebuilds this one (a
    // phone that does not asks for the whole, docs/protocol.md §3)
    const last = sent.audienceSnapshot;
    sent.audience = shown;
    sent.audienceSnapshot = audience;
    const patch = last && audiencePatch(last, audience);
    // the phones in the room now: one joining during the send is given the snapshot just recorded (#audienceJoin)
    const phones = [...(this.#io.sockets.adapter.rooms.get(rooms.audience(contestId)) ?? [])];
    await inTurns(phones, (chunk) => {
      const to = this.#io.local.to(chunk);
      if (patch) to.emit('state:patch', patch);
      else to.emit('state:snapshot', audience);
    }, { chunk: AUDIENCE_CHUNK });
  }
}
