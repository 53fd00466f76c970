/**
 * `npm run admin-token`: makes a new admin token (the old one stops working) and prints it once.
 * For an organiser who lost the one printed on first start. Not needed when ADMIN_TOKEN is set.
 */
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { resetAdminToken } from '../startup.ts';

try {
  const config = loadConfig();
  if (config.adminToken !== null) throw new ConfigError('ADMIN_TOKEN is set in the environment; that is the admin token');
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : config.dataDir });
  try {
    await migrateToLatest(handle.db);
    const { newAdminToken } = await resetAdminToken(handle.db);
    process.stdout.write(`new admin token (the old one no longer works): ${newAdminToken}\n`);
  } finally {
    await handle.close();
  }
} catch (error) {
  process.stderr.write(`admin-token: ${(error as Error).message}\n`);
  process.exit(1);
}
