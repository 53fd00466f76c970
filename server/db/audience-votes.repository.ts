import { sql, type Kysely, type Transaction } from 'kysely';
import type { Vote } from '../domain/contest.ts';
import { Exact } from '../domain/exact.ts';
import type { StoredVote } from '../domain/vote-tally.ts';
import type { Database } from './database.ts';

/** The audience votes (append-only) and the live contest's entry code. The caller owns the transaction. */

type Db = Kysely<Database> | Transaction<Database>;

export interface NewVote {
  presenter: string;
  voter: string;
  value: Exact;
  voteId: string;
}

export interface InsertedVote extends StoredVote {
  voteId: string;
  createdAt: number;
}

interface VoteRow {
  id: string | number | bigint;
  presenter_key: string;
  voter: string;
  value: string;
  vote_id: string;
  created_at: Date | string;
}

const inserted = (r: VoteRow): InsertedVote => ({
  id: String(r.id),
  presenter: r.presenter_key,
  voter: r.voter,
  value: Exact.parse(r.value),
  voteId: r.vote_id,
  createdAt: new Date(r.created_at).getTime(),
});

/**
 * Stores the votes whose presenter's turn is in scoring, in one statement, and returns those it
 * stored. The turn's phase is read from the contest's live_state row under FOR SHARE in the same
 * statement: a host's close (or the last sheet) holds that row FOR UPDATE until it commits, so a
 * vote either commits before the close and is counted, or waits for it, sees the closed turn and
 * is not stored. Votes whose vote id is already stored are skipped (ON CONFLICT): a retry stores
 * nothing new.
 */
export async function insertVotesWhileOpen(db: Db, contestId: string, votes: readonly NewVote[]): Promise<InsertedVote[]> {
  if (votes.length === 0) return [];
  const rows = sql.join(votes.map((v, n) => sql`(${v.presenter}, ${v.voter}, ${v.value.toString()}, ${v.voteId}, ${String(n)})`));
  const result = await sql<VoteRow>`
    with open_turns as (
      select state from contest_live where contest_id = ${contestId} for share
    ), cast_votes (presenter_key, voter, value, vote_id, position) as (values ${rows})
    insert into audience_votes (contest_id, presenter_key, voter, value, vote_id)
    select ${contestId}, c.presenter_key, c.voter, cast(c.value as numeric), c.vote_id
    from cast_votes c cross join open_turns o
    where o.state -> 'turns' -> c.presenter_key ->> 'phase' = 'scoring'
    order by cast(c.position as integer)
    on conflict (contest_id, vote_id) do nothing
    returning id, presenter_key, voter, value, vote_id, created_at
  `.execute(db);
  return result.rows.map(inserted);
}

/** Stored votes by their vote ids (a retry's first answer). */
export async function findVotesById(db: Db, contestId: string, voteIds: readonly string[]): Promise<InsertedVote[]> {
  if (voteIds.length === 0) return [];
  const rows = await db
    .selectFrom('audience_votes')
    .select(['id', 'presenter_key', 'voter', 'value', 'vote_id', 'created_at'])
    .where('contest_id', '=', contestId)
    .where('vote_id', 'in', [...voteIds])
    .execute();
  return rows.map(inserted);
}

/** The votes that count (the last row of each voter for each presenter), in the order stored. */
export async function findCountedVotes(db: Db, contestId: string): Promise<StoredVote[]> {
  const rows = await db
    .selectFrom('audience_votes')
    .distinctOn(['presenter_key', 'voter'])
    .select(['id', 'presenter_key', 'voter', 'value'])
    .where('contest_id', '=', contestId)
    .orderBy('presenter_key')
    .orderBy('voter')
    .orderBy('id', 'desc')
    .execute();
  return rows
    .map((r) => ({ id: String(r.id), presenter: r.presenter_key, voter: r.voter, value: Exact.parse(r.value) }))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/**
 * One statement: the counted votes of the given presenters (the last row of each voter) and how
 * many vote rows the contest holds. What a server process reads when another one stored votes
 * (the turns in scoring), or when turns moved elsewhere (their votes at the close).
 */
export async function findVotesOf(db: Db, contestId: string, presenters: readonly string[]): Promise<{ votes: StoredVote[]; rows: number }> {
  const counted =
    presenters.length === 0
      ? sql`'[]'::json`
      : sql`(select coalesce(json_agg(json_build_array(c.id::text, c.presenter_key, c.voter, c.value::text) order by c.id), '[]'::json)
          from (select distinct on (presenter_key, voter) id, presenter_key, voter, value from audience_votes
                where contest_id = ${contestId} and presenter_key in (${sql.join(presenters.map((p) => sql`${p}`))})
                order by presenter_key, voter, id desc) c)`;
  const result = await sql<{ votes: Array<[string, string, string, string]>; rows: string | number }>`
    select ${counted} as votes, (select count(*) from audience_votes where contest_id = ${contestId}) as rows
  `.execute(db);
  const row = result.rows[0]!;
  return { votes: row.votes.map(([id, presenter, voter, value]) => ({ id, presenter, voter, value: Exact.parse(value) })), rows: Number(row.rows) };
}

/**
 * The voter cap, decided one vote statement at a time per contest across server processes: the
 * caller's transaction holds this lock until it ends, and reads the voters after taking it (a
 * statement that started before would not see the voters the one before it added).
 */
export async function lockVoters(trx: Transaction<Database>, contestId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`leitai:voters:${contestId}`}))`.execute(trx);
}

/** How many different voters the contest has, and which of the given ones are among them. */
export async function findVoters(db: Db, contestId: string, voters: readonly string[]): Promise<{ count: number; known: Set<string> }> {
  const known =
    voters.length === 0
      ? sql`'[]'::json`
      : sql`(select coalesce(json_agg(distinct voter), '[]'::json) from audience_votes where contest_id = ${contestId} and voter in (${sql.join(voters.map((v) => sql`${v}`))}))`;
  const result = await sql<{ count: string | number; known: string[] }>`
    select (select count(distinct voter) from audience_votes where contest_id = ${contestId}) as count, ${known} as known
  `.execute(db);
  const row = result.rows[0]!;
  return { count: Number(row.count), known: new Set(row.known) };
}

/** How many vote rows the contest has stored (changed votes included). */
export async function countVoteRows(db: Db, contestId: string): Promise<number> {
  const row = await db.selectFrom('audience_votes').select((eb) => eb.fn.countAll<string>().as('n')).where('contest_id', '=', contestId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A presenter's votes for the audit log: rows cast (changes included) and votes counted (one per voter). */
export async function voteCounts(db: Db, contestId: string, presenter: string): Promise<{ cast: number; counted: number }> {
  const row = await db
    .selectFrom('audience_votes')
    .select((eb) => [eb.fn.countAll<string>().as('cast'), eb.fn.count<string>('voter').distinct().as('counted')])
    .where('contest_id', '=', contestId)
    .where('presenter_key', '=', presenter)
    .executeTakeFirstOrThrow();
  return { cast: Number(row.cast), counted: Number(row.counted) };
}

/** An imported export's counted votes, stored as they were (each its own row, a vote id made from its position). */
export async function insertImportedVotes(trx: Transaction<Database>, contestId: string, votes: readonly Vote[]): Promise<void> {
  const rows = votes.map((v, n) => ({ contest_id: contestId, presenter_key: v.presenter, voter: v.voter, value: v.value.toString(), vote_id: `import-${n + 1}` }));
  for (let n = 0; n < rows.length; n += 5000) await trx.insertInto('audience_votes').values(rows.slice(n, n + 5000)).execute();
}

/** Returns false when the contest has no watch code row. */
export async function setEntryCode(db: Db, contestId: string, entryCode: string | null): Promise<boolean> {
  const result = await db.updateTable('watch_codes').set({ entry_code: entryCode, updated_at: new Date() }).where('contest_id', '=', contestId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
