import { halfWidth } from '../lib/decimal.ts';
import { itemProblem, type ItemProblem } from '../lib/score-text.ts';
import { saveDraft, type Scope } from './pending-sheets.ts';
import { stepIndex, totalText, valueText, type Rubric } from './rubric.ts';

/** "18." on the way to "18.5": not a value yet, and not a mistake to point at either */
const TYPING = /^\d+[.．。]$/;

/**
 * One judge's sheet for one presenter while it is being filled in. Each criterion's field holds
 * text: typed on the number pad, or set by the slider, − / + or a quick choice (which only make
 * valid values). Empty is "not scored"; text the rubric does not allow (over the max, off the
 * step) is a problem shown next to the field. Either blocks submission.
 */
export class SheetForm {
  readonly rubric: Rubric;
  readonly presenter: string;
  readonly #scope: Scope;
  /** `at` of the stored sheet this one replaces (a reopened sheet), else null */
  readonly #basedOn: number | null;
  /** what each criterion's field holds, in rubric order; '' = not scored yet */
  texts = $state<string[]>([]);

  /** step index per criterion, in rubric order; null while empty, being typed, or not allowed */
  indexes = $derived.by(() => this.texts.map((text, i) => this.#index(i, text)));
  /** what is wrong with each field's text; null when it is a value, empty, or still being typed */
  problems = $derived.by(() => this.texts.map((text, i): ItemProblem | null => this.#problem(i, text)));
  total = $derived.by(() => totalText(this.rubric, this.indexes));
  /** fields with a value the rubric does not allow */
  invalid = $derived(this.problems.filter((p) => p !== null).length);
  /** fields not scored yet (empty or half typed) */
  missing = $derived(this.indexes.filter((i, k) => i === null && this.problems[k] === null).length);
  complete = $derived(this.missing === 0 && this.invalid === 0);

  constructor(rubric: Rubric, scope: Scope, presenter: string, basedOn: number | null, start: Record<string, string> | null) {
    this.rubric = rubric;
    this.#scope = scope;
    this.#basedOn = basedOn;
    this.presenter = presenter;
    this.texts = rubric.criteria.map((c) => start?.[c.key] ?? '');
  }

  #problem(i: number, text: string): ItemProblem | null {
    const c = this.rubric.criteria[i];
    const typed = halfWidth(text);
    if (!c || typed === '' || TYPING.test(typed)) return null;
    return itemProblem(typed, c);
  }

  #index(i: number, text: string): number | null {
    const c = this.rubric.criteria[i];
    if (!c || this.#problem(i, text) !== null) return null;
    const typed = halfWidth(text);
    return typed === '' || TYPING.test(typed) ? null : stepIndex(this.rubric, c, typed);
  }

  /** sets criterion i to step index `index`, clamped to the rubric */
  set(i: number, index: number): void {
    const c = this.rubric.criteria[i];
    if (!c || !Number.isInteger(index)) return;
    this.texts[i] = valueText(this.rubric, c, Math.min(c.steps, Math.max(0, index)));
    this.#saveDraft();
  }

  /** what the judge typed into criterion i's field, as it is (checked, not changed, while typing) */
  enter(i: number, text: string): void {
    if (i < 0 || i >= this.texts.length) return;
    this.texts[i] = text;
    this.#saveDraft();
  }

  /** the judge left the field: a valid value is written the usual way ("18.50" → "18.5", "18." → "18") */
  settle(i: number): void {
    const typed = halfWidth(this.texts[i] ?? '').replace(/\.$/, '');
    const c = this.rubric.criteria[i];
    if (!c) return;
    if (typed === '') this.texts[i] = '';
    else if (itemProblem(typed, c) === null) this.set(i, stepIndex(this.rubric, c, typed) ?? 0);
  }

  /** back to "not scored" (a slider touch that turned out to be a scroll) */
  clear(i: number): void {
    if (i < 0 || i >= this.texts.length) return;
    this.texts[i] = '';
    this.#saveDraft();
  }

  /** one step up; from "not scored" (or a value not allowed) the first step */
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
    this.texts = this.rubric.criteria.map((c) => items[c.key] ?? '');
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

  /** criterion key → decimal text, for the criteria that hold a valid value */
  items(): Record<string, string> {
    const items: Record<string, string> = {};
    this.rubric.criteria.forEach((c, i) => {
      const v = this.value(i);
      if (v !== null) items[c.key] = v;
    });
    return items;
  }

  /** the first criterion that is not scored or not allowed, or -1 */
  firstMissing(): number {
    return this.indexes.findIndex((i) => i === null);
  }
}
