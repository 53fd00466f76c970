import type { PatchChange, Snapshot, StatePatch } from '../contracts/snapshots.ts';

/**
 * `state:patch` for every role (docs/protocol.md §4): the change from the snapshot a room was last
 * sent to the next one, made by the broadcaster, applied by the pages and by the tests with the
 * same code. A change costs what changed: objects are compared field by field, and a list by the
 * run of entries between those it starts and ends with unchanged, so one new sheet sends one sheet,
 * not the host's every sheet. Values are copied as they are: the scores stay the decimal strings
 * they were.
 */

/** what every patch carries outside `changes`: the new snapshot's counters and its name */
const HEADER: ReadonlySet<string> = new Set(['version', 'votes', 'serverNow', 'rev']);

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function sameKeys(a: JsonObject, b: JsonObject): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** JSON equality; the projections reuse unchanged parts (a host's sheet rows), so identity answers first */
function equal(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
}

/**
 * A list changed as one splice: the entries both lists start and end with are kept, the run
 * between them is replaced. One new sheet in the host's list of hundreds is that sheet, inserted;
 * a correction, the superseded sheet's place taken by the new one. null: the lists are equal.
 */
function listChange(path: string[], a: Json[], b: Json[]): PatchChange | null {
  let start = 0;
  while (start < a.length && start < b.length && equal(a[start], b[start])) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && equal(a[endA - 1], b[endB - 1])) {
    endA--;
    endB--;
  }
  if (start === endA && start === endB) return null;
  // nothing kept: the whole list is as small
  if (start === 0 && endB === b.length && endA === a.length) return { path, set: b };
  return { path, at: start, remove: endA - start, insert: b.slice(start, endB) };
}

function diff(path: string[], a: Json, b: Json, out: PatchChange[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b) && sameKeys(a, b)) {
    for (const key of Object.keys(b)) {
      // most of a snapshot is the objects the last one held (projections.ts): no path made for them
      if (a[key] === b[key] || (path.length === 0 && HEADER.has(key))) continue;
      diff([...path, key], a[key], b[key], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const change = listChange(path, a, b);
    if (change) out.push(change);
    return;
  }
  if (!equal(a, b)) out.push({ path, set: b });
}

const votesOf = (s: { votes?: number }): number => s.votes ?? 0;

/**
 * The patch from `last` (what the room holds, named `last.rev`) to `next`, which will be named
 * `rev`; null when `next` shows nothing new: only its `serverNow` moved, and `version` unless
 * `everyVersion` (the host console is sent every version; another judge's sheet changes a judge's
 * snapshot only in `version`, and nobody needs a message for that, docs/protocol.md §4).
 */
export function statePatch<S extends Snapshot>(last: S, next: S, rev: string, everyVersion = false): StatePatch | null {
  if (last.rev === null) throw new Error('a patch is made only from a snapshot the room was sent');
  const changes: PatchChange[] = [];
  diff([], last, next, changes);
  const votes = 'votes' in next ? next.votes : undefined;
  if (changes.length === 0 && votesOf(last as { votes?: number }) === (votes ?? 0) && (!everyVersion || last.version === next.version)) return null;
  return { from: last.rev, rev, version: next.version, ...(votes === undefined ? {} : { votes }), serverNow: next.serverNow, changes };
}

/** (version, votes) compared in that order: negative when a is older than b */
export function compareStates(a: { version: number; votes?: number }, b: { version: number; votes?: number }): number {
  return a.version - b.version || votesOf(a) - votesOf(b);
}

/** `held` with one change made, copying only the objects on its path (held is never changed) */
function applyChange(held: Json, change: PatchChange, depth = 0): Json {
  if (depth < change.path.length) {
    const key = change.path[depth]!;
    const object = held as JsonObject;
    if (!isObject(object) || !Object.hasOwn(object, key)) throw new Error(`no field ${change.path.slice(0, depth + 1).join('.')}`);
    return { ...object, [key]: applyChange(object[key], change, depth + 1) };
  }
  if ('set' in change) return change.set;
  if (!Array.isArray(held) || change.at + change.remove > held.length) throw new Error(`${change.path.join('.')} is not a list this long`);
  return [...held.slice(0, change.at), ...change.insert, ...held.slice(change.at + change.remove)];
}

export type PatchStep<S extends Snapshot> = { kind: 'apply'; snapshot: S } | { kind: 'ignore' } | { kind: 'resync' };

/**
 * What a page does with a patch (every page's Connection and the tests alike): `apply` it to the
 * snapshot held when that is the one it was made from (`from` is its `rev`), giving a new
 * snapshot; `ignore` it when it is older than what is held, or what is held already; otherwise a
 * patch was missed, or what is held came from elsewhere (a snapshot made for a join or a sync, not
 * sent to the room): `resync` (contest:sync) and keep what is shown until the answer.
 */
export function applyPatch<S extends Snapshot>(held: S | null, patch: StatePatch): PatchStep<S> {
  if (held && held.rev !== null && held.rev === patch.from) {
    let next: Json = held;
    try {
      for (const change of patch.changes) next = applyChange(next, change);
    } catch {
      // a patch that does not fit what is held (never from this server): the whole state instead
      return { kind: 'resync' };
    }
    const counters = { version: patch.version, serverNow: patch.serverNow, rev: patch.rev, ...(patch.votes === undefined ? {} : { votes: patch.votes }) };
    return { kind: 'apply', snapshot: { ...(next as S), ...counters } };
  }
  if (held && (compareStates(patch, held) < 0 || held.rev === patch.rev)) return { kind: 'ignore' };
  return { kind: 'resync' };
}
