import { readFileSync } from 'node:fs';

/**
 * How many files (sockets included) this process may hold open. Node raises its own soft limit to
 * the hard limit when it starts, so what is read here is already as high as the process can make
 * it; only an administrator can raise the hard limit (`ulimit -n`, docker `--ulimit nofile=…`,
 * systemd `LimitNOFILE=`). Every phone, console and projector holds one while connected.
 */
export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** null where it cannot be read (not Linux): nothing is assumed then */
export function openFileLimit(limitsFile = '/proc/self/limits'): OpenFileLimit | null {
  try {
    const line = readFileSync(limitsFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').replace('Max open files', '').trim().split(/\s+/);
    const number = (value: string | undefined) => (value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value));
    if (!soft || !hard || Number.isNaN(number(soft)) || Number.isNaN(number(hard))) return null;
    return { soft: number(soft), hard: number(hard) };
  } catch {
    return null;
  }
}

/** Below this, the start-up says how to raise the limit. */
const LOW_OPEN_FILE_LIMIT = 4096;

/** What the start-up says about the limit: one line, and how to raise it when it is low. */
export function openFileLimitNote(limit: OpenFileLimit | null): string | null {
  if (limit === null) return null;
  if (limit.soft >= LOW_OPEN_FILE_LIMIT) return `  open files: up to ${limit.soft === Number.POSITIVE_INFINITY ? 'unlimited' : limit.soft}`;
  return [
    `  open files: at most ${limit.soft} (${limit.hard > limit.soft ? `the hard limit is ${limit.hard}, but Node could not reach it` : "the system's hard limit; Leitai cannot raise it further"}): each phone, console and projector`,
    `    holds one while connected. For more than a few hundred, raise it before starting: ulimit -n 65536 (as root),`,
    `    docker run --ulimit nofile=65536:65536, or LimitNOFILE=65536 in the systemd unit.`,
  ].join('\n');
}
