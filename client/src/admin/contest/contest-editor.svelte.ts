import type { ContestDetailAnswer, CreatedContestAnswer } from '../../../../server/admin-api.ts';
import { lang } from '../../lib/i18n.ts';
import { primeGlyphs } from '../../lib/glyphs.ts';
import { api, ApiError } from '../api.ts';
import { blankDraft, fromContestFile, toContestFile, type ContestDraft } from '../editor/draft.ts';
import { problemsByPath, validateDraft, type Problem } from '../editor/validate.ts';
import { t } from '../messages.ts';
import { router, type ContestTab } from '../router.svelte.ts';
import { titles } from '../titles.svelte.ts';

/** which tab shows the field a problem is about */
export function tabOf(path: string): ContestTab {
  if (path.startsWith('presenters')) return 'presenters';
  if (path.startsWith('judges')) return 'judges';
  return 'rules';
}

/**
 * One contest being edited: what the server has (`detail`, with its status), the organiser's copy
 * (`draft`, every number as typed), the problems found in it, and saving it back whole (PUT), or
 * creating it (POST) when it is new.
 */
export class ContestEditor {
  /** null while the contest is new (not saved yet) */
  id = $state<string | null>(null);
  detail = $state.raw<ContestDetailAnswer | null>(null);
  draft = $state<ContestDraft | null>(null);
  loadError = $state<string | null>(null);
  saving = $state(false);
  /** the server's refusal of the last save */
  saveError = $state<string | null>(null);
  /** the draft as last loaded or saved, to tell unsaved changes */
  #savedJson = $state('');
  savedAt = $state<number | null>(null);

  problems: Problem[] = $derived(this.draft ? validateDraft(this.draft, lang) : []);
  byPath = $derived(problemsByPath(this.problems));
  dirty = $derived(this.draft !== null && JSON.stringify(this.draft) !== this.#savedJson);
  /** why rules, panels, judges and the running order can no longer change; null while they can */
  lockedBecause = $derived(this.detail?.status.lockedBecause ?? null);
  locked = $derived(this.lockedBecause !== null);
  problemsByTab = $derived.by(() => {
    const counts: Record<ContestTab, number> = { rules: 0, presenters: 0, judges: 0, order: 0, links: 0 };
    for (const p of this.problems) counts[tabOf(p.path)]++;
    return counts;
  });

  constructor(id: string | null) {
    this.id = id;
    if (id === null) this.#take(null, blankDraft());
    else void this.load();
  }

  /** messages for the field at path (next to it) */
  at(path: string): string[] {
    return this.byPath.get(path) ?? [];
  }

  async load(): Promise<void> {
    if (this.id === null) return;
    this.loadError = null;
    try {
      const answer = await api<ContestDetailAnswer>(`/contests/${this.id}`);
      this.#take(answer, fromContestFile(answer.file));
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
    }
  }

  /** the server's status again (after a refusal: has the contest started meanwhile?), keeping the draft */
  async refreshStatus(): Promise<void> {
    if (this.id === null) return;
    try {
      const answer = await api<ContestDetailAnswer>(`/contests/${this.id}`);
      this.detail = answer;
    } catch {
      // the refusal message is already on screen
    }
  }

  #take(detail: ContestDetailAnswer | null, draft: ContestDraft): void {
    this.detail = detail;
    this.draft = draft;
    this.#savedJson = JSON.stringify(draft);
    if (detail && this.id) titles.set(this.id, detail.file.title);
    primeGlyphs([draft.title, ...draft.presenters.flatMap((p) => [p.name, p.unit, p.topic]), ...draft.judges.map((j) => j.name)].join(''));
  }

  /** a panel's key changed from `from` to `to`: its judges and the tie-break follow */
  renamePanel(from: string, to: string): void {
    const draft = this.draft;
    if (!draft || from === to || from === '' || draft.panels.filter((p) => p.key === to).length > 1) return;
    for (const j of draft.judges) if (j.panel === from) j.panel = to;
    draft.tieBreak = draft.tieBreak.map((k) => (k === from ? to : k));
  }

  /** a judge's key changed: the presenters who recuse them follow */
  renameJudge(from: string, to: string): void {
    const draft = this.draft;
    if (!draft || from === to || from === '' || draft.judges.filter((j) => j.key === to).length > 1) return;
    for (const p of draft.presenters) p.recused = p.recused.map((k) => (k === from ? to : k));
  }

  /** a judge goes, and with them their recusals */
  removeJudge(index: number): void {
    const draft = this.draft;
    const key = draft?.judges[index]?.key;
    if (!draft || key === undefined) return;
    draft.judges.splice(index, 1);
    if (!draft.judges.some((j) => j.key === key)) for (const p of draft.presenters) if (p.recused.includes(key)) p.recused = p.recused.filter((k) => k !== key);
  }

  /** a panel goes, and with it its place in the tie-break (its judges must be moved: they show as problems) */
  removePanel(index: number): void {
    const draft = this.draft;
    const key = draft?.panels[index]?.key;
    if (!draft || key === undefined) return;
    draft.panels.splice(index, 1);
    if (!draft.panels.some((p) => p.key === key)) draft.tieBreak = draft.tieBreak.filter((k) => k !== key);
  }

  /** back to what the server has */
  discard(): void {
    if (this.detail) this.#take(this.detail, fromContestFile(this.detail.file));
    else this.#take(null, blankDraft());
    this.saveError = null;
  }

  async save(): Promise<boolean> {
    if (!this.draft || this.saving) return false;
    this.saveError = null;
    if (this.problems.length > 0) {
      this.saveError = t('saveHasProblems', { n: this.problems.length });
      return false;
    }
    const file = toContestFile($state.snapshot(this.draft));
    this.saving = true;
    try {
      if (this.id === null) {
        const created = await api<CreatedContestAnswer>('/contests', { method: 'POST', json: file });
        this.#savedJson = JSON.stringify(this.draft);
        titles.set(created.id, file.title);
        router.go({ page: 'contest', id: created.id }, { replace: true, notice: t('createdNotice', { title: file.title }) });
        return true;
      }
      const answer = await api<ContestDetailAnswer>(`/contests/${this.id}`, { method: 'PUT', json: file });
      this.#take(answer, fromContestFile(answer.file));
      this.savedAt = Date.now();
      return true;
    } catch (error) {
      this.saveError = error instanceof ApiError ? (error.status === 401 ? t('saveNeedsLogin') : t('saveRefused', { message: error.message })) : String(error);
      if (error instanceof ApiError && error.status === 409) await this.refreshStatus();
      return false;
    } finally {
      this.saving = false;
    }
  }
}
