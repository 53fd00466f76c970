/**
 * Which reveals this page has already played. A reveal is staged once, when it first reaches the
 * screen; the same reveal shown again (a new snapshot, the host coming back to the turn screen, a
 * reconnect) appears at once. A re-reveal after a correction has a new count and plays again.
 */
const played = new Set<string>();

export function revealKey(reveal: { presenter: string; count: number }): string {
  return `${reveal.presenter}#${reveal.count}`;
}

/** true the first time this reveal is shown on this page */
export function firstShowing(key: string): boolean {
  if (played.has(key)) return false;
  played.add(key);
  return true;
}
