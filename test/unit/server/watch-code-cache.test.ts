import { describe, expect, it } from 'vitest';
import { WATCH_CODE_TTL_MS, WatchCodeCache } from '../../../server/auth/watch-code-cache.ts';

/**
 * The audience code → contest look-up every phone's handshake and voter id make: a hall joining at
 * once costs one read of its code, and a reissued code stops opening the contest at once where it
 * was reissued, and within WATCH_CODE_TTL_MS where the news of it was lost.
 */

/** the watch_codes table, its reads counted; `hold` keeps the reads waiting until `release` lets them answer, the last one first */
function table(codes: Record<string, string>) {
  const rows = new Map(Object.entries(codes));
  let held: Array<() => void> | null = null;
  const db = {
    reads: 0,
    down: false,
    rows,
    hold: () => void (held = []),
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const go of waiting.reverse()) go();
    },
    async lookup(code: string): Promise<string | null> {
      db.reads++;
      // what the row says when the read starts, as a statement sees the committed rows at its start
      const answer = rows.get(code) ?? null;
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      if (db.down) throw new Error('connection terminated');
      return answer;
    },
  };
  return db;
}

/** the code moves to a new one, as watch.service.ts reissueWatchCode commits it */
function reissue(db: ReturnType<typeof table>, old: string, next: string): void {
  const contest = db.rows.get(old)!;
  db.rows.delete(old);
  db.rows.set(next, contest);
}

describe('the watch code cache', () => {
  it('a hall of phones joining at once reads the code once; later phones read nothing', async () => {
    const db = table({ abcdefg: 'c1' });
    const cache = new WatchCodeCache(db.lookup);
    expect(await Promise.all(Array.from({ length: 500 }, () => cache.contestOf('abcdefg')))).toEqual(Array(500).fill('c1'));
    expect(await cache.contestOf('abcdefg')).toBe('c1');
    expect(db.reads).toBe(1);
  });

  it('a code reissued here: the old one opens nothing from the next phone on, the new one opens the contest', async () => {
    const db = table({ abcdefg: 'c1' });
    const cache = new WatchCodeCache(db.lookup);
    expect(await cache.contestOf('abcdefg')).toBe('c1');
    reissue(db, 'abcdefg', 'hjkmnpq');
    cache.revoked('c1');
    expect(await cache.contestOf('abcdefg')).toBeNull();
    expect(await cache.contestOf('hjkmnpq')).toBe('c1');
  });

  it('a read under way when the code is reissued is not shared with the phones that ask after, nor kept', async () => {
    const db = table({ abcdefg: 'c1' });
    const cache = new WatchCodeCache(db.lookup);
    db.hold();
    const before = cache.contestOf('abcdefg');
    reissue(db, 'abcdefg', 'hjkmnpq');
    cache.revoked('c1');
    const after = cache.contestOf('abcdefg');
    // the read after the reissue answers first, the one from before it last
    db.release();
    // the phone that asked before the reissue committed may still be let in: the socket's join
    // check (auth/link-revocations.ts) closes it, as it did before there was a cache
    expect(await before).toBe('c1');
    expect(await after).toBeNull();
    expect(await cache.contestOf('abcdefg')).toBeNull();
  });

  it('a reissue in another process whose news never came: the old code opens nothing once WATCH_CODE_TTL_MS have passed', async () => {
    let now = 1_000_000;
    const db = table({ abcdefg: 'c1' });
    const cache = new WatchCodeCache(db.lookup, () => now);
    expect(await cache.contestOf('abcdefg')).toBe('c1');
    reissue(db, 'abcdefg', 'hjkmnpq');
    now += WATCH_CODE_TTL_MS - 1;
    expect(await cache.contestOf('abcdefg')).toBe('c1');
    now += 1;
    expect(await cache.contestOf('abcdefg')).toBeNull();
  });

  it('a read the database did not answer is not kept: the next phone asks again', async () => {
    const db = table({ abcdefg: 'c1' });
    const cache = new WatchCodeCache(db.lookup);
    db.down = true;
    await expect(cache.contestOf('abcdefg')).rejects.toThrow(/terminated/);
    db.down = false;
    expect(await cache.contestOf('abcdefg')).toBe('c1');
    expect(db.reads).toBe(2);
  });

  it('an unknown code is read again each time: a contest created later opens with it', async () => {
    const db = table({});
    const cache = new WatchCodeCache(db.lookup);
    expect(await cache.contestOf('abcdefg')).toBeNull();
    db.rows.set('abcdefg', 'c2');
    expect(await cache.contestOf('abcdefg')).toBe('c2');
  });
});
