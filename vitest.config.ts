import { defineConfig } from 'vitest/config';

// Separate from vite.config.ts (whose root is client/): tests live in test/ and run in Node.
export default defineConfig({
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI's log must show each test's name, [postgres] variants included (.ci/run checks for them)
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
