/**
 * Venue burst: one contest, every judge submitting within one second, displays (and the hall's
 * phones) watching. Both servers are set up at once and measured in alternation, baseline first,
 * after one unmeasured warm-up burst each.
 */
import { randomBytes } from 'node:crypto';
import type * as hdr from 'hdr-histogram-js';
import { closeAll, connectAll, newHistogram, runBurst, type Client } from './harness.ts';
import type { Target, TargetName, Venue } from './targets.ts';

export interface BurstConfig {
  judges: number;
  displays: number;
  audience: number;
  rounds: number;
}

export interface BurstTotals {
  ack: hdr.Histogram;
  display: hdr.Histogram;
  audience: hdr.Histogram;
  failed: number;
  missed: number;
}

interface Seated {
  target: Target;
  venue: Venue;
  judges: Client[];
  displays: Client[];
  audience: Client[];
  totals: BurstTotals;
}

async function seat(target: Target, config: BurstConfig): Promise<Seated> {
  const venue = await target.venue(config.judges, config.rounds + 1);
  const judges = await connectAll(target.url, venue.judges.map((j) => j.auth), false);
  const displays = await connectAll(target.url, Array(config.displays).fill(venue.display), true);
  const audience = await connectAll(target.url, Array(config.audience).fill(venue.audience), true);
  return { target, venue, judges, displays, audience, totals: { ack: newHistogram(), display: newHistogram(), audience: newHistogram(), failed: 0, missed: 0 } };
}

async function burst(s: Seated): Promise<BurstTotals> {
  const presenter = await s.venue.nextTurn();
  // the last turn's broadcasts settle before the next burst starts
  await new Promise((r) => setTimeout(r, 300));
  return runBurst({
    judges: s.judges.map((client) => ({ client, payload: () => ({ presenter, items: s.target.items, submissionId: randomBytes(12).toString('base64url') }) })),
    displays: s.displays,
    audience: s.audience,
    windowMs: 1000,
  });
}

export async function venueBurst(targets: Target[], config: BurstConfig, log: (line: string) => void): Promise<Record<TargetName, BurstTotals>> {
  const seated: Seated[] = [];
  for (const target of targets) seated.push(await seat(target, config));
  try {
    for (const s of seated) await burst(s); // warm-up, not counted
    for (let round = 1; round <= config.rounds; round++) {
      for (const s of seated) {
        const result = await burst(s);
        s.totals.ack.add(result.ack);
        s.totals.display.add(result.display);
        s.totals.audience.add(result.audience);
        s.totals.failed += result.failed;
        s.totals.missed += result.missed;
        log(`  round ${round} ${s.target.name}: ack p99 ${(result.ack.getValueAtPercentile(99) / 1000).toFixed(1)} ms, display p99 ${(result.display.getValueAtPercentile(99) / 1000).toFixed(1)} ms`);
      }
    }
  } finally {
    for (const s of seated) {
      closeAll([...s.judges, ...s.displays, ...s.audience]);
      s.venue.close();
    }
  }
  return Object.fromEntries(seated.map((s) => [s.target.name, s.totals])) as Record<TargetName, BurstTotals>;
}
