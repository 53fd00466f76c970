import type { FastifyError, FastifyInstance } from 'fastify';
import type { ImportAnswer, ImportKind, ImportPreview } from '../contracts/admin-api.ts';
import type { ContestFile } from '../contest-file/contest-file.schema.ts';
import { toContestFile } from '../contest-file/contest-file.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import { findContest } from '../db/contests.repository.ts';
import { AppError } from '../errors.ts';
import { readSpreadsheetIsolated } from '../import/read-isolated.ts';
import { importProblemSummary, previewRoster } from '../import/roster-import.ts';
import { MAX_FILE_BYTES } from '../import/spreadsheet.ts';
import { buildTemplate, isTemplateFile, TEMPLATE_FILES } from '../import/templates.ts';
import { updateContest } from '../services/contests.service.ts';
import type { LiveContests } from '../services/live-contests.service.ts';
import type { AdminGuard } from './admin-auth.ts';
import { invalidInput } from './errors.ts';
import { download } from './download.ts';
import { IDENTIFIER } from './params.ts';

export interface ImportRoutesDeps {
  db: DatabaseHandle;
  live: LiveContests;
  admin: AdminGuard;
  linkSecret: string;
  /** ends the connections of a judge the import removed */
  disconnectJudge(contestId: string, judgeKey: string): void;
}

const KINDS: readonly ImportKind[] = ['presenters', 'judges'];

/** A preview with problems, thrown out of the contest's exclusive section so nothing is reloaded. */
class NotReady extends Error {
  constructor(readonly preview: ImportPreview) {
    super('import not ready');
  }
}

/**
 * Presenter and judge lists from Excel/WPS: the templates to fill in, and the upload, which
 * answers with a preview of every row and every problem (?dryRun=true), or saves the list when it
 * has none. The body is the file itself (.xlsx or .csv), not a form.
 */
export async function importRoutes(app: FastifyInstance, deps: ImportRoutesDeps): Promise<void> {
  const { db, live } = deps;
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

  app.get<{ Params: { file: string } }>('/api/templates/:file', async (request, reply) => {
    const { file } = request.params;
    if (!isTemplateFile(file)) throw new AppError('not_found', `没有模板「${file.slice(0, 64)}」：可下载的模板有 ${TEMPLATE_FILES.join('、')}`);
    const template = await buildTemplate(file);
    return download(reply, template.contentType, file, template.fileName, template.bytes);
  });

  app.post<{ Params: { id: string; kind: string }; Querystring: { dryRun?: string } }>(
    '/api/contests/:id/import/:kind',
    { bodyLimit: MAX_FILE_BYTES },
    async (request, reply) => {
      const { id } = request.params;
      const kind = request.params.kind as ImportKind;
      if (!IDENTIFIER.test(id)) throw new AppError('not_found', `没有编号为「${id.slice(0, 64)}」的比赛`);
      if (!KINDS.includes(kind)) throw new AppError('not_found', `不能导入「${request.params.kind.slice(0, 64)}」：只能导入 presenters（选手）或 judges（评委）`);
      const type = request.headers['content-type'] ?? '';
      if (/^multipart\//i.test(type)) throw new AppError('invalid_input', '请直接把文件内容作为请求体上传（Content-Type: application/octet-stream），不要用表单（multipart）');
      if (/^application\/json/i.test(type)) throw new AppError('invalid_input', '这里上传的是 .xlsx 或 .csv 名单文件；比赛文件（JSON）请用 PUT /api/contests/:id');
      const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const dryRun = request.query.dryRun === 'true' || request.query.dryRun === '1';

      const contestFile = async (): Promise<ContestFile> => {
        const definition = await findContest(db.db, id);
        if (!definition) throw new AppError('not_found', `没有编号为「${id}」的比赛`);
        return toContestFile(definition);
      };
      // an unknown contest is answered before the file is read
      await contestFile();
      // Reading the file happens in a child process (a file can ask exceljs for a billion cells),
      // one upload at a time, and before the contest's turn, which live scoring shares.
      const sheet = await readSpreadsheetIsolated(bytes, kind, (reason) => request.log.warn({ contest: id, kind, bytes: bytes.length, reason }, 'import: the uploaded file could not be read'));

      if (dryRun) {
        // against the contest as it is now: reading the file may have taken seconds
        return { ok: true, preview: previewRoster(kind, sheet, await contestFile()), saved: false } satisfies ImportAnswer;
      }
      try {
        // The contest is read again, checked and replaced in one turn, so no edit lands in between.
        const { preview, removedJudges } = await live.exclusive(id, async () => {
          const file = await contestFile();
          const preview = previewRoster(kind, sheet, file);
          if (!preview.ready) throw new NotReady(preview);
          const document = kind === 'presenters' ? { ...file, presenters: preview.presenters } : { ...file, judges: preview.judges };
          return { preview, ...(await updateContest(db.db, deps.linkSecret, id, document, 'admin')) };
        });
        for (const judge of removedJudges) deps.disconnectJudge(id, judge);
        return { ok: true, preview, saved: true } satisfies ImportAnswer;
      } catch (error) {
        if (!(error instanceof NotReady)) throw error;
        return reply.status(422).send({ ok: false, error: { code: 'invalid_input', message: importProblemSummary(error.preview) }, preview: error.preview });
      }
    },
  );
}

