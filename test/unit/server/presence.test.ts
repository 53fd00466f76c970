import { describe, expect, it } from 'vitest';
import { JudgePresences } from '../../../server/realtime/presence.ts';

/** The host console's judge presence when phones are spread over several server processes. */
describe('judge presence over several processes', () => {
  const clock = () => {
    let now = 1_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it('shows a judge connected when the phone is on another process, and tells this process’s own changes', () => {
    const time = clock();
    const presence = new JudgePresences(time.now);
    const told: string[] = [];
    presence.onLocalChange((contestId) => told.push(contestId));
    presence.connected('c1', 'm1', 'socket-a');
    expect(told).toEqual(['c1']);
    expect(presence.remote('process-b', 'c1', { m2: { connected: true, lastSeenAt: 900, seatMoves: 0, seatMovedAt: null } })).toBe(true);
    expect(Object.fromEntries(presence.of('c1'))).toEqual({
      m1: { connected: true, lastSeenAt: 1_000, seatMoves: 0, seatMovedAt: null },
      m2: { connected: true, lastSeenAt: 900, seatMoves: 0, seatMovedAt: null },
    });
    // the same report again says nothing new (no host snapshot for it)
    expect(presence.remote('process-b', 'c1', { m2: { connected: true, lastSeenAt: 900, seatMoves: 0, seatMovedAt: null } })).toBe(false);
    // this process reports only its own phones
    expect(Object.keys(presence.local('c1'))).toEqual(['m1']);
  });

  it('a judge whose phone left one process and joined another is connected, with the seat moves of both', () => {
    const presence = new JudgePresences(clock().now);
    presence.disconnected('c1', 'm1', 'never-connected');
    presence.remote('a', 'c1', { m1: { connected: false, lastSeenAt: 500, seatMoves: 1, seatMovedAt: 400 } });
    presence.remote('b', 'c1', { m1: { connected: true, lastSeenAt: 700, seatMoves: 1, seatMovedAt: 650 } });
    expect(presence.of('c1').get('m1')).toEqual({ connected: true, lastSeenAt: 700, seatMoves: 2, seatMovedAt: 650 });
  });

  it('counts the phones of a process that stopped reporting (killed) as gone since its last report', () => {
    const time = clock();
    const presence = new JudgePresences(time.now);
    presence.remote('a', 'c1', { m1: { connected: true, lastSeenAt: 800, seatMoves: 0, seatMovedAt: null } });
    time.advance(10_000);
    expect(presence.expire(15_000)).toEqual([]);
    expect(presence.of('c1').get('m1')!.connected).toBe(true);
    time.advance(6_000);
    expect(presence.expire(15_000)).toEqual(['c1']);
    expect(presence.of('c1').get('m1')).toEqual({ connected: false, lastSeenAt: 1_000, seatMoves: 0, seatMovedAt: null });
    expect(presence.expire(15_000)).toEqual([]);
  });
});
