/** `npm run migrate`: applies pending migrations to the configured database (DATABASE_URL, else ./data). */
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrator.ts';

try {
  const config = loadConfig();
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : config.dataDir });
  try {
    const applied = await migrateToLatest(handle.db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
  } finally {
    await handle.close();
  }
} catch (error) {
  process.stderr.write(`migrate: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
  process.exit(1);
}
