import type { ClockInfo } from '../../../server/contracts/snapshots.ts';
import { clockReading } from '../lib/talk-clock.ts';
import { countdownText, elapsedText } from './format.ts';

/** the clock of the snapshot, and whether that snapshot can be trusted right now */
export interface ClockSource {
  clock: ClockInfo | null;
  /** true while the connection is stale: the clock stands still rather than run on old data */
  frozen: boolean;
}

export type ClockMood = 'normal' | 'warning' | 'overrun' | 'untimed';

const LAST_MINUTE_MS = 60_000;

/**
 * The talk clock as the hall sees it. Runs locally between snapshots from the server's
 * `runningSince`/`elapsedMs` and the server's time (device time corrected by the connection), never
 * from the device clock alone. `start()` when shown, `stop()` when gone.
 */
export class TalkClock {
  /** server epoch ms as of the last tick */
  #now = $state(0);
  readonly #source: () => ClockSource;
  readonly #serverNow: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(source: () => ClockSource, serverNow: () => number) {
    this.#source = source;
    this.#serverNow = serverNow;
    this.#now = serverNow();
  }

  start(intervalMs = 100): void {
    this.stop();
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (!this.#source().frozen) this.#now = this.#serverNow();
  }

  readonly running = $derived.by(() => this.#source().clock?.runningSince != null);

  readonly elapsedMs = $derived.by(() => {
    const clock = this.#source().clock;
    return clock ? clockReading(clock, this.#now).elapsedMs : 0;
  });

  readonly limitMs = $derived.by(() => this.#source().clock?.limitMs ?? null);

  readonly mood: ClockMood = $derived.by(() => {
    if (this.limitMs === null) return 'untimed';
    const left = this.limitMs - this.elapsedMs;
    if (left < 0) return 'overrun';
    return left <= LAST_MINUTE_MS ? 'warning' : 'normal';
  });

  /** the big digits: time left, time over the limit, or time run when there is no limit */
  readonly text = $derived.by(() => {
    if (this.limitMs === null) return elapsedText(this.elapsedMs, true);
    if (this.mood === 'overrun') return `+${elapsedText(this.elapsedMs - this.limitMs)}`;
    return countdownText(this.limitMs - this.elapsedMs);
  });

  /** 0..1 of the limit used, for the progress line under the digits */
  readonly fraction = $derived(this.limitMs ? Math.min(1, this.elapsedMs / this.limitMs) : 0);
}
