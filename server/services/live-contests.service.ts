import { isDeepStrictEqual } from 'node:util';
import type { Kysely, Transaction } from 'kysely';
import { appendAudit, type AuditRecord } from '../db/audit.repository.ts';
import { DEFAULT_DATABASE_TIMEOUT_MS } from '../config.ts';
import { findContest, findLiveChanges, insertAbsence, type LiveChanges } from '../db/contests.repository.ts';
import type { Database } from '../db/database.ts';
import { LINK_REVOKED } from '../auth/link-revocations.ts';
import { grantInForce } from '../db/access-tokens.repository.ts';
import { findLiveState, findLiveVersion, insertLiveState, lockLiveState, saveLiveState } from '../db/live-state.repository.ts';
import { findContestSheets, findSheetBySubmission, insertSheet } from '../db/score-sheets.repository.ts';
import { lockForSheets, saveStateIfCurrent, storeSheets, storeSheetsIfCurrent } from '../db/sheet-batches.repository.ts';
import { audiencePanel, withAbsentJudge, type ContestDefinition } from '../domain/contest.ts';
import type { Exact } from '../domain/exact.ts';
import { initialLiveState, type LiveState } from '../domain/live.ts';
import type { Actor, AuditEvent, LiveCommand, Refusal } from '../domain/live/commands.ts';
import { decide, needsTurnsVersion } from '../domain/live/decide.ts';
import { sheetTotal } from '../domain/scoring.ts';
import { byPresenterAndJudge, sheetsInForce, withSheetInForce, type SheetsInForce, type SheetToStore, type StoredSheet } from '../domain/sheets.ts';
import type { LiveView } from '../domain/projections.ts';
import { findWatchSettings, type WatchSettings } from '../db/watch-codes.repository.ts';
import { countVoteRows, findCountedVotes, findVotesOf, voteCounts } from '../db/audience-votes.repository.ts';
import { VoteTally, type StoredVote } from '../domain/vote-tally.ts';
import { AppError, asStoringError, isAppError, isDatabaseUnavailable } from '../errors.ts';
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
 * Group commit: judges' sheets that arrive while the contest's queue is busy (a commit in flight)
 * wait together in one batch at the end of the queue, decided one after the other in arrival order
 * and stored in one transaction of two statements; each is acknowledged only after that commit. A
 * sheet the rules or a revoked link refuse is answered alone and the others go on. A host command
 * or a definition change arriving meanwhile closes the batch: what arrives after it waits behind it,
 * so the queue's order stays the order of arrival.
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
  /** the highest id in sheetsById (0n: none), kept as sheets are added: a catch-up reads the sheets stored after it */
  lastSheetId: bigint;
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

/**
 * Why listeners hear of a contest: a command committed here, a definition change made here (an
 * admin edit), a reload that found the database ahead of memory, or news of another server
 * process's change (server/realtime/cluster.ts passes on all but the last).
 */
export type ChangeOrigin = 'command' | 'definition' | 'reload' | 'elsewhere';

/** the highest of the sheets' ids (bigints as text), 0n for none */
const highestId = (sheets: readonly StoredSheet[]): bigint => sheets.reduce((last, s) => (BigInt(s.id) > last ? BigInt(s.id) : last), 0n);

/**
 * The presenters whose audience votes may have changed between two states of the contest: votes
 * are stored only while a turn is in scoring, and a turn that entered or left scoring in between
 * is not the same turn in both. The others' votes are as memory holds them.
 */
function votesMoved(held: LiveState, next: LiveState): string[] {
  return Object.keys(next.turns).filter((key) => {
    const [before, after] = [held.turns[key], next.turns[key]];
    return before?.phase === 'scoring' || after?.phase === 'scoring' || !isDeepStrictEqual(before, after);
  });
}

/** the absences read with a contest's changes that its definition in memory does not have yet */
function withAbsences(contest: ContestDefinition, absences: LiveChanges['absences']): ContestDefinition {
  return absences.reduce((c, [presenter, judge]) => (c.presenters.find((p) => p.key === presenter)?.absent.includes(judge) === false ? withAbsentJudge(c, presenter, judge) : c), contest);
}

/** newly committed sheets: each one replaces its pair's sheet in force (the state machine decided it supersedes it) */
function addSheets(live: LiveContest, sheets: readonly StoredSheet[]): void {
  for (const sheet of sheets) {
    live.sheetsById.set(sheet.id, sheet);
    live.bySubmission.set(sheet.submissionId, sheet);
    live.inForce = withSheetInForce(live.inForce, sheet);
  }
  const last = highestId(sheets);
  if (last > live.lastSheetId) live.lastSheetId = last;
}

type JudgeSheet = { actor: Extract<Actor, { role: 'judge' }>; command: Extract<LiveCommand, { type: 'sheet:submit' }>; options: CommandOptions & { submissionId: string } };

/** A judge's sheet waiting in a batch (group commit), answered once the batch's transaction has committed. */
interface BatchedSheet extends JudgeSheet {
  resolve: (result: CommandResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: CommandResult } | { ok: false; error: AppError };

/** at most this many sheets in one transaction: one batch is one INSERT of this many rows */
const MAX_BATCH = 250;

/** a later sheet of the same judge for the same presenter, or the same submission again, waits for the next batch: it is decided on what the one before stored */
const clashes = (a: JudgeSheet, b: JudgeSheet) =>
  a.options.submissionId === b.options.submissionId || (a.command.presenter === b.command.presenter && a.command.judge === b.command.judge);

/** the sheet as decided, standing in for the stored one while the rest of its batch is decided */
const provisional = (sheet: SheetToStore, submissionId: string, now: number): StoredSheet => ({ ...sheet, id: `batch:${submissionId}`, total: sheetTotal(sheet.items), submissionId, createdAt: now });

function auditRecords(contestId: string, actor: Actor, events: readonly AuditEvent[], submissionId: string | undefined): AuditRecord[] {
  return events.map((event) => ({
    contestId,
    actorRole: actor.role,
    actorKey: actor.role === 'judge' ? actor.judge : null,
    action: event.action,
    presenterKey: event.presenter ?? null,
    judgeKey: event.judge ?? null,
    detail: { ...event.detail, ...(submissionId && event.action.startsWith('sheet:') ? { submissionId } : {}) },
  }));
}

/**
 * What a command's transaction does about the audience vote when it closes or reveals a turn: the
 * audit log records the vote's opening and closing, not each vote, so the close and the reveal
 * (from the host, or the close by a turn's last sheet) say how many votes were cast and counted;
 * and the counted votes are read from the database, because with several server processes some
 * were stored (and counted in memory) by another one, and what this process reveals must be the
 * stored truth. Read under the live-state row's lock: no vote of a closed turn commits after it.
 */
async function votesAtClose(trx: Transaction<Database>, contestId: string, contest: ContestDefinition, records: AuditRecord[]): Promise<{ records: AuditRecord[]; counted: StoredVote[] }> {
  if (!closesVote(contest, records)) return { records, counted: [] };
  return {
    records: await Promise.all(records.map(async (r) => (closing(r) ? { ...r, detail: { ...r.detail, votes: await voteCounts(trx, contestId, r.presenterKey!) } } : r))),
    // at the close only: after it no vote of the turn is stored, and a process that reveals later has
    // heard of the close (and reloaded) or finds the stored version moved (and reloads)
    counted: records.some((r) => r.action === 'turn:close') ? await findCountedVotes(trx, contestId) : [],
  };
}

const closing = (r: AuditRecord) => r.presenterKey !== null && VOTE_COUNTED_AT.includes(r.action);
/** whether a command's audit records close or reveal an audience vote: what it stores must then be read with the votes, under the lock */
const closesVote = (contest: ContestDefinition, records: readonly AuditRecord[]) => audiencePanel(contest.rules) !== null && records.some(closing);

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

/** how many times a command is decided on a reload when the database keeps moving ahead of memory */
const MAX_TRIES = 10;
/** audit actions whose detail carries the presenter's vote counts (turn:close from the host or from the last sheet) */
const VOTE_COUNTED_AT: readonly string[] = ['turn:close', 'turn:reveal', 'turn:re-reveal'];

const NOT_SAVED = 'not saved: the database is not answering; the same submission can be sent again';

const votedOn = (presenter: string) => new AppError('invalid_transition', `cannot undo presenter ${presenter}: audience votes have already arrived for this turn`);

export class LiveContests {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #loaded = new Map<string, Promise<LiveContest>>();
  readonly #queues = new Map<string, Promise<unknown>>();
  /** how many commands are queued or running, per contest */
  readonly #queued = new Map<string, number>();
  /**
   * contests whose copy in memory may be behind the database: 'changes' when another process
   * committed (the rows it added are read), 'whole' when unsure why (the database faltered around
   * a commit, a command passed its deadline): the contest is loaded again from scratch. Each
   * marking puts a new mark, so a catch-up clears only the one it read for (see #markBehind).
   */
  readonly #behind = new Map<string, { how: 'changes' | 'whole' }>();
  /** how contests were brought up to date from the database, and with how many queries (the cluster logs it) */
  readonly #catchUps = { changes: 0, changeQueries: 0, whole: 0 };
  readonly #listeners: Array<(contestId: string, origin: ChangeOrigin) => void> = [];
  /** contests with a reload for another process's change queued and not yet started: the newest version heard of (null: reload whatever the version) */
  readonly #elsewhere = new Map<string, number | null>();
  /** per contest, the batch of judges' sheets at the end of its queue that later sheets may still join */
  readonly #openBatches = new Map<string, BatchedSheet[]>();

  /** `timeoutMs`: each command's deadline (DATABASE_TIMEOUT_MS) */
  constructor(db: Kysely<Database>, now: () => number = Date.now, timeoutMs: number = DEFAULT_DATABASE_TIMEOUT_MS) {
    this.#db = db;
    this.#now = now;
    this.#timeoutMs = timeoutMs;
  }

  onChange(listener: (contestId: string, origin: ChangeOrigin) => void): void {
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

  /** The contest as held in memory, or undefined when it is not (nothing is loaded). */
  async held(contestId: string): Promise<LiveContest | undefined> {
    return this.#loaded.get(contestId)?.catch(() => undefined);
  }

  /**
   * The contest for a command (in its queue): reloaded first when memory may be behind. Until a
   * reload succeeds the old copy stays, so pages can still be shown what was last known.
   */
  async #current(contestId: string, run: Run): Promise<LiveContest> {
    let mark = this.#behind.get(contestId);
    if (!mark) return this.get(contestId);
    for (;;) {
      const held = mark.how === 'changes' ? await this.#loaded.get(contestId)?.catch(() => undefined) : undefined;
      // a run past its deadline no longer owns the queue: the commands after it may be further on
      const live = held ? await this.#readChanges(held, run) : await this.#reload(contestId, run);
      const now = this.#behind.get(contestId);
      if (now && now !== mark) {
        // marked again while it read (a run past its deadline failed meanwhile): what the new mark
        // is for may have landed after the read, so the command is not decided on this copy yet
        mark = now;
        continue;
      }
      this.#behind.delete(contestId);
      this.#notify(contestId, 'reload');
      return live;
    }
  }

  /**
   * Memory may be behind the database: catch up before the next command, and try soon in the
   * background. `how`: 'changes' when another process committed since (read what it added), else
   * the contest is loaded whole.
   */
  #markBehind(contestId: string, how: 'changes' | 'whole' = 'whole'): void {
    const marked = this.#behind.get(contestId);
    // a new mark even when the contest is marked already: a catch-up reading now may have read
    // before the change this mark is for, and then leaves it for the next one
    this.#behind.set(contestId, { how: marked?.how === 'whole' ? 'whole' : how });
    if (!marked) this.#catchUp(contestId, 200);
  }

  /** A contest loaded whole again, in place of the copy held; the votes the copy took since the load's read are kept. */
  async #reload(contestId: string, run: Run): Promise<LiveContest> {
    const live = await this.#load(contestId);
    if (run.abandoned) throw new AppError('db_unavailable', NOT_SAVED);
    const held = await this.#loaded.get(contestId)?.catch(() => undefined);
    if (held) live.votes.absorb(held.votes);
    this.#loaded.set(contestId, Promise.resolve(live));
    this.#catchUps.whole++;
    return live;
  }

  /**
   * Brings the copy held up to what the database holds by reading only what another process can
   * have changed by a command: the live state, the sheets stored after the last one held, the
   * absences (one statement), and the audience votes of the turns that moved (a second one, only
   * when some did). An admin edit changes the definition; it comes as news without a version, and
   * the contest is loaded whole (changedElsewhere). Changes the copy in place, all at once.
   */
  async #readChanges(live: LiveContest, run: Run): Promise<LiveContest> {
    let changes: LiveChanges | null;
    let votes: Awaited<ReturnType<typeof findVotesOf>> | null = null;
    try {
      changes = await findLiveChanges(this.#db, live.id, String(live.lastSheetId));
      const moved = changes && audiencePanel(live.contest.rules) ? votesMoved(live.state, changes.state) : [];
      if (moved.length > 0) votes = await findVotesOf(this.#db, live.id, moved);
    } catch (error) {
      throw asStoringError(error, NOT_SAVED);
    }
    // gone, or not as expected: load it whole (which says not_found when it is gone)
    if (!changes) return this.#reload(live.id, run);
    if (run.abandoned) throw new AppError('db_unavailable', NOT_SAVED);
    live.state = changes.state;
    addSheets(live, changes.sheets);
    live.contest = withAbsences(live.contest, changes.absences);
    if (votes) live.votes.addRead(votes);
    this.#catchUps.changes++;
    this.#catchUps.changeQueries += votes ? 2 : 1;
    return live;
  }

  /** How many times contests were caught up with the database: by their changes (and in how many queries), and loaded whole. */
  catchUps(): Readonly<{ changes: number; changeQueries: number; whole: number }> {
    return { ...this.#catchUps };
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

  #notify(contestId: string, origin: ChangeOrigin = 'command'): void {
    for (const listener of this.#listeners) listener(contestId, origin);
  }

  /**
   * Another server process committed a change to this contest (`version`: the contest's version
   * after it; null: its definition changed). A contest held here is reloaded from the database in
   * its queue, unless memory is at that version already, and listeners hear of it ('elsewhere'), so
   * the pages connected here get the new picture. News that arrive while a reload waits in the
   * queue ride on it: one reload, however many changes. A contest not held is loaded fresh anyway.
   */
  changedElsewhere(contestId: string, version: number | null): void {
    if (!this.#loaded.has(contestId)) return;
    const queued = this.#elsewhere.has(contestId);
    const heard = this.#elsewhere.get(contestId);
    this.#elsewhere.set(contestId, version === null || heard === null ? null : Math.max(version, heard ?? version));
    if (queued) return;
    this.#serialised(contestId, async (run) => {
      const newest = this.#elsewhere.get(contestId) ?? null;
      this.#elsewhere.delete(contestId);
      const held = await this.#loaded.get(contestId)?.catch(() => undefined);
      // not held any more (an edit here dropped it), or already there (a command here reloaded it)
      if (!held || (newest !== null && held.state.version >= newest)) return;
      // a command's news: what it added; an edit's (no version): the whole contest
      const mark = this.#behind.get(contestId);
      if (newest === null || mark?.how === 'whole') await this.#reload(contestId, run);
      else await this.#readChanges(held, run);
      // a mark made while it read stays, for the next command or the background catch-up
      if (this.#behind.get(contestId) === mark) this.#behind.delete(contestId);
      this.#notify(contestId, 'elsewhere');
    }).catch(() => this.#markBehind(contestId));
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
      const sheets = await findContestSheets(this.#db, contestId);
      return {
        id: contestId,
        contest,
        state,
        sheetsById: new Map(sheets.map((s) => [s.id, s])),
        lastSheetId: highestId(sheets),
        inForce: byPresenterAndJudge(sheetsInForce(sheets)),
        bySubmission: new Map(sheets.map((s) => [s.submissionId, s])),
        watch,
        votes: new VoteTally(await findCountedVotes(this.#db, contestId), await countVoteRows(this.#db, contestId)),
      };
    } catch (error) {
      throw asStoringError(error, NOT_SAVED);
    }
  }

  /** Commands on one contest run one at a time, in arrival order, each within its deadline. */
  #serialised<T>(contestId: string, work: (run: Run) => Promise<T>): Promise<T> {
    // whatever is queued now comes after the open batch: nothing that arrives later may join it
    this.#openBatches.delete(contestId);
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

  /**
   * Applies a command. Resolves once it is committed (with the new version, or a sheet's receipt);
   * rejects with an AppError saying why nothing was done.
   */
  execute(contestId: string, actor: Actor, command: LiveCommand, options: CommandOptions = {}): Promise<CommandResult> {
    const { submissionId } = options;
    if (command.type === 'sheet:submit' && actor.role === 'judge' && submissionId) return this.#batched(contestId, { actor, command, options: { ...options, submissionId } });
    return this.#serialised(contestId, (run) => this.#untilCurrent(contestId, () => this.#apply(contestId, actor, command, options, run)));
  }

  /**
   * A try may find memory behind the database; the next decides on a fresh reload. With several
   * server processes taking commands for one contest at once (a burst of judges spread over them),
   * another may commit between that reload and this one's lock, again and again: up to MAX_TRIES,
   * within the command's deadline.
   */
  async #untilCurrent<T>(contestId: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof MemoryBehind)) throw error;
        this.#markBehind(contestId, 'changes');
        if (tries === MAX_TRIES) throw new AppError('stale_version', 'the contest changed in another server process; try again');
      }
    }
  }

  /** A judge's sheet joins the open batch at the end of the contest's queue, or starts one there. */
  #batched(contestId: string, sheet: JudgeSheet): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const entry: BatchedSheet = { ...sheet, resolve, reject };
      const open = this.#openBatches.get(contestId);
      if (open && open.length < MAX_BATCH && !open.some((other) => clashes(other, entry))) {
        open.push(entry);
        return;
      }
      const batch = [entry];
      const ran = this.#serialised(contestId, async (run) => {
        // Sheets read from the network in this turn of the event loop join it too. On PGlite a
        // commit never leaves the event loop (its statements and the data folder's fsync run on this
        // thread), so the sheets sent meanwhile are all read in the turn after it, and this is where
        // they meet.
        await new Promise((resolve) => setImmediate(resolve));
        // its turn has come: it is closed from now on
        if (this.#openBatches.get(contestId) === batch) this.#openBatches.delete(contestId);
        return this.#untilCurrent(contestId, () => this.#applyBatch(contestId, batch, run));
      });
      this.#openBatches.set(contestId, batch);
      ran.then(
        (outcomes) => outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.result) : batch[i]!.reject(outcome.error))),
        (error: unknown) => batch.forEach((e) => e.reject(error)),
      );
    });
  }

  /**
   * Decides a batch's sheets one after the other, each on the state the ones before it leave, and
   * stores those accepted in one transaction. Resolves with each sheet's answer once committed;
   * rejects (every sheet of the batch) when the transaction did not commit.
   */
  async #applyBatch(contestId: string, batch: readonly BatchedSheet[], run: Run): Promise<Outcome[]> {
    const live = await this.#current(contestId, run);
    const now = this.#now();
    const outcomes: Outcome[] = [];
    const fresh: number[] = [];
    batch.forEach(({ command, options }, i) => {
      const seen = live.bySubmission.get(options.submissionId);
      if (!seen) return void fresh.push(i);
      // A retry: answer as the first time, store nothing. The same id for another sheet is a client bug.
      outcomes[i] =
        seen.presenter === command.presenter && seen.judge === command.judge && sameItems(seen.items, command.items)
          ? { ok: true, result: receipt(seen, true, live.state.version) }
          : { ok: false, error: new AppError('submission_conflict', `submission ${options.submissionId} was already used for a different sheet; nothing was stored`) };
    });
    let decided = this.#decideBatch(live, batch, fresh, now);
    for (const { index, refusal } of decided.refused) {
      // A sheet refused here may be one the database stored without our hearing of it (the reply
      // to its COMMIT was lost): look its id up before refusing.
      if (await this.#storedSubmission(contestId, batch[index]!.options.submissionId)) throw new MemoryBehind();
      // or one decided on a copy another server process has moved past (a turn it opened): decide again on a reload
      await this.#unlessMovedElsewhere(contestId, live);
      outcomes[index] = { ok: false, error: new AppError(refusal.code, refusal.message) };
    }
    if (decided.accepted.length === 0) return outcomes;

    let stored: StoredSheet[] = [];
    let countedAtClose: StoredVote[] = [];
    const hashesOf = (accepted: readonly number[]) => [...new Set(accepted.flatMap((i) => batch[i]!.options.linkTokenHash ?? []))];
    const toStore = (d: typeof decided) => ({
      sheets: d.accepted.map((i, k) => ({ submissionId: batch[i]!.options.submissionId, sheet: d.sheets[k]! })),
      audit: d.accepted.flatMap((i, k) => auditRecords(contestId, batch[i]!.actor, d.audit[k]!, batch[i]!.options.submissionId)),
    });
    try {
      // One autocommitted statement when nothing needs reading under the lock first (the audience
      // vote's counts at a turn's close do): it stores nothing if the contest moved or a link was
      // revoked meanwhile, and the transaction below then finds out which.
      const first = toStore(decided);
      const alone = closesVote(live.contest, first.audit)
        ? null
        : await storeSheetsIfCurrent(this.#db, contestId, hashesOf(decided.accepted), live.state, decided.state, first.sheets, first.audit);
      if (alone) stored = alone;
      else
        await this.#db.transaction().execute(async (trx) => {
          const lock = await lockForSheets(trx, contestId, hashesOf(decided.accepted));
          if (lock.version !== live.state.version) throw new MemoryBehind();
          // a link may have been revoked since its socket's last check, by this process or another:
          // its sheet is refused, and the others are decided again without it
          const revoked = decided.accepted.filter((i) => batch[i]!.options.linkTokenHash !== undefined && !lock.granted.has(batch[i]!.options.linkTokenHash!));
          if (revoked.length > 0) {
            for (const i of revoked) outcomes[i] = { ok: false, error: new AppError('unauthorized', LINK_REVOKED) };
            decided = this.#decideBatch(live, batch, decided.accepted.filter((i) => !revoked.includes(i)), now);
            for (const { index, refusal } of decided.refused) outcomes[index] = { ok: false, error: new AppError(refusal.code, refusal.message) };
            if (decided.accepted.length === 0) return;
          }
          const { sheets, audit } = toStore(decided);
          const atClose = await votesAtClose(trx, contestId, live.contest, audit);
          countedAtClose = atClose.counted;
          stored = await storeSheets(trx, contestId, live.state, decided.state, sheets, atClose.records);
        });
    } catch (error) {
      // a refusal decided inside the transaction rolled it back: nothing is unknown
      if (error instanceof MemoryBehind || isAppError(error)) throw error;
      // The connection may have died after the COMMIT went out: the sheets may be stored.
      this.#markBehind(contestId);
      throw asStoringError(error, NOT_SAVED);
    }
    // Past the deadline the callers have their answer already, and the contest is reloaded instead.
    if (run.abandoned) throw new AppError('db_unavailable', NOT_SAVED);
    if (stored.length === 0) return outcomes;

    // Committed: now, and only now, the contest in memory moves on and listeners hear of it.
    live.state = decided.state;
    addSheets(live, stored);
    for (const vote of countedAtClose) live.votes.add(vote);
    this.#notify(contestId);
    decided.accepted.forEach((i, k) => (outcomes[i] = { ok: true, result: receipt(stored[k]!, false, live.state.version) }));
    return outcomes;
  }

  /** The sheets at `indexes` of a batch, decided in order, each on the state the accepted ones before it leave. Pure. */
  #decideBatch(live: LiveContest, batch: readonly BatchedSheet[], indexes: readonly number[], now: number) {
    let state = live.state;
    let inForce = live.inForce;
    const accepted: number[] = [];
    const sheets: SheetToStore[] = [];
    const audit: AuditEvent[][] = [];
    const refused: Array<{ index: number; refusal: Refusal }> = [];
    for (const index of indexes) {
      const { actor, command, options } = batch[index]!;
      const decision = decide(live.contest, state, inForce, actor, command, now);
      if (!decision.ok) {
        refused.push({ index, refusal: decision });
        continue;
      }
      accepted.push(index);
      sheets.push(decision.sheet!);
      audit.push(decision.audit);
      state = decision.state;
      inForce = withSheetInForce(inForce, provisional(decision.sheet!, options.submissionId, now));
    }
    return { state, accepted, sheets, audit, refused };
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
      await this.#unlessMovedElsewhere(contestId, live);
      throw new AppError('stale_version', `another console acted first (you saw version ${options.turnsVersion}, it is now ${live.state.turnsVersion}); nothing was done, look again`);
    }

    // like a turn with sheets, a turn the audience has voted on cannot be undone: its votes would count at a later opening
    if (command.type === 'turn:reset' && live.votes.countFor(command.presenter) > 0) throw votedOn(command.presenter);
    const now = this.#now();
    const decision = decide(live.contest, live.state, live.inForce, actor, command, now);
    if (!decision.ok) {
      // A sheet refused here may be one the database stored without our hearing of it (the reply
      // to its COMMIT was lost): look its id up before refusing.
      if (command.type === 'sheet:submit' && options.submissionId && (await this.#storedSubmission(contestId, options.submissionId))) throw new MemoryBehind();
      await this.#unlessMovedElsewhere(contestId, live);
      throw new AppError(decision.code, decision.message);
    }

    let stored: StoredSheet | null = null;
    let countedAtClose: StoredVote[] = [];
    const records = auditRecords(contestId, actor, decision.audit, options.submissionId);
    try {
      const undoesVotedTurn = command.type === 'turn:reset' && audiencePanel(live.contest.rules) !== null;
      // A step that changes only the live state (most of the host's) is one autocommitted
      // statement; it stores nothing if the contest moved or the link was revoked meanwhile, and
      // the transaction below then finds out which.
      const alone =
        !decision.sheet &&
        !decision.absence &&
        !closesVote(live.contest, records) &&
        !undoesVotedTurn &&
        (await saveStateIfCurrent(this.#db, contestId, options.linkTokenHash === undefined ? [] : [options.linkTokenHash], live.state, decision.state, records));
      if (!alone)
        await this.#db.transaction().execute(async (trx) => {
          const version = await lockLiveState(trx, contestId);
          if (version !== live.state.version) throw new MemoryBehind();
          // the link may have been revoked since the socket's last check, by this process or another
          if (options.linkTokenHash !== undefined && !(await grantInForce(trx, options.linkTokenHash))) throw new AppError('unauthorized', LINK_REVOKED);
          // votes another server process took, not read here yet: counted under the lock, which a vote statement waits for
          if (undoesVotedTurn && (await voteCounts(trx, contestId, command.presenter)).cast > 0) throw votedOn(command.presenter);
          if (decision.sheet) {
            stored = await insertSheet(trx, contestId, options.submissionId!, decision.sheet);
          }
          if (decision.absence) await insertAbsence(trx, contestId, decision.absence.presenter, decision.absence.judge);
          await saveLiveState(trx, contestId, live.state, decision.state);
          const atClose = await votesAtClose(trx, contestId, live.contest, records);
          for (const record of atClose.records) await appendAudit(trx, record);
          countedAtClose = atClose.counted;
        });
    } catch (error) {
      // a refusal decided inside the transaction rolled it back: nothing is unknown
      if (error instanceof MemoryBehind || isAppError(error)) throw error;
      // The connection may have died after the COMMIT went out: the change may be stored.
      this.#markBehind(contestId);
      throw asStoringError(error, NOT_SAVED);
    }
    // Past the deadline the caller has its answer already, and the contest is reloaded instead.
    if (run.abandoned) throw new AppError('db_unavailable', NOT_SAVED);

    // Committed: now, and only now, the contest in memory moves on and listeners hear of it.
    live.state = decision.state;
    if (stored) addSheets(live, [stored]);
    for (const vote of countedAtClose) live.votes.add(vote);
    if (decision.absence) live.contest = withAbsentJudge(live.contest, decision.absence.presenter, decision.absence.judge);
    this.#notify(contestId);
    return stored ? receipt(stored, false, live.state.version) : { version: live.state.version };
  }

  /**
   * Before refusing a command on what memory holds: another server process may have moved the
   * contest on (a turn opened there, its news not here yet). Then memory is behind, and the command
   * is decided again on a reload, like one that found the stored version moved when it locked it.
   * A database that does not answer leaves the refusal as memory decided it.
   */
  async #unlessMovedElsewhere(contestId: string, live: LiveContest): Promise<void> {
    const stored = await findLiveVersion(this.#db, contestId).catch(() => live.state.version);
    if (stored !== live.state.version) throw new MemoryBehind();
  }

  async #storedSubmission(contestId: string, submissionId: string): Promise<boolean> {
    try {
      return (await findSheetBySubmission(this.#db, contestId, submissionId)) !== null;
    } catch (error) {
      throw asStoringError(error, NOT_SAVED);
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
      this.#notify(contestId, 'definition');
      return result;
    });
  }
}
