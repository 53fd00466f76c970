import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contestFromDocument } from '../contest-file/contest-file.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import { chooseLinkBase } from '../link-base.ts';
import type { AudienceSettingsAnswer, ContestDetailAnswer, ContestListAnswer, CreatedContestAnswer, LinksAnswer, LotsAnswer, ReissuedLinkAnswer, WatchAnswer } from '../contracts/admin-api.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import {
  contestDetail,
  contestExport,
  contestLinks,
  listContestsWithStatus,
  copyContest,
  createContest,
  drawLots,
  reissueJudgeLink,
  updateContest,
} from '../services/contests.service.ts';
import { reissueWatchCode, setVoteEntryCode, showWatchQr } from '../services/watch.service.ts';
import type { AdminGuard } from './admin-auth.ts';
import { normaliseEntryCode } from '../services/audience-votes.service.ts';
import { ROUTES, type RouteTypes } from './route-schemas.ts';

export interface ContestRoutesDeps {
  db: DatabaseHandle;
  live: LiveContests;
  admin: AdminGuard;
  /** ends the connections made with a judge's old link */
  disconnectJudge(contestId: string, judgeKey: string): void;
  /** ends the connections made with the contest's old watch code */
  disconnectWatchers(contestId: string): void;
  linkSecret: string;
  publicUrl: string | null;
  /** HOST, the address the server listens on */
  listenHost: string;
  /** the machine's LAN address (banner.ts lanAddress), for links asked for at localhost */
  lanAddress(): string | null;
}

/**
 * The admin API for contests: create (from a contest file, or a copy), list, read and edit until
 * it starts, draw lots, links and reissued links, export with scores.
 */
export async function contestRoutes(app: FastifyInstance, deps: ContestRoutesDeps): Promise<void> {
  const { db, live } = deps;
  app.addHook('onRequest', deps.admin.check);

  // Links point at PUBLIC_URL, else where the caller reached us, but never at localhost when the
  // machine has a LAN address: the phones open them (link-base.ts)
  const linkBase = (request: FastifyRequest) =>
    chooseLinkBase({ publicUrl: deps.publicUrl, listenHost: deps.listenHost, lanAddress: deps.lanAddress(), requestProtocol: request.protocol, requestHost: request.host });

  app.get('/api/contests', async (): Promise<ContestListAnswer> => {
    const contests = await listContestsWithStatus(db.db);
    return { ok: true, contests: contests.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })) };
  });

  const created = async (request: FastifyRequest, id: string): Promise<CreatedContestAnswer> => {
    const base = linkBase(request);
    const links = (await contestLinks(db.db, deps.linkSecret, base.url, id))!;
    return { ok: true, id, hostUrl: links.host, displayUrl: links.display, watchUrl: links.watch, judges: links.judges, linkBase: base };
  };

  // ?withScores=true: an archive (an export from another server) to view and recount; its scores
  // are stored as imported sheets, so it is locked like any contest with scores.
  app.post<RouteTypes<typeof ROUTES.createContest>>('/api/contests', { schema: ROUTES.createContest }, async (request, reply) => {
    const contest = contestFromDocument(request.body);
    if ((contest.sheets.length > 0 || contest.votes.length > 0) && request.query.withScores !== 'true') {
      throw new AppError(
        'invalid_input',
        'scores: a new contest starts without scores; remove the "scores" and "audienceVotes" lists, or send ?withScores=true to import an archive with its scores (for npm run recount and the results pages)',
      );
    }
    const id = await createContest(db.db, deps.linkSecret, contest, 'admin');
    return reply.status(201).send(await created(request, id));
  });

  app.get<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id', { schema: ROUTES.contest }, async (request): Promise<ContestDetailAnswer> => {
    const detail = await contestDetail(db.db, request.params.id);
    if (!detail) throw new AppError('not_found', `no contest ${request.params.id}`);
    return { ok: true, id: request.params.id, ...detail };
  });

  // If-Match: the revision the editor loaded (GET answers it); a save on an older picture is refused
  app.put<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id', { schema: ROUTES.contest }, async (request): Promise<ContestDetailAnswer> => {
    const { id } = request.params;
    const ifMatch = request.headers['if-match'];
    const expected = typeof ifMatch === 'string' ? ifMatch.replace(/^(W\/)?"(.*)"$/, '$2') : null;
    const { removedJudges } = await live.exclusive(id, () => updateContest(db.db, deps.linkSecret, id, request.body, 'admin', expected));
    for (const judge of removedJudges) deps.disconnectJudge(id, judge);
    return { ok: true, id, ...(await contestDetail(db.db, id))! };
  });

  app.post<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/copy', { schema: ROUTES.contest }, async (request, reply) => {
    const id = await copyContest(db.db, deps.linkSecret, request.params.id);
    return reply.status(201).send(await created(request, id));
  });

  app.post<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/lots', { schema: ROUTES.contest }, async (request): Promise<LotsAnswer> => {
    const { id } = request.params;
    const drawn = await live.exclusive(id, () => drawLots(db.db, id));
    return { ok: true, order: drawn.map((p) => ({ order: p.order!, key: p.key, name: p.name, unit: p.unit })) };
  });

  app.get<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/links', { schema: ROUTES.contest }, async (request): Promise<LinksAnswer> => {
    const base = linkBase(request);
    const links = await contestLinks(db.db, deps.linkSecret, base.url, request.params.id);
    if (!links) throw new AppError('not_found', `no contest ${request.params.id}`);
    return { ok: true, hostUrl: links.host, displayUrl: links.display, watchUrl: links.watch, watchQr: links.watchQr, voteEntryCode: links.voteEntryCode, judges: links.judges, linkBase: base };
  });

  const watchAnswer = async (request: FastifyRequest, id: string): Promise<WatchAnswer> => {
    const base = linkBase(request);
    const links = (await contestLinks(db.db, deps.linkSecret, base.url, id))!;
    return { ok: true, watchUrl: links.watch, watchQr: links.watchQr, linkBase: base };
  };

  // Through the live contest's queue: once it commits the contest is reloaded, and the projector's
  // next snapshot shows the new code (or hides the QR).
  app.post<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/watch/reissue', { schema: ROUTES.contest }, async (request): Promise<WatchAnswer> => {
    const { id } = request.params;
    await live.exclusive(id, () => reissueWatchCode(db.db, id));
    deps.disconnectWatchers(id);
    return watchAnswer(request, id);
  });

  app.put<RouteTypes<typeof ROUTES.watchSettings>>('/api/contests/:id/watch', { schema: ROUTES.watchSettings }, async (request): Promise<WatchAnswer> => {
    const { id } = request.params;
    await live.exclusive(id, () => showWatchQr(db.db, id, request.body.showQr));
    return watchAnswer(request, id);
  });

  // Through the queue too: the projector's next snapshot shows the new entry code.
  app.put<RouteTypes<typeof ROUTES.audienceSettings>>('/api/contests/:id/audience', { schema: ROUTES.audienceSettings }, async (request): Promise<AudienceSettingsAnswer> => {
    const { id } = request.params;
    const entryCode = request.body.entryCode === null ? null : normaliseEntryCode(request.body.entryCode);
    await live.exclusive(id, () => setVoteEntryCode(db.db, id, entryCode));
    return { ok: true, entryCode };
  });

  app.post<RouteTypes<typeof ROUTES.judge>>('/api/contests/:id/judges/:judge/reissue', { schema: ROUTES.judge }, async (request): Promise<ReissuedLinkAnswer> => {
    const { id, judge } = request.params;
    const token = await reissueJudgeLink(db.db, deps.linkSecret, id, judge);
    deps.disconnectJudge(id, judge);
    const base = linkBase(request);
    return { ok: true, key: judge, url: `${base.url}/judge#token=${token}`, linkBase: base };
  });

  app.get<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/export', { schema: ROUTES.contest }, async (request, reply) => {
    const file = await contestExport(db.db, request.params.id);
    if (!file) throw new AppError('not_found', `no contest ${request.params.id}`);
    return reply
      .header('content-disposition', `attachment; filename="contest-${request.params.id}.json"`)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(file, null, 2));
  });
}
