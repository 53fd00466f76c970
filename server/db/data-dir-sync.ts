import { closeSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes what PGlite wrote to its data folder durable. PGlite runs Postgres with fsync off and its
 * file system layer never calls fsync, so a commit is in the operating system's cache, not on
 * disk: a power cut could lose an acknowledged sheet. After each commit this flushes every file
 * written since the last flush (the WAL segment holding the commit record, and whatever else
 * Postgres wrote), then the folders that gained files, before the command is acknowledged.
 */
export class DataDirSync {
  readonly #root: string;
  /** files whose mtime is at or after this (ms) were written since the last flush began */
  #since = 0;
  /** the flush at the end of this turn of the event loop, while one is waiting */
  #soon: Promise<void> | null = null;

  constructor(root: string) {
    this.#root = root;
  }

  /**
   * A flush at the end of this turn of the event loop, shared by every commit made before it
   * starts: PGlite commits and this flush both run on this thread, so a commit is either before
   * it (and in it) or after it (and asks for the next one). Twenty contests committing at once pay
   * for one walk of the folder and one fsync per file, not twenty.
   */
  flushSoon(): Promise<void> {
    this.#soon ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        this.#soon = null;
        try {
          this.flush();
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
    return this.#soon;
  }

  flush(): void {
    // 2 ms of slack: a write in the same millisecond as the last flush began is flushed again, never missed
    const since = this.#since - 2;
    this.#since = Date.now();
    const walk = (dir: string): boolean => {
      let changed = false;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (walk(path)) changed = true;
        } else if (entry.isFile()) {
          const stat = statSync(path);
          if (stat.mtimeMs >= since || stat.ctimeMs >= since) {
            fsyncPath(path, 'r+');
            changed = true;
          }
        }
      }
      // a new or renamed file is only durable once its folder's entry is
      if (changed) fsyncPath(dir, 'r');
      return changed;
    };
    walk(this.#root);
  }
}

function fsyncPath(path: string, flags: 'r' | 'r+'): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
