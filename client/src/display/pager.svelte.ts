/**
 * Turns pages by itself when a list is longer than a screen: the projector has no controls.
 * `start()` when shown, `stop()` when gone.
 */
export class Pager {
  #tick = $state(0);
  readonly #pages: () => number;
  readonly #periodMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(pages: () => number, periodMs = 12_000) {
    this.#pages = pages;
    this.#periodMs = periodMs;
  }

  readonly pages = $derived.by(() => Math.max(1, this.#pages()));
  /** 0-based page on screen */
  readonly page = $derived(this.#tick % this.pages);

  start(): void {
    this.stop();
    this.#timer = setInterval(() => {
      if (this.pages > 1) this.#tick += 1;
    }, this.#periodMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
