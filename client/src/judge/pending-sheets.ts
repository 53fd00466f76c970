import type { AckErrorCode } from '../../../server/contracts/vocabulary.ts';

/**
 * The judge's outbox in localStorage: a sheet is written here BEFORE it is sent, and stays until
 * the server has answered, so a reload, a crash of WeChat's browser or a dead battery does not
 * lose it. One key per contest + judge + presenter. A refused sheet stays too (with the refusal),
 * so the judge can still read the values to the host after a reload.
 */

export interface PendingSheet {
  presenter: string;
  /** criterion key → decimal text */
  items: Record<string, string>;
  total: string;
  submissionId: string;
  /** epoch ms (this device's clock) when the judge confirmed */
  createdAt: number;
  refusal?: { code: AckErrorCode; message: string };
}

export interface Scope {
  contest: string;
  judge: string;
}

const PREFIX = 'leitai:outbox:';
const DRAFT = 'leitai:draft:';

const outboxKey = (scope: Scope, presenter: string) => `${PREFIX}${scope.contest}:${scope.judge}:${presenter}`;
const draftKey = (scope: Scope, presenter: string) => `${DRAFT}${scope.contest}:${scope.judge}:${presenter}`;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled (some in-app browsers in private mode)
  }
}

function write(key: string, value: unknown): boolean {
  try {
    storage()?.setItem(key, JSON.stringify(value));
    return storage() !== null;
  } catch {
    return false; // quota or privacy mode: the sheet is still sent, it just would not survive a reload
  }
}

function read<T>(key: string): T | null {
  try {
    const text = storage()?.getItem(key);
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

function remove(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    // nothing to do
  }
}

/** 16 random bytes as base64url (22 characters). Not crypto.randomUUID: venue links are plain http. */
export function newSubmissionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** saves the sheet; false when this browser cannot keep it (it is sent all the same) */
export function savePending(scope: Scope, sheet: PendingSheet): boolean {
  return write(outboxKey(scope, sheet.presenter), sheet);
}

export function dropPending(scope: Scope, presenter: string): void {
  remove(outboxKey(scope, presenter));
}

/** every sheet in this judge's outbox for this contest */
export function loadPending(scope: Scope): PendingSheet[] {
  const store = storage();
  if (!store) return [];
  const prefix = `${PREFIX}${scope.contest}:${scope.judge}:`;
  const sheets: PendingSheet[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (!key?.startsWith(prefix)) continue;
    const sheet = read<PendingSheet>(key);
    if (sheet && typeof sheet.submissionId === 'string' && sheet.items && typeof sheet.presenter === 'string') sheets.push(sheet);
  }
  return sheets.sort((a, b) => a.createdAt - b.createdAt);
}

/** a sheet being filled in (not confirmed yet), so a reload does not wipe it */
export interface Draft {
  /** `at` of the stored sheet the judge started from (a reopened sheet), null for a first sheet */
  basedOn: number | null;
  items: Record<string, string>;
}

export function saveDraft(scope: Scope, presenter: string, draft: Draft): void {
  write(draftKey(scope, presenter), draft);
}

/** the draft for this presenter, if it was started from the same stored sheet (or none) */
export function loadDraft(scope: Scope, presenter: string, basedOn: number | null): Record<string, string> | null {
  const draft = read<Draft>(draftKey(scope, presenter));
  return draft && draft.items && (draft.basedOn ?? null) === basedOn ? draft.items : null;
}

export function dropDraft(scope: Scope, presenter: string): void {
  remove(draftKey(scope, presenter));
}
