import type { Server } from 'socket.io';
import { audienceSnapshot, displaySnapshot, hostSnapshot, judgeSnapshot } from '../domain/projections.ts';
import type { Snapshot } from '../contracts/snapshots.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../contracts/socket.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import type { LeitaiSocket } from './handshake.ts';
import { AudiencePacer } from './audience-pacer.ts';
import { JudgePresences } from './presence.ts';
import { rooms } from './rooms.ts';

type Io = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** at most this many sends a second to a contest's audience room */
const AUDIENCE_SENDS_PER_SECOND = 4;

/**
 * Sends every client of a contest its role's snapshot after a committed change. Changes that come
 * in a burst (22 judges submitting at once) are coalesced into one broadcast per tick. The
 * audience (any number of phones in the hall) gets one emit to its room per send, which Socket.IO
 * encodes once for all of them, paced to a few a second with the latest state always last.
 */
export class Broadcaster {
  readonly #io: Io;
  readonly #live: LiveContests;
  readonly #pending = new Set<string>();
  /** which judges' phones are connected, and since when not (the host console shows it) */
  readonly #presence = new JudgePresences();
  readonly #audience: AudiencePacer;

  constructor(io: Io, live: LiveContests) {
    this.#io = io;
    this.#live = live;
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
    if (socket.data.role === 'audience') return audienceSnapshot(displaySnapshot(view));
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

  async #send(contestId: string, scope: 'all' | 'host' | 'votes'): Promise<void> {
    const view = await this.#live.view(contestId);
    this.#io.to(rooms.hosts(contestId)).emit('state:snapshot', hostSnapshot(view, this.#presence.of(contestId)));
    if (scope === 'host') return;
    this.#io.to(rooms.displays(contestId)).emit('state:snapshot', displaySnapshot(view));
    if (scope === 'votes') return this.#audienceChanged(contestId);
    for (const judge of view.contest.judges) {
      this.#io.to(rooms.judge(contestId, judge.key)).emit('state:snapshot', judgeSnapshot(view, judge.key));
    }
    this.#audienceChanged(contestId);
  }

  #audienceChanged(contestId: string): void {
    if (this.#hasAudience(contestId)) this.#audience.changed(contestId);
    else this.#audience.forget(contestId);
  }

  #hasAudience(contestId: string): boolean {
    return (this.#io.sockets.adapter.rooms.get(rooms.audience(contestId))?.size ?? 0) > 0;
  }

  async #sendAudience(contestId: string): Promise<void> {
    if (!this.#hasAudience(contestId)) return;
    const view = await this.#live.view(contestId);
    this.#io.to(rooms.audience(contestId)).emit('state:snapshot', audienceSnapshot(displaySnapshot(view)));
  }
}
