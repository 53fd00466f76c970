import type { FastifyInstance } from 'fastify';
import type { AdminSessionAnswer } from '../contracts/admin-api.ts';
import type { AdminGuard } from './admin-auth.ts';
import { ROUTES, type RouteTypes } from './route-schemas.ts';

/** Logging in to the admin pages: the admin token once, then an httpOnly cookie. */
export async function adminSessionRoutes(app: FastifyInstance, { admin }: { admin: AdminGuard }): Promise<void> {
  app.post<RouteTypes<typeof ROUTES.login>>('/api/admin/session', { schema: ROUTES.login }, async (request, reply): Promise<AdminSessionAnswer> => {
    const expiresAt = await admin.logIn(request, reply, request.body.token);
    return { ok: true, expiresAt: new Date(expiresAt).toISOString() };
  });

  app.get('/api/admin/session', { onRequest: admin.check }, async (request): Promise<AdminSessionAnswer> => ({
    ok: true,
    expiresAt: request.adminSessionExpiresAt === undefined ? null : new Date(request.adminSessionExpiresAt).toISOString(),
  }));

  // logging out always works, even with an expired cookie
  app.delete('/api/admin/session', async (_request, reply) => {
    admin.logOut(reply);
    return { ok: true };
  });
}
