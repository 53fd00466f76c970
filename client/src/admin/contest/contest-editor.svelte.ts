import type { ContestDetailAnswer, CreatedContestAnswer } from '../../../../server/contracts/admin-api.ts';
import type { ContestFile } from '../../../../server/contest-file/contest-file.schema.ts';
import { lang } from '../../lib/i18n.ts';
import { primeGlyphs } from '../../lib/glyphs.ts';
import { api, ApiError } from '../api.ts';
import { blankDraft, fromContestFile, toContestFile, type ContestDraft } from '../editor/draft.ts';
import { problemsByPath, validateDraft, type Problem } from '../editor/validate.ts';
import { t } from '../messages.ts';
import { refusal, refusalText, type Refusal } from '../refusals.ts';
import { router, type ContestTab } from '../router.svelte.ts';
import { titles } from '../titles.svelte.ts';

/** which tab shows the field a problem is about */
export function tabOf(path: string): ContestTab {
  if (path.startsWith('presenters')) return 'presenters';
  if (path.startsWith('judges')) return 'judges';
  return 'rules';
}

/** what a draft may still change once the contest has started: the title and presenters' name, unit and topic */
function keepAllowedWhenLocked(mine: ContestDraft, server: ContestDraft): ContestDraft {
  const kept = structuredClone(server);
  kept.title = mine.title;
  for (const p of kept.presenters) {
    const typed = mine.presenters.find((m) => m.key === p.key);
    if (typed) {
      p.name = typed.name;
      p.unit = typed.unit;
      p.topic = typed.topic;
    }
  }
  return kept;
}

/**
 * which kinds of changes in `sent` (the file a refused save sent) a started contest cannot take,
 * compared with what the server has (both as files, so "100" and "100.0" are the same)
 */
function lockedKindsChanged(sent: ContestFile, server: ContestFile): Array<'rules' | 'judges' | 'order' | 'presenters'> {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const stored = toContestFile(fromContestFile(server));
  const kinds: Array<'rules' | 'judges' | 'order' | 'presenters'> = [];
  if (!same(sent.rules, stored.rules)) kinds.push('rules');
  if (!same(sent.judges, stored.judges)) kinds.push('judges');
  const orderOf = (file: ContestFile) => new Map(file.presenters.map((p) => [p.key, p.order ?? null]));
  const sentOrder = orderOf(sent);
  const storedOrder = orderOf(stored);
  if ([...sentOrder].some(([key, order]) => storedOrder.has(key) && storedOrder.get(key) !== order)) kinds.push('order');
  const people = (file: ContestFile) => file.presenters.map((p) => [p.key, [...(p.recused ?? [])].sort()]);
  if (!same(people(sent), people(stored))) kinds.push('presenters');
  return kinds;
}

const KIND_WORD = { rules: 'droppedRules', judges: 'droppedJudges', order: 'droppedOrder', presenters: 'droppedPresenters' } as const;

/** "规则、评委和出场顺序" */
function listWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return words.slice(0, -1).join(t('listSep')) + t('listAnd') + words[words.length - 1]!;
}

/** the server's refusal of a save, in the page's words, once: the text may already say it was not saved */
function saveRefusal(error: unknown): Refusal {
  const { text, details } = refusal(error);
  return { text: /^(没有保存|未保存|not saved)/i.test(text.trim()) ? text : t('saveRefused', { message: text }), details };
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
  /** an import or a draw of lots is being applied on the server; the editor reloads after it */
  applying = $state(false);
  /** the draft cannot be typed into: what is typed now would be overwritten by the answer */
  busy = $derived(this.saving || this.applying);
  /** the server's refusal of the last save */
  saveError = $state<string | null>(null);
  /** the server's own words about the last refused save, for a technician */
  saveErrorDetails = $state<string | null>(null);
  /** the revision of the contest the draft was loaded from, sent back with a save (If-Match) */
  revision = $state<string | null>(null);
  /** the contest changed on the server since the draft was loaded: a save is refused; the draft is kept until 重新载入 */
  stale = $state(false);
  /** after a save refused because the contest has started: which changes were dropped from the draft */
  droppedNotice = $state<string | null>(null);
  reloading = $state(false);
  /** the draft as last loaded or saved, to tell unsaved changes */
  #savedJson = $state('');
  savedAt = $state<number | null>(null);

  problems: Problem[] = $derived(this.draft ? validateDraft(this.draft, lang) : []);
  byPath = $derived(problemsByPath(this.problems));
  dirty = $derived(this.draft !== null && JSON.stringify(this.draft) !== this.#savedJson);
  /** why rules, panels, judges and the running order can no longer change; null while they can */
  lockedBecause = $derived(this.detail?.status.lockedBecause ?? null);
  locked = $derived(this.lockedBecause !== null);
  /** the organiser asked to see the internal keys (代码) the tables otherwise leave out */
  showKeys = $state(false);
  /** keys are shown when asked for, and whenever one has a problem (so the message sits next to it) */
  keysShown = $derived(this.showKeys || this.problems.some((p) => p.path.endsWith('.key')));
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
      this.saveError = null;
    } catch (error) {
      this.loadError = refusalText(error);
    }
  }

  /** 重新载入: what the server has now, after asking when that drops unsaved changes */
  async reload(): Promise<void> {
    if (this.busy || this.reloading) return;
    if (this.dirty && !confirm(t('reloadUnsaved'))) return;
    this.reloading = true;
    try {
      await this.load();
    } finally {
      this.reloading = false;
    }
  }

  #refreshedAt = 0;

  /**
   * The window is looked at again: the server's status (has the host started meanwhile?), so the
   * lock shows before anything is typed. Not more than once a second, never during a save.
   */
  refreshOnReturn(): void {
    if (this.id === null || !this.detail || this.busy || Date.now() - this.#refreshedAt < 1000) return;
    this.#refreshedAt = Date.now();
    void this.refreshStatus(true);
  }

  /**
   * the server's status again (after a refusal, or on coming back to the window), keeping the
   * draft. When the contest itself changed meanwhile, an untouched draft takes the new version
   * (nothing typed is lost); a draft with changes is kept and marked stale (its save would be refused).
   */
  async refreshStatus(quiet = false): Promise<void> {
    if (this.id === null) return;
    const loadedFrom = this.revision;
    try {
      const answer = await api<ContestDetailAnswer>(`/contests/${this.id}`);
      // a save or a load answered meanwhile: that answer is newer than this one
      if (this.revision !== loadedFrom || !this.detail || (quiet && this.busy)) return;
      if (answer.revision === this.revision) this.detail = { ...this.detail, status: answer.status };
      else if (!this.dirty && !this.busy) this.#take(answer, fromContestFile(answer.file));
      else {
        this.detail = { ...this.detail, status: answer.status };
        this.stale = true;
      }
    } catch {
      // a refusal message is already on screen, or the next look will try again
    }
  }

  /** the server's contest (detail) and the editor's copy of it; `saved` is what the draft is compared with to tell unsaved changes */
  #take(detail: ContestDetailAnswer | null, draft: ContestDraft, saved: ContestDraft = draft): void {
    this.detail = detail;
    this.revision = detail?.revision ?? null;
    this.stale = false;
    this.droppedNotice = null;
    this.draft = draft;
    this.#savedJson = JSON.stringify(saved);
    if (detail && this.id) titles.set(this.id, detail.file.title);
    primeGlyphs([draft.title, ...draft.presenters.flatMap((p) => [p.name, p.unit, p.topic]), ...draft.judges.map((j) => j.name)].join(''));
  }

  /** an import or a draw of lots on the server, the draft read-only until its answer (and the reload after it) is in */
  async whileApplying<T>(work: () => Promise<T>): Promise<T> {
    this.applying = true;
    try {
      return await work();
    } finally {
      this.applying = false;
    }
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
    for (const p of draft.presenters) {
      p.recused = p.recused.map((k) => (k === from ? to : k));
      p.absent = p.absent.map((k) => (k === from ? to : k));
    }
  }

  /** a judge goes, and with them their recusals */
  removeJudge(index: number): void {
    const draft = this.draft;
    const key = draft?.judges[index]?.key;
    if (!draft || key === undefined) return;
    draft.judges.splice(index, 1);
    if (!draft.judges.some((j) => j.key === key)) {
      for (const p of draft.presenters) {
        if (p.recused.includes(key)) p.recused = p.recused.filter((k) => k !== key);
        if (p.absent.includes(key)) p.absent = p.absent.filter((k) => k !== key);
      }
    }
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
    this.saveError = null;
    // what this page last read is out of date: read it again
    if (this.stale) void this.load();
    else if (this.detail) this.#take(this.detail, fromContestFile(this.detail.file));
    else this.#take(null, blankDraft());
  }

  /**
   * A save refused because the contest has started: the draft becomes the server's file with what
   * can still change carried over (title; presenters' name, unit, topic), and the notice says what
   * was dropped. False when the server cannot be read or the contest is not locked after all.
   */
  async #keepWhatIsAllowed(mine: ContestDraft, sent: ContestFile): Promise<boolean> {
    let answer: ContestDetailAnswer;
    try {
      answer = await api<ContestDetailAnswer>(`/contests/${this.id}`);
    } catch {
      return false;
    }
    if (!answer.status.lockedBecause) return false;
    const server = fromContestFile(answer.file);
    const kinds = lockedKindsChanged(sent, answer.file);
    this.#take(answer, keepAllowedWhenLocked(mine, server), server);
    const dropped = kinds.length > 0 ? t('lockedDropped', { what: listWords(kinds.map((k) => t(KIND_WORD[k]))) }) : t('lockedDroppedSome');
    this.droppedNotice = this.dirty ? `${dropped}${t('lockedKept')}` : dropped;
    return true;
  }

  async save(): Promise<boolean> {
    if (!this.draft || this.saving) return false;
    this.saveError = null;
    if (this.problems.length > 0) {
      this.saveError = t('saveHasProblems', { n: this.problems.length });
      return false;
    }
    const mine = $state.snapshot(this.draft);
    const file = toContestFile(mine);
    this.saving = true;
    this.droppedNotice = null;
    try {
      if (this.id === null) {
        const created = await api<CreatedContestAnswer>('/contests', { method: 'POST', json: file });
        this.#savedJson = JSON.stringify(this.draft);
        titles.set(created.id, file.title);
        router.go({ page: 'contest', id: created.id }, { replace: true, notice: t('createdNotice', { title: file.title }) });
        return true;
      }
      // the revision the draft was loaded from: a save on an older picture (lots drawn, a list imported) is refused
      const headers = this.revision ? { 'if-match': `"${this.revision}"` } : undefined;
      const answer = await api<ContestDetailAnswer>(`/contests/${this.id}`, { method: 'PUT', json: file, headers });
      this.#take(answer, fromContestFile(answer.file));
      this.savedAt = Date.now();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'stale_version') {
        // never overwrite what changed meanwhile: the draft stays, the notice offers 重新载入
        this.stale = true;
        await this.refreshStatus();
        this.stale = true;
        return false;
      }
      if (error instanceof ApiError && error.status === 409 && error.code === 'conflict' && (await this.#keepWhatIsAllowed(mine, file))) return false;
      const refused = error instanceof ApiError && error.status === 401 ? { text: t('saveNeedsLogin'), details: null } : saveRefusal(error);
      this.saveError = refused.text;
      this.saveErrorDetails = refused.details;
      if (error instanceof ApiError && error.status === 409) await this.refreshStatus();
      return false;
    } finally {
      this.saving = false;
    }
  }
}
