import type { Kysely } from 'kysely';
import { appendAudit } from '../db/audit.repository.ts';
import { findContest, insertRecusal } from '../db/contests.repository.ts';
import type { Database, ScoreSheetRow } from '../db/database.ts';
import { LINK_REVOKED } from '../auth/link-revocations.ts';
import { grantInForce } from '../db/access-tokens.repository.ts';
import { findLiveState, insertLiveState, lockLiveState, saveLiveState } from '../db/live-state.repository.ts';
import { insertSheet, sheetFromRow } from '../db/score-sheets.repository.ts';
import type { ContestDefinition } from '../domain/contest.ts';
import { Exact } from '../domain/exact.ts';
import { decide, initialLiveState, isHostCommand, type Actor, type LiveCommand, type LiveState, type SheetRecord } from '../domain/live.ts';
import type { LiveView } from '../domain/projections.ts';
import { AppError, isAppError, isDatabaseUnavailable } from '../errors.ts';
import type { SheetReceipt } from '../protocol.ts';

/**
 * Runs live contests: loads each from the database on first use, applies commands through the
 * pure state machine (domain/live.ts), stores the outcome in one transaction, and only then
 * changes what it holds in memory and tells its listener, which broadcasts. A command the database
 * did not commit changes nothing and is never acknowledged as done.
 */

export interface LiveContest {
  id: string;
  contest: ContestDefinition;
  state: LiveState;
  sheetsById: Map<string, SheetRecord>;
  effective: Map<string, Map<string, SheetRecord>>;
  bySubmission: Map<string, SheetRecord>;
}

export interface CommandOptions {
  /** the turnsVersion the host's command was made against (host commands only) */
  turnsVersion?: number;
  /** the client's id for a sheet (sheet commands only) */
  submissionId?: string;
  /** the hash of the link's token the command came through: checked again inside the transaction */
  linkTokenHash?: string;
}

export type CommandResult = { version: number } | SheetReceipt;

function sheetRecord(row: ScoreSheetRow): SheetRecord {
  return {
    ...sheetFromRow(row),
    id: row.id,
    total: Exact.parse(row.total),
    enteredBy: row.entered_by,
    supersedesId: row.supersedes_id,
    submissionId: row.submission_id,
    reason: row.reason,
    createdAt: row.created_at.getTime(),
  };
}

function addSheet(live: LiveContest, sheet: SheetRecord): void {
  live.sheetsById.set(sheet.id, sheet);
  live.bySubmission.set(sheet.submissionId, sheet);
  let byJudge = live.effective.get(sheet.presenter);
  if (!byJudge) live.effective.set(sheet.presenter, (byJudge = new Map()));
  const current = byJudge.get(sheet.judge);
  // A correction always supersedes the sheet in force, so the newest row of a (presenter, judge) is the one that counts.
  if (!current || Number(sheet.id) > Number(current.id)) byJudge.set(sheet.judge, sheet);
}

function withRecusal(contest: ContestDefinition, presenter: string, judge: string): ContestDefinition {
  const recused = (p: ContestDefinition['presenters'][number]) => contest.judges.filter((j) => p.recused.includes(j.key) || j.key === judge).map((j) => j.key);
  return { ...contest, presenters: contest.presenters.map((p) => (p.key === presenter ? { ...p, recused: recused(p) } : p)) };
}

const sameItems = (a: Record<string, Exact>, b: Record<string, Exact>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] !== undefined && b[k].eq(v));

function receipt(sheet: SheetRecord, duplicate: boolean): SheetReceipt {
  return { sheetId: sheet.id, presenter: sheet.presenter, judge: sheet.judge, total: sheet.total.toString(), duplicate, at: sheet.createdAt };
}

export class LiveContests {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;
  readonly #loaded = new Map<string, Promise<LiveContest>>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #listeners: Array<(contestId: string) => void> = [];

  constructor(db: Kysely<Database>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  onChange(listener: (contestId: string) => void): void {
    this.#listeners.push(listener);
  }

  /** The contest as held in memory, loaded from the database on first use. */
  async get(contestId: string): Promise<LiveContest> {
    let loading = this.#loaded.get(contestId);
    if (!loading) {
      loading = this.#load(contestId);
      this.#loaded.set(contestId, loading);
      loading.catch(() => this.#loaded.delete(contestId));
    }
    return loading;
  }

  async view(contestId: string): Promise<LiveView> {
    const live = await this.get(contestId);
    return { id: live.id, contest: live.contest, state: live.state, effective: live.effective, sheetsById: live.sheetsById, now: this.#now() };
  }

  async #load(contestId: string): Promise<LiveContest> {
    try {
      const contest = await findContest(this.#db, contestId);
      if (!contest) throw new AppError('not_found', `no contest ${contestId}`);
      let state = await findLiveState(this.#db, contestId);
      if (!state) {
        await insertLiveState(this.#db, contestId, initialLiveState(contest));
        state = (await findLiveState(this.#db, contestId))!;
      }
      const rows = await this.#db.selectFrom('score_sheets').selectAll().where('contest_id', '=', contestId).orderBy('id').execute();
      const live: LiveContest = { id: contestId, contest, state, sheetsById: new Map(), effective: new Map(), bySubmission: new Map() };
      for (const row of rows) addSheet(live, sheetRecord(row));
      return live;
    } catch (error) {
      throw this.#translate(error);
    }
  }

  /** Commands on one contest run one at a time, in arrival order. */
  #serialised<T>(contestId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(contestId) ?? Promise.resolve();
    const run = previous.then(work, work);
    this.#queues.set(contestId, run.catch(() => undefined));
    return run;
  }

  #translate(error: unknown): AppError {
    if (isAppError(error)) return error;
    if (isDatabaseUnavailable(error)) return new AppError('db_unavailable', 'not saved: the database is not answering; the same submission can be sent again');
    // the client gets no database or stack detail; the socket layer logs `cause`
    return new AppError('internal', 'internal error; the server log has the details', { cause: (error as Error)?.stack ?? String(error) });
  }

  /**
   * Applies a command. Resolves once it is committed (with the new version, or a sheet's receipt);
   * rejects with an AppError saying why nothing was done.
   */
  execute(contestId: string, actor: Actor, command: LiveCommand, options: CommandOptions = {}): Promise<CommandResult> {
    return this.#serialised(contestId, async () => {
      const live = await this.get(contestId);

      if (command.type === 'sheet:submit') {
        const seen = options.submissionId ? live.bySubmission.get(options.submissionId) : undefined;
        if (seen) {
          // A retry: answer as the first time, store nothing. The same id for another sheet is a client bug.
          if (seen.presenter === command.presenter && seen.judge === command.judge && sameItems(seen.items, command.items)) return receipt(seen, true);
          throw new AppError('submission_conflict', `submission ${options.submissionId} was already used for a different sheet; nothing was stored`);
        }
      }
      if (isHostCommand(command) && options.turnsVersion !== live.state.turnsVersion) {
        throw new AppError('stale_version', `another console acted first (you saw version ${options.turnsVersion}, it is now ${live.state.turnsVersion}); nothing was done, look again`);
      }

      const now = this.#now();
      const decision = decide(live.contest, live.state, live.effective, actor, command, now);
      if (!decision.ok) throw new AppError(decision.code, decision.message);

      let stored: SheetRecord | null = null;
      try {
        await this.#db.transaction().execute(async (trx) => {
          const version = await lockLiveState(trx, contestId);
          if (version !== live.state.version) throw new AppError('stale_version', 'the contest changed in another server process; try again');
          if (options.linkTokenHash !== undefined && !(await grantInForce(trx, options.linkTokenHash))) throw new AppError('unauthorized', LINK_REVOKED);
          if (decision.sheet) {
            const row = await insertSheet(trx, {
              contestId,
              sheet: { presenter: decision.sheet.presenter, judge: decision.sheet.judge, items: decision.sheet.items },
              submissionId: options.submissionId!,
              enteredBy: decision.sheet.enteredBy,
              supersedesId: decision.sheet.supersedesId,
              reason: decision.sheet.reason,
            });
            stored = sheetRecord(row);
          }
          if (decision.recusal) await insertRecusal(trx, contestId, decision.recusal.presenter, decision.recusal.judge);
          await saveLiveState(trx, contestId, decision.state);
          for (const event of decision.audit) {
            await appendAudit(trx, {
              contestId,
              actorRole: actor.role,
              actorKey: actor.role === 'judge' ? actor.judge : null,
              action: event.action,
              presenterKey: event.presenter ?? null,
              judgeKey: event.judge ?? null,
              detail: { ...event.detail, ...(options.submissionId && event.action.startsWith('sheet:') ? { submissionId: options.submissionId } : {}) },
            });
          }
        });
      } catch (error) {
        if (isAppError(error) && error.code === 'stale_version') this.#loaded.delete(contestId);
        throw this.#translate(error);
      }

      // Committed: now, and only now, the contest in memory moves on and listeners hear of it.
      live.state = decision.state;
      if (stored) addSheet(live, stored);
      if (decision.recusal) live.contest = withRecusal(live.contest, decision.recusal.presenter, decision.recusal.judge);
      for (const listener of this.#listeners) listener(contestId);
      return stored ? receipt(stored, false) : { version: live.state.version };
    });
  }

  /**
   * Runs a change of the contest's definition (an edit, a draw of lots) between its commands, so
   * none interleaves; once it succeeds the contest is reloaded from the database and every page
   * connected to it gets the new picture.
   */
  exclusive<T>(contestId: string, work: () => Promise<T>): Promise<T> {
    return this.#serialised(contestId, async () => {
      const result = await work();
      this.#loaded.delete(contestId);
      for (const listener of this.#listeners) listener(contestId);
      return result;
    });
  }

  /** Forgets what is held in memory (tests: a restart without a restart). */
  reset(): void {
    this.#loaded.clear();
  }
}
