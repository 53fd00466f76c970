/**
 * What flushing PGlite's data folder after each commit costs: score sheets submitted through the
 * real service path (state machine, transaction, audit, flush), timed with the flush and, as the
 * baseline in the same process, without it. Prints figures; asserts nothing (machines are noisy).
 *
 *   npm run bench:durable
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readContestFile } from '../server/contest-file/contest-file.ts';
import { openDatabase } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrator.ts';
import { Exact } from '../server/domain/exact.ts';
import { createContest } from '../server/services/contests.service.ts';
import { LiveContests } from '../server/services/live-contests.service.ts';

const contest = readContestFile(readFileSync(new URL('../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8'));
const items = { topic: Exact.parse('18'), measures: Exact.parse('27.5'), results: Exact.parse('26'), delivery: Exact.parse('18.5') };

async function run(durable: boolean): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'leitai-bench-'));
  const handle = await openDatabase({ databaseUrl: null, dataDir: dir, durable });
  try {
    await migrateToLatest(handle.db);
    const id = await createContest(handle.db, 'bench', contest, 'system');
    const live = new LiveContests(handle.db);
    const latencies: number[] = [];
    let n = 0;
    for (const presenter of contest.definition.presenters.slice(0, 10)) {
      const { turnsVersion } = (await live.get(id)).state;
      await live.execute(id, { role: 'host' }, { type: 'turn:start', presenter: presenter.key }, { turnsVersion });
      await live.execute(id, { role: 'host' }, { type: 'turn:open-scoring', presenter: presenter.key }, { turnsVersion: turnsVersion + 1 });
      for (const judge of contest.definition.judges) {
        if (presenter.recused.includes(judge.key)) continue;
        const started = performance.now();
        await live.execute(id, { role: 'judge', judge: judge.key }, { type: 'sheet:submit', presenter: presenter.key, judge: judge.key, items }, { submissionId: `bench-${n++}-xxxxxxxx` });
        latencies.push(performance.now() - started);
      }
      const state = (await live.get(id)).state;
      await live.execute(id, { role: 'host' }, { type: 'turn:reveal', presenter: presenter.key }, { turnsVersion: state.turnsVersion });
    }
    return latencies;
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `n=${xs.length}  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  max ${sorted.at(-1)!.toFixed(1)} ms`;
};

await run(false); // warm-up: PGlite's first start in a process is slow
const baseline = await run(false);
const durable = await run(true);
console.log('sheet submission on embedded PGlite, through the live service (state machine + transaction + audit):');
console.log(`  without flushing (PGlite as shipped, baseline): ${stats(baseline)}`);
console.log(`  with the data folder flushed before the ack:    ${stats(durable)}`);
