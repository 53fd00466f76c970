import type { JudgePresence } from '../domain/projections.ts';

interface Seat {
  sockets: Set<string>;
  lastSeenAt: number | null;
  seatMoves: number;
  seatMovedAt: number | null;
}

/**
 * Which judges' phones are connected, and since when they are not: a phone whose screen locks
 * drops its connection within a ping time-out, so "offline" alone says nothing to the host;
 * "left 12 minutes ago" and "the seat moved to another phone" do. In memory only.
 */
export class JudgePresences {
  /** contest → judge → seat */
  readonly #seats = new Map<string, Map<string, Seat>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #seat(contestId: string, judgeKey: string): Seat {
    let byJudge = this.#seats.get(contestId);
    if (!byJudge) this.#seats.set(contestId, (byJudge = new Map()));
    let seat = byJudge.get(judgeKey);
    if (!seat) byJudge.set(judgeKey, (seat = { sockets: new Set(), lastSeenAt: null, seatMoves: 0, seatMovedAt: null }));
    return seat;
  }

  connected(contestId: string, judgeKey: string, socketId: string): void {
    const seat = this.#seat(contestId, judgeKey);
    seat.sockets.add(socketId);
    seat.lastSeenAt = this.#now();
  }

  disconnected(contestId: string, judgeKey: string, socketId: string): void {
    const seat = this.#seat(contestId, judgeKey);
    if (!seat.sockets.delete(socketId)) return;
    seat.lastSeenAt = this.#now();
  }

  /** the judge's link was opened on another device while one held the seat */
  moved(contestId: string, judgeKey: string): void {
    const seat = this.#seat(contestId, judgeKey);
    seat.seatMoves++;
    seat.seatMovedAt = this.#now();
  }

  /** judge key → presence, for the host's snapshot */
  of(contestId: string): ReadonlyMap<string, JudgePresence> {
    const byJudge = this.#seats.get(contestId) ?? new Map<string, Seat>();
    return new Map(
      [...byJudge].map(([judge, seat]) => [judge, { connected: seat.sockets.size > 0, lastSeenAt: seat.lastSeenAt, seatMoves: seat.seatMoves, seatMovedAt: seat.seatMovedAt }]),
    );
  }
}
