import type { FastifyInstance } from 'fastify';
import type { AuditAnswer, AuditEntryView, ConsistencyAnswer, ResultsAnswer } from '../contracts/admin-api.ts';
import { listAudit, type AuditFilter } from '../db/audit.repository.ts';
import type { DatabaseHandle } from '../db/connection.ts';
import type { AuditEntry } from '../db/database.ts';
import { findLiveState } from '../db/live-state.repository.ts';
import { findSheetsInForce } from '../db/score-sheets.repository.ts';
import type { ContestDefinition } from '../domain/contest.ts';
import { judgeConsistency } from '../domain/judge-consistency.ts';
import { owedReveals } from '../domain/live.ts';
import { byPresenterAndJudge } from '../domain/sheets.ts';
import { resultsTable } from '../domain/results-table.ts';
import { AppError } from '../errors.ts';
import { CSV_TYPE, XLSX_TYPE } from '../import/templates.ts';
import { auditCsv } from '../reports/audit-csv.ts';
import { resultsWorkbook } from '../reports/results-workbook.ts';
import type { AdminGuard } from './admin-auth.ts';
import { download } from './download.ts';
import { contestOr404, IDENTIFIER, identifierParams } from './params.ts';

export interface ResultsRoutesDeps {
  db: DatabaseHandle;
  admin: AdminGuard;
}

const AUDIT_FILTERS = ['presenter', 'judge'] as const;

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
  app.addHook('preHandler', async (request, reply) => {
    await identifierParams(request);
    // scores and names: not for a shared computer's browser cache
    void reply.header('cache-control', 'no-store');
  });

  /** the results, and the presenters whose corrected score the projector has not shown yet (the pages and the workbook warn) */
  const tableOf = async (id: string) => {
    const contest = await contestOr404(db, id);
    const state = await findLiveState(db.db, id);
    const sheets = await findSheetsInForce(db.db, id);
    const owed = state ? owedReveals(contest, state, byPresenterAndJudge(sheets)) : [];
    return { contest, table: resultsTable(contest, sheets, new Date(), owed) };
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

  /** the contest and its audit log, filtered by the query */
  const auditOf = async (id: string, query: unknown) => {
    const contest = await contestOr404(db, id);
    return { contest, entries: (await listAudit(db.db, id, auditFilter(contest, query))).map(auditView) };
  };

  app.get<{ Params: { id: string } }>('/api/contests/:id/results', async (request): Promise<ResultsAnswer> => {
    const { table } = await tableOf(request.params.id);
    return { ok: true, results: table };
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/results.xlsx', async (request, reply) => {
    const { contest, table } = await tableOf(request.params.id);
    const workbook = await resultsWorkbook(table, contest.rules);
    return download(reply, XLSX_TYPE, `results-${request.params.id}.xlsx`, `${contest.title}-成绩.xlsx`, workbook);
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/audit', async (request): Promise<AuditAnswer> => {
    const { entries } = await auditOf(request.params.id, request.query);
    return { ok: true, entries };
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/audit.csv', async (request, reply) => {
    const { contest, entries } = await auditOf(request.params.id, request.query);
    const csv = auditCsv(entries, {
      presenters: new Map(contest.presenters.map((p) => [p.key, p.name])),
      judges: new Map(contest.judges.map((j) => [j.key, j.name])),
    });
    return download(reply, CSV_TYPE, `audit-${request.params.id}.csv`, `${contest.title}-审计日志.csv`, csv);
  });

  app.get<{ Params: { id: string } }>('/api/contests/:id/consistency', async (request): Promise<ConsistencyAnswer> => {
    const contest = await contestOr404(db, request.params.id);
    return { ok: true, judges: judgeConsistency(contest, await findSheetsInForce(db.db, request.params.id)) };
  });
}
