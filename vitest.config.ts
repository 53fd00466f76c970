import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Browser tests need Debian's Chromium. CI installs it and must run them; on a developer machine
// without it they are left out, with a line saying so, rather than failing for the wrong reason.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const withoutBrowser = !existsSync(chromium) && !process.env.CI;
if (withoutBrowser) console.warn(`browser tests left out: no Chromium at ${chromium} (apt-get install chromium)`);

// Separate from vite.config.ts (whose root is client/): tests live in test/ and run in Node.
export default defineConfig({
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    exclude: withoutBrowser ? ['test/e2e/**', 'node_modules/**'] : ['node_modules/**'],
    environment: 'node',
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI's log must show each test's name, [postgres] variants included (.ci/run checks for them)
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
