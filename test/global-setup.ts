import { execFileSync } from 'node:child_process';

/**
 * Builds the client once per test run: the server-process and browser tests serve dist/client,
 * and must see the client as it is in the working tree, not a stale build.
 */
export default function setup(): void {
  // for a quick server-only run while the client is mid-edit; CI never sets it
  if (process.env.LEITAI_SKIP_CLIENT_BUILD === '1') return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: new URL('../', import.meta.url).pathname, stdio: 'inherit' });
}
