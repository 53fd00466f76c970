import type { AudiencePatch, AudienceSnapshot } from '../../server/contracts/snapshots.ts';
import { applyPatch } from '../../server/domain/audience-patch.ts';
import type { ClientSocket } from './app.ts';
import { ack } from './contest-driver.ts';

/** what a phone on the audience page has shown, and how it got there */
export interface AudienceFollower {
  /** every state the phone showed, in order: whole snapshots taken and snapshots rebuilt from patches */
  frames: AudienceSnapshot[];
  latest(): AudienceSnapshot;
  /** the patches received (a dropped one included) */
  patches: AudiencePatch[];
  /** how often a gap made it ask contest:sync */
  resyncs(): number;
}

/**
 * Follows an audience socket as the watch page's Connection does (client/src/lib/
 * connection.svelte.ts): keeps the newest snapshot, rebuilds one from each `state:patch` with the
 * same applyPatch, and on a gap asks contest:sync (one at a time), keeping what it shows until the
 * answer. `drop` loses the patches it says, as a flaky network would.
 */
export function followAudience(socket: ClientSocket, drop: (patch: AudiencePatch, index: number) => boolean = () => false): AudienceFollower {
  const frames: AudienceSnapshot[] = [];
  const patches: AudiencePatch[] = [];
  let resyncs = 0;
  let resyncing = false;
  const held = (): AudienceSnapshot | null => frames.at(-1) ?? null;
  const accept = (s: AudienceSnapshot): void => {
    const shown = held();
    if (shown && (s.version < shown.version || (s.version === shown.version && s.votes < shown.votes))) return;
    frames.push(s);
  };
  socket.on('state:snapshot', (s) => accept(s as AudienceSnapshot));
  socket.on('state:patch', (patch: AudiencePatch) => {
    patches.push(patch);
    if (drop(patch, patches.length - 1)) return;
    const step = applyPatch(held(), patch);
    if (step.kind === 'apply') accept(step.snapshot);
    else if (step.kind === 'resync' && !resyncing) {
      resyncs++;
      resyncing = true;
      void ack<{ snapshot: AudienceSnapshot }>(socket, 'contest:sync', {})
        .then((answer) => answer.ok && accept(answer.snapshot))
        // the test closed the socket before the answer: nothing to show any more
        .catch(() => undefined)
        .finally(() => (resyncing = false));
    }
  });
  return { frames, latest: () => frames.at(-1)!, patches, resyncs: () => resyncs };
}
