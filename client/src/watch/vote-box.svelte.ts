import type { AudienceSnapshot, PanelInfo } from '../../../server/contracts/snapshots.ts';
import type { Connection } from '../lib/connection.svelte.ts';
import { Exact } from '../lib/decimal.ts';

/** This phone's vote on one presenter, as the page shows it: what the server stored, what is on its way, and the last refusal. */
export interface MyVote {
  saved: string | null;
  sending: string | null;
  refusal: { code: string; message: string } | null;
}

const NONE: MyVote = { saved: null, sending: null, refusal: null };

/** The scale's choices, exactly: min, min + step, …, max ("1" … "10"). */
export function scaleChoices(audience: NonNullable<PanelInfo['audience']>): string[] {
  const min = Exact.parse(audience.min);
  const max = Exact.parse(audience.max);
  const step = Exact.parse(audience.step);
  const choices: string[] = [];
  for (let v = min; v.cmp(max) <= 0; v = v.add(step)) choices.push(v.toString());
  return choices;
}

const randomId = (): string => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(36).padStart(2, '0')).join('');

/**
 * The audience vote on this phone: what it voted for each presenter, sent with a vote id that
 * stays the same until the server answers (a retry after a lost answer stores nothing new).
 */
export class VoteBox {
  mine = $state.raw<Record<string, MyVote>>({});
  entryCode = $state('');
  readonly #conn: Connection<AudienceSnapshot>;
  /** presenter → the vote id of the value being sent (kept for a retry of the same value) */
  readonly #pending = new Map<string, { value: string; voteId: string }>();

  constructor(conn: Connection<AudienceSnapshot>) {
    this.#conn = conn;
  }

  async cast(presenter: string, value: string, withEntryCode: boolean): Promise<void> {
    const pending = this.#pending.get(presenter);
    const voteId = pending?.value === value ? pending.voteId : randomId();
    this.#pending.set(presenter, { value, voteId });
    this.#set(presenter, { sending: value, refusal: null });
    const answer = await this.#conn.send('vote:cast', { presenter, value, voteId, ...(withEntryCode ? { entryCode: this.entryCode } : {}) });
    if (answer.ok) {
      this.#pending.delete(presenter);
      this.#set(presenter, { saved: answer.value, sending: null });
    } else {
      // a timeout keeps the vote id: sending the same value again is a retry, not a second vote
      if (answer.error.code !== 'timeout') this.#pending.delete(presenter);
      this.#set(presenter, { sending: null, refusal: { code: answer.error.code, message: answer.error.message } });
    }
  }

  of(presenter: string): MyVote {
    return this.mine[presenter] ?? NONE;
  }

  #set(presenter: string, change: Partial<MyVote>): void {
    this.mine = { ...this.mine, [presenter]: { ...this.of(presenter), ...change } };
  }
}
