import { RateLimiterMemory } from 'rate-limiter-flexible';

/**
 * Counts failed attempts (wrong tokens) per client address. Past the limit, the address is refused
 * even with a right token until the window passes: guessing tokens gets nowhere. Only failures
 * count, so judges with good links are never slowed.
 */
export class FailedAttempts {
  readonly #limiter: RateLimiterMemory;
  readonly #points: number;

  constructor(points: number, windowSeconds: number) {
    this.#points = points;
    this.#limiter = new RateLimiterMemory({ points, duration: windowSeconds });
  }

  /** true while this address has used up its failures */
  async blocked(address: string): Promise<boolean> {
    const state = await this.#limiter.get(address);
    return state !== null && state.consumedPoints >= this.#points;
  }

  async fail(address: string): Promise<void> {
    await this.#limiter.penalty(address, 1);
  }
}
