import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

/**
 * How often votes are taken, on top of each socket's event budget (event-budget.ts): per voter (a
 * phone that reconnects gets a new socket but keeps its voter id) and per client address. A hall
 * on one Wi-Fi shares an address, so the address limit is far above what its phones send together
 * and only stops a script.
 */
const VOTE_LIMITS = {
  /** votes per voter in a 10 s window: changing one's mind a few times a second is still allowed */
  perVoter: 20,
  /** votes per address in a 10 s window (a venue behind one NAT: 1,000 phones voting twice) */
  perAddress: 2000,
  windowSeconds: 10,
} as const;

export class VoteLimits {
  readonly #voters = new RateLimiterMemory({ points: VOTE_LIMITS.perVoter, duration: VOTE_LIMITS.windowSeconds });
  readonly #addresses = new RateLimiterMemory({ points: VOTE_LIMITS.perAddress, duration: VOTE_LIMITS.windowSeconds });

  /** Takes one vote from both budgets; refuses with rate_limited when either is spent. */
  async take(voter: string, address: string): Promise<void> {
    try {
      await this.#addresses.consume(address);
      await this.#voters.consume(voter);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.ceil(error.msBeforeNext / 1000);
      throw new AppError('rate_limited', `too many votes from this phone or network; nothing was stored, wait ${seconds} s and vote again`);
    }
  }
}
