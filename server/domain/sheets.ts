import type { EnteredBy } from '../contracts/vocabulary.ts';
import type { Sheet } from './contest.ts';
import type { Exact } from './exact.ts';

/**
 * A score sheet from the judge's tap to the results. `Sheet` (contest.ts) is what scoring needs:
 * who scored whom, and the items. A `SheetToStore` is one the state machine or an import decided
 * to store; once stored it is a `StoredSheet`. Sheets are append-only: a correction is a new sheet
 * that supersedes the one in force, so every (presenter, judge) has a chain of sheets, and the
 * sheet in force is the chain's head: the one no other sheet supersedes.
 */

/** A sheet to append: a judge's or the host's (decided by domain/live/decide.ts), or one a contest file carried. */
export interface SheetToStore extends Sheet {
  /** the sheet in force this one replaces (a reopened sheet resubmitted); null for a first sheet */
  supersedesId: string | null;
  enteredBy: EnteredBy;
  /** why it was entered or replaced (the reopen reason, 代录); null for a judge's first sheet */
  reason: string | null;
}

/** A sheet as stored (a score_sheets row), superseded or in force. */
export interface StoredSheet extends SheetToStore {
  id: string;
  /** the sum of the items (sheetTotal), as stored with the sheet */
  total: Exact;
  /** the client's id for the submission: a retry with the same id stores nothing new */
  submissionId: string;
  /** epoch ms */
  createdAt: number;
}

/** The sheets in force: presenter → judge → sheet. */
export type SheetsInForce = ReadonlyMap<string, ReadonlyMap<string, StoredSheet>>;

/**
 * The sheets in force among stored ones (superseded ones included), in the order given: for each
 * (presenter, judge), the sheet no other sheet supersedes.
 *
 * The rule is the one the rows state (and the schema enforces: one first sheet per pair, each
 * sheet superseded at most once), not "the highest id": ids grow along a chain only because a
 * sequence hands them out in insertion order, which says nothing about which sheet replaced which.
 */
export function sheetsInForce(stored: Iterable<StoredSheet>): StoredSheet[] {
  const all = [...stored];
  const superseded = new Set(all.flatMap((s) => (s.supersedesId === null ? [] : [s.supersedesId])));
  return all.filter((s) => !superseded.has(s.id));
}

/**
 * Sheets in force by presenter and judge. Two for one pair would mean a chain forked: choosing
 * one silently would drop a judge's score without a trace, so it throws, as computeResults does.
 */
export function byPresenterAndJudge(inForce: readonly StoredSheet[]): Map<string, Map<string, StoredSheet>> {
  const index = new Map<string, Map<string, StoredSheet>>();
  for (const sheet of inForce) {
    let byJudge = index.get(sheet.presenter);
    if (!byJudge) index.set(sheet.presenter, (byJudge = new Map()));
    const other = byJudge.get(sheet.judge);
    if (other) throw new Error(`two sheets in force for presenter ${sheet.presenter} by judge ${sheet.judge}: ${other.id} and ${sheet.id}`);
    byJudge.set(sheet.judge, sheet);
  }
  return index;
}

/** The sheet replaced an earlier one (the host reopened it): the pages mark it 已更正. An imported sheet never does. */
export const isCorrection = (s: Pick<StoredSheet, 'supersedesId' | 'enteredBy'>): boolean => s.supersedesId !== null && s.enteredBy !== 'import';

/** The sheets in force once `sheet` is stored: it replaces the pair's sheet in force (the one it supersedes, as decided), the maps given are left as they were. */
export function withSheetInForce(inForce: SheetsInForce, sheet: StoredSheet): SheetsInForce {
  const byJudge = new Map(inForce.get(sheet.presenter));
  // last, where a load from the database puts it (in the order stored), so a copy kept up to date equals a fresh one
  byJudge.delete(sheet.judge);
  byJudge.set(sheet.judge, sheet);
  return new Map(inForce).set(sheet.presenter, byJudge);
}
