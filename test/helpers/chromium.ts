import { existsSync } from 'node:fs';

/**
 * Browser tests drive Debian's Chromium (`apt-get install chromium`; .ci/run installs it), never a
 * downloaded browser. This is the one place that says where it is and which tests need it.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** the test files that cannot run without Chromium, as globs from the repository root */
export const BROWSER_TESTS = ['test/e2e/**', 'test/security/csp.test.ts'];

/**
 * Whether the browser tests run. CI must run them, so there a missing Chromium fails them; on a
 * developer machine without it they are left out rather than failing for the wrong reason.
 */
export const browserTestsRun = existsSync(CHROMIUM_PATH) || Boolean(process.env.CI);
