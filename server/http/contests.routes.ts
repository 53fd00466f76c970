import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contestFromDocument, toContestFile } from '../contest-file/contest-file.ts';
import { findContest, listContests } from '../db/contests.repository.ts';
import { effectiveSheets } from '../db/score-sheets.repository.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import { KEY_PATTERN } from '../schemas/common.schema.ts';
import { contestLinks, createContest, reissueJudgeLink } from '../services/contests.service.ts';
import { requireAdmin } from './admin-auth.ts';

export interface ContestRoutesDeps {
  db: DatabaseHandle;
  /** ends the connections made with a judge's old link */
  disconnectJudge(contestId: string, judgeKey: string): void;
  linkSecret: string;
  adminTokenHash: string;
  publicUrl: string | null;
}

const IDENTIFIER = new RegExp(KEY_PATTERN);

/** The admin API for contests: create from a contest file, list, export with scores. */
export async function contestRoutes(app: FastifyInstance, deps: ContestRoutesDeps): Promise<void> {
  const { db } = deps;
  app.addHook('onRequest', requireAdmin(deps.adminTokenHash));
  // URL parameters are identifiers: anything else cannot name a contest or a judge
  app.addHook('preHandler', async (request) => {
    const params = request.params as Record<string, string>;
    for (const [name, value] of Object.entries(params ?? {})) {
      if (!IDENTIFIER.test(value)) throw new AppError('not_found', `no ${name === 'id' ? 'contest' : name} "${value.slice(0, 64)}"`);
    }
  });

  // Links point where the caller reached us, unless PUBLIC_URL says otherwise.
  const baseUrl = (request: FastifyRequest) => deps.publicUrl ?? `${request.protocol}://${request.host}`;

  app.get('/api/contests', async () => ({ ok: true, contests: await listContests(db.db) }));

  app.post('/api/contests', async (request, reply) => {
    const contest = contestFromDocument(request.body);
    if (contest.sheets.length > 0) {
      throw new AppError('invalid_input', 'scores: a new contest starts without scores; remove the "scores" list (an archive with scores is for npm run recount)');
    }
    const id = await createContest(db.db, deps.linkSecret, contest, 'admin');
    const links = (await contestLinks(db.db, deps.linkSecret, baseUrl(request), id))!;
    return reply.status(201).send({ ok: true, id, hostUrl: links.host, displayUrl: links.display, judges: links.judges });
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/links', async (request) => {
    const links = await contestLinks(db.db, deps.linkSecret, baseUrl(request), request.params.id);
    if (!links) throw new AppError('not_found', `no contest ${request.params.id}`);
    return { ok: true, hostUrl: links.host, displayUrl: links.display, judges: links.judges };
  });

  app.post<{ Params: { id: string; judge: string } }>('/api/contests/:id/judges/:judge/reissue', async (request) => {
    const { id, judge } = request.params;
    const token = await reissueJudgeLink(db.db, deps.linkSecret, id, judge);
    deps.disconnectJudge(id, judge);
    return { ok: true, key: judge, url: `${baseUrl(request)}/judge#token=${token}` };
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/export', async (request, reply) => {
    const definition = await findContest(db.db, request.params.id);
    if (!definition) throw new AppError('not_found', `no contest ${request.params.id}`);
    const file = toContestFile(definition, await effectiveSheets(db.db, request.params.id));
    return reply
      .header('content-disposition', `attachment; filename="contest-${request.params.id}.json"`)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(file, null, 2));
  });
}
