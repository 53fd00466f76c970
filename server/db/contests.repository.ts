import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { inRunningOrder, type ContestDefinition, type Judge, type Panel } from '../domain/contest.ts';
import { Exact } from '../domain/exact.ts';
import type { LiveState } from '../domain/live.ts';
import type { StoredSheet } from '../domain/sheets.ts';
import type { Database, PanelsTable, ScoreSheetRow } from './database.ts';
import { storedSheet } from './score-sheets.repository.ts';
import { liveStateDocument } from './live-state.repository.ts';

/** Contests and their rules, panels, criteria, presenters, judges, recusals and absences. The caller owns the transaction. */

type Db = Kysely<Database> | Transaction<Database>;

export interface ContestSummary {
  id: string;
  title: string;
  createdAt: Date;
  presenters: number;
  judges: number;
  sheets: number;
}

export async function insertContest(trx: Transaction<Database>, id: string, contest: ContestDefinition): Promise<void> {
  await trx.insertInto('contests').values({ id, title: contest.title }).execute();
  await trx.insertInto('contest_rules').values({ contest_id: id, ...rulesRow(contest) }).execute();
  await trx
    .insertInto('panels')
    .values(contest.rules.panels.map((p, position) => ({ contest_id: id, key: p.key, ...panelRow(p, position) })))
    .execute();
  await insertCriteria(trx, id, contest);
  await insertPresenters(trx, id, contest);
  if (contest.judges.length > 0) {
    await trx
      .insertInto('judges')
      .values(contest.judges.map((j, position) => ({ contest_id: id, key: j.key, ...judgeRow(j, position) })))
      .execute();
  }
  await insertRecusals(trx, id, contest);
}

function rulesRow({ rules }: ContestDefinition) {
  return {
    decimals: rules.decimals,
    tie_break: JSON.stringify(rules.tieBreak),
    time_limit_seconds: rules.timeLimitSeconds,
    awards: JSON.stringify(rules.awards),
  };
}

const panelRow = (p: Panel, position: number) => ({
  position,
  name: p.name,
  weight: p.weight.toString(),
  kind: p.kind,
  drop_highest: p.kind === 'judges' ? p.dropHighest : 0,
  drop_lowest: p.kind === 'judges' ? p.dropLowest : 0,
  scale_min: p.kind === 'audience' ? p.scale.min.toString() : null,
  scale_max: p.kind === 'audience' ? p.scale.max.toString() : null,
  scale_step: p.kind === 'audience' ? p.scale.step.toString() : null,
  trim_percent: p.kind === 'audience' ? p.trimPercent : null,
});

function panelOfRow(p: Selectable<PanelsTable>): Panel {
  const common = { key: p.key, name: p.name, weight: Exact.parse(p.weight) };
  if (p.kind === 'judges') return { kind: 'judges', ...common, dropHighest: p.drop_highest, dropLowest: p.drop_lowest };
  const scale = { min: Exact.parse(p.scale_min ?? ''), max: Exact.parse(p.scale_max ?? ''), step: Exact.parse(p.scale_step ?? '') };
  return { kind: 'audience', ...common, scale, trimPercent: p.trim_percent ?? 0 };
}

const judgeRow = (j: Judge, position: number) => ({ position, name: j.name, panel_key: j.panel });

async function insertCriteria(trx: Transaction<Database>, id: string, { rules }: ContestDefinition): Promise<void> {
  await trx
    .insertInto('criteria')
    .values(rules.criteria.map((c, position) => ({ contest_id: id, key: c.key, position, name: c.name, max: c.max.toString(), step: c.step.toString() })))
    .execute();
}

async function insertPresenters(trx: Transaction<Database>, id: string, contest: ContestDefinition): Promise<void> {
  if (contest.presenters.length === 0) return;
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

/** The presenters' recusals (回避) and absences (缺席). */
async function insertRecusals(trx: Transaction<Database>, id: string, contest: ContestDefinition): Promise<void> {
  const rows = (list: (p: ContestDefinition['presenters'][number]) => string[]) =>
    contest.presenters.flatMap((p) => list(p).map((judge) => ({ contest_id: id, presenter_key: p.key, judge_key: judge })));
  const recusals = rows((p) => p.recused);
  const absences = rows((p) => p.absent);
  // a statement takes at most 65,535 parameters: a contest file may list more recusals than fit in one
  for (let i = 0; i < recusals.length; i += 5000) await trx.insertInto('recusals').values(recusals.slice(i, i + 5000)).execute();
  for (let i = 0; i < absences.length; i += 5000) await trx.insertInto('absences').values(absences.slice(i, i + 5000)).execute();
}

/**
 * Replaces a contest's definition before it has started (no sheet refers to a presenter or a judge
 * yet). Judges are changed in place, not deleted and re-added: a judge's access tokens hang on
 * the judge's row, and a kept judge keeps their link. Returns the judges added and removed.
 */
export async function replaceDefinition(
  trx: Transaction<Database>,
  id: string,
  before: ContestDefinition,
  after: ContestDefinition,
): Promise<{ added: string[]; removed: string[] }> {
  await trx.updateTable('contests').set({ title: after.title }).where('id', '=', id).execute();
  await trx.updateTable('contest_rules').set(rulesRow(after)).where('contest_id', '=', id).execute();
  await trx.deleteFrom('criteria').where('contest_id', '=', id).execute();
  await insertCriteria(trx, id, after);
  // recusals and absences go with the presenters (cascade) and come back with them
  await trx.deleteFrom('presenters').where('contest_id', '=', id).execute();
  await insertPresenters(trx, id, after);

  // Judges point at their panel: panels are upserted first, judges moved, then old panels go.
  const oldPanels = new Set(before.rules.panels.map((p) => p.key));
  for (const [position, p] of after.rules.panels.entries()) {
    const row = panelRow(p, position);
    if (oldPanels.has(p.key)) await trx.updateTable('panels').set(row).where('contest_id', '=', id).where('key', '=', p.key).execute();
    else await trx.insertInto('panels').values({ contest_id: id, key: p.key, ...row }).execute();
  }

  const kept = new Set(after.judges.map((j) => j.key));
  const removed = before.judges.filter((j) => !kept.has(j.key)).map((j) => j.key);
  const existing = new Set(before.judges.map((j) => j.key));
  const added = after.judges.filter((j) => !existing.has(j.key)).map((j) => j.key);
  if (removed.length > 0) await trx.deleteFrom('judges').where('contest_id', '=', id).where('key', 'in', removed).execute();
  for (const [position, j] of after.judges.entries()) {
    const row = judgeRow(j, position);
    if (existing.has(j.key)) await trx.updateTable('judges').set(row).where('contest_id', '=', id).where('key', '=', j.key).execute();
    else await trx.insertInto('judges').values({ contest_id: id, key: j.key, ...row }).execute();
  }
  const gone = before.rules.panels.map((p) => p.key).filter((key) => !after.rules.panels.some((p) => p.key === key));
  if (gone.length > 0) await trx.deleteFrom('panels').where('contest_id', '=', id).where('key', 'in', gone).execute();
  await insertRecusals(trx, id, after);
  return { added, removed };
}

/** The corrections still allowed once a contest has started: its title and presenters' name, unit and topic. */
export async function updateNames(trx: Transaction<Database>, id: string, contest: ContestDefinition): Promise<void> {
  await trx.updateTable('contests').set({ title: contest.title }).where('id', '=', id).execute();
  for (const p of contest.presenters) {
    await trx.updateTable('presenters').set({ name: p.name, unit: p.unit, topic: p.topic }).where('contest_id', '=', id).where('key', '=', p.key).execute();
  }
}

/** Numbers the presenters 1, 2, … in the order given. */
export async function setRunningOrder(trx: Transaction<Database>, id: string, keysInOrder: readonly string[]): Promise<void> {
  for (const [i, key] of keysInOrder.entries()) {
    await trx.updateTable('presenters').set({ running_order: i + 1 }).where('contest_id', '=', id).where('key', '=', key).execute();
  }
}

/** Locks the contest's row until the transaction ends: edits of one contest run one at a time. */
export async function lockContest(trx: Transaction<Database>, id: string): Promise<boolean> {
  return (await trx.selectFrom('contests').select('id').where('id', '=', id).forUpdate().executeTakeFirst()) !== undefined;
}

export async function contestExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('contests').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function judgeExists(db: Db, contestId: string, judgeKey: string): Promise<boolean> {
  return (await db.selectFrom('judges').select('key').where('contest_id', '=', contestId).where('key', '=', judgeKey).executeTakeFirst()) !== undefined;
}

/** The host marked a judge absent (缺席) for a presenter. */
export async function insertAbsence(db: Db, contestId: string, presenter: string, judge: string): Promise<void> {
  await db.insertInto('absences').values({ contest_id: contestId, presenter_key: presenter, judge_key: judge }).execute();
}

export async function findContest(db: Db, id: string): Promise<ContestDefinition | null> {
  const contest = await db.selectFrom('contests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!contest) return null;
  const [rules, panels, criteria, presenters, judges, recusals, absences] = await Promise.all([
    db.selectFrom('contest_rules').selectAll().where('contest_id', '=', id).executeTakeFirstOrThrow(),
    db.selectFrom('panels').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('criteria').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('presenters').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('judges').selectAll().where('contest_id', '=', id).orderBy('position').execute(),
    db.selectFrom('recusals').selectAll().where('contest_id', '=', id).execute(),
    db.selectFrom('absences').selectAll().where('contest_id', '=', id).execute(),
  ]);
  // presenter → judges recused from them (absent for them): one pass, so a large contest does not cost presenters × judges × recusals
  const byPresenter = (rows: ReadonlyArray<{ presenter_key: string; judge_key: string }>) => {
    const sets = new Map<string, Set<string>>();
    for (const r of rows) {
      let set = sets.get(r.presenter_key);
      if (!set) sets.set(r.presenter_key, (set = new Set()));
      set.add(r.judge_key);
    }
    return sets;
  };
  const recusedBy = byPresenter(recusals);
  const absentBy = byPresenter(absences);
  return {
    title: contest.title,
    rules: {
      criteria: criteria.map((c) => ({ key: c.key, name: c.name, max: Exact.parse(c.max), step: Exact.parse(c.step) })),
      panels: panels.map(panelOfRow),
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
        recused: judges.filter((j) => recusedBy.get(p.key)?.has(j.key)).map((j) => j.key),
        absent: judges.filter((j) => absentBy.get(p.key)?.has(j.key)).map((j) => j.key),
      })),
    ),
    judges: judges.map((j) => ({ key: j.key, name: j.name, panel: j.panel_key })),
  };
}

export async function listContests(db: Db): Promise<ContestSummary[]> {
  const rows = await db
    .selectFrom('contests')
    .select((eb) => [
      'id',
      'title',
      'created_at',
      eb.selectFrom('presenters').select(eb.fn.countAll<string>().as('n')).whereRef('presenters.contest_id', '=', 'contests.id').as('presenters'),
      eb.selectFrom('judges').select(eb.fn.countAll<string>().as('n')).whereRef('judges.contest_id', '=', 'contests.id').as('judges'),
      eb.selectFrom('score_sheets').select(eb.fn.countAll<string>().as('n')).whereRef('score_sheets.contest_id', '=', 'contests.id').as('sheets'),
    ])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    createdAt: r.created_at,
    presenters: Number(r.presenters ?? 0),
    judges: Number(r.judges ?? 0),
    sheets: Number(r.sheets ?? 0),
  }));
}

export async function countSheets(db: Db, id: string): Promise<number> {
  const row = await db.selectFrom('score_sheets').select((eb) => eb.fn.countAll<string>().as('n')).where('contest_id', '=', id).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What a live contest's rows hold beyond a copy in memory: see findLiveChanges. */
export interface LiveChanges {
  state: LiveState;
  /** the sheets stored after the one given, in the order stored */
  sheets: StoredSheet[];
  /** every absence (缺席) of the contest: [presenter, judge] */
  absences: Array<[string, string]>;
}

/**
 * One statement, so one snapshot: the live state, the sheets stored after `afterSheetId` and the
 * absences. Sheets of one contest are stored only under its live-state row's lock
 * (lockLiveState, lockForSheets), which is held until the commit: their ids are handed out in the
 * order they commit, so the sheets after the last one a process holds are exactly those it has
 * not seen, and the state read with them is the one they lead to. Null: no contest or no state.
 */
export async function findLiveChanges(db: Db, contestId: string, afterSheetId: string): Promise<LiveChanges | null> {
  const result = await sql<{ state: LiveState | null; sheets: Array<Omit<ScoreSheetRow, 'created_at'> & { created_at: string }>; absences: Array<[string, string]> }>`
    select
      (select ${liveStateDocument} from contest_live where contest_id = ${contestId}) as state,
      (select coalesce(json_agg(json_build_object(
          'id', s.id::text, 'presenter_key', s.presenter_key, 'judge_key', s.judge_key, 'submission_id', s.submission_id,
          'items', s.items, 'total', s.total::text, 'supersedes_id', s.supersedes_id::text, 'entered_by', s.entered_by,
          'reason', s.reason, 'created_at', floor(extract(epoch from s.created_at) * 1000)::bigint::text, 'contest_id', s.contest_id
        ) order by s.id), '[]'::json)
        from score_sheets s where s.contest_id = ${contestId} and s.id > cast(${afterSheetId} as bigint)) as sheets,
      (select coalesce(json_agg(json_build_array(a.presenter_key, a.judge_key)), '[]'::json) from absences a where a.contest_id = ${contestId}) as absences
  `.execute(db);
  const row = result.rows[0];
  if (!row?.state) return null;
  return {
    state: row.state,
    sheets: row.sheets.map((r) => storedSheet({ ...r, created_at: new Date(Number(r.created_at)) })),
    absences: row.absences,
  };
}
