import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BROWSER_TESTS, CHROMIUM_PATH, browserTestsRun } from './test/helpers/chromium.ts';
import SlowestFirst from './test/helpers/slowest-first.ts';

if (!browserTestsRun) console.warn(`browser tests left out: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);

// Separate from vite.config.ts (whose root is client/): tests live in test/ and run in Node.
export default defineConfig({
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    exclude: browserTestsRun ? ['node_modules/**'] : [...BROWSER_TESTS, 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    // At least three files at a time (three on our two-core machines): most of a test's time is spent waiting (on a server
    // process, a browser, a timer or a database), not computing. Every database test has its own
    // database and every server its own port, so files do not share anything.
    maxWorkers: Math.max(3, availableParallelism()),
    sequence: { sequencer: SlowestFirst },
    globalSetup: ['test/global-setup.ts'],
    // With three files at a time on two cores, a test that takes 20 s alone (a server process
    // started, a browser driven, a dozen spreadsheets read in child processes) can take twice that.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CI's log must show each test's name, [postgres] variants included (.ci/run checks for them)
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
