import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/connection.ts';
import { clientRoutes } from './http/client.routes.ts';
import { registerErrorHandler } from './http/errors.ts';
import { healthRoutes } from './http/health.routes.ts';
import type { ServerSecrets } from './startup.ts';

export interface AppDeps {
  config: Config;
  db: DatabaseHandle;
  secrets: ServerSecrets;
}

/**
 * The composition root: every route and plugin, built from config and a database. Never listens
 * (main.ts does, and tests use app.inject or listen on port 0).
 */
export async function buildApp({ config, db }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // a contest file with 500 sheets is ~100 kB; nothing legitimate comes near this
    bodyLimit: 2 * 1024 * 1024,
  });
  registerErrorHandler(app);
  await app.register(healthRoutes, { databaseKind: db.kind, databaseUp: () => db.ping() });
  await app.register(clientRoutes);
  return app;
}
