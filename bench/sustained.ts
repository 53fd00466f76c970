/**
 * Sustained: 20 contests × 20 judges scoring back to back at a rising rate, to find the highest
 * rate of durable sheets (acked after the commit) whose ack p99 stays under 50 ms. At each rate the
 * baseline runs a step, then Leitai; a server stops climbing once a step fails a sheet or its p99
 * passes a second. The contests' turns change one after another (stagger), or with
 * `--aligned-turns` all at the same moment.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { closeAll, connectAll, figures, newHistogram, type Client, type Figures } from './harness.ts';
import type { Target, TargetName, Venue } from './targets.ts';

const CONTESTS = 20;
const JUDGES = 20;
/**
 * Presenters a contest has (the district final had 22): the host console's picture of every turn
 * is rebuilt at every change, so a contest made big enough for the whole climb (over 100
 * presenters once it went to 5,120 a second) measured a heavier contest than anyone runs. A
 * contest that has too few turns left for the next step is replaced between steps by a fresh one.
 */
const PRESENTERS = 28;

/** the sheets each contest sends in a step at `rate` over all contests */
const sheetsPerContest = (rate: number, seconds: number): number => Math.max(1, Math.round((rate / CONTESTS) * seconds));

/** the contest's next sheet opens a turn: every judge has sent one for the last (or none is open) */
const turnDue = (contest: Running): boolean => contest.sent % JUDGES === 0 || contest.presenter === null;

/** the next judge of the contest sends a sheet for `presenter`: the answer (ok, or the error) */
const sendSheet = (target: Target, contest: Running, presenter: string): Promise<{ ok: boolean; error?: { code: string } }> =>
  contest.judges[contest.sent % JUDGES]!.socket.timeout(30_000).emitWithAck('sheet:submit', { presenter, items: target.items, submissionId: randomBytes(12).toString('base64url') });
export const ACK_P99_LIMIT_MS = 50;

export interface SustainedStep {
  /** sheets a second scheduled, over all contests */
  rate: number;
  /** sheets acked a second, from the first scheduled send to the last ack */
  achieved: number;
  ack: Figures;
  failed: number;
  /** why sheets failed: error code (or timeout, or no_turn when the host could not open one) → count */
  failures: Record<string, number>;
  /**
   * CPU used during the step, in cores (CPU seconds ÷ wall seconds): this harness process, the
   * server process, its database's backends (Postgres only; a backend that closed during the step is
   * not counted). Which one nears a whole core, or the machine's two, says what limits the climb.
   */
  cpu: { harness: number; server: number; database: number | null };
  /** the host's opening of the next turn (its sheets all acked → turn:start → turn:open-scoring, each seen in the host's snapshot), ms */
  turnChange: Figures;
}

interface Running {
  venue: Venue;
  judges: Client[];
  /** sheets sent so far: the next one is judge sent % 20's, in turn ⌊sent / 20⌋ */
  sent: number;
  presenter: string | null;
}

/**
 * One step at `rate` sheets a second in all, rate/20 per contest, for about `seconds`. Open loop:
 * sheet k of a contest is due at t₀ + k/r and its latency counts from then. Judges take their turn
 * in order, and a contest's turns run on across steps; on Leitai the host opens the next turn
 * once every sheet of the last one is acked, so a sheet due before its turn is open waits for it,
 * and that wait counts in its latency, as a judge would feel it.
 */
async function step(target: Target, contests: Running[], rate: number, seconds: number): Promise<SustainedStep> {
  const perContest = rate / CONTESTS;
  const count = sheetsPerContest(rate, seconds);
  const ack = newHistogram();
  let failed = 0;
  const failures: Record<string, number> = {};
  const fail = (why: string, n = 1) => {
    failed += n;
    failures[why] = (failures[why] ?? 0) + n;
  };
  let acked = 0;
  let lastAck = 0;
  const turnChange = newHistogram();
  const send = async (sent: Promise<{ ok: boolean; error?: { code: string } }>, due: number) => {
    const answer = await sent.catch(() => ({ ok: false, error: { code: 'timeout' } }));
    if (!answer.ok) return fail(answer.error?.code ?? 'refused');
    lastAck = performance.now();
    acked++;
    ack.recordValue(Math.max(1, Math.round((lastAck - due) * 1000)));
  };
  const t0 = performance.now() + 50;
  const cpuBefore = { harness: process.cpuUsage(), ...(await target.cpuMs()) };
  await Promise.all(
    contests.map(async (contest, c) => {
      let turn: Array<Promise<void>> = [];
      for (let k = 0; k < count; k++) {
        if (turnDue(contest)) {
          await Promise.all(turn);
          turn = [];
          // a turn left open by a failed sheet blocks the next one: the rest of this step fails
          const asked = performance.now();
          contest.presenter = await contest.venue.nextTurn().catch(() => null);
          if (contest.presenter === null) return fail('no_turn', count - k);
          turnChange.recordValue(Math.max(1, Math.round((performance.now() - asked) * 1000)));
        }
        const due = t0 + ((k + c / CONTESTS) / perContest) * 1000;
        const wait = Math.ceil(due - performance.now());
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        turn.push(send(sendSheet(target, contest, contest.presenter!), due));
        contest.sent++;
      }
      await Promise.all(turn);
    }),
  );
  const wallMs = performance.now() - t0;
  const cpuAfter = { harness: process.cpuUsage(cpuBefore.harness), ...(await target.cpuMs()) };
  const cores = (ms: number) => Math.round((ms / wallMs) * 100) / 100;
  const cpu = {
    harness: cores((cpuAfter.harness.user + cpuAfter.harness.system) / 1000),
    server: cores(cpuAfter.server - cpuBefore.server),
    database: cpuAfter.database === null || cpuBefore.database === null ? null : cores(cpuAfter.database - cpuBefore.database),
  };
  return { rate, achieved: Math.round(acked / ((lastAck - t0) / 1000)), ack: figures(ack), failed, failures, cpu, turnChange: figures(turnChange) };
}

const passes = (s: SustainedStep) => s.failed === 0 && s.ack.p99 < ACK_P99_LIMIT_MS;
/** past the limit the climb goes on a little, so the table shows how fast it degrades */
const hopeless = (s: SustainedStep) => s.failed > 0 || s.ack.p99 > 20 * ACK_P99_LIMIT_MS;

/** Sends `sheets` sheets of the contest's next judges, not timed, opening a turn first when none is open. */
async function fill(target: Target, contest: Running, sheets: number): Promise<void> {
  for (let i = 0; i < sheets; i++) {
    if (turnDue(contest)) contest.presenter = await contest.venue.nextTurn();
    const answer = await sendSheet(target, contest, contest.presenter!);
    if (!answer.ok) throw new Error(`a sheet sent outside the steps was refused ${answer.error?.code}`);
    contest.sent++;
  }
}

/**
 * Puts contest c c sheets into its first turn (contest 0 none), so that from then on the contests
 * change turn one after another through the time of a turn, as independent contests do. Without
 * it every contest's turn ends at the same sheet number, and the sheets of the 20 contests are due
 * within one sheet's interval of each other: all 20 contests change turn at the same moment, every
 * time (`--aligned-turns` keeps that worst case). Not counted.
 */
async function stagger(target: Target, contests: Running[]): Promise<void> {
  await Promise.all(contests.map((contest, c) => fill(target, contest, c % JUDGES)));
}

async function openContest(target: Target, turns: number): Promise<Running> {
  const venue = await target.venue(JUDGES, turns);
  return { venue, judges: await connectAll(target.url, venue.judges.map((j) => j.auth), false), sent: 0, presenter: null };
}

/**
 * Between steps: a contest with fewer turns left than the step at `rate` opens is replaced by a
 * fresh one, as far into its first turn as the old one was into its turn (so the stagger stays).
 */
async function enoughTurns(target: Target, contests: Running[], rate: number, seconds: number): Promise<void> {
  const turns = 2 + Math.ceil(sheetsPerContest(rate, seconds) / JUDGES);
  for (const [c, contest] of contests.entries()) {
    if (contest.venue.turnsLeft() >= turns) continue;
    closeAll(contest.judges);
    contest.venue.close();
    const fresh = await openContest(target, Math.max(PRESENTERS, turns));
    const into = contest.sent % JUDGES;
    fresh.sent = contest.sent - into;
    await fill(target, fresh, into);
    contests[c] = fresh;
  }
}

export interface SustainedOptions {
  /** every contest changes turn at the same moment (the worst case), rather than one after another (stagger) */
  alignedTurns: boolean;
}

export async function sustained(targets: Target[], rates: number[], seconds: number, log: (line: string) => void, { alignedTurns }: SustainedOptions): Promise<Record<TargetName, SustainedStep[]>> {
  const running = new Map<Target, Running[]>();
  const steps = new Map<Target, SustainedStep[]>(targets.map((t) => [t, []]));
  try {
    for (const target of targets) {
      const contests: Running[] = [];
      for (let c = 0; c < CONTESTS; c++) contests.push(await openContest(target, PRESENTERS));
      running.set(target, contests);
      if (alignedTurns) await step(target, contests, CONTESTS, 1); // warm-up, one sheet per contest, not counted
      else await stagger(target, contests);
    }
    for (const rate of rates) {
      for (const target of targets) {
        const done = steps.get(target)!;
        if (done.length > 0 && hopeless(done.at(-1)!)) continue;
        await enoughTurns(target, running.get(target)!, rate, seconds);
        const result = await step(target, running.get(target)!, rate, seconds);
        done.push(result);
        log(`  ${rate} sheets/s ${target.name}: achieved ${result.achieved}/s, ack p50 ${result.ack.p50} p99 ${result.ack.p99} ms, cores: harness ${result.cpu.harness} server ${result.cpu.server}${result.cpu.database === null ? '' : ` database ${result.cpu.database}`}, turn changes ${result.turnChange.n}, p50 ${result.turnChange.p50} max ${result.turnChange.max} ms, load ${loadavg()[0]!.toFixed(1)}${result.failed ? `, failed: ${JSON.stringify(result.failures)}` : ''}`);
      }
    }
  } finally {
    for (const contests of running.values()) {
      for (const { venue, judges } of contests) {
        closeAll(judges);
        venue.close();
      }
    }
  }
  return Object.fromEntries(targets.map((t) => [t.name, steps.get(t)!])) as Record<TargetName, SustainedStep[]>;
}

/** The highest rate of a server's climb that stayed under the limit with nothing failed, or 0. */
export const highestPassing = (steps: SustainedStep[]): number => Math.max(0, ...steps.filter(passes).map((s) => s.rate));
