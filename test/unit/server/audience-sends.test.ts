import { describe, expect, it, vi } from 'vitest';
import { AudiencePacer } from '../../../server/realtime/audience-pacer.ts';
import { inTurns } from '../../../server/realtime/in-turns.ts';

/**
 * The hall's sends: a send to thousands of phones is spread over turns of the event loop, and a
 * contest's sends never overlap, so every phone gets every send whole and in order, and the last
 * change always reaches the hall.
 */
describe('a send spread over turns of the event loop', () => {
  it('hands every phone over once, in order, however the turns fall', async () => {
    const phones = Array.from({ length: 1_000 }, (_, i) => `phone-${i}`);
    let clock = 0;
    const written: string[] = [];
    const turns: number[] = [];
    await inTurns(
      phones,
      (chunk) => {
        written.push(...chunk);
        // a chunk takes 1, 2 or 3 "ms": the turns end after uneven numbers of chunks
        clock += 1 + (written.length % 3);
      },
      { chunk: 7, budgetMs: 4, now: () => clock, yieldTurn: async () => void turns.push(written.length) },
    );
    expect(written).toEqual(phones);
    // the loop turned between chunks (never inside one), and more than once
    expect(turns.length).toBeGreaterThan(10);
    for (const at of turns) expect(at % 7).toBe(0);
  });

  it('lets the event loop run between turns: a timer set before the send fires before it ends', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    let clock = 0;
    await inTurns(Array.from({ length: 100 }, (_, i) => i), () => void (clock += 5), { chunk: 1, budgetMs: 4, now: () => clock });
    order.push('send done');
    expect(order).toEqual(['timer', 'send done']);
  });
});

describe('the audience pacer', () => {
  it('never runs two sends of a contest at once, and a change made during a send is followed by another send', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    let changes = 0;
    const pacer = new AudiencePacer(2, async () => {
      running++;
      most = Math.max(most, running);
      started.push(changes);
      // a send to a big hall takes several turns of the loop
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      running--;
    });
    // 60 changes raced against the sends, at uneven moments
    for (let i = 0; i < 60; i++) {
      changes++;
      pacer.changed('c1');
      await new Promise((r) => setTimeout(r, i % 4));
    }
    while (running > 0 || started.at(-1)! < changes) await new Promise((r) => setTimeout(r, 5));
    expect(most).toBe(1);
    // the changes were folded into fewer sends, the last of which started after the last change
    expect(started.length).toBeLessThan(60);
    expect(started.at(-1)).toBe(60);
    expect(started).toEqual([...started].sort((a, b) => a - b));
  });

  it('pauses after a send for the interval, or for as long as the send took: a big hall is not sent to back to back', async () => {
    vi.useFakeTimers();
    try {
      const starts: number[] = [];
      const ends: number[] = [];
      const pacer = new AudiencePacer(
        250,
        async () => {
          starts.push(Date.now());
          // the send takes 400 ms (a hall of 10,000 phones on a loaded machine)
          await new Promise((r) => setTimeout(r, 400));
          ends.push(Date.now());
        },
        () => Date.now(),
      );
      pacer.changed('c1');
      await vi.advanceTimersByTimeAsync(100);
      // a change during the send: the next send waits out the interval from the end of this one
      pacer.changed('c1');
      await vi.advanceTimersByTimeAsync(2_000);
      expect(starts.length).toBe(2);
      // the send took 400 ms, longer than the interval: the hall has at most half of the thread
      expect(starts[1]! - ends[0]!).toBe(400);
      // a short send is followed by the interval
      await vi.advanceTimersByTimeAsync(2_000);
      const quick = new AudiencePacer(250, async () => void starts.push(Date.now()), () => Date.now());
      quick.changed('c2');
      await vi.advanceTimersByTimeAsync(10);
      const first = starts.at(-1)!;
      quick.changed('c2');
      await vi.advanceTimersByTimeAsync(1_000);
      expect(starts.at(-1)! - first).toBe(250);
      pacer.forget('c1');
      quick.forget('c2');
    } finally {
      vi.useRealTimers();
    }
  });
});
