import { clockDigits } from '../lib/talk-clock.ts';

/**
 * Text helpers for the projector. Scores are never touched here: they arrive as decimal strings
 * rounded by the server and are shown verbatim.
 */

/** a countdown shows a second until it has fully elapsed: 480 000 ms left is 08:00, 1 ms left is 00:01 */
export function countdownText(remainingMs: number): string {
  return clockDigits(Math.ceil(Math.max(0, remainingMs) / 1000), { padMinutes: true });
}

/** time run (or over the limit) counts whole seconds done: 42 900 ms is 0:42 */
export function elapsedText(ms: number, padMinutes = false): string {
  return clockDigits(Math.floor(Math.max(0, ms) / 1000), { padMinutes });
}
