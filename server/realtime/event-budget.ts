/**
 * How many events one socket may send: a token bucket. Honest clients stay far below it (a host
 * clicking as fast as a hand can, with a resync after each refusal, is a few events a second; a
 * judge's phone after a reconnect re-sends its few unacknowledged sheets); a script flooding the
 * server is refused cheaply, before anything is parsed or built, and a socket that keeps on far past
 * its limit is closed.
 */
export const EVENT_LIMITS = {
  /** events at once, after a quiet spell */
  burst: 60,
  /** events a second, sustained */
  perSecond: 20,
  /** refused events beyond the limit (each one is owed back at perSecond) after which the socket is closed */
  closeAfter: 300,
} as const;

export type Verdict = 'allowed' | 'refused' | 'close';

export class EventBudget {
  #tokens: number = EVENT_LIMITS.burst;
  #at: number;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#at = now();
  }

  /** One event: allowed, refused (the bucket is empty), or close (refused far past the limit). */
  take(): Verdict {
    const now = this.#now();
    this.#tokens = Math.min(EVENT_LIMITS.burst, this.#tokens + ((now - this.#at) / 1000) * EVENT_LIMITS.perSecond);
    this.#at = now;
    // a refused event is owed too: a flood digs the socket deeper, so waiting is the only way back
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 'allowed';
    return this.#tokens < -EVENT_LIMITS.closeAfter ? 'close' : 'refused';
  }
}
