/**
 * A moment as the organisers read it: "2026-11-27 09:30:05", Beijing time (China Standard Time,
 * UTC+8). China has kept UTC+8 all year since 1991, so a fixed offset is exact for any time
 * Leitai stores and needs no time-zone database.
 */
export function beijingTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}
