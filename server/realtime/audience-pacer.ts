/**
 * Paces the sends to a contest's audience room: a hall of phones does not need every change of a
 * burst (22 judges submitting at once), only the latest state soon. The first change after a quiet
 * spell goes out at once; changes within `intervalMs` of the last send are folded into one send at
 * the end of the interval, which reads the state then: the last send always carries the latest
 * state.
 */
export class AudiencePacer {
  readonly #intervalMs: number;
  readonly #send: (contestId: string) => Promise<void>;
  readonly #now: () => number;
  /** contest → when its last send started */
  readonly #lastSent = new Map<string, number>();
  /** contests with a send waiting */
  readonly #waiting = new Map<string, NodeJS.Timeout>();

  constructor(intervalMs: number, send: (contestId: string) => Promise<void>, now: () => number = () => performance.now()) {
    this.#intervalMs = intervalMs;
    this.#send = send;
    this.#now = now;
  }

  /** the contest changed: its audience gets the state within `intervalMs` */
  changed(contestId: string): void {
    // a send already waiting reads the state when it runs, so it carries this change too
    if (this.#waiting.has(contestId)) return;
    const last = this.#lastSent.get(contestId);
    const delay = last === undefined ? 0 : Math.max(0, last + this.#intervalMs - this.#now());
    const timer = setTimeout(() => {
      this.#waiting.delete(contestId);
      this.#lastSent.set(contestId, this.#now());
      this.#send(contestId).catch(() => undefined);
    }, delay);
    timer.unref();
    this.#waiting.set(contestId, timer);
  }

  /** the contest's audience room is empty: nothing to pace */
  forget(contestId: string): void {
    clearTimeout(this.#waiting.get(contestId));
    this.#waiting.delete(contestId);
    this.#lastSent.delete(contestId);
  }
}
