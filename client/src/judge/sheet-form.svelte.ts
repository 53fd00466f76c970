import { saveDraft, type Scope } from './pending-sheets.ts';
import { stepIndex, totalText, valueText, type Rubric } from './rubric.ts';

/**
 * One judge's sheet for one presenter while it is being filled in. Each criterion holds a step
 * index (0 … steps) or null while the judge has not set it: only valid values can exist, and an
 * untouched item is visibly "not scored" and blocks submission.
 */
export class SheetForm {
  readonly rubric: Rubric;
  readonly presenter: string;
  readonly #scope: Scope;
  /** `at` of the stored sheet this one replaces (a reopened sheet), else null */
  readonly #basedOn: number | null;
  /** step index per criterion, in rubric order; null = not scored yet */
  indexes = $state<Array<number | null>>([]);

  total = $derived.by(() => totalText(this.rubric, this.indexes));
  missing = $derived(this.indexes.filter((i) => i === null).length);
  complete = $derived(this.missing === 0);

  constructor(rubric: Rubric, scope: Scope, presenter: string, basedOn: number | null, start: Record<string, string> | null) {
    this.rubric = rubric;
    this.#scope = scope;
    this.#basedOn = basedOn;
    this.presenter = presenter;
    this.indexes = rubric.criteria.map((c) => (start?.[c.key] === undefined ? null : stepIndex(rubric, c, start[c.key]!)));
  }

  /** sets criterion i to step index `index`, clamped to the rubric */
  set(i: number, index: number): void {
    const c = this.rubric.criteria[i];
    if (!c || !Number.isInteger(index)) return;
    this.indexes[i] = Math.min(c.steps, Math.max(0, index));
    this.#saveDraft();
  }

  /** back to "not scored" (a slider touch that turned out to be a scroll) */
  clear(i: number): void {
    if (i < 0 || i >= this.indexes.length) return;
    this.indexes[i] = null;
    this.#saveDraft();
  }

  /** one step up; from "not scored" the first step */
  increment(i: number): void {
    this.set(i, (this.indexes[i] ?? 0) + 1);
  }

  /** one step down; from "not scored" nothing */
  decrement(i: number): void {
    const at = this.indexes[i];
    if (at !== null && at !== undefined) this.set(i, at - 1);
  }

  /** replaces every value (a refused sheet the judge edits again) */
  fill(items: Record<string, string>): void {
    this.indexes = this.rubric.criteria.map((c) => (items[c.key] === undefined ? null : stepIndex(this.rubric, c, items[c.key]!)));
    this.#saveDraft();
  }

  value(i: number): string | null {
    const c = this.rubric.criteria[i];
    const at = this.indexes[i];
    return c && at !== null && at !== undefined ? valueText(this.rubric, c, at) : null;
  }

  #saveDraft(): void {
    saveDraft(this.#scope, this.presenter, { basedOn: this.#basedOn, items: this.items() });
  }

  /** criterion key → decimal text, for the criteria that are set */
  items(): Record<string, string> {
    const items: Record<string, string> = {};
    this.rubric.criteria.forEach((c, i) => {
      const v = this.value(i);
      if (v !== null) items[c.key] = v;
    });
    return items;
  }

  firstMissing(): number {
    return this.indexes.findIndex((i) => i === null);
  }
}
