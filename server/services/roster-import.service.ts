import type { Kysely } from 'kysely';
import type { ImportKind, ImportPreview } from '../contracts/admin-api.ts';
import { contestFromDocument, toContestFile } from '../contest-file/contest-file.ts';
import { contestExists, findContest } from '../db/contests.repository.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { readSpreadsheetIsolated } from '../import/read-isolated.ts';
import { previewRoster } from '../import/roster-import.ts';
import { lockForEdit, saveEdit } from './contests.service.ts';
import type { LiveContests } from './live-contests.service.ts';

/**
 * A presenter or judge list uploaded as a spreadsheet: previewed (a dry run), saved when it has no
 * problem, or refused with the preview that shows every problem.
 */

export interface RosterUpload {
  contestId: string;
  kind: ImportKind;
  /** the .xlsx or .csv file's bytes */
  bytes: Uint8Array;
  dryRun: boolean;
  /** told why a file could not be read (for the log) */
  onUnreadable(reason: string): void;
}

export type RosterImport =
  | { outcome: 'previewed'; preview: ImportPreview }
  | { outcome: 'saved'; preview: ImportPreview; removedJudges: string[] }
  /** the file has problems: nothing was saved */
  | { outcome: 'refused'; preview: ImportPreview };

const noContest = (id: string) => new AppError('not_found', `没有编号为「${id}」的比赛`);

export async function importRoster(db: Kysely<Database>, live: LiveContests, linkSecret: string, upload: RosterUpload): Promise<RosterImport> {
  const { contestId: id, kind } = upload;
  // an unknown contest is answered before the file is read
  if (!(await contestExists(db, id))) throw noContest(id);
  // Reading the file happens in a child process (a file can ask exceljs for a billion cells), one
  // upload at a time, and before the contest's turn, which live scoring shares.
  const sheet = await readSpreadsheetIsolated(upload.bytes, kind, upload.onUnreadable);

  if (upload.dryRun) {
    // against the contest as it is now: reading the file may have taken seconds
    const contest = await findContest(db, id);
    if (!contest) throw noContest(id);
    return { outcome: 'previewed', preview: previewRoster(kind, sheet, toContestFile(contest)) };
  }
  // The contest is read, checked and replaced in one transaction, in its turn, so no edit lands in between.
  return live.exclusive(
    id,
    () =>
      db.transaction().execute(async (trx): Promise<RosterImport> => {
        const locked = await lockForEdit(trx, id);
        const file = toContestFile(locked.before);
        const preview = previewRoster(kind, sheet, file);
        if (!preview.ready) return { outcome: 'refused', preview };
        const { definition } = contestFromDocument(kind === 'presenters' ? { ...file, presenters: preview.presenters } : { ...file, judges: preview.judges });
        return { outcome: 'saved', preview, ...(await saveEdit(trx, linkSecret, locked, definition, 'admin')) };
      }),
    (result) => result.outcome === 'saved',
  );
}
