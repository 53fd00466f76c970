import { resolve } from 'node:path';

/**
 * Configuration, read once from the environment at start and frozen. A wrong value stops the
 * server with one line naming the variable, before anything else happens.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Postgres connection string; null means the embedded PGlite database in dataDir */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** fixed admin token; null means one is generated on first start and kept (hashed) in the database */
  readonly adminToken: string | null;
  /** the address printed in links (e.g. https://leitai.example.org); null means http://<LAN address>:<port> */
  readonly publicUrl: string | null;
  /** load the demo contest when the database holds no contest */
  readonly loadDemo: boolean;
  /**
   * behind a reverse proxy (nginx, a TLS terminator): take the client's address and scheme from
   * X-Forwarded-For / X-Forwarded-Proto, so wrong tokens are counted per client, not per proxy
   */
  readonly trustProxy: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * how long a database statement, a new database connection and a whole live command may take;
   * past it the command is answered db_unavailable and the contest's next command goes ahead
   */
  readonly databaseTimeoutMs: number;
  /**
   * Postgres: the most connections this process opens for its queries (the cluster adds 3 of its
   * own, server/realtime/cluster.ts); processes × (this + 3) must stay under Postgres's max_connections
   */
  readonly databasePoolSize: number;
  /**
   * with a Postgres DATABASE_URL, join the other server processes on that database (the Socket.IO
   * Postgres adapter, server/realtime/cluster.ts); on by default, CLUSTER=0 turns it off. The
   * embedded database is always one process.
   */
  readonly cluster: boolean;
  /** the most different voters one contest's audience vote takes (AUDIENCE_VOTER_CAP); past it new voters are refused voter_cap */
  readonly audienceVoterCap: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function present(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

/**
 * A setting that is a whole number in [min, max], `fallback` when unset; `what` names it in the
 * refusal ("a port number", "a whole number of milliseconds").
 */
function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number, what = 'a whole number'): number {
  const raw = present(env, name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new ConfigError(`${name} must be ${what} from ${min} to ${max}, got "${raw}"`);
  return n;
}

function databaseUrl(env: Env): string | null {
  const raw = present(env, 'DATABASE_URL');
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL must be a postgres:// connection string');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got "${url.protocol}//…"`);
  }
  return raw;
}

function adminToken(env: Env): string | null {
  const raw = present(env, 'ADMIN_TOKEN');
  if (raw !== null && raw.length < 16) throw new ConfigError('ADMIN_TOKEN must be at least 16 characters long (or unset, to have one generated)');
  return raw;
}

function publicUrl(env: Env): string | null {
  const raw = present(env, 'PUBLIC_URL');
  if (raw === null) return null;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an http:// or https:// address, got "${raw}"`);
  }
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = present(env, name)?.toLowerCase() ?? null;
  if (raw === null) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function logLevel(env: Env): Config['logLevel'] {
  const raw = present(env, 'LOG_LEVEL') ?? 'info';
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return level;
}

/** DATABASE_TIMEOUT_MS when unset */
export const DEFAULT_DATABASE_TIMEOUT_MS = 5_000;

/** DATABASE_POOL_SIZE when unset */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

/** AUDIENCE_VOTER_CAP when unset: a large hall, with room for a live stream's viewers */
const DEFAULT_AUDIENCE_VOTER_CAP = 5_000;

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const url = databaseUrl(env);
  return Object.freeze({
    port: wholeNumber(env, 'PORT', 3000, 1, 65535, 'a port number'),
    host: present(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: url,
    dataDir: resolve(cwd, present(env, 'DATA_DIR') ?? 'data'),
    adminToken: adminToken(env),
    publicUrl: publicUrl(env),
    loadDemo: flag(env, 'LOAD_DEMO', true),
    trustProxy: flag(env, 'TRUST_PROXY', false),
    logLevel: logLevel(env),
    databaseTimeoutMs: wholeNumber(env, 'DATABASE_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUT_MS, 500, 60_000, 'a whole number of milliseconds'),
    databasePoolSize: wholeNumber(env, 'DATABASE_POOL_SIZE', DEFAULT_DATABASE_POOL_SIZE, 2, 200),
    cluster: flag(env, 'CLUSTER', true) && url !== null,
    audienceVoterCap: wholeNumber(env, 'AUDIENCE_VOTER_CAP', DEFAULT_AUDIENCE_VOTER_CAP, 1, 1_000_000, 'a whole number of voters'),
  });
}
