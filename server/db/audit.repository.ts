import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.ts';

/** The audit log: append-only, one row per action, written in the same transaction as the action. */

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditRecord {
  contestId: string | null;
  actorRole: 'admin' | 'host' | 'judge' | 'display' | 'system';
  actorKey?: string | null;
  action: string;
  presenterKey?: string | null;
  judgeKey?: string | null;
  detail?: Record<string, unknown>;
}

export async function appendAudit(db: Db, r: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      contest_id: r.contestId,
      actor_role: r.actorRole,
      actor_key: r.actorKey ?? null,
      action: r.action,
      presenter_key: r.presenterKey ?? null,
      judge_key: r.judgeKey ?? null,
      detail: JSON.stringify(r.detail ?? {}),
    })
    .execute();
}
