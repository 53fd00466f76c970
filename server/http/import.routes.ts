import type { FastifyError, FastifyInstance } from 'fastify';
import type { ImportAnswer } from '../contracts/admin-api.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import { AppError } from '../errors.ts';
import { importProblemSummary } from '../import/roster-import.ts';
import { MAX_FILE_BYTES } from '../import/spreadsheet.ts';
import { buildTemplate } from '../import/templates.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import { importRoster } from '../services/roster-import.service.ts';
import type { AdminGuard } from './admin-auth.ts';
import { invalidInput } from './errors.ts';
import { download } from './download.ts';
import { ROUTES, type RouteTypes } from './route-schemas.ts';

export interface ImportRoutesDeps {
  db: DatabaseHandle;
  live: LiveContests;
  admin: AdminGuard;
  linkSecret: string;
  /** ends the connections of a judge the import removed */
  disconnectJudge(contestId: string, judgeKey: string): void;
}

/** Why a body cannot be a spreadsheet, judged by its type alone, or null. */
function uploadTypeProblem(contentType: string): string | null {
  if (/^multipart\//i.test(contentType)) return '请直接把文件内容作为请求体上传（Content-Type: application/octet-stream），不要用表单（multipart）';
  if (/^application\/json/i.test(contentType)) return '这里上传的是 .xlsx 或 .csv 名单文件；比赛文件（JSON）请用 PUT /api/contests/:id';
  return null;
}

/**
 * Presenter and judge lists from Excel/WPS: the templates to fill in, and the upload, which
 * answers with a preview of every row and every problem (?dryRun=true), or saves the list when it
 * has none. The body is the file itself (.xlsx or .csv), not a form.
 */
export async function importRoutes(app: FastifyInstance, deps: ImportRoutesDeps): Promise<void> {
  app.addHook('onRequest', deps.admin.check);

  // Within this plugin every body is the uploaded file's bytes, whatever type the browser guessed
  // for it (.csv is application/vnd.ms-excel on a Windows machine with Excel, text/csv elsewhere).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_FILE_BYTES }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return invalidInput(reply, 413, '文件太大（最多 5 MB）：名单只需要一张工作表，请删掉图片和其他工作表后再上传');
    }
    throw error; // the app's error handler answers everything else
  });

  app.get<RouteTypes<typeof ROUTES.template>>('/api/templates/:file', { schema: ROUTES.template }, async (request, reply) => {
    const { file } = request.params;
    const template = await buildTemplate(file);
    return download(reply, template.contentType, file, template.fileName, template.bytes);
  });

  app.post<RouteTypes<typeof ROUTES.import>>('/api/contests/:id/import/:kind', { schema: ROUTES.import, bodyLimit: MAX_FILE_BYTES }, async (request, reply) => {
    const { id, kind } = request.params;
    const typeProblem = uploadTypeProblem(request.headers['content-type'] ?? '');
    if (typeProblem) throw new AppError('invalid_input', typeProblem);
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const dryRun = request.query.dryRun === 'true' || request.query.dryRun === '1';
    const onUnreadable = (reason: string) => request.log.warn({ contest: id, kind, bytes: bytes.length, reason }, 'import: the uploaded file could not be read');

    const result = await importRoster(deps.db.db, deps.live, deps.linkSecret, { contestId: id, kind, bytes, dryRun, onUnreadable });
    if (result.outcome === 'refused') {
      return reply.status(422).send({ ok: false, error: { code: 'invalid_input', message: importProblemSummary(result.preview) }, preview: result.preview });
    }
    if (result.outcome === 'saved') for (const judge of result.removedJudges) deps.disconnectJudge(id, judge);
    return { ok: true, preview: result.preview, saved: result.outcome === 'saved' } satisfies ImportAnswer;
  });
}
