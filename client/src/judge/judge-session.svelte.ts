import type { JudgeSnapshot, OwnSheet } from '../../../server/contracts/snapshots.ts';
import type { Connection } from '../lib/connection.svelte.ts';
import { Outbox } from './outbox.svelte.ts';
import { loadDraft, type Scope } from './pending-sheets.ts';
import { makeRubric } from './rubric.ts';
import { SheetForm } from './sheet-form.svelte.ts';

/**
 * Everything the judge's page keeps while it is open: the connection, the outbox, the sheets
 * being filled in (one per presenter, so a new snapshot never wipes what the judge has set), and
 * which presenter the judge is looking at.
 */
export class JudgeSession {
  readonly conn: Connection<JudgeSnapshot>;
  readonly outbox: Outbox;
  readonly #forms = new Map<string, SheetForm>();

  /** a presenter the judge chose to look at, remembered only while the same presenter is on stage */
  #chosen = $state<{ presenter: string; whileCurrent: string | null } | null>(null);

  /** "contest\njudge" while online with a snapshot, else null: the outbox resumes when it turns on */
  readyScope = $derived.by(() => {
    const snapshot = this.conn.snapshot;
    return this.conn.status === 'online' && snapshot ? `${snapshot.contest.id}\n${snapshot.judge.key}` : null;
  });

  /** the presenter the page shows: the judge's choice, else the one on stage */
  shown = $derived.by(() => {
    const snapshot = this.conn.snapshot;
    if (!snapshot) return null;
    const chosen = this.#chosen;
    const key = chosen && chosen.whileCurrent === snapshot.current ? chosen.presenter : snapshot.current;
    return snapshot.presenters.find((p) => p.key === key) ?? null;
  });

  constructor(conn: Connection<JudgeSnapshot>) {
    this.conn = conn;
    this.outbox = new Outbox(conn);
  }

  static scopeOf(ready: string): Scope {
    const [contest = '', judge = ''] = ready.split('\n');
    return { contest, judge };
  }

  show(presenter: string | null): void {
    const current = this.conn.snapshot?.current ?? null;
    this.#chosen = presenter === null || presenter === current ? null : { presenter, whileCurrent: current };
  }

  /** the sheet being filled in for this presenter; starts from a saved draft, else the previous sheet */
  form(snapshot: JudgeSnapshot, presenter: string, previous: OwnSheet | null): SheetForm {
    let form = this.#forms.get(presenter);
    if (!form) {
      const scope = { contest: snapshot.contest.id, judge: snapshot.judge.key };
      const basedOn = previous?.at ?? null;
      form = new SheetForm(makeRubric(snapshot.criteria), scope, presenter, basedOn, loadDraft(scope, presenter, basedOn) ?? previous?.items ?? null);
      this.#forms.set(presenter, form);
    }
    return form;
  }

  /** the judge confirmed the sheet */
  submit(snapshot: JudgeSnapshot, form: SheetForm): void {
    this.outbox.submit({ contest: snapshot.contest.id, judge: snapshot.judge.key }, form.presenter, form.items(), form.total);
    this.#forms.delete(form.presenter);
  }
}
