import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { DatabaseHandle } from '../../server/db/connection.ts';
import { ensureServerSecrets, type ServerSecrets } from '../../server/startup.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false', ...env });
}

/** The whole app on a test database, built the way main.ts builds it, without listening. */
export async function testApp(handle: DatabaseHandle, env: Record<string, string> = {}): Promise<{ app: FastifyInstance; config: Config; secrets: ServerSecrets }> {
  const config = testConfig(env);
  const secrets = await ensureServerSecrets(handle.db, config);
  const app = await buildApp({ config, db: handle, secrets });
  return { app, config, secrets };
}
