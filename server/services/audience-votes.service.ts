import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { VoteReceipt } from '../contracts/snapshots.ts';
import { findVotesById, insertVotesWhileOpen, type InsertedVote, type NewVote } from '../db/audience-votes.repository.ts';
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
 */

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
  readonly #listeners: Array<(contestId: string) => void> = [];

  constructor(db: Kysely<Database>, live: LiveContests, voterCap: number) {
    this.#db = db;
    this.#live = live;
    this.#voterCap = voterCap;
  }

  /** told after votes of a contest were committed (the broadcaster sends the new counts) */
  onChange(listener: (contestId: string) => void): void {
    this.#listeners.push(listener);
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
    try {
      stored = await insertVotesWhileOpen(this.#db, contestId, batch.map((p) => p.vote));
      const storedIds = new Set(stored.map((v) => v.voteId));
      const others = batch.filter((p) => !storedIds.has(p.vote.voteId)).map((p) => p.vote.voteId);
      earlier = await findVotesById(this.#db, contestId, others);
    } catch (error) {
      for (const p of batch) p.reject(asStoringError(error, NOT_SAVED));
      return;
    }
    // Committed: the tally in memory moves on, then the phones are answered.
    const live = await this.#live.get(contestId).catch(() => null);
    if (live) for (const v of stored) live.votes.add(v);
    const rows = live?.votes.rows ?? 0;
    const byVoteId = new Map<string, { v: InsertedVote; duplicate: boolean }>();
    for (const v of stored) byVoteId.set(v.voteId, { v, duplicate: false });
    for (const v of earlier) byVoteId.set(v.voteId, { v, duplicate: true });
    for (const p of batch) {
      const found = byVoteId.get(p.vote.voteId);
      if (!found) {
        p.reject(new AppError('voting_closed', `voting on presenter ${p.vote.presenter} closed before this vote arrived; it was not stored`));
      } else if (found.v.presenter !== p.vote.presenter || found.v.voter !== p.vote.voter || !found.v.value.eq(p.vote.value)) {
        p.reject(new AppError('submission_conflict', `vote ${p.vote.voteId} was already used for another vote; nothing was stored`));
      } else {
        p.resolve({ voteId: found.v.voteId, presenter: found.v.presenter, value: found.v.value.toString(), duplicate: found.duplicate, at: found.v.createdAt, votes: rows });
      }
    }
    if (stored.length > 0) for (const listener of this.#listeners) listener(contestId);
  }
}
