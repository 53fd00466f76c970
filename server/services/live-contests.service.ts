import type { Kysely } from 'kysely';
import { appendAudit } from '../db/audit.repository.ts';
import { DEFAULT_DATABASE_TIMEOUT_MS } from '../config.ts';
import { findContest, insertAbsence } from '../db/contests.repository.ts';
import type { Database } from '../db/database.ts';
import { LINK_REVOKED } from '../auth/link-revocations.ts';
import { grantInForce } from '../db/access-tokens.repository.ts';
import { findLiveState, insertLiveState, lockLiveState, saveLiveState } from '../db/live-state.repository.ts';
import { findContestSheets, findSheetBySubmission, insertSheet } from '../db/score-sheets.repository.ts';
import { audiencePanel, withAbsentJudge, type ContestDefinition } from '../domain/contest.ts';
import type { Exact } from '../domain/exact.ts';
import { initialLiveState, type LiveState } from '../domain/live.ts';
import type { Actor, LiveCommand } from '../domain/live/commands.ts';
import { decide, needsTurnsVersion } from '../domain/live/decide.ts';
import { byPresenterAndJudge, sheetsInForce, type SheetsInForce, type StoredSheet } from '../domain/sheets.ts';
import type { LiveView } from '../domain/projections.ts';
import { findWatchSettings, type WatchSettings } from '../db/watch-codes.repository.ts';
import { countVoteRows, findCountedVotes, voteCounts } from '../db/audience-votes.repository.ts';
import { VoteTally } from '../domain/vote-tally.ts';
import { AppError, isAppError, isDatabaseUnavailable } from '../errors.ts';
import type { SheetReceipt } from '../contracts/snapshots.ts';

/**
 * Runs live contests: loads each from the database on first use, applies commands through the
 * pure state machine (domain/live/decide.ts), stores the outcome in one transaction, and only then
 * changes what it holds in memory and tells its listener, which broadcasts. A command the database
 * did not commit changes nothing and is never acknowledged as done.
 *
 * When the database falters, what it holds can get ahead of memory: the connection died around
 * the COMMIT (which may have landed), or a command passed its deadline and was left running. The
 * contest is then marked "behind": the next command reloads it before deciding anything, and
 * until one does, a catch-up reload is tried in the background; a reload that finds the database
 * answering tells the listener, so every client gets the stored truth without asking.
 *
 * Every command (and definition change) in a contest's queue has a deadline (DATABASE_TIMEOUT_MS):
 * past it, the caller is answered `db_unavailable` and the queue moves on. On Postgres the pg
 * time-outs (db/connection.ts) end the abandoned transaction soon after. PGlite runs each
 * statement to its end inside this process, with no network to freeze: what bounds a command
 * there is the size of its statements and the data-folder flush; the deadline is checked between
 * them.
 */

export interface LiveContest {
  id: string;
  contest: ContestDefinition;
  state: LiveState;
  /** every stored sheet, superseded ones too, in the order stored */
  sheetsById: Map<string, StoredSheet>;
  inForce: SheetsInForce;
  bySubmission: Map<string, StoredSheet>;
  /** the audience page's code and whether the projector shows its QR (null: a contest without a code) */
  watch: WatchSettings | null;
  /** the audience votes that count; votes are stored by AudienceVotes (audience-votes.service.ts), never through the command queue */
  votes: VoteTally;
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

function addSheets(live: LiveContest, sheets: readonly StoredSheet[]): void {
  for (const sheet of sheets) {
    live.sheetsById.set(sheet.id, sheet);
    live.bySubmission.set(sheet.submissionId, sheet);
  }
  live.inForce = byPresenterAndJudge(sheetsInForce(live.sheetsById.values()));
}

const sameItems = (a: Record<string, Exact>, b: Record<string, Exact>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] !== undefined && b[k].eq(v));

/** `version`: the contest's version now, which includes this sheet */
function receipt(sheet: StoredSheet, duplicate: boolean, version: number): SheetReceipt {
  return { sheetId: sheet.id, presenter: sheet.presenter, judge: sheet.judge, total: sheet.total.toString(), duplicate, at: sheet.createdAt, version };
}

/** The stored version is not the one in memory: the database has a change memory has not seen. */
class MemoryBehind extends Error {}

/** One run of a command in the queue; `abandoned` once its deadline passed and its caller was answered. */
interface Run {
  abandoned: boolean;
}

/** audit actions whose detail carries the presenter's vote counts (turn:close from the host or from the last sheet) */
const VOTE_COUNTED_AT: readonly string[] = ['turn:close', 'turn:reveal', 'turn:re-reveal'];

const NOT_SAVED = 'not saved: the database is not answering; the same submission can be sent again';

export class LiveContests {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #loaded = new Map<string, Promise<LiveContest>>();
  readonly #queues = new Map<string, Promise<unknown>>();
  /** how many commands are queued or running, per contest */
  readonly #queued = new Map<string, number>();
  /** contests whose copy in memory may be behind the database */
  readonly #behind = new Set<string>();
  readonly #listeners: Array<(contestId: string) => void> = [];

  /** `timeoutMs`: each command's deadline (DATABASE_TIMEOUT_MS) */
  constructor(db: Kysely<Database>, now: () => number = Date.now, timeoutMs: number = DEFAULT_DATABASE_TIMEOUT_MS) {
    this.#db = db;
    this.#now = now;
    this.#timeoutMs = timeoutMs;
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
      const mine = loading;
      loading.catch(() => this.#loaded.get(contestId) === mine && this.#loaded.delete(contestId));
    }
    return loading;
  }

  /**
   * The contest for a command (in its queue): reloaded first when memory may be behind. Until a
   * reload succeeds the old copy stays, so pages can still be shown what was last known.
   */
  async #current(contestId: string, run: Run): Promise<LiveContest> {
    if (!this.#behind.has(contestId)) return this.get(contestId);
    const live = await this.#load(contestId);
    // a run past its deadline no longer owns the queue: the commands after it may be further on
    if (run.abandoned) throw new AppError('db_unavailable', NOT_SAVED);
    this.#loaded.set(contestId, Promise.resolve(live));
    this.#behind.delete(contestId);
    this.#notify(contestId);
    return live;
  }

  /** Memory may be behind the database: reload before the next command, and try soon in the background. */
  #markBehind(contestId: string): void {
    if (this.#behind.has(contestId)) return;
    this.#behind.add(contestId);
    this.#catchUp(contestId, 200);
  }

  /**
   * Retries the reload of a contest marked behind until the database answers (backing off to 5 s),
   * through its queue, so a reload never interleaves with a command. A command waiting in the
   * queue reloads it anyway; the background try is for a contest nobody sends anything to.
   */
  #catchUp(contestId: string, delayMs: number): void {
    setTimeout(() => {
      if (!this.#behind.has(contestId)) return;
      if (this.#queued.get(contestId)) return this.#catchUp(contestId, delayMs);
      this.#serialised(contestId, (run) => this.#current(contestId, run)).catch(() => this.#catchUp(contestId, Math.min(2 * delayMs, 5_000)));
    }, delayMs).unref();
  }

  #notify(contestId: string): void {
    for (const listener of this.#listeners) listener(contestId);
  }

  async view(contestId: string): Promise<LiveView> {
    const live = await this.get(contestId);
    return { id: live.id, contest: live.contest, state: live.state, inForce: live.inForce, sheetsById: live.sheetsById, watch: live.watch, votes: live.votes, now: this.#now() };
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
      const watch = await findWatchSettings(this.#db, contestId);
      const votes = new VoteTally(await findCountedVotes(this.#db, contestId), await countVoteRows(this.#db, contestId));
      const live: LiveContest = { id: contestId, contest, state, sheetsById: new Map(), inForce: new Map(), bySubmission: new Map(), watch, votes };
      addSheets(live, await findContestSheets(this.#db, contestId));
      return live;
    } catch (error) {
      throw this.#asAppError(error);
    }
  }

  /** Commands on one contest run one at a time, in arrival order, each within its deadline. */
  #serialised<T>(contestId: string, work: (run: Run) => Promise<T>): Promise<T> {
    this.#queued.set(contestId, (this.#queued.get(contestId) ?? 0) + 1);
    const previous = this.#queues.get(contestId) ?? Promise.resolve();
    const start = () => this.#withDeadline(contestId, work);
    const run = previous.then(start, start).finally(() => this.#queued.set(contestId, this.#queued.get(contestId)! - 1));
    this.#queues.set(contestId, run.catch(() => undefined));
    return run;
  }

  /**
   * Past the deadline the caller is answered db_unavailable and the queue moves on, while the work
   * may still be running (waiting on a frozen connection, or just before its COMMIT): whatever it
   * ends with, memory may then be behind, so the contest is marked behind now and again when it ends.
   */
  async #withDeadline<T>(contestId: string, work: (run: Run) => Promise<T>): Promise<T> {
    const run: Run = { abandoned: false };
    const working = work(run);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        run.abandoned = true;
        this.#markBehind(contestId);
        const ended = () => void this.#serialised(contestId, async () => this.#markBehind(contestId)).catch(() => undefined);
        working.then(ended, ended);
        reject(new AppError('db_unavailable', NOT_SAVED));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([working, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What the caller is told of a failure: an AppError as it is, the database's absence as db_unavailable, anything else as internal. */
  #asAppError(error: unknown): AppError {
    if (isAppError(error)) return error;
    if (isDatabaseUnavailable(error)) return new AppError('db_unavailable', NOT_SAVED);
    // the client gets no database or stack detail; the socket layer logs `cause`
    return new AppError('internal', 'internal error; the server log has the details', { cause: (error as Error)?.stack ?? String(error) });
  }

  /**
   * Applies a command. Resolves once it is committed (with the new version, or a sheet's receipt);
   * rejects with an AppError saying why nothing was done.
   */
  execute(contestId: string, actor: Actor, command: LiveCommand, options: CommandOptions = {}): Promise<CommandResult> {
    return this.#serialised(contestId, async (run) => {
      // A first try may find memory behind the database; the second decides on a fresh reload.
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#apply(contestId, actor, command, options, run);
        } catch (error) {
          if (!(error instanceof MemoryBehind)) throw error;
          this.#markBehind(contestId);
          if (attempt === 2) throw new AppError('stale_version', 'the contest changed in another server process; try again');
        }
      }
    });
  }

  async #apply(contestId: string, actor: Actor, command: LiveCommand, options: CommandOptions, run: Run): Promise<CommandResult> {
    const live = await this.#current(contestId, run);

    if (command.type === 'sheet:submit') {
      const seen = options.submissionId ? live.bySubmission.get(options.submissionId) : undefined;
      if (seen) {
        // A retry: answer as the first time, store nothing. The same id for another sheet is a client bug.
        if (seen.presenter === command.presenter && seen.judge === command.judge && sameItems(seen.items, command.items)) return receipt(seen, true, live.state.version);
        throw new AppError('submission_conflict', `submission ${options.submissionId} was already used for a different sheet; nothing was stored`);
      }
    }
    if (needsTurnsVersion(command) && options.turnsVersion !== live.state.turnsVersion) {
      throw new AppError('stale_version', `another console acted first (you saw version ${options.turnsVersion}, it is now ${live.state.turnsVersion}); nothing was done, look again`);
    }

    const now = this.#now();
    const decision = decide(live.contest, live.state, live.inForce, actor, command, now);
    if (!decision.ok) {
      // A sheet refused here may be one the database stored without our hearing of it (the reply
      // to its COMMIT was lost): look its id up before refusing.
      if (command.type === 'sheet:submit' && options.submissionId && (await this.#storedSubmission(contestId, options.submissionId))) throw new MemoryBehind();
      throw new AppError(decision.code, decision.message);
    }

    let stored: StoredSheet | null = null;
    try {
      await this.#db.transaction().execute(async (trx) => {
        const version = await lockLiveState(trx, contestId);
        if (version !== live.state.version) throw new MemoryBehind();
        // the link may have been revoked since the socket's last check, by this process or another
        if (options.linkTokenHash !== undefined && !(await grantInForce(trx, options.linkTokenHash))) throw new AppError('unauthorized', LINK_REVOKED);
        if (decision.sheet) {
          stored = await insertSheet(trx, contestId, options.submissionId!, decision.sheet);
        }
        if (decision.absence) await insertAbsence(trx, contestId, decision.absence.presenter, decision.absence.judge);
        await saveLiveState(trx, contestId, decision.state);
        for (const event of decision.audit) {
          // the audit log records the vote's opening and closing, not each vote: the close and the reveal say how many there were
          const votes = audiencePanel(live.contest.rules) && event.presenter && VOTE_COUNTED_AT.includes(event.action) ? { votes: await voteCounts(trx, contestId, event.presenter) } : {};
          await appendAudit(trx, {
            contestId,
            actorRole: actor.role,
            actorKey: actor.role === 'judge' ? actor.judge : null,
            action: event.action,
            presenterKey: event.presenter ?? null,
            judgeKey: event.judge ?? null,
            detail: { ...event.detail, ...votes, ...(options.submissionId && event.action.startsWith('sheet:') ? { submissionId: options.submissionId } : {}) },
          });
        }
      });
    } catch (error) {
      // a refusal decided inside the transaction rolled it back: nothing is unknown
      if (error instanceof MemoryBehind || isAppError(error)) throw error;
      // The connection may have died after the COMMIT went out: the change may be stored.
      this.#markBehind(contestId);
      throw this.#asAppError(error);
    }
    // Past the deadline the caller has its answer already, and the contest is reloaded instead.
    if (run.abandoned) throw new AppError('db_unavailable', NOT_SAVED);

    // Committed: now, and only now, the contest in memory moves on and listeners hear of it.
    live.state = decision.state;
    if (stored) addSheets(live, [stored]);
    if (decision.absence) live.contest = withAbsentJudge(live.contest, decision.absence.presenter, decision.absence.judge);
    this.#notify(contestId);
    return stored ? receipt(stored, false, live.state.version) : { version: live.state.version };
  }

  async #storedSubmission(contestId: string, submissionId: string): Promise<boolean> {
    try {
      return (await findSheetBySubmission(this.#db, contestId, submissionId)) !== null;
    } catch (error) {
      throw this.#asAppError(error);
    }
  }

  /**
   * Runs a change of the contest's definition (an edit, a draw of lots) between its commands, so
   * none interleaves; once it succeeds the contest is reloaded from the database and every page
   * connected to it gets the new picture. `changed` says whether a result changed anything (an
   * import with problems saves nothing: no reload, no new picture).
   */
  exclusive<T>(contestId: string, work: () => Promise<T>, changed: (result: T) => boolean = () => true): Promise<T> {
    return this.#serialised(contestId, async (run) => {
      let result: T;
      try {
        result = await work();
      } catch (error) {
        if (isDatabaseUnavailable(error)) this.#markBehind(contestId);
        throw error;
      }
      if (run.abandoned || !changed(result)) return result;
      this.#loaded.delete(contestId);
      this.#notify(contestId);
      return result;
    });
  }
}
