import { everyMessage } from './messages.ts';

/**
 * Noto Sans SC is bundled in slices by Unicode range, and a browser fetches a slice only when a
 * character from it is first drawn. On a projector that would mean a blank box the first time a
 * character appears, and a "正在重新连接…" badge drawn with missing glyphs exactly when the server
 * cannot be reached. So the page asks for the glyphs it will need while it still can: its own
 * words at start, and each contest's names as they arrive.
 */
const FACES = ['400 48px "Noto Sans SC"', '700 48px "Noto Sans SC"', '500 48px Oswald', '700 48px Oswald'];
/** award names arrive only when revealed: the common ones are fetched ahead */
const AWARD_WORDS = '特等奖一等奖二等奖三等奖优秀奖鼓励奖最佳空缺0123456789.:+—/%·';

const requested = new Set<string>();

export function primeGlyphs(text: string): void {
  if (typeof document === 'undefined' || !document.fonts) return;
  const fresh = [...new Set(text)].filter((ch) => ch.trim() !== '' && !requested.has(ch));
  if (fresh.length === 0) return;
  for (const ch of fresh) requested.add(ch);
  const chunk = fresh.join('');
  for (const face of FACES) void document.fonts.load(face, chunk).catch(() => undefined);
}

export function primeOwnGlyphs(): void {
  primeGlyphs(everyMessage + AWARD_WORDS);
}
