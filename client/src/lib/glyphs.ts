/**
 * Noto Sans SC is bundled in slices by Unicode range, and a browser fetches a slice only when a
 * character from it is first drawn. That would mean a blank box the first time a character
 * appears, and a "连接中断，正在重连…" banner drawn with missing glyphs exactly when the server
 * cannot be reached. So each page asks for the glyphs it will need while it still can: its own
 * words at start (`t.everyText`), and a contest's names as they arrive.
 */
const FACES = ['400 48px "Noto Sans SC"', '700 48px "Noto Sans SC"', '500 48px Oswald', '700 48px Oswald'];

const requested = new Set<string>();

export function primeGlyphs(text: string): void {
  if (typeof document === 'undefined' || !document.fonts) return;
  const fresh = [...new Set(text)].filter((ch) => ch.trim() !== '' && !requested.has(ch));
  if (fresh.length === 0) return;
  for (const ch of fresh) requested.add(ch);
  const chunk = fresh.join('');
  for (const face of FACES) void document.fonts.load(face, chunk).catch(() => undefined);
}


