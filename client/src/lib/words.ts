/**
 * Text cut into words (Intl.Segmenter, the browser's own Chinese dictionary), so a title or a
 * name wraps between words and never inside one ("区直单位" never as 区直单/位). Rendered with
 * <wbr> between the words under `word-break: keep-all` (Words.svelte); a quotation mark or a
 * bracket stays with its word (党建“书记工程” never ends a line with “). Without Intl.Segmenter the
 * text is one piece and wraps as the browser likes.
 */
const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter('zh', { granularity: 'word' }) : null;
const cache = new Map<string, string[]>();

/** punctuation that opens (never ends a line) and that closes (never starts one), as Chinese typesetting (避头尾) has it */
const OPENING = /^[“‘《〈「『（【〔([]+$/u;
const CLOSING = /^[”’》〉」』）】〕)\]，。、！？：；,.!?:;%]+$/u;

/** Segments with opening punctuation joined to the word after it and closing punctuation to the word before it. */
function glued(segments: readonly string[]): string[] {
  const out: string[] = [];
  let opening = '';
  for (const s of segments) {
    if (OPENING.test(s)) opening += s;
    else if (CLOSING.test(s) && opening === '' && out.length > 0) out[out.length - 1] += s;
    else {
      out.push(opening + s);
      opening = '';
    }
  }
  if (opening) out.push(opening);
  return out;
}

export function words(text: string): string[] {
  if (!segmenter) return [text];
  let found = cache.get(text);
  if (!found) {
    found = glued([...segmenter.segment(text)].map((s) => s.segment));
    if (cache.size > 2000) cache.clear();
    cache.set(text, found);
  }
  return found;
}
