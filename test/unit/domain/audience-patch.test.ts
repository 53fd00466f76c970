import { describe, expect, it } from 'vitest';
import type { AudienceSnapshot } from '../../../server/contracts/snapshots.ts';
import { applyPatch, audiencePatch } from '../../../server/domain/audience-patch.ts';
import { audienceSnapshot, displaySnapshot } from '../../../server/domain/projections.ts';
import { LiveHarness } from '../../helpers/live-harness.ts';

/**
 * The audience's `state:patch` (server/domain/audience-patch.ts): the broadcaster sends the fields
 * that changed since its last audience snapshot; a phone rebuilds the new snapshot from exactly
 * that one, ignores what is not newer, and asks for the whole state on a gap.
 */

const audienceOf = (h: LiveHarness): AudienceSnapshot => audienceSnapshot(displaySnapshot(h.view()));

function scoring(): { h: LiveHarness; before: AudienceSnapshot; after: AudienceSnapshot } {
  const h = new LiveHarness();
  h.do({ type: 'turn:start', presenter: 'p1' });
  h.do({ type: 'turn:open-scoring', presenter: 'p1' });
  const before = audienceOf(h);
  const submitted = h.submit('p1', 'm1');
  if (!submitted.ok) throw new Error(submitted.message);
  return { h, before, after: audienceOf(h) };
}

describe('an audience patch', () => {
  it('a sheet during scoring sets only the board (the progress counts moved), not the presenters, panels or criteria', () => {
    const { before, after } = scoring();
    const patch = audiencePatch(before, after);
    expect(Object.keys(patch.set)).toEqual(['board']);
    expect(patch).toMatchObject({ from: { version: before.version, votes: before.votes }, version: after.version, votes: after.votes, serverNow: after.serverNow });
    expect(JSON.stringify(patch).length).toBeLessThan(JSON.stringify(after).length);
  });

  it('applied over exactly the snapshot it was made from, it gives the new snapshot, as a new object', () => {
    const { before, after } = scoring();
    const step = applyPatch(before, audiencePatch(before, after));
    expect(step).toEqual({ kind: 'apply', snapshot: after });
    expect(step.kind === 'apply' && step.snapshot).not.toBe(before);
    expect(before.version).toBeLessThan(after.version);
  });

  it('a patch not newer than what is held is ignored: the phone never goes back', () => {
    const { before, after } = scoring();
    const patch = audiencePatch(before, after);
    expect(applyPatch(after, patch)).toEqual({ kind: 'ignore' });
    const newer = { ...after, version: after.version + 3 };
    expect(applyPatch(newer, patch)).toEqual({ kind: 'ignore' });
    // votes move without the version: at the same version, more votes is newer
    const moreVotes = { ...after, votes: after.votes + 1 };
    expect(applyPatch(moreVotes, patch)).toEqual({ kind: 'ignore' });
  });

  it('a gap (a patch missed, or no snapshot yet) asks for the whole state', () => {
    const { h, before, after } = scoring();
    const submitted = h.submit('p1', 'm2');
    if (!submitted.ok) throw new Error(submitted.message);
    const later = audiencePatch(after, audienceOf(h));
    expect(applyPatch(before, later)).toEqual({ kind: 'resync' });
    expect(applyPatch(null, later)).toEqual({ kind: 'resync' });
    // the same version but other votes is not `from` either
    expect(applyPatch({ ...after, votes: after.votes - 1 }, later)).toEqual({ kind: 'resync' });
  });

  it('a vote alone sets nothing but the counter when nothing shown moved', () => {
    const { after } = scoring();
    const voted = { ...after, votes: after.votes + 1 };
    expect(audiencePatch(after, voted)).toMatchObject({ set: {}, votes: after.votes + 1, version: after.version });
  });
});
