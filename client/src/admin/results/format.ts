import type { Lang } from '../../lib/lang.ts';

/**
 * Small formatting helpers the admin result pages share. Pure (no DOM, no i18n import) so the unit
 * tests run them in Node. Scores are never formatted here: the pages show the server's decimal
 * strings exactly as they arrive.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/**
 * An ISO time as the organisers write it, in Beijing time (UTC+8, no daylight saving since 1991;
 * the same clock as the audit CSV, whatever the computer's own time zone), to the second:
 * "2023-12-20 14:03:05". Anything unreadable is returned as it is.
 */
export function formatBeijingTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** milliseconds as "7分32秒" / "7 min 32 s" (durations in the audit log: talk time, clock) */
export function formatDuration(ms: number, lang: Lang): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (lang === 'en') return [h ? `${h} h` : '', h || m ? `${m} min` : '', `${s} s`].filter(Boolean).join(' ');
  return `${h ? `${h}小时` : ''}${h || m ? `${m}分` : ''}${s}秒`;
}
