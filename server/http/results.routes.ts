import type { FastifyInstance } from 'fastify';
import type { AuditAnswer, ConsistencyAnswer, ResultsAnswer } from '../contracts/admin-api.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import { CSV_TYPE, XLSX_TYPE } from '../import/templates.ts';
import { auditCsv } from '../reports/audit-csv.ts';
import { resultsWorkbook } from '../reports/results-workbook.ts';
import { contestAudit, contestConsistency, contestResults } from '../services/results.service.ts';
import type { AdminGuard } from './admin-auth.ts';
import { download } from './download.ts';
import { ROUTES, type RouteTypes } from './route-schemas.ts';

export interface ResultsRoutesDeps {
  db: DatabaseHandle;
  admin: AdminGuard;
}

/** The admin API after the contest: the results table (JSON and workbook), the audit log (JSON and CSV) and the judges' consistency. */
export async function resultsRoutes(app: FastifyInstance, deps: ResultsRoutesDeps): Promise<void> {
  const { db } = deps;
  app.addHook('onRequest', deps.admin.check);
  // scores and names: not for a shared computer's browser cache
  app.addHook('onRequest', async (_request, reply) => void reply.header('cache-control', 'no-store'));

  app.get<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/results', { schema: ROUTES.contest }, async (request): Promise<ResultsAnswer> => {
    const { table } = await contestResults(db.db, request.params.id);
    return { ok: true, results: table };
  });

  app.get<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/results.xlsx', { schema: ROUTES.contest }, async (request, reply) => {
    const { contest, table, votes } = await contestResults(db.db, request.params.id);
    const workbook = await resultsWorkbook(table, contest.rules, votes);
    return download(reply, XLSX_TYPE, `results-${request.params.id}.xlsx`, `${contest.title}-成绩.xlsx`, workbook);
  });

  app.get<RouteTypes<typeof ROUTES.audit>>('/api/contests/:id/audit', { schema: ROUTES.audit }, async (request): Promise<AuditAnswer> => {
    const { entries } = await contestAudit(db.db, request.params.id, request.query);
    return { ok: true, entries };
  });

  app.get<RouteTypes<typeof ROUTES.audit>>('/api/contests/:id/audit.csv', { schema: ROUTES.audit }, async (request, reply) => {
    const { contest, entries } = await contestAudit(db.db, request.params.id, request.query);
    const csv = auditCsv(entries, {
      presenters: new Map(contest.presenters.map((p) => [p.key, p.name])),
      judges: new Map(contest.judges.map((j) => [j.key, j.name])),
    });
    return download(reply, CSV_TYPE, `audit-${request.params.id}.csv`, `${contest.title}-审计日志.csv`, csv);
  });

  app.get<RouteTypes<typeof ROUTES.contest>>('/api/contests/:id/consistency', { schema: ROUTES.contest }, async (request): Promise<ConsistencyAnswer> => {
    return { ok: true, judges: await contestConsistency(db.db, request.params.id) };
  });
}
