import { readFile } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import { hashToken, randomToken } from './auth/tokens.ts';
import type { Config } from './config.ts';
import { readContestFile } from './contest-file/contest-file.ts';
import { listContests } from './db/contests.repository.ts';
import type { Database } from './db/database.ts';
import { getOrCreateSetting, getSetting, setSetting } from './db/settings.repository.ts';
import { createContest } from './services/contests.service.ts';

/** What the server needs from its database before it can serve: secrets, and a first contest. */

const DEMO_CONTEST_FILE = new URL('../contests/demo-wangcheng-2023.json', import.meta.url);

export interface ServerSecrets {
  /** derives every personal link (see auth/tokens.ts) */
  linkSecret: string;
  /** SHA-256 of the admin token */
  adminTokenHash: string;
  /** set only on the start that generated the admin token: the one time it can be shown */
  newAdminToken: string | null;
}

export async function ensureServerSecrets(db: Kysely<Database>, config: Config): Promise<ServerSecrets> {
  const linkSecret = await getOrCreateSetting(db, 'link_secret', () => randomToken() + randomToken());
  if (config.adminToken !== null) return { linkSecret, adminTokenHash: hashToken(config.adminToken), newAdminToken: null };
  const stored = await getSetting(db, 'admin_token_hash');
  if (stored !== null) return { linkSecret, adminTokenHash: stored, newAdminToken: null };
  return { linkSecret, ...(await resetAdminToken(db)) };
}

/** Makes a new admin token, keeps only its hash, and returns it this once. */
export async function resetAdminToken(db: Kysely<Database>): Promise<{ adminTokenHash: string; newAdminToken: string }> {
  const token = randomToken();
  await setSetting(db, 'admin_token_hash', hashToken(token));
  return { adminTokenHash: hashToken(token), newAdminToken: token };
}

/**
 * On an empty database, loads the demo contest (the final from the seed article). Returns its id,
 * or null. `shared`: other server processes may be starting on the same Postgres at this moment
 * (`docker compose up --scale app=3` starts them together), and each would find the database empty:
 * a transaction holding an advisory lock lets one look and load at a time (the loading itself
 * commits on another connection before the lock is let go). Not on PGlite: one process, one
 * connection, which the lock's transaction would hold.
 */
export async function loadDemoIfEmpty(db: Kysely<Database>, linkSecret: string, shared: boolean): Promise<string | null> {
  const load = async () => {
    if ((await listContests(db)).length > 0) return null;
    const contest = readContestFile(await readFile(DEMO_CONTEST_FILE, 'utf8'));
    return createContest(db, linkSecret, contest, 'system');
  };
  if (!shared) return load();
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('leitai:load-demo'))`.execute(trx);
    return load();
  });
}
