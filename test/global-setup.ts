import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { buildPgliteTemplate } from './helpers/pglite-template.ts';

/**
 * Builds the client once per test run: the server-process and browser tests serve dist/client,
 * and must see the client as it is in the working tree, not a stale build. It is built next to
 * the served folder and swapped in by renames, so a server already serving never finds it empty.
 */
export default function setup(): void {
  buildPgliteTemplate();
  // for a quick server-only run while the client is mid-edit; CI never sets it
  if (process.env.LEITAI_SKIP_CLIENT_BUILD === '1') return;
  const root = new URL('../', import.meta.url).pathname;
  const fresh = `${root}dist/client-${process.pid}`;
  const old = `${root}dist/client-old-${process.pid}`;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'error', '--outDir', fresh, '--emptyOutDir'], { cwd: root, stdio: 'inherit' });
  if (existsSync(`${root}dist/client`)) renameSync(`${root}dist/client`, old);
  renameSync(fresh, `${root}dist/client`);
  rmSync(old, { recursive: true, force: true });
}
