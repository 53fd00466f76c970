/**
 * The title of a copy of a contest: "（副本）" after the original's, and a copy of a copy counts on
 * ("…（副本 2）", "…（副本 3）") rather than doubling the suffix. At most `max` UTF-16 units (the
 * limit a title is checked against): the original's part is cut, between code points (half a
 * surrogate pair is not text a database column can hold), so the suffix always survives.
 */
const SUFFIX = /（副本(?: (\d+))?）$/;

export function copyTitle(title: string, max = 200): string {
  const found = SUFFIX.exec(title);
  const base = found ? title.slice(0, found.index) : title;
  const n = found ? Number(found[1] ?? 1) + 1 : 1;
  const suffix = n === 1 ? '（副本）' : `（副本 ${n}）`;
  let kept = '';
  for (const ch of base) {
    if (kept.length + ch.length + suffix.length > max) break;
    kept += ch;
  }
  return kept + suffix;
}
