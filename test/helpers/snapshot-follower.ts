import type { Snapshot, StatePatch } from '../../server/contracts/snapshots.ts';
import { applyPatch, compareStates } from '../../server/domain/state-patch.ts';
import type { ClientSocket } from './app.ts';
import { ack } from './contest-driver.ts';

/** what a page has shown, and how it got there */
export interface SnapshotFollower<S extends Snapshot> {
  /** every state the page showed, in order: whole snapshots taken and snapshots rebuilt from patches */
  frames: S[];
  latest(): S;
  /** the patches received (a dropped one included) */
  patches: StatePatch[];
  /** how often a gap made it ask contest:sync */
  resyncs(): number;
  /** calls `listener` with every state the page shows from now on, until the function it returns is called */
  onFrame(listener: (s: S) => void): () => void;
}

/**
 * Follows a socket as every page's Connection does (client/src/lib/connection.svelte.ts): keeps
 * the newest snapshot, rebuilds one from each `state:patch` with the same applyPatch, and on a gap
 * asks contest:sync (one at a time), keeping what it shows until the answer. `drop` loses the
 * patches it says, as a flaky network would.
 */
export function follow<S extends Snapshot>(socket: ClientSocket, drop: (patch: StatePatch, index: number) => boolean = () => false): SnapshotFollower<S> {
  const frames: S[] = [];
  const patches: StatePatch[] = [];
  const listeners = new Set<(s: S) => void>();
  let resyncs = 0;
  let resyncing = false;
  const held = (): S | null => frames.at(-1) ?? null;
  const accept = (s: S): void => {
    const shown = held();
    if (shown && compareStates(s, shown) < 0) return;
    frames.push(s);
    for (const listener of listeners) listener(s);
  };
  socket.on('state:snapshot', (s) => accept(s as S));
  socket.on('state:patch', (patch) => {
    patches.push(patch);
    if (drop(patch, patches.length - 1)) return;
    const step = applyPatch(held(), patch);
    if (step.kind === 'apply') accept(step.snapshot);
    else if (step.kind === 'resync' && !resyncing) {
      resyncs++;
      resyncing = true;
      void ack<{ snapshot: S }>(socket, 'contest:sync', {})
        .then((answer) => answer.ok && accept(answer.snapshot))
        // the test closed the socket before the answer: nothing to show any more
        .catch(() => undefined)
        .finally(() => (resyncing = false));
    }
  });
  return { frames, latest: () => frames.at(-1)!, patches, resyncs: () => resyncs, onFrame: (listener) => (listeners.add(listener), () => listeners.delete(listener)) };
}
