import type { AudiencePatch, AudienceSnapshot } from '../contracts/snapshots.ts';

/** the fields a patch carries outside `set`: every patch and snapshot has them */
type Counters = 'version' | 'votes' | 'serverNow';
const COUNTERS: ReadonlySet<string> = new Set<Counters>(['version', 'votes', 'serverNow']);

/**
 * The audience's update from the snapshot last sent to the one to send: the top-level fields whose
 * JSON changed. Every field of an audience snapshot is always present (nullable ones as null), so
 * a field is never dropped and a patch never needs to say so.
 */
export function audiencePatch(last: AudienceSnapshot, next: AudienceSnapshot): AudiencePatch {
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(next)) {
    if (COUNTERS.has(field)) continue;
    if (JSON.stringify(value) !== JSON.stringify(last[field as keyof AudienceSnapshot])) set[field] = value;
  }
  return { from: { version: last.version, votes: last.votes }, version: next.version, votes: next.votes, serverNow: next.serverNow, set: set as AudiencePatch['set'] };
}

/** (version, votes) compared in that order: negative when a is older than b */
function compare(a: { version: number; votes: number }, b: { version: number; votes: number }): number {
  return a.version - b.version || a.votes - b.votes;
}

/**
 * What a phone does with a patch (the watch page and the tests alike): `apply` it to the snapshot
 * held when that is exactly its `from`, giving a new snapshot; `ignore` it when it is not newer
 * than what is held; otherwise a patch was missed, or the snapshot held came from elsewhere (a
 * join or a sync newer than the broadcaster's last send): `resync` (contest:sync) and keep what is
 * shown until the answer, never showing an older state.
 */
export function applyPatch(held: AudienceSnapshot | null, patch: AudiencePatch): { kind: 'apply'; snapshot: AudienceSnapshot } | { kind: 'ignore' } | { kind: 'resync' } {
  if (held && compare(patch, held) <= 0) return { kind: 'ignore' };
  if (!held || compare(patch.from, held) !== 0) return { kind: 'resync' };
  return { kind: 'apply', snapshot: { ...held, ...patch.set, version: patch.version, votes: patch.votes, serverNow: patch.serverNow } };
}
