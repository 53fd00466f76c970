import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuditAnswer, AuditEntryView, ConsistencyAnswer, ResultsAnswer } from '../admin-api.ts';
import { listAudit, type AuditFilter } from '../db/audit.repository.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import { findContest } from '../db/contests.repository.ts';
import type { AuditEntry } from '../db/database.ts';
import { effectiveRecordedSheets } from '../db/score-sheets.repository.ts';
import type { ContestDefinition } from '../domain/contest.ts';
import { judgeConsistency } from '../domain/judge-consistency.ts';
import { resultsTable } from '../domain/results-table.ts';
import { AppError } from '../errors.ts';
import { auditCsv } from '../reports/audit-csv.ts';
import { resultsWorkbook } from '../reports/results-workbook.ts';
import { KEY_PATTERN } from '../schemas/common.schema.ts';
import type { AdminGuard } from './admin-auth.ts';

export interface ResultsRoutesDeps {
  db: DatabaseHandle;
  admin: AdminGuard;
}

const IDENTIFIER = new RegExp(KEY_PATTERN);
const AUDIT_FILTERS = ['presenter', 'judge'] as const;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * `attachment; filename="results-abc.xlsx"; filename*=UTF-8''<title>-成绩.xlsx`: browsers that read
 * RFC 6266 save under the Chinese name, anything older under the ASCII one. Characters no file
 * system takes are replaced, and everything outside RFC 5987's attr-char is percent-encoded.
 */
export function attachment(asciiName: string, name: string): string {
  const safe = name.replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_').slice(0, 150);
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encoded}`;
}

function auditView(row: AuditEntry): AuditEntryView {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actorRole: row.actor_role,
    actorKey: row.actor_key,
    action: row.action,
    presenter: row.presenter_key,
    judge: row.judge_key,
    detail: row.detail,
  };
}

/**
 * The admin API after the contest: the results table (JSON and workbook), the audit log (JSON and
 * CSV) and the judges' consistency. Every number comes from the one scoring core on the sheets in
 * force in the database, the same path `npm run recount` takes on an export.
 */
export async function resultsRoutes(app: FastifyInstance, deps: ResultsRoutesDeps): Promise<void> {
  const { db } = deps;
  app.addHook('onRequest', deps.admin.check);
  // URL parameters are identifiers: anything else cannot name a contest
  app.addHook('preHandler', async (request, reply) => {
    const params = request.params as Record<string, string>;
    for (const [name, value] of Object.entries(params ?? {})) {
      if (!IDENTIFIER.test(value)) throw new AppError('not_found', `no ${name === 'id' ? 'contest' : name} "${value.slice(0, 64)}"`);
    }
    // scores and names: not for a shared computer's browser cache
    void reply.header('cache-control', 'no-store');
  });

  const contestOr404 = async (id: string): Promise<ContestDefinition> => {
    const contest = await findContest(db.db, id);
    if (!contest) throw new AppError('not_found', `no contest ${id}`);
    return contest;
  };

  const tableOf = async (id: string) => {
    const contest = await contestOr404(id);
    return { contest, table: resultsTable(contest, await effectiveRecordedSheets(db.db, id), new Date()) };
  };

  /** ?presenter=&judge=: each at most once, a key of this contest; any other parameter is refused */
  const auditFilter = (contest: ContestDefinition, query: unknown): AuditFilter => {
    const filter: AuditFilter = {};
    for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
      if (!(AUDIT_FILTERS as readonly string[]).includes(name)) {
        throw new AppError('invalid_input', `${name.slice(0, 64)}: not a filter of the audit log (presenter, judge)`);
      }
      if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
        throw new AppError('invalid_input', `${name}: give one ${name} key (letters, digits, - and _)`);
      }
      const known = name === 'presenter' ? contest.presenters.some((p) => p.key === value) : contest.judges.some((j) => j.key === value);
      if (!known) throw new AppError('invalid_input', `${name}: no ${name} "${value}" in this contest`);
      filter[name as (typeof AUDIT_FILTERS)[number]] = value;
    }
    return filter;
  };

  const download = (reply: FastifyReply, type: string, asciiName: string, name: string, body: string | Buffer) =>
    reply.header('content-disposition', attachment(asciiName, name)).type(type).send(body);

  app.get<{ Params: { id: string } }>('/api/contests/:id/results', async (request): Promise<ResultsAnswer> => {
    const { table } = await tableOf(request.params.id);
    return { ok: true, results: table };
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/results.xlsx', async (request, reply) => {
    const { contest, table } = await tableOf(request.params.id);
    const workbook = await resultsWorkbook(table, contest.rules);
    return download(reply, XLSX, `results-${request.params.id}.xlsx`, `${contest.title}-成绩.xlsx`, workbook);
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/audit', async (request): Promise<AuditAnswer> => {
    const contest = await contestOr404(request.params.id);
    const rows = await listAudit(db.db, request.params.id, auditFilter(contest, request.query));
    return { ok: true, entries: rows.map(auditView) };
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/audit.csv', async (request, reply) => {
    const contest = await contestOr404(request.params.id);
    const rows = await listAudit(db.db, request.params.id, auditFilter(contest, request.query));
    const csv = auditCsv(rows.map(auditView), {
      presenters: new Map(contest.presenters.map((p) => [p.key, p.name])),
      judges: new Map(contest.judges.map((j) => [j.key, j.name])),
    });
    return download(reply, 'text/csv; charset=utf-8', `audit-${request.params.id}.csv`, `${contest.title}-审计日志.csv`, csv);
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/consistency', async (request): Promise<ConsistencyAnswer> => {
    const contest = await contestOr404(request.params.id);
    return { ok: true, judges: judgeConsistency(contest, await effectiveRecordedSheets(db.db, request.params.id)) };
  });
}
