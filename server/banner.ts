import { networkInterfaces } from 'node:os';
import type { Config } from './config.ts';
import type { LinkBase } from './contracts/admin-api.ts';
import type { DatabaseHandle } from './db/connection.ts';
import type { ContestSummary } from './db/contests.repository.ts';
import { chooseLinkBase } from './link-base.ts';
import { openFileLimitNote, type OpenFileLimit } from './open-file-limit.ts';
import { contestLinks } from './services/contests.service.ts';
import type { ServerSecrets } from './startup.ts';

/**
 * The start banner: where to open everything. Phones join over the venue Wi-Fi, so links use the
 * machine's LAN address (or PUBLIC_URL), not localhost.
 */

/** The machine's IPv4 address on the local network, preferring private ranges; null when offline. */
export function lanAddress(): string | null {
  const candidates = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  const isPrivate = (ip: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);
  return candidates.find(isPrivate) ?? candidates[0] ?? null;
}

/**
 * Where the links point: the same rule as the admin pages' (link-base.ts), as if they were opened
 * at localhost on this machine, so the banner and the QR cards never disagree.
 */
function venueLinkBase(config: Config, lan: string | null): LinkBase {
  return chooseLinkBase({ publicUrl: config.publicUrl, listenHost: config.host, lanAddress: lan, requestProtocol: 'http', requestHost: `localhost:${config.port}` });
}

/** Why phones could not open the links, in the banner's words; null when they can. */
function venueProblem(config: Config, base: LinkBase): string | null {
  switch (base.problem) {
    case null:
      return null;
    case 'local_only':
      return `(HOST=${config.host} listens on this machine only: phones cannot join; unset HOST or set HOST=0.0.0.0)`;
    case 'no_network':
      return '(no network found: phones cannot join yet)';
    case 'loopback':
      return '(PUBLIC_URL names this machine only: phones cannot open it; set it to the address phones use)';
    case 'link_local':
      return '(a link-local address: phones may not reach it; join the venue network, or set PUBLIC_URL)';
  }
}

const MAX_CONTESTS_LISTED = 3;

/**
 * Links carry access tokens: they are printed only to an interactive terminal, the organiser's own
 * screen. When stdout is a pipe or a log (docker, systemd, `npm start > file`), which anyone with
 * access to the logs may read, the banner says where the links are (the admin pages) and prints
 * no token at all, not even a newly generated admin token.
 */
export async function printBanner(args: {
  config: Config;
  handle: DatabaseHandle;
  secrets: ServerSecrets;
  contests: ContestSummary[];
  demoId: string | null;
  openFiles: OpenFileLimit | null;
  /** stdout is an interactive terminal */
  interactive?: boolean;
  /** the machine's LAN address; lanAddress() unless a test pins it */
  lan?: string | null;
}): Promise<void> {
  const { config, handle, secrets, contests, demoId, openFiles, interactive = process.stdout.isTTY === true, lan = lanAddress() } = args;
  const linkBase = venueLinkBase(config, lan);
  const base = linkBase.url;
  const problem = venueProblem(config, linkBase);
  const lines: string[] = [];
  lines.push('');
  lines.push(`擂台 Leitai is ready · database: ${handle.kind === 'pglite' ? `embedded (PGlite) in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`);
  lines.push(`  on this machine:     http://localhost:${config.port}`);
  lines.push(`  on the venue network: ${base}${problem ? `   ${problem}` : ''}`);
  lines.push(`  管理页面 admin pages: ${base}/admin   (log in with the admin token)`);
  const note = openFileLimitNote(openFiles);
  if (note) lines.push(note);
  if (secrets.newAdminToken) {
    lines.push('');
    if (interactive) lines.push(`  Admin token (shown only now; keep it, or set ADMIN_TOKEN): ${secrets.newAdminToken}`);
    else {
      lines.push('  No ADMIN_TOKEN is set, and this output is not a terminal, so no admin token is shown here. Either set');
      lines.push('  ADMIN_TOKEN (at least 16 characters) and restart, or run `npm run admin-token` in a terminal and restart');
      lines.push('  (docker: docker compose exec app npm run admin-token; with the embedded database, stop the server first).');
    }
  }
  if (demoId) lines.push('', '  The database was empty: the demo contest (望城区 2023 final, 22 presenters) was loaded.');
  for (const contest of contests.slice(0, MAX_CONTESTS_LISTED)) {
    lines.push('');
    lines.push(`  比赛 ${contest.title}  (id ${contest.id})`);
    if (!interactive) {
      lines.push(`    链接与评委卡 links and judge cards: ${base}/admin/contests/${contest.id}/links`);
      continue;
    }
    const links = await contestLinks(handle.db, secrets.linkSecret, base, contest.id);
    if (!links) continue;
    lines.push(`    主持台 host console: ${links.host}`);
    lines.push(`    大屏 display:        ${links.display}`);
    lines.push('    评委 judges:');
    for (const judge of links.judges) lines.push(`      ${judge.key.padEnd(4)} ${judge.name}  ${judge.url}`);
  }
  if (contests.length > MAX_CONTESTS_LISTED) lines.push('', `  … and ${contests.length - MAX_CONTESTS_LISTED} older contests.`);
  if (!interactive && contests.length > 0) {
    lines.push('', '  The host, display and judges’ links carry access tokens: they are printed only on a terminal, never to a log.');
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}
