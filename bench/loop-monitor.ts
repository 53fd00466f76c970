/**
 * Loaded into each server the bench starts (`--import`), Leitai and the baseline alike: on SIGUSR2
 * it prints one line with the process's RSS and its event-loop delay since the last one (Node's
 * own histogram, perf_hooks.monitorEventLoopDelay), which the crowd scenario reads from its output.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

process.on('SIGUSR2', () => {
  const line = { rss: process.memoryUsage().rss, loopP99Ms: delay.percentile(99) / 1e6, loopMaxMs: delay.max / 1e6 };
  delay.reset();
  process.stdout.write(`bench-metrics ${JSON.stringify(line)}\n`);
});
