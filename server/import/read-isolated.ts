import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ImportKind } from '../contracts/admin-api.ts';
import type { ReadAnswer, ReadRequest } from './spreadsheet-child.ts';
import { formatOf, refused, SAVE_AS_HINT, type Spreadsheet } from './spreadsheet.ts';

/**
 * Reads an uploaded spreadsheet in a child process (spreadsheet-child.ts), so that no file can
 * block or crash the server that is running the live contest: exceljs and csv-parse hold whole
 * files in memory and work synchronously, and a file of a few kilobytes can ask them for a billion
 * cells. The child runs with a small heap and a deadline; a child that runs out of memory, crashes
 * or takes too long is killed, and the upload gets one file-level problem in Chinese. One file is
 * read at a time; others wait their turn, and beyond a few waiting the upload is asked to retry.
 *
 * The child runs the TypeScript sources with `node --import tsx` from the repository root (tsx is
 * a runtime dependency), the way the server itself runs, and under vitest too.
 *
 * Why not a worker thread or a plain `node` child: a read takes 1.8–2.7 s here (load average 13–16
 * on 2 cores), and nearly all of it is loading exceljs and the sources, which a worker pays too
 * (measured 1.7–2.8 s for a worker that registers tsx itself; Node 20 does not start a .ts worker
 * with `--import tsx`); a plain child needs compiled JavaScript, which the project does not build.
 * A worker would also share the server's memory outside the V8 heap, and a crash.
 */

const CHILD = fileURLToPath(new URL('./spreadsheet-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The child's limits. Tests lower them to reach a failing child quickly; nothing else changes them. */
export const isolatedReadLimits = {
  /** wall-clock time from starting the child to its answer (starting takes about half a second) */
  timeoutMs: 20_000,
  /** the child's V8 heap (--max-old-space-size); a 2,000-row list needs a few tens of MB */
  heapMb: 384,
  /** uploads waiting behind the one being read, beyond which an upload is told to retry */
  maxWaiting: 8,
};

/** How many children run at once (never more than one) and have run; for tests. */
export const isolatedReadStats = { started: 0, running: 0, mostAtOnce: 0 };

const UNREADABLE = `文件过大或结构异常，无法读取（读取它用的时间或内存超出了限制）：${SAVE_AS_HINT}。名单只需要一张工作表，可以删掉其他工作表、图片和大片的格式`;
const BUSY = '服务器正在读取其他上传的名单文件，请稍等片刻后重新上传';

let queue: Promise<unknown> = Promise.resolve();
/** uploads being read or waiting to be */
let inLine = 0;
/** the child reading now, stopped if the server exits meanwhile */
let reading: ReturnType<typeof fork> | null = null;
let stopOnExit = false;

/**
 * The spreadsheet as readSpreadsheet reads it, read in a child process. Never throws: a child that
 * fails becomes the spreadsheet's problem, and `onFailure` hears the technical reason (for the log).
 */
export async function readSpreadsheetIsolated(bytes: Uint8Array, kind: ImportKind, onFailure?: (reason: string) => void): Promise<Spreadsheet> {
  if (inLine > isolatedReadLimits.maxWaiting) return refused(formatOf(bytes), null, BUSY);
  inLine++;
  const turn = queue.then(() => readInChild(bytes, kind));
  queue = turn.catch(() => undefined);
  const result = await turn.finally(() => inLine--);
  if ('sheet' in result) return result.sheet;
  onFailure?.(result.failure);
  return refused(formatOf(bytes), null, UNREADABLE);
}

function readInChild(bytes: Uint8Array, kind: ImportKind): Promise<{ sheet: Spreadsheet } | { failure: string }> {
  const { timeoutMs, heapMb } = isolatedReadLimits;
  return new Promise((resolve) => {
    let child: ReturnType<typeof fork>;
    try {
      child = fork(CHILD, [], {
        cwd: ROOT,
        execArgv: ['--import', 'tsx', `--max-old-space-size=${heapMb}`],
        // structured clone: the bytes go over as bytes, not as a JSON array of numbers
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
    } catch (error) {
      resolve({ failure: `could not start the reading process: ${String(error)}` });
      return;
    }
    reading = child;
    if (!stopOnExit) {
      stopOnExit = true;
      process.once('exit', () => reading?.kill('SIGKILL'));
    }
    isolatedReadStats.started++;
    isolatedReadStats.running++;
    isolatedReadStats.mostAtOnce = Math.max(isolatedReadStats.mostAtOnce, isolatedReadStats.running);

    let settled = false;
    let stderr = '';
    const timer = setTimeout(() => settle({ failure: `no answer within ${timeoutMs} ms: killed` }), timeoutMs);
    function settle(result: { sheet: Spreadsheet } | { failure: string }): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (reading === child) reading = null;
      isolatedReadStats.running--;
      // it exits by itself once it has answered; one that has not is stopped here
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(result);
    }

    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 8000) stderr += chunk.toString('utf8');
    });
    /** what the child said before it died: V8's "FATAL ERROR: … heap out of memory", or the start */
    const said = () => (/FATAL ERROR:[^\n]*/.exec(stderr)?.[0] ?? stderr.trim().slice(0, 500)) || '(nothing)';
    child.on('message', (message: ReadAnswer) => {
      if (message !== null && typeof message === 'object' && 'sheet' in message) settle({ sheet: message.sheet });
      else settle({ failure: `the reading process failed: ${(message as { error?: unknown })?.error ?? 'unknown answer'}` });
    });
    child.on('error', (error) => settle({ failure: `the reading process failed: ${error.message}` }));
    // 'close' (not 'exit'): it comes after the IPC channel has delivered everything the child sent
    child.on('close', (code, signal) => settle({ failure: `the reading process ended (${signal ?? `exit code ${code}`}) without an answer: ${said()}` }));
    child.send({ kind, bytes } satisfies ReadRequest, (error) => {
      if (error) settle({ failure: `could not send the file to the reading process: ${error.message}` });
    });
  });
}
