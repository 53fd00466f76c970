import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is single-user: two processes on one data folder would corrupt it. The first server
 * takes a lock file holding its pid; a second one is refused with a message saying who holds it.
 * A lock left by a killed server (its pid no longer running) is taken over.
 */

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock on dataDir or throws DataDirLockedError; returns the function that releases it. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'leitai.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && running(holder)) {
        throw new DataDirLockedError(
          `the data folder ${dataDir} is in use by another Leitai server (pid ${holder}); stop that one first, or set DATA_DIR to another folder (if no Leitai server is running, delete ${path})`,
        );
      }
      unlinkSync(path); // left by a server that is gone
    }
  }
  throw new DataDirLockedError(`could not take the lock on ${dataDir}`);
}
