import type { Insertable, Kysely, Transaction } from 'kysely';
import type { ActorRole, AuditAction } from '../contracts/vocabulary.ts';
import type { AuditEntry, AuditLogTable, Database } from './database.ts';

/** The audit log: append-only, one row per action, written in the same transaction as the action. */

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditRecord {
  contestId: string | null;
  actorRole: ActorRole;
  actorKey?: string | null;
  action: AuditAction;
  presenterKey?: string | null;
  judgeKey?: string | null;
  detail?: Record<string, unknown>;
}

/** the row that records an action */
export function auditRow(r: AuditRecord): Insertable<AuditLogTable> {
  return {
    contest_id: r.contestId,
    actor_role: r.actorRole,
    actor_key: r.actorKey ?? null,
    action: r.action,
    presenter_key: r.presenterKey ?? null,
    judge_key: r.judgeKey ?? null,
    detail: JSON.stringify(r.detail ?? {}),
  };
}

export async function appendAudit(db: Db, r: AuditRecord): Promise<void> {
  await db.insertInto('audit_log').values(auditRow(r)).execute();
}

export interface AuditFilter {
  presenter?: string;
  judge?: string;
}

/** A contest's audit entries, oldest first (by id, the order they were written), optionally for one presenter and/or one judge. */
export async function listAudit(db: Db, contestId: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().where('contest_id', '=', contestId);
  if (filter.presenter !== undefined) query = query.where('presenter_key', '=', filter.presenter);
  if (filter.judge !== undefined) query = query.where('judge_key', '=', filter.judge);
  return query.orderBy('id').execute();
}
