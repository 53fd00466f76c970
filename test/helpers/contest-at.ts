import type { DisplaySnapshot, HostSnapshot, JudgeSnapshot } from '../../server/contracts/snapshots.ts';
import type { ClientSocket, RunningTestServer } from './app.ts';
import { ack, createContestOverApi, tokenOf, waitFor, type CreatedContest } from './contest-driver.ts';

/**
 * A live contest over Socket.IO driven to a given point, so that each step of a long story can be
 * its own test and run alone (`npx vitest run FILE -t NAME`): `contestAt(server, a, b, c)` is the
 * small contest, created over the admin API, with the host, the display and every judge connected,
 * after steps a, b and c.
 *
 * When the tests run in order, each picks up where the one before left off: the last contest is
 * kept and only the steps it has not been through are run. It is kept only as long as nothing
 * else changed it (the server's version of the contest is what the steps left); a test that sends
 * its own commands therefore costs the next one a fresh contest, never a wrong one.
 */

export type Conn<S> = { socket: ClientSocket; snapshot: () => S; next: () => Promise<S>; onFrame: (listener: (s: S) => void) => () => void };

export interface LiveRun {
  server: RunningTestServer;
  contest: CreatedContest;
  host: Conn<HostSnapshot>;
  display: Conn<DisplaySnapshot>;
  judges: Record<string, Conn<JudgeSnapshot>>;
  /** every frame each judge's socket received, to prove no other judge's value reached it */
  judgeFrames: Record<string, JudgeSnapshot[]>;
  /** every frame the display received */
  displayFrames: DisplaySnapshot[];
}

/** A step of the story: the commands it sends, each checked to be accepted. */
export type Step = (run: LiveRun) => Promise<void>;

const latest = new WeakMap<RunningTestServer, { run: LiveRun; steps: readonly Step[]; version: number }>();

export async function contestAt(server: RunningTestServer, ...steps: Step[]): Promise<LiveRun> {
  const kept = latest.get(server);
  const reusable = kept !== undefined && kept.steps.every((step, i) => steps[i] === step) && (await serverVersion(kept.run)) === kept.version;
  const run = reusable ? kept.run : await freshRun(server);
  latest.delete(server);
  for (const step of steps.slice(reusable ? kept.steps.length : 0)) {
    await step(run);
    await hostCaughtUp(run);
  }
  latest.set(server, { run, steps, version: await serverVersion(run) });
  return run;
}

/**
 * Waits for the host's snapshot to show everything done so far: a sheet can move the turns on by
 * itself (the last one closes the turn), and the next host command must be made against that.
 */
async function hostCaughtUp(run: LiveRun): Promise<void> {
  const version = await serverVersion(run);
  await waitFor(() => run.host.snapshot().version >= version);
}

/** the contest's version as the server has it now, not as the last broadcast said */
async function serverVersion(run: LiveRun): Promise<number> {
  const sync = await ack<{ snapshot: HostSnapshot }>(run.host.socket, 'contest:sync', {});
  if (!sync.ok) throw new Error(`contest:sync refused: ${sync.error.code}`);
  return sync.snapshot.version;
}

async function freshRun(server: RunningTestServer): Promise<LiveRun> {
  const contest = await createContestOverApi(server.url);
  const host = await server.connect<HostSnapshot>(tokenOf(contest.hostUrl));
  const display = await server.connect<DisplaySnapshot>(tokenOf(contest.displayUrl));
  const displayFrames = [display.snapshot()];
  display.onFrame((s) => displayFrames.push(s));
  const judges: LiveRun['judges'] = {};
  const judgeFrames: LiveRun['judgeFrames'] = {};
  for (const j of contest.judges) {
    const judge = await server.connect<JudgeSnapshot>(tokenOf(j.url));
    const frames = [judge.snapshot()];
    judge.onFrame((s) => frames.push(s));
    judges[j.key] = judge;
    judgeFrames[j.key] = frames;
  }
  return { server, contest, host, display, judges, judgeFrames, displayFrames };
}
