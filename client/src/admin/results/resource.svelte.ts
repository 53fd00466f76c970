import type { ResultsAnswer } from '../../../../server/contracts/admin-api.ts';
import type { ResultsTable } from '../../../../server/contracts/reports.ts';
import { primeGlyphs } from '../../lib/glyphs.ts';
import { api, ApiError } from '../api.ts';
import { refusalText } from '../refusals.ts';
import { titles } from '../titles.svelte.ts';
import { tableText } from './results-model.ts';

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
      this.error = { message: refusalText(error), status: error instanceof ApiError ? error.status : 0 };
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }
}

/**
 * A contest's results table, for the results page and the sign-off sheets (the same table): read
 * when the page opens and whenever `id` changes, and again on `reload()`. Call it while the page
 * component is being set up.
 */
export function contestResults(id: () => string): { results: Resource<ResultsTable>; reload: () => Promise<void> } {
  const results = new Resource<ResultsTable>();
  const reload = () =>
    results.load(async () => {
      const answer = await api<ResultsAnswer>(`/contests/${encodeURIComponent(id())}/results`);
      primeGlyphs(tableText(answer.results));
      titles.set(id(), answer.results.title);
      return answer.results;
    });
  $effect(() => {
    void id();
    void reload();
  });
  return { results, reload };
}
