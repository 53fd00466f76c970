import { SvelteMap } from 'svelte/reactivity';
import type { ContestDetailAnswer } from '../../../server/contracts/admin-api.ts';
import { primeGlyphs } from '../lib/glyphs.ts';
import { api } from './api.ts';

/**
 * Contest titles by id, for the breadcrumbs and the page title: filled by the pages that load a
 * contest or the list, and asked of the server for a page that does not (results, audit, …).
 */
class ContestTitles {
  readonly #titles = new SvelteMap<string, string>();
  readonly #asked = new Set<string>();

  get(id: string): string | null {
    return this.#titles.get(id) ?? null;
  }

  set(id: string, title: string): void {
    primeGlyphs(title);
    if (this.#titles.get(id) !== title) this.#titles.set(id, title);
  }

  /** asks the server once for a title not known yet */
  ensure(id: string): void {
    if (this.#titles.has(id) || this.#asked.has(id)) return;
    this.#asked.add(id);
    api<ContestDetailAnswer>(`/contests/${id}`)
      .then((answer) => this.set(id, answer.file.title))
      .catch(() => this.#asked.delete(id));
  }
}

export const titles = new ContestTitles();
