/**
 * Two processes: does a second Leitai process on the same Postgres carry a second crowd? Two
 * processes run as docs/deploy.md runs them (one database, the cluster on), the judges and the host
 * console on the first. For each size N, in turn: the bare baseline with N phones (one process: the
 * floor, what any server costs to send N phones every change), Leitai with N phones on the first
 * process (the second idle, hearing the news), then Leitai with N more phones on the second: 2N
 * phones on two processes. The target (issue 12): the 2N phones' update p99 no worse than the N
 * phones' on one process.
 */
import { closeAll, connectAll, figures, newHistogram, type Client, type Figures } from './harness.ts';
import { crowdBurst, startIdleProcess, tenths, type CrowdSeat } from './crowd.ts';
import type { Peer, Target } from './targets.ts';

const JUDGES = 30;

export type Arrangement = 'baseline, N on one' | 'Leitai, N on one' | 'Leitai, 2N on two';

/** the arrangement with N spelled out: "Leitai, 5000 on two" */
export const arrangementOf = (step: Pick<TwoProcessesStep, 'arrangement' | 'perProcess' | 'phones'>): string => step.arrangement.replace(/2?N/, String(step.phones));

export interface TwoProcessesStep {
  /** N: the phones per process */
  perProcess: number;
  arrangement: Arrangement;
  phones: number;
  ack: Figures;
  audienceUpdate: Figures;
  /** per process, the event-loop delay p99 during the bursts (the worst round), ms */
  loopP99Ms: number[];
  failed: number;
  missed: number;
  harnessCpuPercent: number;
  /** the event-loop delay p99 of a process doing nothing, during the same bursts (the worst round): the machine's floor, ms */
  floorLoopP99Ms: number;
}

export async function twoProcesses(baseline: Target, leitai: Target, sizes: number[], rounds: number, log: (line: string) => void): Promise<TwoProcessesStep[]> {
  if (!leitai.peer) throw new Error('two processes need Leitai on Postgres');
  const second: Peer = await leitai.peer();
  const idle = await startIdleProcess();
  const seat = async (target: Target): Promise<CrowdSeat> => {
    const venue = await target.venue(JUDGES, sizes.length * rounds * 2 + 1);
    return { target, venue, judges: await connectAll(target.url, venue.judges.map((j) => j.auth), false) };
  };
  const seats = { baseline: await seat(baseline), leitai: await seat(leitai) };
  const steps: TwoProcessesStep[] = [];
  /** `rounds` bursts with these phones, merged into one step */
  const measure = async (perProcess: number, arrangement: Arrangement, s: CrowdSeat, phones: Client[], processes: Array<Pick<Target, 'metrics'>>) => {
    const ack = newHistogram();
    const update = newHistogram();
    const loops = processes.map(() => 0);
    let failed = 0;
    let missed = 0;
    let cpu = 0;
    let floor = 0;
    for (let round = 0; round < rounds; round++) {
      const { burst, during, harnessCpuPercent } = await crowdBurst(s, phones, [...processes, idle]);
      ack.add(burst.ack);
      update.add(burst.audience);
      processes.forEach((_, i) => (loops[i] = Math.max(loops[i]!, tenths(during[i]!.loopP99Ms))));
      floor = Math.max(floor, tenths(during.at(-1)!.loopP99Ms));
      failed += burst.failed;
      missed += burst.missed;
      cpu = Math.max(cpu, harnessCpuPercent);
    }
    const step: TwoProcessesStep = { perProcess, arrangement, phones: phones.length, ack: figures(ack), audienceUpdate: figures(update), loopP99Ms: loops, failed, missed, harnessCpuPercent: cpu, floorLoopP99Ms: floor };
    steps.push(step);
    log(`  ${arrangementOf(step)}: update p99 ${step.audienceUpdate.p99.toFixed(1)} ms, ack p99 ${step.ack.p99.toFixed(1)} ms, event-loop delay p99 ${loops.join(' / ')} ms (an idle process: ${floor}), harness CPU ${cpu} %`);
  };
  const settle = () => new Promise((r) => setTimeout(r, 2000));
  try {
    for (const n of sizes) {
      // one crowd at a time in the harness: the baseline's phones are closed before Leitai's open
      let phones = await connectAll(baseline.url, Array(n).fill(seats.baseline.venue.audience), true);
      try {
        await measure(n, 'baseline, N on one', seats.baseline, phones, [baseline]);
      } finally {
        closeAll(phones);
        await settle();
      }
      phones = await connectAll(leitai.url, Array(n).fill(seats.leitai.venue.audience), true);
      try {
        await measure(n, 'Leitai, N on one', seats.leitai, phones, [leitai, second]);
        phones = [...phones, ...(await connectAll(second.url, Array(n).fill(seats.leitai.venue.audience), true))];
        await measure(n, 'Leitai, 2N on two', seats.leitai, phones, [leitai, second]);
      } finally {
        closeAll(phones);
        await settle();
      }
    }
  } finally {
    for (const s of Object.values(seats)) {
      closeAll(s.judges);
      s.venue.close();
    }
    await second.stop();
    await idle.stop();
  }
  return steps;
}
