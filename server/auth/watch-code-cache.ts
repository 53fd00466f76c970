/**
 * How long a code read from the database is trusted without reading it again. A reissue in this
 * process takes effect at once (`revoked`), and one in another process as soon as its cluster news
 * arrives (cluster.ts `watch:revoked`, milliseconds). The news rides LISTEN/NOTIFY, which is not
 * replayed when a LISTEN connection drops: this time is the bound for that case, short enough that
 * a leaked code stops within seconds everywhere, long enough that a hall of phones joining at once
 * costs one read of each code per process every few seconds instead of one each.
 */
export const WATCH_CODE_TTL_MS = 10_000;

interface Entry {
  contestId: string;
  /** when the read that found it started: what it says was true then */
  readAt: number;
}

/**
 * The contest each audience code opens, kept in memory: every phone's handshake and voter id ask
 * it, and a connection storm of thousands of phones must not be thousands of reads (they were
 * refused `db_unavailable` on a loaded machine). Only codes that open a contest are kept (unknown
 * ones are few, and counted against their address by the handshake), and one read per code is
 * under way at a time: the phones asking meanwhile share its answer.
 */
export class WatchCodeCache {
  readonly #lookup: (code: string) => Promise<string | null>;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #reading = new Map<string, Promise<string | null>>();
  /** moves on at every revocation: a read that started before one is neither kept nor shared after it */
  #generation = 0;

  /** `lookup`: the database's answer (watch-codes.repository.ts findContestByWatchCode) */
  constructor(lookup: (code: string) => Promise<string | null>, now: () => number = Date.now) {
    this.#lookup = lookup;
    this.#now = now;
  }

  /** the contest `code` opens, or null; throws when the database cannot say */
  contestOf(code: string): Promise<string | null> {
    const entry = this.#entries.get(code);
    if (entry && this.#now() - entry.readAt < WATCH_CODE_TTL_MS) return Promise.resolve(entry.contestId);
    return this.#reading.get(code) ?? this.#read(code);
  }

  #read(code: string): Promise<string | null> {
    const generation = this.#generation;
    const readAt = this.#now();
    const reading = this.#lookup(code).then(
      (contestId) => {
        if (generation === this.#generation) {
          this.#reading.delete(code);
          if (contestId === null) this.#entries.delete(code);
          else this.#entries.set(code, { contestId, readAt });
        }
        return contestId;
      },
      (error: unknown) => {
        if (generation === this.#generation) this.#reading.delete(code);
        throw error;
      },
    );
    this.#reading.set(code, reading);
    return reading;
  }

  /**
   * After a contest's code was replaced and that committed (here, or in another process whose news
   * says so): its old code is read again at its next use, and no read that started before is kept
   * or shared (it may have seen the old code). Every read under way is dropped, not only this
   * contest's: which contest an unfinished read will name is not known yet.
   */
  revoked(contestId: string): void {
    this.#generation++;
    this.#reading.clear();
    for (const [code, entry] of this.#entries) if (entry.contestId === contestId) this.#entries.delete(code);
  }
}
