/**
 * Text cut into words (Intl.Segmenter, the browser's own Chinese dictionary), so a title or a
 * name wraps between words and never inside one ("区直单位" never as 区直单/位). Rendered with
 * <wbr> between the words under `word-break: keep-all` (Words.svelte). Without Intl.Segmenter the
 * text is one piece and wraps as the browser likes.
 */
const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter('zh', { granularity: 'word' }) : null;
const cache = new Map<string, string[]>();

export function words(text: string): string[] {
  if (!segmenter) return [text];
  let found = cache.get(text);
  if (!found) {
    found = [...segmenter.segment(text)].map((s) => s.segment);
    if (cache.size > 2000) cache.clear();
    cache.set(text, found);
  }
  return found;
}
