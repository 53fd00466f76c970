import type { JudgeSnapshot, OwnSheet, SheetReceipt } from '../../../server/contracts/snapshots.ts';
import type { AckErrorCode } from '../../../server/contracts/vocabulary.ts';
import type { Connection } from '../lib/connection.svelte.ts';
import { sameDecimal } from '../lib/decimal.ts';
import { dropDraft, dropPending, loadPending, newSubmissionId, savePending, type PendingSheet, type Scope } from './pending-sheets.ts';

/**
 * Delivers the judge's sheets. A sheet is saved to localStorage first, then sent; without an
 * answer (timeout, connection lost) or with `db_unavailable` it is sent again with the same
 * submissionId, on a timer and at every reconnect, until the server answers. "Received" is shown
 * only from the server's ok.
 */

export type Delivery =
  | { state: 'sending'; attempt: number }
  | { state: 'retrying'; attempt: number; why: 'offline' | 'timeout' | 'db_unavailable' }
  | { state: 'received'; receipt: SheetReceipt; /** snapshot version when the ok came */ version: number }
  | { state: 'refused'; code: AckErrorCode; message: string; /** the total the server already has */ serverTotal: string | null };

export interface OutboxEntry {
  sheet: PendingSheet;
  delivery: Delivery;
  /** false when this browser could not keep the sheet across a reload */
  saved: boolean;
}

const MAX_DELAY_MS = 10_000;

export class Outbox {
  /** presenter key → this session's latest sheet for that presenter */
  entries = $state.raw<Record<string, OutboxEntry>>({});

  readonly #conn: Connection<JudgeSnapshot>;
  #scope: Scope | null = null;
  readonly #inFlight = new Set<string>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(conn: Connection<JudgeSnapshot>) {
    this.#conn = conn;
  }

  /**
   * Called whenever the connection is (back) online with a snapshot: loads the outbox of this
   * contest and judge the first time, and sends everything not yet answered.
   */
  resume(scope: Scope): void {
    this.#adopt(scope);
    for (const [presenter, entry] of Object.entries(this.entries)) {
      if (entry.delivery.state === 'retrying' || entry.delivery.state === 'sending') void this.#send(presenter);
    }
  }

  /** the judge confirmed: keep the sheet, then send it */
  submit(scope: Scope, presenter: string, items: Record<string, string>, total: string): void {
    this.#adopt(scope);
    const sheet: PendingSheet = { presenter, items, total, submissionId: newSubmissionId(), createdAt: Date.now() };
    const saved = savePending(scope, sheet);
    dropDraft(scope, presenter);
    const delivery: Delivery = this.#conn.connected ? { state: 'sending', attempt: 1 } : { state: 'retrying', attempt: 1, why: 'offline' };
    this.#set(presenter, { sheet, saved, delivery });
    void this.#send(presenter);
  }

  /** forget a refused sheet (the judge read the message, or edits it again) */
  dismiss(presenter: string): void {
    const entry = this.entries[presenter];
    if (!entry || entry.delivery.state === 'sending' || entry.delivery.state === 'retrying') return;
    if (this.#scope) dropPending(this.#scope, presenter);
    const { [presenter]: _gone, ...rest } = this.entries;
    this.entries = rest;
  }

  /** send a refused sheet once more, as it was (e.g. after an `internal` error) */
  retry(presenter: string): void {
    const entry = this.entries[presenter];
    if (!entry || entry.delivery.state !== 'refused' || !this.#scope) return;
    const { refusal: _old, ...sheet } = entry.sheet;
    savePending(this.#scope, sheet);
    this.#set(presenter, { ...entry, sheet, delivery: { state: 'sending', attempt: 1 } });
    void this.#send(presenter);
  }

  /** the first time (or for another contest or judge), loads what the outbox kept */
  #adopt(scope: Scope): void {
    if (this.#scope && this.#scope.contest === scope.contest && this.#scope.judge === scope.judge) return;
    this.#scope = scope;
    const loaded: Record<string, OutboxEntry> = {};
    for (const sheet of loadPending(scope)) {
      loaded[sheet.presenter] = {
        sheet,
        saved: true,
        delivery: sheet.refusal
          ? { state: 'refused', code: sheet.refusal.code, message: sheet.refusal.message, serverTotal: null }
          : { state: 'retrying', attempt: 0, why: 'offline' },
      };
    }
    this.entries = loaded;
  }

  async #send(presenter: string): Promise<void> {
    if (this.#inFlight.has(presenter)) return;
    const entry = this.entries[presenter];
    if (!entry || !this.#scope) return;
    if (this.#conn.status === 'replaced' || this.#conn.status === 'refused') return;
    this.#clearTimer(presenter);
    this.#inFlight.add(presenter);
    try {
      await this.#deliver(presenter, entry);
    } finally {
      this.#inFlight.delete(presenter);
    }
  }

  /** one attempt, and what follows from the answer */
  async #deliver(presenter: string, entry: OutboxEntry): Promise<void> {
    const attempt = entry.delivery.state === 'retrying' || entry.delivery.state === 'sending' ? Math.max(1, entry.delivery.attempt) : 1;
    if (entry.delivery.state === 'retrying' && this.#conn.connected) this.#set(presenter, { ...entry, delivery: { state: 'sending', attempt } });
    const { sheet } = entry;
    const result = await this.#conn.send('sheet:submit', { presenter, items: sheet.items, submissionId: sheet.submissionId });
    const now = this.entries[presenter];
    if (!now || now.sheet.submissionId !== sheet.submissionId) return; // replaced meanwhile

    if (result.ok) return this.#received(presenter, result);
    const { code, message } = result.error;
    if (code === 'timeout' || code === 'db_unavailable' || code === 'rate_limited') {
      // no answer, not saved, or not taken yet: the same submission again (later), until the server answers
      const why = code === 'db_unavailable' ? 'db_unavailable' : this.#conn.connected ? 'timeout' : 'offline';
      this.#set(presenter, { ...now, delivery: { state: 'retrying', attempt: attempt + 1, why } });
      const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.min(attempt, 4));
      this.#timers.set(presenter, setTimeout(() => void this.#send(presenter), delay));
      return;
    }
    if (code === 'already_submitted') {
      // The server has a sheet of ours that this submissionId did not store (the host entered the
      // paper sheet, or another session sent it): the same value for every item means it is this one.
      const { sheet: stored, version } = await this.#serverSheet(presenter);
      const keys = new Set([...Object.keys(sheet.items), ...Object.keys(stored?.items ?? {})]);
      if (stored && [...keys].every((k) => stored.items[k] !== undefined && sheet.items[k] !== undefined && sameDecimal(stored.items[k], sheet.items[k]))) {
        return this.#received(presenter, { ok: true, sheetId: '', presenter, judge: this.#scope?.judge ?? '', total: stored.total, duplicate: true, at: stored.at, version });
      }
      return this.#refuse(presenter, code, message, stored?.total ?? null);
    }
    this.#refuse(presenter, code, message, null);
  }

  #received(presenter: string, receipt: SheetReceipt & { ok: true }): void {
    const entry = this.entries[presenter];
    if (!entry) return;
    if (this.#scope) dropPending(this.#scope, presenter);
    const { ok: _ok, ...plain } = receipt;
    this.#set(presenter, { ...entry, delivery: { state: 'received', receipt: plain, version: this.#conn.snapshot?.version ?? 0 } });
  }

  #refuse(presenter: string, code: AckErrorCode, message: string, serverTotal: string | null): void {
    const entry = this.entries[presenter];
    if (!entry) return;
    const sheet: PendingSheet = { ...entry.sheet, refusal: { code, message } };
    if (this.#scope) savePending(this.#scope, sheet);
    this.#set(presenter, { ...entry, sheet, delivery: { state: 'refused', code, message, serverTotal } });
  }

  /** this judge's stored sheet for the presenter, from a fresh snapshot when the server gives one, and that snapshot's version */
  async #serverSheet(presenter: string): Promise<{ sheet: OwnSheet | null; version: number }> {
    const fresh = await this.#conn.send('contest:sync', {});
    const snapshot = fresh.ok && fresh.snapshot.role === 'judge' ? fresh.snapshot : this.#conn.snapshot;
    return { sheet: snapshot?.sheets.find((s) => s.presenter === presenter) ?? null, version: snapshot?.version ?? 0 };
  }

  #set(presenter: string, entry: OutboxEntry): void {
    this.entries = { ...this.entries, [presenter]: entry };
  }

  #clearTimer(presenter: string): void {
    const timer = this.#timers.get(presenter);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(presenter);
  }
}
