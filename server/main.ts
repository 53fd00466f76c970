/**
 * Starts Leitai: config → database → migrations → secrets → demo contest → HTTP server → banner.
 * Anything wrong before listening ends the process with one line saying what.
 */
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase } from './db/connection.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { listContests } from './db/contests.repository.ts';
import { migrateToLatest } from './db/migrator.ts';
import { printBanner } from './banner.ts';
import { openFileLimit } from './open-file-limit.ts';
import { ensureServerSecrets, loadDemoIfEmpty } from './startup.ts';

function die(message: string): never {
  process.stderr.write(`leitai: ${message}\n`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) die(error.message);
  throw error;
}

const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : config.dataDir, timeoutMs: config.databaseTimeoutMs, poolSize: config.databasePoolSize }).catch((error: Error) =>
  die(error instanceof DataDirLockedError ? error.message : `cannot open the database (${config.databaseUrl ? 'DATABASE_URL' : `embedded, in ${config.dataDir}`}): ${error.message}`),
);
await migrateToLatest(handle.db).catch((error: Error) => die(`database migration failed: ${error.message}`));
const secrets = await ensureServerSecrets(handle.db, config);
const demoId = config.loadDemo ? await loadDemoIfEmpty(handle.db, secrets.linkSecret, handle.kind === 'postgres') : null;

const { app } = await buildApp({ config, db: handle, secrets });
try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  die(code === 'EADDRINUSE' ? `port ${config.port} is already in use; set PORT to another port` : (error as Error).message);
}

await printBanner({ config, handle, secrets, contests: await listContests(handle.db), demoId, openFiles: openFileLimit() });

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: closing`);
    void app
      .close()
      .then(() => handle.close())
      .then(() => process.exit(0));
  });
}
