import type { FastifyInstance } from 'fastify';

export interface HealthDeps {
  databaseKind: 'pglite' | 'postgres';
  databaseUp: () => Promise<boolean>;
}

/** GET /healthz: 200 {"ok":true,"db":…} while the database answers, 503 with ok:false while it does not. */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    const up = await deps.databaseUp();
    return reply.status(up ? 200 : 503).send({ ok: up, db: deps.databaseKind });
  });
}
