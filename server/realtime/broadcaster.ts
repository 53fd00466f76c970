import type { Server } from 'socket.io';
import { displaySnapshot, hostSnapshot, judgeSnapshot } from '../domain/projections.ts';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, Snapshot, SocketData } from '../protocol.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import type { LeitaiSocket } from './handshake.ts';
import { rooms } from './rooms.ts';

type Io = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * Sends every client of a contest its role's snapshot after a committed change. Changes that come
 * in a burst (22 judges submitting at once) are coalesced into one broadcast per tick.
 */
export class Broadcaster {
  readonly #io: Io;
  readonly #live: LiveContests;
  readonly #pending = new Set<string>();
  /** contest → judge → connected socket ids (the host console shows who is online) */
  readonly #presence = new Map<string, Map<string, Set<string>>>();

  constructor(io: Io, live: LiveContests) {
    this.#io = io;
    this.#live = live;
  }

  connectedJudges(contestId: string): Set<string> {
    const byJudge = this.#presence.get(contestId);
    return new Set([...(byJudge ?? new Map<string, Set<string>>())].filter(([, sockets]) => sockets.size > 0).map(([judge]) => judge));
  }

  judgeConnected(socket: LeitaiSocket): void {
    const { contestId, judgeKey } = socket.data;
    let byJudge = this.#presence.get(contestId);
    if (!byJudge) this.#presence.set(contestId, (byJudge = new Map()));
    let sockets = byJudge.get(judgeKey!);
    if (!sockets) byJudge.set(judgeKey!, (sockets = new Set()));
    sockets.add(socket.id);
    this.schedule(contestId, 'host');
  }

  judgeDisconnected(socket: LeitaiSocket): void {
    this.#presence.get(socket.data.contestId)?.get(socket.data.judgeKey!)?.delete(socket.id);
    this.schedule(socket.data.contestId, 'host');
  }

  async snapshotFor(socket: LeitaiSocket): Promise<Snapshot> {
    const view = await this.#live.view(socket.data.contestId);
    if (socket.data.role === 'host') return hostSnapshot(view, this.connectedJudges(socket.data.contestId));
    if (socket.data.role === 'judge') return judgeSnapshot(view, socket.data.judgeKey!);
    return displaySnapshot(view);
  }

  /** Broadcast soon; 'host' when only the host's view changed (a judge came or went). */
  schedule(contestId: string, scope: 'all' | 'host' = 'all'): void {
    const key = `${scope}:${contestId}`;
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    setImmediate(() => {
      this.#pending.delete(key);
      this.#send(contestId, scope).catch(() => undefined);
    });
  }

  async #send(contestId: string, scope: 'all' | 'host'): Promise<void> {
    const view = await this.#live.view(contestId);
    this.#io.to(rooms.hosts(contestId)).emit('state:snapshot', hostSnapshot(view, this.connectedJudges(contestId)));
    if (scope === 'host') return;
    this.#io.to(rooms.displays(contestId)).emit('state:snapshot', displaySnapshot(view));
    for (const judge of view.contest.judges) {
      this.#io.to(rooms.judge(contestId, judge.key)).emit('state:snapshot', judgeSnapshot(view, judge.key));
    }
  }
}
