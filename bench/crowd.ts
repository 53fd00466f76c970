/**
 * Crowd: one contest whose audience (the hall's phones, /watch) grows step by step towards 10,000
 * sockets on one process. At each step, on each server in turn (baseline, then Leitai), the phones
 * are connected, the server's RSS is read, then 30 judges submit within a second while the server's
 * event-loop delay is recorded, and every phone's update is timed from each sheet's scheduled send.
 * One server's phones are closed before the other's open: the harness holds one crowd at a time.
 */
import { randomBytes } from 'node:crypto';
import { closeAll, connectAll, figures, runBurst, startChild, type BurstResult, type Client, type Figures, type ServerMetrics } from './harness.ts';
import type { Target, TargetName, Venue } from './targets.ts';

const JUDGES = 30;

export interface CrowdStep {
  audience: number;
  /** (RSS with the phones − RSS before any phone connected) ÷ phones, KB */
  rssPerConnectionKb: number | null;
  rssMb: number;
  /** the server's event-loop delay during the burst, ms */
  loopP99Ms: number;
  loopMaxMs: number;
  ack: Figures;
  audienceUpdate: Figures;
  failed: number;
  missed: number;
  /** the harness's own CPU during the burst, % of one core: near 100 it is the harness that is measured */
  harnessCpuPercent: number;
  /** the event-loop delay p99 of a process doing nothing, during the same burst: the machine's floor, ms */
  floorLoopP99Ms: number;
}

/** a process doing nothing, whose event-loop delay is the machine's floor (bench/idle-process.ts) */
export const startIdleProcess = (): Promise<Pick<Target, 'metrics' | 'stop'>> => startChild('bench/idle-process.ts', {});

export interface CrowdSeat {
  target: Target;
  venue: Venue;
  judges: Client[];
}

export interface CrowdBurst {
  burst: BurstResult;
  /** per server process, in the order given: its RSS before the burst and its event-loop delay during it */
  before: ServerMetrics[];
  during: ServerMetrics[];
  harnessCpuPercent: number;
}

/**
 * The next turn opened, the connections' own traffic settled, then one burst of the seated judges
 * within a second with these phones watching, each server process's event-loop delay read around it.
 */
export async function crowdBurst(seat: CrowdSeat, phones: Client[], processes: Array<Pick<Target, 'metrics'>>): Promise<CrowdBurst> {
  const presenter = await seat.venue.nextTurn();
  await new Promise((r) => setTimeout(r, 1000));
  const before = await Promise.all(processes.map((p) => p.metrics()));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const burst = await runBurst({
    judges: seat.judges.map((client) => ({ client, payload: () => ({ presenter, items: seat.target.items, submissionId: randomBytes(12).toString('base64url') }) })),
    displays: [],
    audience: phones,
    windowMs: 1000,
  });
  const used = process.cpuUsage(cpu);
  const harnessCpuPercent = Math.round(((used.user + used.system) / 1000 / (performance.now() - started)) * 100);
  const during = await Promise.all(processes.map((p) => p.metrics()));
  return { burst, before, during, harnessCpuPercent };
}

/** ms, one decimal */
export const tenths = (ms: number): number => Math.round(ms * 10) / 10;

export async function crowd(targets: Target[], steps: number[], log: (line: string) => void): Promise<Record<TargetName, CrowdStep[]>> {
  const idle = await startIdleProcess();
  const seated = await Promise.all(
    targets.map(async (target) => {
      const venue = await target.venue(JUDGES, steps.length + 1);
      const judges = await connectAll(target.url, venue.judges.map((j) => j.auth), false);
      return { target, venue, judges, rss0: (await target.metrics()).rss };
    }),
  );
  const results = Object.fromEntries(targets.map((t) => [t.name, [] as CrowdStep[]])) as Record<TargetName, CrowdStep[]>;
  try {
    for (const audience of steps) {
      for (const s of seated) {
        let phones: Client[] = [];
        try {
          phones = await connectAll(s.target.url, Array(audience).fill(s.venue.audience), true);
          const { burst, before, during, harnessCpuPercent } = await crowdBurst(s, phones, [s.target, idle]);
          const rss = before[0]!.rss;
          const step: CrowdStep = {
            audience,
            rssPerConnectionKb: audience > 0 ? Math.round((rss - s.rss0) / audience / 102.4) / 10 : null,
            rssMb: Math.round(rss / 1024 / 1024),
            loopP99Ms: tenths(during[0]!.loopP99Ms),
            loopMaxMs: tenths(during[0]!.loopMaxMs),
            ack: figures(burst.ack),
            audienceUpdate: figures(burst.audience),
            failed: burst.failed,
            missed: burst.missed,
            harnessCpuPercent,
            floorLoopP99Ms: tenths(during[1]!.loopP99Ms),
          };
          results[s.target.name].push(step);
          log(`  ${audience} audience, ${s.target.name}: ${step.rssPerConnectionKb ?? '—'} KB RSS per phone, event-loop delay p99 ${step.loopP99Ms} ms (an idle process: ${step.floorLoopP99Ms}), update p99 ${step.audienceUpdate.p99.toFixed(1)} ms, harness CPU ${harnessCpuPercent} %`);
        } finally {
          closeAll(phones);
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    }
  } finally {
    for (const s of seated) {
      closeAll(s.judges);
      s.venue.close();
    }
    await idle.stop();
  }
  return results;
}
