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

/**
 * A decimal weight as a percentage, by moving the decimal point in the text ("0.7" → "70%",
 * "0.125" → "12.5%", "1" → "100%", ".5" → "50%"): exact, no floating point. Anything else is
 * shown as it came. The admin result pages use it too (admin/results/format.ts).
 */
export function percentText(decimal: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(decimal.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return decimal;
  const sign = m[1] ?? '';
  const digits = m[3] ?? '';
  const shifted = `${m[2]}${digits.padEnd(2, '0').slice(0, 2)}`.replace(/^0+(?=\d)/, '');
  const rest = digits.slice(2).replace(/0+$/, '');
  return `${sign}${shifted}${rest ? `.${rest}` : ''}%`;
}
