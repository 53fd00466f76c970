import type { Vote } from './contest.ts';
import type { Exact } from './exact.ts';

/** One stored audience vote, as the database holds it. */
export interface StoredVote {
  /** the row's id (bigint as text): a later row of the same voter and presenter replaces an earlier one */
  id: string;
  presenter: string;
  voter: string;
  value: Exact;
}

const later = (a: string, b: string) => (a.length !== b.length ? a.length > b.length : a > b);

/**
 * The audience votes of one contest as they count: the last stored vote of each voter for each
 * presenter. `rows` is how many vote rows are stored: it only grows (votes are append-only), so
 * pages use it to order snapshots of the same `version` (docs/protocol.md). Adding a row twice
 * (a reload that already read it) changes nothing.
 */
export class VoteTally {
  readonly #byPresenter = new Map<string, Map<string, StoredVote>>();
  readonly #ids = new Set<string>();
  readonly #voters = new Set<string>();
  /** stored rows a reload did not read one by one: the votes later ones replaced */
  readonly #extraRows: number;
  /** the most rows the database was seen to hold (a count read by another path than the rows themselves) */
  #seenRows = 0;

  constructor(votes: Iterable<StoredVote> = [], rows = 0) {
    for (const vote of votes) this.add(vote);
    // a reload reads only the counted votes; the rows replaced by a later vote count here too
    this.#extraRows = Math.max(0, rows - this.#ids.size);
  }

  /** Adds a stored vote; returns false when this row was already counted. */
  add(vote: StoredVote): boolean {
    if (this.#ids.has(vote.id)) return false;
    this.#ids.add(vote.id);
    this.#voters.add(vote.voter);
    let byVoter = this.#byPresenter.get(vote.presenter);
    if (!byVoter) this.#byPresenter.set(vote.presenter, (byVoter = new Map()));
    const before = byVoter.get(vote.voter);
    if (!before || later(vote.id, before.id)) byVoter.set(vote.voter, vote);
    return true;
  }

  /**
   * how many vote rows are stored for the contest (changed votes included), as far as this tally
   * knows: never more than the database holds, and never less than it was seen to hold
   */
  get rows(): number {
    return Math.max(this.#ids.size + this.#extraRows, this.#seenRows);
  }

  /** the database was seen to hold `rows` vote rows of the contest (a count, read while other processes store votes) */
  seenRows(rows: number): void {
    this.#seenRows = Math.max(this.#seenRows, rows);
  }

  /**
   * Adds what was read of the database while other processes store votes: the votes (each row
   * counted once, whoever read it first) and how many rows it held. Returns how many votes were new.
   */
  addRead(read: { votes: readonly StoredVote[]; rows: number }): number {
    const added = read.votes.filter((vote) => this.add(vote)).length;
    this.seenRows(read.rows);
    return added;
  }

  /**
   * Takes over what an older tally of the same contest knew and this one (read from the database
   * since) may not: votes stored after this one's read. A vote this one has a later row for was
   * replaced, and is among this one's rows already: it is left out, so no row counts twice.
   */
  absorb(older: VoteTally): void {
    for (const [presenter, byVoter] of older.#byPresenter) {
      for (const vote of byVoter.values()) {
        const mine = this.voteOf(presenter, vote.voter);
        if (!mine || later(vote.id, mine.id)) this.add(vote);
      }
    }
    this.seenRows(older.rows);
  }

  /** how many different voters have voted in the contest (the voter cap counts these) */
  get voters(): number {
    return this.#voters.size;
  }

  hasVoter(voter: string): boolean {
    return this.#voters.has(voter);
  }

  /** the votes that count for a presenter: one per voter */
  countFor(presenter: string): number {
    return this.#byPresenter.get(presenter)?.size ?? 0;
  }

  /** this voter's counted vote for the presenter, or null */
  voteOf(presenter: string, voter: string): StoredVote | null {
    return this.#byPresenter.get(presenter)?.get(voter) ?? null;
  }

  /** every counted vote, or only the given presenters', as the scoring core takes them */
  counted(presenters?: ReadonlySet<string>): Vote[] {
    const votes: Vote[] = [];
    for (const [presenter, byVoter] of this.#byPresenter) {
      if (presenters && !presenters.has(presenter)) continue;
      for (const v of byVoter.values()) votes.push({ presenter, voter: v.voter, value: v.value });
    }
    return votes;
  }
}
