import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The built client (dist/client): static assets plus the page for each role's route. */

const CLIENT_DIR = fileURLToPath(new URL('../../dist/client/', import.meta.url));
const CLIENT_PAGES = ['/', '/judge', '/host', '/display', '/admin', '/admin/*', '/watch/*'] as const;

export async function clientRoutes(app: FastifyInstance): Promise<void> {
  if (!existsSync(`${CLIENT_DIR}index.html`)) {
    app.log.warn(`no client build in ${CLIENT_DIR}; run "npm run build" (npm start does)`);
    return;
  }
  // wildcard: files are looked up per request, so a rebuilt client is served without a restart
  await app.register(fastifyStatic, { root: CLIENT_DIR, index: false, wildcard: true, maxAge: 0 });
  for (const page of CLIENT_PAGES) {
    app.get(page, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  }
}
