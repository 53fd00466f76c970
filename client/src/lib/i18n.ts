import type { Lang } from './lang.ts';

/**
 * Chinese by default, English with ?lang=en. Each page keeps its own messages (a zh table and an
 * en table with the same keys, checked by the type system) and gets a `t` for them.
 */
export const lang: Lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh';
document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';

type Params = Record<string, string | number>;

export function messages<K extends string>(tables: { zh: Record<K, string>; en: Record<K, string> }) {
  const table = tables[lang];
  /** the message for key, with {name} placeholders filled in */
  const t = (key: K, params: Params = {}): string => table[key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  /** every character these messages can show: what a page asks the font for ahead (lib/glyphs.ts) */
  return Object.assign(t, { everyText: Object.values<string>(table).join('') });
}
