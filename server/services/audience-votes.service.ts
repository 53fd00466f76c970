import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { VoteReceipt } from '../contracts/snapshots.ts';
import { findVoters, findVotesById, findVotesOf, insertVotesWhileOpen, lockVoters, type InsertedVote, type NewVote } from '../db/audience-votes.repository.ts';
import type { Database } from '../db/database.ts';
import { audiencePanel, voteValueProblem } from '../domain/contest.ts';
import type { Exact } from '../domain/exact.ts';
import { AppError, asStoringError } from '../errors.ts';
import type { LiveContests } from './live-contests.service.ts';

/**
 * The audience vote (大众评审): checks a phone's vote against the contest in memory, stores it, and
 * acknowledges it only once committed. Votes never go through LiveContests' command queue, so a
 * hall of phones voting cannot hold up a judge's sheet: votes of one contest that arrive while a
 * vote statement is in flight are stored together by the next one (one INSERT for the batch).
 *
 * Whether a vote is in time is decided by the database, in the INSERT itself (see
 * insertVotesWhileOpen): a vote acknowledged ok was committed while its presenter's turn was in
 * scoring, and is counted; a vote that would commit after the close is not stored.
 *
 * So is the voter cap (AUDIENCE_VOTER_CAP), across server processes: a statement with a voter
 * this process has not seen before runs in a transaction that takes the contest's voter lock
 * (one such statement at a time per contest, whichever process runs it) and counts the stored
 * voters after taking it. Votes of voters already known store in one statement, without it.
 *
 * With several server processes, each tells the others when it stored votes (cluster.ts, a few
 * times a second at most) and each reads the counted votes of the turns in scoring from the
 * database (changedElsewhere), so every projector, console and phone shows every process's votes
 * within about a second. Counts only grow: what is read is added to what is held, never put in its place.
 */

/** Why listeners hear of votes: stored by this process, or read after another stored some. */
export type VotesOrigin = 'here' | 'elsewhere';

export interface CastVote {
  presenter: string;
  value: Exact;
  /** the phone's id for this vote: the same id again answers as the first time and stores nothing */
  voteId: string;
  entryCode?: string;
}

interface Pending {
  vote: NewVote;
  resolve(receipt: VoteReceipt): void;
  reject(error: AppError): void;
}

/** at most this many votes in one INSERT (4 parameters each; a statement takes 65,535) */
const BATCH = 2000;

const NOT_SAVED = 'not saved: the database is not answering; send the same vote again';

/** The voter id a phone's secret stands for in one contest: exported with the votes, so it must not be the secret, and two contests' ids of one phone are not linkable. */
export function voterIdOf(contestId: string, secret: string): string {
  return `v${createHash('sha256').update(`leitai-voter\u0000${contestId}\u0000${secret}`).digest('base64url').slice(0, 20)}`;
}

/** Entry codes are typed on phones: case and surrounding spaces do not matter. */
export const normaliseEntryCode = (code: string): string => code.trim().toUpperCase();

export class AudienceVotes {
  readonly #db: Kysely<Database>;
  readonly #live: LiveContests;
  readonly #voterCap: number;
  readonly #queued = new Map<string, Pending[]>();
  readonly #inFlight = new Set<string>();
  readonly #listeners: Array<(contestId: string, origin: VotesOrigin) => void> = [];
  /** per contest, a read of other processes' votes under way, and whether another was asked for meanwhile */
  readonly #reading = new Map<string, { again: boolean }>();

  constructor(db: Kysely<Database>, live: LiveContests, voterCap: number) {
    this.#db = db;
    this.#live = live;
    this.#voterCap = voterCap;
  }

  /** told after votes of a contest were committed here, or read from the database after another process stored some (the broadcaster sends the new counts) */
  onChange(listener: (contestId: string, origin: VotesOrigin) => void): void {
    this.#listeners.push(listener);
  }

  #notify(contestId: string, origin: VotesOrigin): void {
    for (const listener of this.#listeners) listener(contestId, origin);
  }

  /**
   * Another server process stored votes of the contest. A contest held here reads the counted
   * votes of its turns in scoring (one statement), adds them to what it holds, and tells the
   * listeners when that moved its count. One read at a time per contest: news arriving during one
   * make one more read after it.
   */
  changedElsewhere(contestId: string): void {
    const reading = this.#reading.get(contestId);
    if (reading) return void (reading.again = true);
    const mine = { again: false };
    this.#reading.set(contestId, mine);
    void this.#readElsewhere(contestId).finally(() => {
      this.#reading.delete(contestId);
      if (mine.again) this.changedElsewhere(contestId);
    });
  }

  async #readElsewhere(contestId: string): Promise<void> {
    const live = await this.#live.held(contestId);
    if (!live) return;
    const open = Object.entries(live.state.turns).flatMap(([presenter, turn]) => (turn.phase === 'scoring' ? [presenter] : []));
    try {
      const read = await findVotesOf(this.#db, contestId, open);
      const before = live.votes.rows;
      const added = live.votes.addRead(read);
      if (added > 0 || live.votes.rows > before) this.#notify(contestId, 'elsewhere');
    } catch {
      // the database is not answering: the next news, or the next change of the contest, reads again
    }
  }

  /** Stores a vote; resolves once it is committed (or was already), rejects with an AppError saying why nothing was stored. */
  async cast(contestId: string, voter: string, input: CastVote): Promise<VoteReceipt> {
    const live = await this.#live.get(contestId);
    const panel = audiencePanel(live.contest.rules);
    if (!panel) throw new AppError('voting_closed', 'this contest has no audience vote');
    const presenter = live.contest.presenters.find((p) => p.key === input.presenter);
    if (!presenter) throw new AppError('not_found', `no presenter ${input.presenter}`);
    const problem = voteValueProblem(panel.scale, input.value);
    if (problem) throw new AppError('out_of_range', `${problem}; nothing was stored`);
    const required = live.watch?.entryCode ?? null;
    if (required !== null && normaliseEntryCode(input.entryCode ?? '') !== normaliseEntryCode(required)) {
      throw new AppError('entry_code', input.entryCode ? 'the entry code is wrong; it is shown on the projector' : 'this vote needs the entry code shown on the projector');
    }
    // Only a hint: the database decides (a vote in flight when the turn closes is refused there).
    // A retry of a vote already stored is answered by the database too, whatever the phase now.
    if (live.state.turns[presenter.key]?.phase !== 'scoring' && !(await this.#known(contestId, input.voteId))) {
      throw new AppError('voting_closed', `voting on ${presenter.name} is not open (the turn is ${live.state.turns[presenter.key]?.phase ?? 'unknown'})`);
    }
    if (!live.votes.hasVoter(voter) && live.votes.voters >= this.#voterCap) {
      throw new AppError('voter_cap', `this contest already has ${live.votes.voters} voters, as many as the server takes (AUDIENCE_VOTER_CAP)`);
    }
    return new Promise<VoteReceipt>((resolve, reject) => {
      const queue = this.#queued.get(contestId) ?? [];
      queue.push({ vote: { presenter: presenter.key, voter, value: input.value, voteId: input.voteId }, resolve, reject });
      this.#queued.set(contestId, queue);
      void this.#flush(contestId);
    });
  }

  async #known(contestId: string, voteId: string): Promise<boolean> {
    try {
      return (await findVotesById(this.#db, contestId, [voteId])).length > 0;
    } catch (error) {
      throw asStoringError(error, NOT_SAVED);
    }
  }

  /** Stores what is queued for the contest in one statement, unless one is in flight (its end starts the next). */
  async #flush(contestId: string): Promise<void> {
    if (this.#inFlight.has(contestId)) return;
    const queue = this.#queued.get(contestId) ?? [];
    // One vote per voter and presenter in a statement, so "the last one counts" is the order the phone sent them.
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const taken = new Set<string>();
    for (const p of queue) {
      const key = `${p.vote.presenter}\u0000${p.vote.voter}`;
      const id = `\u0001${p.vote.voteId}`;
      if (batch.length >= BATCH || taken.has(key) || taken.has(id)) rest.push(p);
      else {
        batch.push(p);
        taken.add(key).add(id);
      }
    }
    if (batch.length === 0) return;
    this.#queued.set(contestId, rest);
    this.#inFlight.add(contestId);
    try {
      await this.#store(contestId, batch);
    } finally {
      this.#inFlight.delete(contestId);
      if ((this.#queued.get(contestId)?.length ?? 0) > 0) void this.#flush(contestId);
      else this.#queued.delete(contestId);
    }
  }

  async #store(contestId: string, batch: Pending[]): Promise<void> {
    let stored: InsertedVote[];
    let earlier: InsertedVote[];
    const live = await this.#live.get(contestId).catch(() => null);
    let capped = new Set<Pending>();
    try {
      const newVoters = !live || batch.some((p) => !live.votes.hasVoter(p.vote.voter));
      if (newVoters) {
        stored = await this.#db.transaction().execute(async (trx) => {
          await lockVoters(trx, contestId);
          const admitted = await this.#withinCap(trx, contestId, batch);
          capped = new Set(batch.filter((p) => !admitted.has(p)));
          return insertVotesWhileOpen(trx, contestId, [...admitted].map((p) => p.vote));
        });
      } else {
        stored = await insertVotesWhileOpen(this.#db, contestId, batch.map((p) => p.vote));
      }
      const storedIds = new Set(stored.map((v) => v.voteId));
      const others = batch.filter((p) => !storedIds.has(p.vote.voteId)).map((p) => p.vote.voteId);
      earlier = await findVotesById(this.#db, contestId, others);
    } catch (error) {
      for (const p of batch) p.reject(asStoringError(error, NOT_SAVED));
      return;
    }
    // Committed: the tally in memory moves on, then the phones are answered. The contest held now,
    // not the one read before the insert: a whole reload meanwhile (an admin edit) replaced that
    // copy, and may or may not have read these rows (the tally counts a row once either way).
    const current = await this.#live.get(contestId).catch(() => null);
    if (current) for (const v of stored) current.votes.add(v);
    const rows = current?.votes.rows ?? 0;
    const byVoteId = new Map<string, { v: InsertedVote; duplicate: boolean }>();
    for (const v of stored) byVoteId.set(v.voteId, { v, duplicate: false });
    for (const v of earlier) byVoteId.set(v.voteId, { v, duplicate: true });
    for (const p of batch) {
      const found = byVoteId.get(p.vote.voteId);
      if (capped.has(p)) {
        p.reject(new AppError('voter_cap', `this contest already has as many voters as the server takes (AUDIENCE_VOTER_CAP ${this.#voterCap}); nothing was stored`));
      } else if (!found) {
        p.reject(new AppError('voting_closed', `voting on presenter ${p.vote.presenter} closed before this vote arrived; it was not stored`));
      } else if (found.v.presenter !== p.vote.presenter || found.v.voter !== p.vote.voter || !found.v.value.eq(p.vote.value)) {
        p.reject(new AppError('submission_conflict', `vote ${p.vote.voteId} was already used for another vote; nothing was stored`));
      } else {
        p.resolve({ voteId: found.v.voteId, presenter: found.v.presenter, value: found.v.value.toString(), duplicate: found.duplicate, at: found.v.createdAt, votes: rows });
      }
    }
    if (stored.length > 0) this.#notify(contestId, 'here');
  }

  /**
   * The votes of a batch that the voter cap lets in, under the contest's voter lock: those of
   * voters already stored, and of new ones in the order they came while there is room.
   */
  async #withinCap(trx: Transaction<Database>, contestId: string, batch: readonly Pending[]): Promise<Set<Pending>> {
    const { count, known } = await findVoters(trx, contestId, [...new Set(batch.map((p) => p.vote.voter))]);
    let room = this.#voterCap - count;
    const admitted = batch.filter(({ vote: { voter } }) => {
      if (known.has(voter)) return true;
      if (room <= 0) return false;
      room--;
      known.add(voter);
      return true;
    });
    return new Set(admitted);
  }
}
