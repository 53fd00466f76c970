import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Server } from 'socket.io';
import { lanAddress } from './banner.ts';
import type { Config } from './config.ts';
import { parseJsonExact } from './contest-file/contest-file.ts';
import type { DatabaseHandle } from './db/connection.ts';
import { AdminGuard } from './http/admin-auth.ts';
import { adminSessionRoutes } from './http/admin-session.routes.ts';
import { clientRoutes } from './http/client.routes.ts';
import { ConnectionGuard, connectionLimits } from './http/connection-guard.ts';
import { contestRoutes } from './http/contests.routes.ts';
import { invalidInput, registerErrorHandler } from './http/errors.ts';
import { healthRoutes } from './http/health.routes.ts';
import { importRoutes } from './http/import.routes.ts';
import { typeboxValidatorCompiler } from './http/request-validation.ts';
import { resultsRoutes } from './http/results.routes.ts';
import { securityHeaders } from './http/security-headers.ts';
import { attachSocketServer } from './realtime/socket.plugin.ts';
import { openFileLimit } from './open-file-limit.ts';
import { LiveContests } from './services/live-contests.service.ts';
import { WatchCodeCache } from './auth/watch-code-cache.ts';
import { findContestByWatchCode } from './db/watch-codes.repository.ts';
import { AudienceVotes } from './services/audience-votes.service.ts';
import { watchRoutes } from './http/watch.routes.ts';
import type { ServerSecrets } from './startup.ts';

/** "/judge?token=abc&lang=en" → "/judge?token=[redacted]&lang=en" */
function redactTokens(url: string): string {
  return url.replace(/([?&](?:token|auth|key)=)[^&#]*/gi, '$1[redacted]');
}

export interface AppDeps {
  config: Config;
  db: DatabaseHandle;
  secrets: ServerSecrets;
  /** the clock of the live contests (tests may move it) */
  now?: () => number;
  /** the machine's LAN address (tests pin it); banner.ts lanAddress by default */
  lanAddress?: () => string | null;
}

export interface LeitaiApp {
  app: FastifyInstance;
  io: Server;
  live: LiveContests;
}

/**
 * The composition root: every route, the socket server and the live contests, built from config
 * and a database. Never listens (main.ts does; tests listen on port 0 or use app.inject).
 */
export async function buildApp({ config, db, secrets, now, lanAddress: lanAddressOf }: AppDeps): Promise<LeitaiApp> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Links carry tokens in the fragment, which browsers never send; a token pasted into a
      // query string by mistake must still not reach the log.
      serializers: { req: (request) => ({ method: request.method, url: redactTokens(request.url), remoteAddress: request.ip }) },
    },
    trustProxy: config.trustProxy,
    // A connection must send its request's headers within 10 s (checked every second) and the
    // whole request within 2 minutes (a large upload on venue Wi-Fi); Node's defaults (60 s,
    // checked every 30 s) let a client hold a thousand half-open connections for a minute and more.
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
    requestTimeout: 120_000,
    // a contest file of 2,000 presenters is well under this; nothing legitimate comes near it
    bodyLimit: 2 * 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    // Fastify's own refusals (a malformed URL) answer in the same shape as ours
    frameworkErrors: (error, _request, reply) => {
      void invalidInput(reply as FastifyReply, error.statusCode ?? 400, error.message);
    },
    // bytes that are not HTTP at all
    clientErrorHandler: (_error, socket) => {
      const body = JSON.stringify({ ok: false, error: { code: 'invalid_input', message: 'not an HTTP request' } });
      if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      else socket.destroy();
    },
  });
  // JSON bodies are read digit-exact (a number a double cannot hold is refused, not rounded).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonExact(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // every route's params, query and body are checked against its TypeBox schema (http/route-schemas.ts)
  app.setValidatorCompiler(typeboxValidatorCompiler);
  registerErrorHandler(app);
  await securityHeaders(app);

  const limits = connectionLimits(openFileLimit()?.soft ?? null, config.trustProxy);
  const connections = new ConnectionGuard(app.server, limits, (closed) =>
    app.log.warn(
      { closed: Object.fromEntries(closed), limits },
      `closed connections that held a file without sending a request or completing a handshake (more than ${limits.waitingPerAddress} from one address or ${limits.waitingTotal} in all)`,
    ),
  );

  const live = new LiveContests(db.db, now, config.databaseTimeoutMs);
  const votes = new AudienceVotes(db.db, live, config.audienceVoterCap);
  const watchCodes = new WatchCodeCache((code) => findContestByWatchCode(db.db, code));
  const { io, judgeLinkRevoked: disconnectJudge, watchCodeRevoked: disconnectWatchers } = attachSocketServer(app, {
    db: db.db,
    live,
    votes,
    watchCodes,
    connections,
    trustProxy: config.trustProxy,
    cluster: config.cluster && config.databaseUrl !== null ? { databaseUrl: config.databaseUrl, timeoutMs: config.databaseTimeoutMs } : null,
  });
  await app.register(healthRoutes, { databaseKind: db.kind, databaseUp: () => db.ping() });
  await app.register(fastifyCookie);
  const admin = new AdminGuard({ adminTokenHash: secrets.adminTokenHash, linkSecret: secrets.linkSecret, publicUrl: config.publicUrl, now });
  await app.register(adminSessionRoutes, { admin });
  await app.register(contestRoutes, {
    db,
    live,
    admin,
    linkSecret: secrets.linkSecret,
    publicUrl: config.publicUrl,
    listenHost: config.host,
    lanAddress: lanAddressOf ?? lanAddress,
    disconnectJudge,
    disconnectWatchers,
  });
  await app.register(resultsRoutes, { db, admin });
  await app.register(importRoutes, { db, live, admin, linkSecret: secrets.linkSecret, disconnectJudge });
  await app.register(watchRoutes, { watchCodes });
  await app.register(clientRoutes);
  return { app, io: io as unknown as Server, live };
}
