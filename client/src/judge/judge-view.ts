import type { JudgePresenter, JudgeSnapshot, OwnSheet } from '../../../server/contracts/snapshots.ts';
import type { AckErrorCode } from '../../../server/contracts/vocabulary.ts';
import type { OutboxEntry } from './outbox.svelte.ts';

/** What the judge's page shows for one presenter, worked out from the snapshot and the outbox. */

export type SheetView =
  | { kind: 'recused' }
  /** the host marked this judge absent (缺席) for this presenter */
  | { kind: 'absent' }
  /** a sheet this device sent: on its way, refused, or acknowledged */
  | { kind: 'delivery'; entry: OutboxEntry }
  /** the judge may fill in (or, reopened, change) the sheet now */
  | { kind: 'form'; reopenReason: string | null; previous: OwnSheet | null }
  /** the server has this judge's sheet (sent earlier, from another session, or entered by the host) */
  | { kind: 'stored'; sheet: OwnSheet }
  /** nothing to fill in: the turn is waiting, presenting, over without a sheet, or skipped */
  | { kind: 'phase' };

export function ownSheet(snapshot: JudgeSnapshot, presenter: string): OwnSheet | null {
  return snapshot.sheets.find((s) => s.presenter === presenter) ?? null;
}

export function sheetView(snapshot: JudgeSnapshot, presenter: JudgePresenter, entry: OutboxEntry | undefined): SheetView {
  if (presenter.recused) return { kind: 'recused' };
  if (presenter.absent) return { kind: 'absent' };
  const own = ownSheet(snapshot, presenter.key);
  const delivery = entry?.delivery;
  if (entry && delivery && delivery.state !== 'received') return { kind: 'delivery', entry };
  if (entry && delivery?.state === 'received') {
    // the ok is the truth until a later snapshot shows something newer (a reopen, a host's entry)
    const newerSheet = own !== null && own.at > delivery.receipt.at;
    const reopenedSince = presenter.canSubmit && snapshot.version > delivery.version;
    if (!newerSheet && !reopenedSince) return { kind: 'delivery', entry };
  }
  if (presenter.canSubmit) return { kind: 'form', reopenReason: presenter.reopenReason, previous: own };
  if (own) return { kind: 'stored', sheet: own };
  return { kind: 'phase' };
}

/** how a sheet that left the form is doing, as its card shows it */
export type CardStatus =
  | { kind: 'received'; at: number; note: string | null }
  | { kind: 'sending' }
  | { kind: 'retrying'; why: 'offline' | 'timeout' | 'db_unavailable'; attempt: number; saved: boolean }
  | { kind: 'refused'; code: AckErrorCode; message: string; serverTotal: string | null; canEdit: boolean };

export function deliveryStatus(entry: OutboxEntry, canEdit: boolean): CardStatus {
  const d = entry.delivery;
  switch (d.state) {
    case 'received':
      return { kind: 'received', at: d.receipt.at, note: null };
    case 'sending':
      return { kind: 'sending' };
    case 'retrying':
      return { kind: 'retrying', why: d.why, attempt: d.attempt, saved: entry.saved };
    case 'refused':
      return { kind: 'refused', code: d.code, message: d.message, serverTotal: d.serverTotal, canEdit };
  }
}

export type RowStatus = 'received' | 'pending' | 'refused' | 'reopened' | 'recused' | 'absent' | 'skipped' | 'missed' | 'open';

export interface ScoreRow {
  presenter: JudgePresenter;
  status: RowStatus;
  total: string | null;
}

/** One row per presenter whose turn has begun or who has a sheet, in running order. */
export function scoreRows(snapshot: JudgeSnapshot, entries: Record<string, OutboxEntry>): ScoreRow[] {
  return snapshot.presenters.flatMap((p): ScoreRow[] => {
    const entry = entries[p.key];
    const own = ownSheet(snapshot, p.key);
    const view = sheetView(snapshot, p, entry);
    if (p.phase === 'waiting' && !own && !entry) return [];
    if (view.kind === 'recused' || view.kind === 'absent') return [{ presenter: p, status: view.kind, total: null }];
    if (view.kind === 'delivery') {
      const d = view.entry.delivery;
      const status: RowStatus = d.state === 'received' ? 'received' : d.state === 'refused' ? 'refused' : 'pending';
      return [{ presenter: p, status, total: d.state === 'received' ? d.receipt.total : view.entry.sheet.total }];
    }
    if (view.kind === 'form') return [{ presenter: p, status: view.reopenReason !== null ? 'reopened' : 'open', total: own?.total ?? null }];
    if (own) return [{ presenter: p, status: 'received', total: own.total }];
    if (p.phase === 'skipped') return [{ presenter: p, status: 'skipped', total: null }];
    if (p.phase === 'closed' || p.phase === 'revealed') return [{ presenter: p, status: 'missed', total: null }];
    return [{ presenter: p, status: 'open', total: null }];
  });
}

export interface Progress {
  scored: number;
  /** presenters this judge still has to score: not recused, not marked absent, not skipped, turn not over */
  remaining: number;
  /** sheets on their way */
  waiting: number;
}

export function progress(snapshot: JudgeSnapshot, entries: Record<string, OutboxEntry>): Progress {
  let scored = 0;
  let remaining = 0;
  let waiting = 0;
  for (const p of snapshot.presenters) {
    if (p.recused || p.absent || p.phase === 'skipped') continue;
    const d = entries[p.key]?.delivery;
    // a sheet on its way counts as waiting until its ok arrives, even if a snapshot already shows it
    if (d?.state === 'sending' || d?.state === 'retrying') waiting++;
    else if (ownSheet(snapshot, p.key) || d?.state === 'received') scored++;
    else if (p.phase === 'waiting' || p.phase === 'presenting' || p.phase === 'scoring') remaining++;
  }
  return { scored, remaining, waiting };
}
