import type { Kysely, Transaction } from 'kysely';
import { inRunningOrder, type ContestDefinition } from '../domain/contest.ts';
import { Exact } from '../domain/exact.ts';
import type { Database } from './database.ts';

/** Contests and their rules, panels, criteria, presenters, judges and recusals. The caller owns the transaction. */

type Db = Kysely<Database> | Transaction<Database>;

export interface ContestSummary {
  id: string;
  title: string;
  createdAt: Date;
}

export async function insertContest(trx: Transaction<Database>, id: string, contest: ContestDefinition): Promise<void> {
  const { rules } = contest;
  await trx.insertInto('contests').values({ id, title: contest.title }).execute();
  await trx
    .insertInto('contest_rules')
    .values({
      contest_id: id,
      decimals: rules.decimals,
      tie_break: JSON.stringify(rules.tieBreak),
      time_limit_seconds: rules.timeLimitSeconds,
      awards: JSON.stringify(rules.awards),
    })
    .execute();
  await trx
    .insertInto('panels')
    .values(
      rules.panels.map((p, position) => ({
        contest_id: id,
        key: p.key,
        position,
        name: p.name,
        weight: p.weight.toString(),
        drop_highest: p.dropHighest,
        drop_lowest: p.dropLowest,
      })),
    )
    .execute();
  await trx
    .insertInto('criteria')
    .values(rules.criteria.map((c, position) => ({ contest_id: id, key: c.key, position, name: c.name, max: c.max.toString(), step: c.step.toString() })))
    .execute();
  if (contest.presenters.length > 0) {
    await trx
      .insertInto('presenters')
      .values(
        contest.presenters.map((p, position) => ({
          contest_id: id,
          key: p.key,
          position,
          running_order: p.order,
          name: p.name,
          unit: p.unit,
          topic: p.topic,
        })),
      )
      .execute();
  }
  if (contest.judges.length > 0) {
    await trx
      .insertInto('judges')
      .values(contest.judges.map((j, position) => ({ contest_id: id, key: j.key, position, name: j.name, panel_key: j.panel })))
      .execute();
  }
  const recusals = contest.presenters.flatMap((p) => p.recused.map((judge) => ({ contest_id: id, presenter_key: p.key, judge_key: judge })));
  if (recusals.length > 0) await trx.insertInto('recusals').values(recusals).execute();
}

export async function insertRecusal(db: Db, contestId: string, presenter: string, judge: string): Promise<void> {
  await db.insertInto('recusals').values({ contest_id: contestId, presenter_key: presenter, judge_key: judge }).execute();
}

export async function findContest(db: Db, id: string): Promise<ContestDefinition | null> {
  const contest = await db.selectFrom('contests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!contest) return null;
  const [rules, panels, criteria, presenters, judges, recusals] = await Promise.all([
    db.selectFrom('contest_rules').selectAll().where('contest_id', '=', id).executeTakeFirstOrThrow(),
    db.selectFrom('panels').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('criteria').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('presenters').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('judges').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('recusals').selectAll().where('contest_id', '=', id).execute(),
  ]);
  return {
    title: contest.title,
    rules: {
      criteria: criteria.map((c) => ({ key: c.key, name: c.name, max: Exact.parse(c.max), step: Exact.parse(c.step) })),
      panels: panels.map((p) => ({
        key: p.key,
        name: p.name,
        weight: Exact.parse(p.weight),
        dropHighest: p.drop_highest,
        dropLowest: p.drop_lowest,
      })),
      decimals: rules.decimals,
      tieBreak: rules.tie_break,
      timeLimitSeconds: rules.time_limit_seconds,
      awards: rules.awards,
    },
    presenters: inRunningOrder(
      presenters.map((p) => ({
        key: p.key,
        name: p.name,
        unit: p.unit,
        topic: p.topic,
        order: p.running_order,
        recused: judges.filter((j) => recusals.some((r) => r.presenter_key === p.key && r.judge_key === j.key)).map((j) => j.key),
      })),
    ),
    judges: judges.map((j) => ({ key: j.key, name: j.name, panel: j.panel_key })),
  };
}

export async function listContests(db: Db): Promise<ContestSummary[]> {
  const rows = await db.selectFrom('contests').select(['id', 'title', 'created_at']).orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, title: r.title, createdAt: r.created_at }));
}
