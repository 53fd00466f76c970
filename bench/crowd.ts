/**
 * Crowd: one contest whose audience (the hall's phones, /watch) grows step by step towards 10,000
 * sockets on one process. At each step, on each server in turn (baseline, then Leitai), the phones
 * are connected, the server's RSS is read, then 30 judges submit within a second while the server's
 * event-loop delay is recorded, and every phone's update is timed from each sheet's scheduled send.
 * One server's phones are closed before the other's open: the harness holds one crowd at a time.
 */
import { randomBytes } from 'node:crypto';
import { closeAll, connectAll, figures, newHistogram, runBurst, type Client, type Figures } from './harness.ts';
import type { Target, TargetName } from './targets.ts';

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
}

export async function crowd(targets: Target[], steps: number[], log: (line: string) => void): Promise<Record<TargetName, CrowdStep[]>> {
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
          const presenter = await s.venue.nextTurn();
          // the connections' own traffic settles before anything is measured
          await new Promise((r) => setTimeout(r, 1000));
          const { rss } = await s.target.metrics();
          const burst = await runBurst({
            judges: s.judges.map((client) => ({ client, payload: () => ({ presenter, items: s.target.items, submissionId: randomBytes(12).toString('base64url') }) })),
            displays: [],
            audience: phones,
            windowMs: 1000,
          });
          const loop = await s.target.metrics();
          const step: CrowdStep = {
            audience,
            rssPerConnectionKb: audience > 0 ? Math.round((rss - s.rss0) / audience / 102.4) / 10 : null,
            rssMb: Math.round(rss / 1024 / 1024),
            loopP99Ms: Math.round(loop.loopP99Ms * 10) / 10,
            loopMaxMs: Math.round(loop.loopMaxMs * 10) / 10,
            ack: figures(burst.ack),
            audienceUpdate: figures(burst.audience),
            failed: burst.failed,
            missed: burst.missed,
          };
          results[s.target.name].push(step);
          log(`  ${audience} audience, ${s.target.name}: ${step.rssPerConnectionKb ?? '—'} KB RSS per phone, event-loop delay p99 ${step.loopP99Ms} ms, update p99 ${step.audienceUpdate.p99.toFixed(1)} ms`);
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
  }
  return results;
}
