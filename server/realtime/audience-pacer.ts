/**
 * Paces the sends to a contest's audience room: a hall of phones does not need every change of a
 * burst (22 judges submitting at once), only the latest state soon. The first change after a quiet
 * spell goes out at once; changes within `intervalMs` of the last send are folded into one send at
 * the end of the interval, which reads the state then: the last send always carries the latest
 * state.
 *
 * A contest's sends run one at a time, so every phone gets them in order, and the pause before the
 * next counts from the end of the last send, not its start, and is at least as long as that send
 * took: a send to 10,000 phones is 10,000 socket writes, a few hundred ms of the one thread on a
 * loaded machine (the bench's crowd, docs/performance.md), and back to back the hall would have all
 * of it while a burst lasts. So the hall gets at most half the thread, and the slower the machine
 * the fewer updates a big hall gets, each with the latest state.
 */
export class AudiencePacer {
  readonly #intervalMs: number;
  readonly #send: (contestId: string) => Promise<void>;
  readonly #now: () => number;
  /** contest → when its next send may start: the end of the last plus the longer of the interval and its duration */
  readonly #nextAt = new Map<string, number>();
  /** contests with a send waiting for its time */
  readonly #waiting = new Map<string, NodeJS.Timeout>();
  /** contests with a send under way → whether a change came in meanwhile */
  readonly #sending = new Map<string, boolean>();

  constructor(intervalMs: number, send: (contestId: string) => Promise<void>, now: () => number = () => performance.now()) {
    this.#intervalMs = intervalMs;
    this.#send = send;
    this.#now = now;
  }

  /** the contest changed: its audience gets the state at once, or after the pause that follows the last send */
  changed(contestId: string): void {
    // a send already waiting reads the state when it runs, so it carries this change too
    if (this.#waiting.has(contestId)) return;
    // the send under way may have read the state before this change: one more follows it
    if (this.#sending.has(contestId)) return void this.#sending.set(contestId, true);
    const next = this.#nextAt.get(contestId);
    const delay = next === undefined ? 0 : Math.max(0, next - this.#now());
    const timer = setTimeout(() => {
      this.#waiting.delete(contestId);
      this.#sending.set(contestId, false);
      const started = this.#now();
      void this.#send(contestId)
        .catch(() => undefined)
        .then(() => {
          const again = this.#sending.get(contestId);
          this.#sending.delete(contestId);
          const ended = this.#now();
          this.#nextAt.set(contestId, ended + Math.max(this.#intervalMs, ended - started));
          if (again) this.changed(contestId);
        });
    }, delay);
    timer.unref();
    this.#waiting.set(contestId, timer);
  }

  /** the contest's audience room is empty: nothing to pace (a send under way ends as it is; no other starts beside it) */
  forget(contestId: string): void {
    clearTimeout(this.#waiting.get(contestId));
    this.#waiting.delete(contestId);
    if (this.#sending.has(contestId)) this.#sending.set(contestId, false);
    this.#nextAt.delete(contestId);
  }
}
