import { createHash, randomInt } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { ContestStatus } from '../contracts/admin-api.ts';
import { deriveLinkToken, hashToken, randomCode } from '../auth/tokens.ts';
import { contestFromDocument, toContestFile, type ContestWithScores } from '../contest-file/contest-file.ts';
import type { ContestFile } from '../contest-file/contest-file.schema.ts';
import { activeGrants, insertAccessToken, revokeJudgeGrant, type AccessGrant } from '../db/access-tokens.repository.ts';
import { appendAudit } from '../db/audit.repository.ts';
import {
  countSheets,
  findContest,
  insertContest,
  judgeExists,
  listContests,
  lockContest,
  replaceDefinition,
  setRunningOrder,
  updateNames,
  type ContestSummary,
} from '../db/contests.repository.ts';
import type { Database } from '../db/database.ts';
import { findLiveState, findLiveStateForUpdate, listLiveStates, saveLiveState } from '../db/live-state.repository.ts';
import { findSheetsInForce, insertSheet } from '../db/score-sheets.repository.ts';
import { findCountedVotes, insertImportedVotes } from '../db/audience-votes.repository.ts';
import { findWatchSettings, insertWatchCode } from '../db/watch-codes.repository.ts';
import { contestProgress, drawRefusal, drawRunningOrder, editVerdict } from '../domain/contest-status.ts';
import type { ContestDefinition } from '../domain/contest.ts';
import { copyTitle } from '../domain/copy-title.ts';
import { initialLiveState, type LiveState } from '../domain/live.ts';
import { AppError } from '../errors.ts';
import { changedWords, drawRefusalWords, frozenEditWords, statusWords } from './contest-words.ts';
import { newWatchCode } from './watch.service.ts';

/**
 * Preparing contests: creating, editing until they start, copying, drawing lots, and handing out
 * their links. Each change is one transaction with its audit row. A caller that holds the contest
 * live in memory (LiveContests) runs these through LiveContests.exclusive, so it reloads after.
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface ContestLinks {
  host: string;
  display: string;
  judges: Array<{ key: string; name: string; panel: string; url: string }>;
  /** the audience page (/watch/<code>), and whether the projector shows its QR */
  watch: string;
  watchQr: boolean;
  /** the audience vote's entry code, null: none */
  voteEntryCode: string | null;
}

function newContestId(): string {
  // 10 characters of a lower-case alphabet: short enough to read out, 50 bits against collisions
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return randomCode(alphabet, 10);
}

/**
 * Stores a contest with a host link, a display link and one link per judge, and any sheets the
 * file carried (entered_by 'import'), all in one transaction.
 */
export async function createContest(
  db: Kysely<Database>,
  linkSecret: string,
  { definition, sheets, votes }: ContestWithScores,
  actor: 'admin' | 'system',
  auditDetail: Record<string, unknown> = {},
): Promise<string> {
  const id = newContestId();
  await db.transaction().execute(async (trx) => {
    await insertContest(trx, id, definition);
    await insertWatchCode(trx, id, newWatchCode());
    const grants: AccessGrant[] = [
      { contestId: id, role: 'host', judgeKey: null, generation: 0 },
      { contestId: id, role: 'display', judgeKey: null, generation: 0 },
      ...definition.judges.map((j) => ({ contestId: id, role: 'judge' as const, judgeKey: j.key, generation: 0 })),
    ];
    for (const grant of grants) await insertAccessToken(trx, hashToken(deriveLinkToken(linkSecret, grant)), grant);
    for (const [i, sheet] of sheets.entries()) {
      await insertSheet(trx, id, `import-${i}`, { ...sheet, enteredBy: 'import', supersedesId: null, reason: null });
    }
    await insertImportedVotes(trx, id, votes);
    await appendAudit(trx, {
      contestId: id,
      actorRole: actor,
      action: 'contest:create',
      detail: { title: definition.title, presenters: definition.presenters.length, judges: definition.judges.length, sheets: sheets.length, ...(votes.length > 0 ? { audienceVotes: votes.length } : {}), ...auditDetail },
    });
  });
  return id;
}

export async function contestLinks(db: Kysely<Database>, linkSecret: string, baseUrl: string, contestId: string): Promise<ContestLinks | null> {
  const contest: ContestDefinition | null = await findContest(db, contestId);
  if (!contest) return null;
  const [grants, watch] = await Promise.all([activeGrants(db, contestId), findWatchSettings(db, contestId)]);
  const link = (grant: AccessGrant | undefined, page: string): string =>
    grant ? `${baseUrl}/${page}#token=${deriveLinkToken(linkSecret, grant)}` : '';
  return {
    host: link(grants.find((g) => g.role === 'host'), 'host'),
    display: link(grants.find((g) => g.role === 'display'), 'display'),
    judges: contest.judges.map((j) => ({
      key: j.key,
      name: j.name,
      panel: j.panel,
      url: link(grants.find((g) => g.role === 'judge' && g.judgeKey === j.key), 'judge'),
    })),
    watch: watch ? watchUrl(baseUrl, watch.code) : '',
    watchQr: watch?.showQr ?? false,
    voteEntryCode: watch?.entryCode ?? null,
  };
}

/** the audience page of a contest: public, no token, so in the path rather than the fragment */
const watchUrl = (baseUrl: string, code: string): string => `${baseUrl}/watch/${code}`;

/**
 * A judge's lost phone: the old link stops working (the caller also disconnects a phone still
 * connected with it) and a new one is made. Returns the new link's token.
 */
export async function reissueJudgeLink(db: Kysely<Database>, linkSecret: string, contestId: string, judgeKey: string): Promise<string> {
  return db.transaction().execute(async (trx) => {
    if (!(await judgeExists(trx, contestId, judgeKey))) throw new AppError('not_found', `no judge ${judgeKey} in contest ${contestId}`);
    const previous = await revokeJudgeGrant(trx, contestId, judgeKey);
    const grant: AccessGrant = { contestId, role: 'judge', judgeKey, generation: (previous ?? -1) + 1 };
    const token = deriveLinkToken(linkSecret, grant);
    await insertAccessToken(trx, hashToken(token), grant);
    await appendAudit(trx, { contestId, actorRole: 'admin', action: 'judge:reissue-link', judgeKey, detail: { generation: grant.generation } });
    return token;
  });
}

async function contestStatus(db: Db, id: string): Promise<ContestStatus> {
  const [sheets, state] = await Promise.all([countSheets(db, id), findLiveState(db, id)]);
  return statusWords(contestProgress(sheets, state));
}

/**
 * Every contest, newest first, with whether it has started: two queries however many contests
 * there are (the list already counts each contest's sheets).
 */
export async function listContestsWithStatus(db: Db): Promise<Array<ContestSummary & { started: boolean }>> {
  const [contests, states] = await Promise.all([listContests(db), listLiveStates(db)]);
  return contests.map((c) => ({ ...c, started: contestProgress(c.sheets, states.get(c.id) ?? null).started }));
}

/**
 * A short fingerprint of a contest's definition: an editor sends back the revision it loaded
 * (If-Match), so a save made on an old picture cannot undo a draw of lots, an import or another
 * organiser's edit made meanwhile.
 */
function revisionOf(definition: ContestDefinition): string {
  return createHash('sha256').update(JSON.stringify(toContestFile(definition))).digest('base64url').slice(0, 16);
}

/** The contest as a file without scores (what the editor shows and PUT takes back), with its status and revision. */
export async function contestDetail(db: Db, id: string): Promise<{ file: ContestFile; status: ContestStatus; revision: string } | null> {
  const definition = await findContest(db, id);
  if (!definition) return null;
  return { file: toContestFile(definition), status: await contestStatus(db, id), revision: revisionOf(definition) };
}

/** The contest as a file with its sheets in force (an export another server can import, or `npm run recount` read), or null. */
export async function contestExport(db: Db, id: string): Promise<ContestFile | null> {
  const definition = await findContest(db, id);
  return definition && toContestFile(definition, await findSheetsInForce(db, id), await findCountedVotes(db, id));
}

/**
 * A live state that has been seen by clients moves its version on, so every page takes the new
 * snapshot (pages keep the highest version they saw). Before the contest starts, the turns are
 * rebuilt for the new list of presenters.
 */
async function touchLiveState(
  trx: Transaction<Database>,
  id: string,
  state: LiveState | null,
  definition: ContestDefinition,
  rebuildTurns: boolean,
): Promise<void> {
  if (!state) return;
  const next: LiveState = rebuildTurns
    ? { ...initialLiveState(definition), version: state.version + 1, turnsVersion: state.turnsVersion + 1, screen: state.screen }
    : { ...state, version: state.version + 1 };
  await saveLiveState(trx, id, state, next);
}

/** A contest locked for an edit: its definition and live state as they are now. */
export interface LockedContest {
  id: string;
  before: ContestDefinition;
  state: LiveState | null;
}

/** Locks the contest and its live state for an edit, and reads them once. */
export async function lockForEdit(trx: Transaction<Database>, id: string): Promise<LockedContest> {
  if (!(await lockContest(trx, id))) throw new AppError('not_found', `no contest ${id}`);
  // a turn being started at this moment waits for this edit, or this edit sees it started
  const state = await findLiveStateForUpdate(trx, id);
  return { id, before: (await findContest(trx, id))!, state };
}

/**
 * Saves `after` over a contest locked by lockForEdit, in the caller's transaction. Before the
 * contest starts anything may change; once it has started, only the title and presenters' name,
 * unit and topic (refused with 'conflict' otherwise, saying what cannot change and why). Judges
 * added get a link, judges removed lose theirs.
 */
export async function saveEdit(trx: Transaction<Database>, linkSecret: string, { id, before, state }: LockedContest, after: ContestDefinition, actor: 'admin'): Promise<{ removedJudges: string[] }> {
  const progress = contestProgress(await countSheets(trx, id), state);
  const verdict = editVerdict(progress, before, after);
  if (!verdict.allowed) throw new AppError('conflict', frozenEditWords(verdict.part, verdict.lock, progress.sheets));
  let removedJudges: string[] = [];
  if (verdict.replaces === null) {
    await updateNames(trx, id, after);
  } else {
    const { added, removed } = await replaceDefinition(trx, id, before, after);
    for (const judgeKey of added) {
      // A judge key may have been used before in this contest (removed, then added again): a
      // fresh random generation makes sure an old card's link does not come back to life.
      const grant: AccessGrant = { contestId: id, role: 'judge', judgeKey, generation: randomInt(1, 2 ** 31 - 1) };
      await insertAccessToken(trx, hashToken(deriveLinkToken(linkSecret, grant)), grant);
    }
    removedJudges = removed; // their tokens went with their rows (ON DELETE CASCADE)
  }
  await touchLiveState(trx, id, state, after, verdict.replaces !== null);
  await appendAudit(trx, {
    contestId: id,
    actorRole: actor,
    action: 'contest:update',
    detail: { changed: changedWords(verdict.replaces), before: toContestFile(before), after: toContestFile(after) },
  });
  return { removedJudges };
}

/** Replaces a contest's definition with a contest file (without scores), as saveEdit allows. */
export async function updateContest(
  db: Kysely<Database>,
  linkSecret: string,
  id: string,
  document: unknown,
  actor: 'admin',
  /** the revision the edit was made on; null: whatever is stored now (a script) */
  expectedRevision: string | null = null,
): Promise<{ removedJudges: string[] }> {
  const { definition: after, sheets, votes } = contestFromDocument(document);
  if (votes.length > 0) throw new AppError('invalid_contest_file', 'audienceVotes: editing a contest takes its rules and people, not votes; remove the "audienceVotes" list');
  if (sheets.length > 0) throw new AppError('invalid_contest_file', 'scores: editing a contest takes its rules and people, not scores; remove the "scores" list');
  return db.transaction().execute(async (trx) => {
    const locked = await lockForEdit(trx, id);
    if (expectedRevision !== null && revisionOf(locked.before) !== expectedRevision) {
      throw new AppError('stale_version', '没有保存：这场比赛在你打开之后已被修改（例如抽签、导入或另一位管理员的修改）。请重新载入，再把修改做一遍。');
    }
    return saveEdit(trx, linkSecret, locked, after, actor);
  });
}

/** A new contest with the same rules, presenters (and recusals) and judges, without scores, absences or the old links. */
export async function copyContest(db: Kysely<Database>, linkSecret: string, id: string): Promise<string> {
  const definition = await findContest(db, id);
  if (!definition) throw new AppError('not_found', `no contest ${id}`);
  // judges marked absent (缺席) were absent on that day, not in the copy
  const presenters = definition.presenters.map((p) => ({ ...p, absent: [] }));
  return createContest(db, linkSecret, { definition: { ...definition, title: copyTitle(definition.title), presenters }, sheets: [], votes: [] }, 'admin', { copiedFrom: id });
}

/**
 * Draws the running order by lot: a uniform shuffle from the operating system's cryptographic
 * random source, recorded in the audit log with the order it gave. Refused once the contest has
 * started, so a draw cannot be repeated until a preferred order comes up.
 */
export async function drawLots(db: Kysely<Database>, id: string, random: (maxExclusive: number) => number = (n) => randomInt(n)): Promise<ContestDefinition['presenters']> {
  return db.transaction().execute(async (trx) => {
    const { before, state } = await lockForEdit(trx, id);
    const progress = contestProgress(await countSheets(trx, id), state);
    const refusal = drawRefusal(progress, before.presenters.length);
    if (refusal) throw new AppError(refusal.reason === 'locked' ? 'conflict' : 'invalid_input', drawRefusalWords(refusal, progress.sheets));
    const drawn = drawRunningOrder(before.presenters, random).map((p, i) => ({ ...p, order: i + 1 }));
    await setRunningOrder(trx, id, drawn.map((p) => p.key));
    await touchLiveState(trx, id, state, { ...before, presenters: drawn }, true);
    await appendAudit(trx, {
      contestId: id,
      actorRole: 'admin',
      action: 'contest:lots',
      detail: { order: drawn.map((p) => ({ order: p.order, key: p.key, name: p.name, unit: p.unit })) },
    });
    return drawn;
  });
}
