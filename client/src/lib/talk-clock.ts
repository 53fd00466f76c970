import type { ClockInfo } from '../../../server/contracts/snapshots.ts';

/**
 * The talk clock as the host console and the projector both read it: from the snapshot's
 * `runningSince`/`elapsedMs` and the server's time, never from the device clock alone.
 */

export interface ClockReading {
  elapsedMs: number;
  /** time left under the limit (negative once over it); null when the talk has no limit */
  remainingMs: number | null;
  running: boolean;
}

/** the clock at server time `now`: what it had when last stopped, plus the run since */
export function clockReading(clock: ClockInfo, now: number): ClockReading {
  const elapsedMs = clock.elapsedMs + (clock.runningSince === null ? 0 : Math.max(0, now - clock.runningSince));
  return { elapsedMs, remainingMs: clock.limitMs === null ? null : clock.limitMs - elapsedMs, running: clock.runningSince !== null };
}

/**
 * Whole seconds as clock digits: m:ss, or mm:ss with padMinutes (the projector's countdown);
 * with hours, h:mm:ss from an hour on (the host's), else the minutes run past 59 (62:05).
 */
export function clockDigits(totalSeconds: number, { padMinutes = false, hours = false }: { padMinutes?: boolean; hours?: boolean } = {}): string {
  const s = Math.max(0, Math.trunc(totalSeconds));
  const h = hours ? Math.floor(s / 3600) : 0;
  const m = Math.floor((s - h * 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${ss}`;
  return `${padMinutes ? String(m).padStart(2, '0') : m}:${ss}`;
}
