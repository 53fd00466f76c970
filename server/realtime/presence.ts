import type { JudgePresence } from '../domain/projections.ts';

interface Seat {
  sockets: Set<string>;
  lastSeenAt: number | null;
  seatMoves: number;
  seatMovedAt: number | null;
}

/** what one server process tells the others of a contest's judges: judge key → presence there */
export type PresenceReport = Record<string, JudgePresence>;

interface Report {
  judges: PresenceReport;
  /** when it was received; null once its process stopped reporting (its phones count as gone since then) */
  at: number | null;
}

/**
 * Which judges' phones are connected, and since when they are not: a phone whose screen locks
 * drops its connection within a ping time-out, so "offline" alone says nothing to the host;
 * "left 12 minutes ago" and "the seat moved to another phone" do. In memory only.
 *
 * With several server processes (server/realtime/cluster.ts), each reports its own phones to the
 * others; the host console sees the phones connected to any of them. A process that stops
 * reporting (killed) is taken as gone, with its phones, after a few missed reports.
 */
export class JudgePresences {
  /** contest → judge → seat, of the phones connected to this process */
  readonly #seats = new Map<string, Map<string, Seat>>();
  /** contest → process → its latest report */
  readonly #remote = new Map<string, Map<string, Report>>();
  readonly #now: () => number;
  /** contest → what of() last answered, until a phone or a report changes it (the host's snapshot asks at every change) */
  readonly #merged = new Map<string, ReadonlyMap<string, JudgePresence>>();
  #onLocalChange: (contestId: string) => void = () => undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** told when a phone of this process comes, goes or takes a seat (the cluster reports it) */
  onLocalChange(listener: (contestId: string) => void): void {
    this.#onLocalChange = listener;
  }

  #changed(contestId: string): void {
    this.#merged.delete(contestId);
    this.#onLocalChange(contestId);
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
    this.#changed(contestId);
  }

  disconnected(contestId: string, judgeKey: string, socketId: string): void {
    const seat = this.#seat(contestId, judgeKey);
    if (!seat.sockets.delete(socketId)) return;
    seat.lastSeenAt = this.#now();
    this.#changed(contestId);
  }

  /** the judge's link was opened on another device while one held the seat */
  moved(contestId: string, judgeKey: string): void {
    const seat = this.#seat(contestId, judgeKey);
    seat.seatMoves++;
    seat.seatMovedAt = this.#now();
    this.#changed(contestId);
  }

  /** judge key → presence of the phones connected to this process */
  local(contestId: string): PresenceReport {
    const byJudge = this.#seats.get(contestId) ?? new Map<string, Seat>();
    return Object.fromEntries(
      [...byJudge].map(([judge, seat]) => [judge, { connected: seat.sockets.size > 0, lastSeenAt: seat.lastSeenAt, seatMoves: seat.seatMoves, seatMovedAt: seat.seatMovedAt }]),
    );
  }

  /** the contests this process has seen judges' phones of */
  localContests(): string[] {
    return [...this.#seats.keys()];
  }

  /** Another process's report on a contest's judges; true when it says something new. */
  remote(processId: string, contestId: string, judges: PresenceReport): boolean {
    let byProcess = this.#remote.get(contestId);
    if (!byProcess) this.#remote.set(contestId, (byProcess = new Map()));
    const before = byProcess.get(processId);
    byProcess.set(processId, { judges, at: this.#now() });
    this.#merged.delete(contestId);
    return !before || before.at === null || JSON.stringify(before.judges) !== JSON.stringify(judges);
  }

  /**
   * Processes that sent no report for `maxAgeMs` are gone: their phones count as disconnected
   * since their last report. Returns the contests whose presence changed.
   */
  expire(maxAgeMs: number): string[] {
    const changed: string[] = [];
    for (const [contestId, byProcess] of this.#remote) {
      for (const report of byProcess.values()) {
        if (report.at === null || this.#now() - report.at <= maxAgeMs) continue;
        const gone = report.at;
        report.judges = Object.fromEntries(Object.entries(report.judges).map(([judge, p]) => [judge, { ...p, connected: false, lastSeenAt: p.connected ? gone : p.lastSeenAt }]));
        report.at = null;
        this.#merged.delete(contestId);
        changed.push(contestId);
      }
    }
    return [...new Set(changed)];
  }

  /** judge key → presence over every process, for the host's snapshot */
  of(contestId: string): ReadonlyMap<string, JudgePresence> {
    const known = this.#merged.get(contestId);
    if (known) return known;
    const merged = new Map(Object.entries(this.local(contestId)));
    for (const report of this.#remote.get(contestId)?.values() ?? []) {
      for (const [judge, p] of Object.entries(report.judges)) {
        const q = merged.get(judge);
        merged.set(
          judge,
          q
            ? { connected: q.connected || p.connected, lastSeenAt: latest(q.lastSeenAt, p.lastSeenAt), seatMoves: q.seatMoves + p.seatMoves, seatMovedAt: latest(q.seatMovedAt, p.seatMovedAt) }
            : p,
        );
      }
    }
    this.#merged.set(contestId, merged);
    return merged;
  }
}

const latest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
