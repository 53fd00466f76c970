import { ApiError } from '../api.ts';

/**
 * One thing a page reads from the server: its value, whether a read is under way, and the last
 * error in plain words. A newer read wins over an older one still on its way (filters changed
 * quickly), and a failed refresh keeps what was shown before.
 */
export class Resource<T> {
  value = $state.raw<T | null>(null);
  loading = $state(false);
  error = $state<{ message: string; status: number } | null>(null);
  #seq = 0;

  async load(read: () => Promise<T>): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const value = await read();
      if (seq !== this.#seq) return;
      this.value = value;
      this.error = null;
    } catch (error) {
      if (seq !== this.#seq) return;
      this.error =
        error instanceof ApiError ? { message: error.message, status: error.status } : { message: error instanceof Error ? error.message : String(error), status: 0 };
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }
}
