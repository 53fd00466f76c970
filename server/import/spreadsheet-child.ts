import type { ImportKind } from '../contracts/admin-api.ts';
import { isHeaderOf } from './roster-columns.ts';
import { readSpreadsheet, type Spreadsheet } from './spreadsheet.ts';

/**
 * The child process that reads one uploaded spreadsheet (started by read-isolated.ts, never by
 * hand): it takes {kind, bytes} over IPC, answers with {sheet} (or {error}) and exits. Whatever the
 * file does to exceljs or csv-parse (a billion merged cells, a zip bomb, an endless loop) happens
 * here, under a small heap limit and a deadline, and not in the server running the live contest.
 */

export interface ReadRequest {
  kind: ImportKind;
  bytes: Uint8Array;
}

export type ReadAnswer = { sheet: Spreadsheet } | { error: string };

function answer(message: ReadAnswer): void {
  process.send!(message, () => process.exit(0));
}

if (typeof process.send !== 'function') {
  console.error('spreadsheet-child.ts runs as a child process of the server (see read-isolated.ts)');
  process.exit(2);
}

// a server that went away no longer needs the answer
process.once('disconnect', () => process.exit(0));

process.once('message', (message: ReadRequest) => {
  readSpreadsheet(message.bytes, { isHeader: isHeaderOf(message.kind) }).then(
    (sheet) => answer({ sheet }),
    (error: unknown) => answer({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
