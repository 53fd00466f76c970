/**
 * Text helpers for the projector. Scores are never touched here: they arrive as decimal strings
 * rounded by the server and are shown verbatim.
 */

/** whole seconds as m:ss (or mm:ss with padMinutes) */
export function minutesSeconds(totalSeconds: number, padMinutes = false): string {
  const s = Math.max(0, Math.trunc(totalSeconds));
  const minutes = String(Math.floor(s / 60));
  return `${padMinutes ? minutes.padStart(2, '0') : minutes}:${String(s % 60).padStart(2, '0')}`;
}

/** a countdown shows a second until it has fully elapsed: 480 000 ms left is 08:00, 1 ms left is 00:01 */
export function countdownText(remainingMs: number): string {
  return minutesSeconds(Math.ceil(Math.max(0, remainingMs) / 1000), true);
}

/** time run (or over the limit) counts whole seconds done: 42 900 ms is 0:42 */
export function elapsedText(ms: number, padMinutes = false): string {
  return minutesSeconds(Math.floor(Math.max(0, ms) / 1000), padMinutes);
}
