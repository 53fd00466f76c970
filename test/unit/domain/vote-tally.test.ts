import { describe, expect, it } from 'vitest';
import { Exact } from '../../../server/domain/exact.ts';
import { VoteTally, type StoredVote } from '../../../server/domain/vote-tally.ts';

/**
 * What a server process counts of the audience vote while other processes store votes too: the
 * counts it shows (votes per presenter, the contest's vote rows) come from reads of the database
 * at different moments and from its own phones' votes, and must neither count a row twice nor go
 * back when an older read arrives.
 */

const vote = (id: number, voter: string, value: number, presenter = 'p1'): StoredVote => ({ id: String(id), presenter, voter, value: Exact.of(value) });

describe('a process’s tally of the audience votes', () => {
  it('adds what a read of the database returns to what it holds: a vote read twice counts once, a later one replaces the voter’s earlier vote', () => {
    const tally = new VoteTally([vote(1, 'a', 5), vote(2, 'b', 6)], 2);
    // another process's read: b's vote again, and c's
    for (const v of [vote(2, 'b', 6), vote(7, 'c', 9)]) tally.add(v);
    tally.add(vote(9, 'a', 1));
    expect(tally.countFor('p1')).toBe(3);
    expect(tally.voteOf('p1', 'a')!.value.toString()).toBe('1');
    expect(tally.rows).toBe(4);
  });

  it('never shows fewer rows than the database was seen to hold, nor goes back when an older count arrives', () => {
    const tally = new VoteTally([vote(1, 'a', 5)], 1);
    tally.seenRows(6);
    expect(tally.rows).toBe(6);
    tally.seenRows(3);
    expect(tally.rows).toBe(6);
  });

  it('a contest loaded whole again keeps the votes its old copy took after the load read the database, and counts a replaced vote once', () => {
    // the old copy held a's first vote (row 1) and took b's vote (row 5) and a's change (row 6) from its own phones
    const old = new VoteTally([vote(1, 'a', 5)], 1);
    old.add(vote(5, 'b', 7));
    old.add(vote(6, 'a', 2));
    // the load read the database between rows 5 and 6: a's first vote and b's, 2 rows
    const loaded = new VoteTally([vote(1, 'a', 5), vote(5, 'b', 7)], 2);
    loaded.absorb(old);
    expect(loaded.counted().map((v) => [v.voter, v.value.toString()]).sort()).toEqual([
      ['a', '2'],
      ['b', '7'],
    ]);
    expect(loaded.rows).toBe(3);

    // a load that read after a changed vote: the old copy's earlier vote of that voter is not a row more
    const later = new VoteTally([vote(6, 'a', 2), vote(5, 'b', 7)], 3);
    later.absorb(new VoteTally([vote(1, 'a', 5)], 1));
    expect(later.rows).toBe(3);
    expect(later.voteOf('p1', 'a')!.value.toString()).toBe('2');
  });
});
