import { closeSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Makes what PGlite wrote to its data folder durable. PGlite runs Postgres with fsync off and its
 * file system layer never calls fsync, so a commit is in the operating system's cache, not on
 * disk: a power cut could lose an acknowledged sheet. After each commit this flushes every file
 * written since the last flush (the WAL segment holding the commit record, and whatever else
 * Postgres wrote), then the folders that gained, lost or renamed files, before the command is
 * acknowledged.
 *
 * Which files: PGlite writes through Emscripten's NODEFS, which this follows (followWrites) when
 * its shape is the one known here; each flush then fsyncs the files written since the last one,
 * a few, found without looking at the folder. Otherwise, and for the first flush (what was written
 * before anything was followed), it walks the whole folder (~1,000 files) and fsyncs those whose
 * mtime or ctime is at or after the last flush's start.
 */
export class DataDirSync {
  readonly #root: string;
  /** files whose mtime is at or after this (ms) were written since the last flush began */
  #since = 0;
  /** the flush at the end of this turn of the event loop, while one is waiting */
  #soon: Promise<void> | null = null;
  /** files written and folders whose entries changed since the last flush, while PGlite's writes are followed; null: walk the folder */
  #written: { files: Set<string>; folders: Set<string> } | null = null;
  /** the next flush walks the folder (the first one, or every one when writes are not followed) */
  #walkNext = true;

  constructor(root: string) {
    this.#root = root;
  }

  /**
   * Follows the writes of a PGlite instance whose data folder is this one (its `Module`, after
   * waitReady): each file Postgres writes, truncates, creates, renames or removes is noted, and
   * the next flush fsyncs those alone. Returns false, and flushes go on walking the folder, when
   * the instance's file layer is not the NODEFS this knows.
   */
  followWrites(module: unknown): boolean {
    const nodefs = (module as { NODEFS?: Partial<NodeFs> } | null)?.NODEFS;
    if (!isNodeFs(nodefs)) return false;
    const written = { files: new Set<string>(), folders: new Set<string>() };
    const path = (node: FsNode) => nodefs.realPath(node);
    const { stream_ops: streams, node_ops: nodes } = nodefs;
    // each wrapper notes the path before the write: a write that throws half-way is flushed too
    const wrap = <K extends string>(ops: Record<K, (...args: never[]) => unknown>, name: K, note: (...args: never[]) => void) => {
      const original = ops[name];
      ops[name] = ((...args: never[]) => {
        note(...args);
        return original.apply(ops, args);
      }) as (typeof ops)[K];
    };
    wrap(streams, 'write', (stream: FsStream) => written.files.add(path(stream.node)));
    wrap(streams, 'setattr', (stream: FsStream) => written.files.add(path(stream.node)));
    wrap(nodes, 'setattr', (node: FsNode) => written.files.add(path(node)));
    wrap(nodes, 'mknod', (parent: FsNode, name: string) => {
      written.folders.add(path(parent));
      written.files.add(join(path(parent), name));
    });
    wrap(nodes, 'rename', (node: FsNode, newParent: FsNode, newName: string) => {
      written.folders.add(dirname(path(node)));
      written.folders.add(path(newParent));
      written.files.add(join(path(newParent), newName));
    });
    for (const name of ['unlink', 'rmdir', 'symlink'] as const) wrap(nodes, name, (parent: FsNode) => written.folders.add(path(parent)));
    this.#written = written;
    return true;
  }

  /**
   * A flush at the end of this turn of the event loop, shared by every commit made before it
   * starts: PGlite commits and this flush both run on this thread, so a commit is either before
   * it (and in it) or after it (and asks for the next one). Twenty contests committing at once pay
   * for one flush, not twenty.
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
    const written = this.#written;
    if (written && !this.#walkNext) {
      const files = [...written.files];
      const folders = [...written.folders];
      written.files.clear();
      written.folders.clear();
      // a file written and then removed (or renamed) before this flush is gone: its folder's entry is what counts
      for (const file of files) fsyncPath(file, 'r+', true);
      for (const folder of folders) fsyncPath(folder, 'r', true);
      return;
    }
    if (written) {
      // from now on the notes say what changed: the walk below covers everything before them
      written.files.clear();
      written.folders.clear();
      this.#walkNext = false;
    }
    this.#walk();
  }

  #walk(): void {
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

/** what of Emscripten's NODEFS (as built into PGlite 0.5) is followed */
interface FsNode {
  name: string;
}
interface FsStream {
  node: FsNode;
}
type Op = (...args: never[]) => unknown;
interface NodeFs {
  realPath(node: FsNode): string;
  stream_ops: Record<'write' | 'setattr', Op>;
  node_ops: Record<'setattr' | 'mknod' | 'rename' | 'unlink' | 'rmdir' | 'symlink', Op>;
}

function isNodeFs(value: Partial<NodeFs> | undefined): value is NodeFs {
  const fn = (x: unknown) => typeof x === 'function';
  return (
    value !== undefined &&
    fn(value.realPath) &&
    ['write', 'setattr'].every((k) => fn((value.stream_ops as Record<string, unknown> | undefined)?.[k])) &&
    ['setattr', 'mknod', 'rename', 'unlink', 'rmdir', 'symlink'].every((k) => fn((value.node_ops as Record<string, unknown> | undefined)?.[k]))
  );
}

/** `mayBeGone`: a path noted while following writes, which may since have been removed, or be a folder */
function fsyncPath(path: string, flags: 'r' | 'r+', mayBeGone = false): void {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (mayBeGone && code === 'ENOENT') return;
    if (mayBeGone && code === 'EISDIR') return fsyncPath(path, 'r', true);
    throw error;
  }
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
