import type { AudienceSnapshot, Board, ClockInfo, ContestInfo, CriterionInfo, DisplaySnapshot, HostJudge, HostResult, HostSheet, HostSnapshot, HostTurn, JudgePresenter, JudgeSnapshot, OwnSheet, PanelInfo, PresenterInfo, RankingRow, Reveal } from '../contracts/snapshots.ts';
import { PROTOCOL_VERSION, type TurnPhase } from '../contracts/vocabulary.ts';
import { audiencePanel, inRunningOrder, judgePanels, panelDrops, seatExclusion, type ContestDefinition, type Criterion, type Judge, type Panel, type Presenter, type SeatExclusion, type Sheet } from './contest.ts';
import { VoteTally } from './vote-tally.ts';
import type { Exact } from './exact.ts';
import { correctionPending, expectedJudges, type LiveState, type RevealRecord, type TurnState } from './live.ts';
import { allowedHostActions } from './live/decide.ts';
import { presenterResult, ranked, type PanelResult, type PresenterResult } from './scoring.ts';
import { isCorrection, type SheetsInForce, type StoredSheet } from './sheets.ts';

/**
 * What each role may see, computed from the whole live contest. This is the only place that
 * decides it: a judge's snapshot carries that judge's own sheets and nobody else's values; the
 * display's carries counts while scoring and only what the host has revealed; only the host's
 * carries every sheet.
 */

export interface LiveView {
  id: string;
  contest: ContestDefinition;
  state: LiveState;
  inForce: SheetsInForce;
  /** every stored sheet, superseded ones too: a reveal shows the sheets as they were at the reveal */
  sheetsById: ReadonlyMap<string, StoredSheet>;
  /** the audience page's public code and whether the projector shows its QR (null: the contest has none) */
  watch: { code: string; showQr: boolean; entryCode?: string | null } | null;
  /** the audience votes that count (absent: none, as in a contest without an audience panel) */
  votes?: VoteTally;
  now: number;
}

const NO_VOTES = new VoteTally();

/** item values as text, in rubric order (the live pages and the results table) */
export function itemsText(contest: ContestDefinition, s: Pick<Sheet, 'items'>): Record<string, string> {
  return Object.fromEntries(contest.rules.criteria.filter((c) => Object.hasOwn(s.items, c.key)).map((c) => [c.key, s.items[c.key]!.toString()]));
}

/** a criterion as the pages show it: its bounds as exact decimal text */
export const criterionInfo = (c: Criterion): CriterionInfo => ({ key: c.key, name: c.name, max: c.max.toString(), step: c.step.toString() });

/** The audience panel's scale and trim share as text (for the pages, the rules editor and the results table); null for a judges' panel. */
export const audienceInfo = (p: Panel): PanelInfo['audience'] =>
  p.kind === 'audience' ? { min: p.scale.min.toString(), max: p.scale.max.toString(), step: p.scale.step.toString(), trimPercent: p.trimPercent } : null;

/**
 * A value made once per contest definition (an object, replaced whenever the definition changes):
 * the parts of a snapshot that only the definition decides are then the same objects in every
 * snapshot, which the patches compare by identity first (state-patch.ts), and are not rebuilt for
 * every page at every change.
 */
function perDefinition<T>(make: (contest: ContestDefinition) => T): (contest: ContestDefinition) => T {
  const made = new WeakMap<ContestDefinition, T>();
  return (contest) => {
    let value = made.get(contest);
    if (value === undefined) made.set(contest, (value = make(contest)));
    return value;
  };
}

/** the header every role's snapshot shares: who the contest is, its criteria and panels */
const definitionParts = perDefinition((contest) => {
  const info: ContestInfo = { id: '', title: contest.title, decimals: contest.rules.decimals, timeLimitSeconds: contest.rules.timeLimitSeconds };
  const criteria: CriterionInfo[] = contest.rules.criteria.map(criterionInfo);
  const panels: PanelInfo[] = contest.rules.panels.map((p) => ({
    key: p.key,
    name: p.name,
    weight: p.weight.toString(),
    ...panelDrops(p),
    judgeCount: contest.judges.filter((j) => j.panel === p.key).length,
    kind: p.kind,
    audience: audienceInfo(p),
  }));
  return { info, criteria, panels, byId: new Map<string, ContestInfo>() };
});

function base(view: LiveView) {
  const parts = definitionParts(view.contest);
  // the contest's id is the service's, not the definition's: one info object per id
  let info = parts.byId.get(view.id);
  if (!info) parts.byId.set(view.id, (info = { ...parts.info, id: view.id }));
  return { protocol: PROTOCOL_VERSION, version: view.state.version, rev: null, serverNow: view.now, contest: info, criteria: parts.criteria, panels: parts.panels };
}

const presenterInfos = perDefinition((contest): PresenterInfo[] => contest.presenters.map((p, i) => ({ key: p.key, name: p.name, unit: p.unit, topic: p.topic, position: i + 1 })));

function clockInfo(contest: ContestDefinition, turn: TurnState): ClockInfo {
  const limit = contest.rules.timeLimitSeconds;
  return { runningSince: turn.clock.runningSince, elapsedMs: turn.clock.elapsedMs, limitMs: limit === null ? null : limit * 1000 };
}

/** The board: what the projector shows. Built from the sheets as they were at each reveal, never the live ones. */
function board(view: LiveView): Board {
  const { contest, state } = view;
  const revealedKeys = contest.presenters.filter((p) => state.turns[p.key]!.revealed).map((p) => p.key);
  const revealedSet = new Set(revealedKeys);
  // a revealed turn's votes are fixed: no vote is stored once its turn left scoring (audience-votes.repository.ts)
  const votes = view.votes ?? NO_VOTES;
  const results = revealedResults(view, votes);
  const awards = awardLevels(contest, results, state.awardsShown);
  // An award is on the board only once the host has announced it: before the end, ranks among the
  // presenters revealed so far would hand out provisional awards in public.
  const announced = new Set(awards.map((a) => a.name));
  const ranking: RankingRow[] = results
    .filter((r) => revealedSet.has(r.presenter))
    .map((r) => ({ presenter: r.presenter, rank: r.rank, final: r.rounded, award: r.award !== null && announced.has(r.award) ? r.award : null, complete: r.complete }));

  const current = state.current;
  const turn = current ? state.turns[current]! : null;
  let reveal: Reveal | null = null;
  if (current && turn?.revealed) {
    const result = results.find((r) => r.presenter === current)!;
    const byId = new Map(Object.entries(turn.revealed.sheetIds).map(([judge, id]) => [judge, view.sheetsById.get(id)]));
    const presenter = contest.presenters.find((p) => p.key === current)!;
    reveal = {
      presenter: current,
      panels: result.panels.map((panel) => {
        const seats = contest.judges.filter((j) => j.panel === panel.panel).map((j) => j.key);
        const scored = new Set(panel.scores.map((s) => s.judge));
        return {
          panel: panel.panel,
          score: panel.rounded,
          totals: panel.scores.map((s) => ({
            seat: seats.indexOf(s.judge) + 1,
            total: s.total.toString(),
            dropped: s.dropped,
            corrected: byId.get(s.judge) ? isCorrection(byId.get(s.judge)!) : false,
          })),
          // the projector says why a seat has no total rather than leaving a gap
          unscored: seats.flatMap((judge, i) => (scored.has(judge) ? [] : [{ seat: i + 1, reason: seatExclusion(presenter, judge) ?? ('missing' as const) }])),
          votes: panel.votes,
        };
      }),
      final: result.rounded,
      rank: result.rank,
      count: turn.revealed.count,
    };
  }

  const progress =
    current && turn && (turn.phase === 'scoring' || turn.phase === 'closed')
      ? judgePanels(contest.rules).map((panel) => {
          const expected = expectedJudges(contest, current).filter((j) => contest.judges.find((x) => x.key === j)!.panel === panel.key);
          const submitted = expected.filter((j) => view.inForce.get(current)?.has(j)).length;
          return { panel: panel.key, submitted, expected: expected.length };
        })
      : [];

  return {
    screen: state.screen,
    current,
    currentPhase: turn?.phase ?? null,
    clock: turn ? clockInfo(contest, turn) : null,
    progress,
    votes: current && turn && audiencePanel(contest.rules) && (turn.phase === 'scoring' || turn.phase === 'closed') ? { presenter: current, count: votes.countFor(current) } : null,
    reveal,
    ranking,
    awards,
    revealedCount: revealedKeys.length,
  };
}

/** The award levels shown so far, counted from the lowest award up. */
function awardLevels(contest: ContestDefinition, results: PresenterResult[], shown: number) {
  const levels = contest.rules.awards.map((a) => ({
    name: a.name,
    presenters: results.filter((r) => r.award === a.name && r.rank !== null).map((r) => ({ presenter: r.presenter, rank: r.rank!, final: r.rounded! })),
  }));
  return levels.reverse().slice(0, shown);
}

export function displaySnapshot(view: LiveView): DisplaySnapshot {
  const watch = view.watch?.showQr ? { code: view.watch.code } : null;
  const entryCode = audiencePanel(view.contest.rules) ? (view.watch?.entryCode ?? null) : null;
  return { ...base(view), role: 'display', votes: (view.votes ?? NO_VOTES).rows, presenters: presenterInfos(view.contest), board: board(view), watch, entryCode };
}

/** The audience's: the display's, less the watch code and the vote's entry code (derived from it, so it can never hold more). */
export function audienceSnapshot(display: DisplaySnapshot): AudienceSnapshot {
  const { role: _role, watch: _watch, entryCode, ...shown } = display;
  return { ...shown, role: 'audience', entryCodeRequired: entryCode !== null };
}

export function judgeSnapshot(view: LiveView, judgeKey: string): JudgeSnapshot {
  return new JudgeProjections(view).snapshot(judgeKey);
}

/**
 * A presenter's entry in a judge's snapshot, one object per distinct entry and definition: most
 * judges see the same entry for a presenter (same phase, nothing of their own), and an entry that
 * did not change since the last snapshot is the same object, so neither building a judge's
 * snapshot nor comparing it with the last one sent costs more than a lookup per presenter.
 */
const judgeEntries = perDefinition((contest) => contest.presenters.map(() => new JudgeEntries()));

class JudgeEntries {
  /** by phase: [can submit, cannot]; a judge who is expected and whose sheet is not reopened (most, most of the time) */
  readonly #plain = new Map<TurnPhase, [JudgePresenter | undefined, JudgePresenter | undefined]>();
  /** a recused or absent judge's, or a reopened sheet's */
  readonly #other = new Map<string, JudgePresenter>();

  get(info: PresenterInfo, phase: TurnPhase, excluded: SeatExclusion | null, canSubmit: boolean, reopenReason: string | null): JudgePresenter {
    // no closure made here: this runs for every presenter of every judge at every change
    if (excluded === null && reopenReason === null) {
      let pair = this.#plain.get(phase);
      if (!pair) this.#plain.set(phase, (pair = [undefined, undefined]));
      const i = canSubmit ? 0 : 1;
      return (pair[i] ??= JudgeEntries.#make(info, phase, excluded, canSubmit, reopenReason));
    }
    // JSON: a reopening reason is free text
    const key = `${phase} ${excluded} ${canSubmit} ${JSON.stringify(reopenReason)}`;
    let entry = this.#other.get(key);
    if (!entry) this.#other.set(key, (entry = JudgeEntries.#make(info, phase, excluded, canSubmit, reopenReason)));
    return entry;
  }

  static #make(info: PresenterInfo, phase: TurnPhase, excluded: SeatExclusion | null, canSubmit: boolean, reopenReason: string | null): JudgePresenter {
    return { ...info, phase, recused: excluded === 'recused', absent: excluded === 'absent', canSubmit, reopenReason };
  }
}

/** a judge's own sheet as their page shows it, made once per stored sheet and definition */
const ownSheets = perDefinition(() => new WeakMap<StoredSheet, OwnSheet>());

/** a judge as their snapshot names them, once per definition */
const judgeInfos = perDefinition((contest) => new Map(contest.judges.map((j) => [j.key, { key: j.key, name: j.name, panel: j.panel }])));

/** why the host reopened the judge's sheet of this turn, or null */
const reopening = (turn: TurnState, judgeKey: string): string | null => (Object.hasOwn(turn.reopened, judgeKey) ? turn.reopened[judgeKey]! : null);

/**
 * Every judge's snapshot of one state of the contest: what all judges share (the header, the
 * presenters and their turns) is taken once, and each judge's own part (their seats, their sheets)
 * is one lookup per presenter. Unchanged parts are the objects the last snapshot held, so the
 * broadcaster's patch of a judge that sees nothing new (another judge's sheet) is found empty by
 * identity and nothing is sent.
 */
export class JudgeProjections {
  readonly #view: LiveView;
  readonly #base: ReturnType<typeof base>;
  readonly #presenters: Array<{ info: PresenterInfo; presenter: Presenter; turn: TurnState; entries: JudgeEntries }>;

  constructor(view: LiveView) {
    const { contest, state } = view;
    this.#view = view;
    this.#base = base(view);
    const entries = judgeEntries(contest);
    this.#presenters = presenterInfos(contest).map((info, i) => ({ info, presenter: contest.presenters[i]!, turn: state.turns[info.key]!, entries: entries[i]! }));
  }

  /**
   * Whether the judge sees the same in this state as in `before` (but for `version` and
   * `serverNow`): the same definition and presenter on stage, and for every presenter the same
   * phase, the same reopening of the judge's sheet and the same sheet of theirs in force. A sheet
   * changes the snapshot of the judge who sent it only, so the broadcaster builds that one and not
   * every judge's (200 judges: 200 snapshots per sheet). Objects left unchanged by a change are
   * the same objects (the state machine and withSheetInForce replace what they change), so this is
   * mostly identity checks; where an object was replaced, its fields are compared.
   */
  unchanged(before: LiveView, judgeKey: string): boolean {
    const after = this.#view;
    if (before.contest !== after.contest || before.state.current !== after.state.current) return false;
    if (before.state.turns === after.state.turns && before.inForce === after.inForce) return true;
    for (const { info, turn } of this.#presenters) {
      const was = before.state.turns[info.key];
      if (was !== turn && (!was || was.phase !== turn.phase || reopening(was, judgeKey) !== reopening(turn, judgeKey))) return false;
      const sheetsBefore = before.inForce.get(info.key);
      const sheetsAfter = after.inForce.get(info.key);
      if (sheetsBefore !== sheetsAfter && sheetsBefore?.get(judgeKey) !== sheetsAfter?.get(judgeKey)) return false;
    }
    return true;
  }

  snapshot(judgeKey: string): JudgeSnapshot {
    const { contest, state, inForce } = this.#view;
    const sheets = ownSheets(contest);
    const own: OwnSheet[] = [];
    const presenters: JudgePresenter[] = [];
    // a loop, no closure: this runs for every presenter of every judge at every change
    for (const { info, presenter, turn, entries } of this.#presenters) {
      const sheet = inForce.get(info.key)?.get(judgeKey);
      if (sheet) {
        let row = sheets.get(sheet);
        if (!row) sheets.set(sheet, (row = { presenter: sheet.presenter, items: itemsText(contest, sheet), total: sheet.total.toString(), at: sheet.createdAt, enteredBy: sheet.enteredBy, corrected: isCorrection(sheet) }));
        own.push(row);
      }
      const excluded = seatExclusion(presenter, judgeKey);
      const reopenReason = reopening(turn, judgeKey);
      const canSubmit = excluded === null && (sheet ? reopenReason !== null : turn.phase === 'scoring');
      presenters.push(entries.get(info, turn.phase, excluded, canSubmit, reopenReason));
    }
    return { ...this.#base, role: 'judge', judge: judgeInfos(contest).get(judgeKey)!, current: state.current, presenters, sheets: own };
  }
}

/** how a judge's phone is doing, as the realtime layer tracks it */
export type JudgePresence = Pick<HostJudge, 'connected' | 'lastSeenAt' | 'seatMoves' | 'seatMovedAt'>;

const NOT_SEEN: JudgePresence = { connected: false, lastSeenAt: null, seatMoves: 0, seatMovedAt: null };

/** a stored sheet as the host sees it, made once per sheet and definition */
const hostSheetRows = perDefinition(() => new WeakMap<StoredSheet, HostSheet>());
function hostSheet(contest: ContestDefinition, s: StoredSheet): HostSheet {
  const rows = hostSheetRows(contest);
  let row = rows.get(s);
  if (!row) {
    row = { id: s.id, presenter: s.presenter, judge: s.judge, items: itemsText(contest, s), total: s.total.toString(), at: s.createdAt, enteredBy: s.enteredBy, corrected: isCorrection(s) };
    rows.set(s, row);
  }
  return row;
}

/** a presenter's sheets in force as the host lists them, made once per map of sheets (replaced when one of them changes) */
const hostSheetLists = perDefinition(() => new WeakMap<ReadonlyMap<string, StoredSheet>, HostSheet[]>());

/**
 * Every sheet in force, presenter by presenter: the host's snapshot after each change lists them
 * all (4,400 at a final of 200 judges × 22 presenters), so only the presenter whose sheets changed
 * is listed again.
 */
function hostSheets(view: LiveView): HostSheet[] {
  const lists = hostSheetLists(view.contest);
  const all: HostSheet[] = [];
  for (const p of view.contest.presenters) {
    const sheets = view.inForce.get(p.key);
    if (!sheets) continue;
    let list = lists.get(sheets);
    if (!list) lists.set(sheets, (list = [...sheets.values()].map((s) => hostSheet(view.contest, s))));
    for (const row of list) all.push(row);
  }
  return all;
}

/**
 * Each presenter's result before ranking, kept per definition for the sheets it was computed from:
 * a presenter's map of sheets in force is a new object only when one of its sheets changes
 * (sheets.ts withSheetInForce), and a reveal's record only at a reveal. So the host's live results
 * after a sheet recompute that sheet's presenter, and the board's none, where every presenter's
 * trimmed scores were recomputed at every change. A presenter with audience votes is computed
 * afresh (its votes move without its sheets).
 */
const unrankedResults = perDefinition(() => ({
  bySheets: new WeakMap<ReadonlyMap<string, Sheet>, PresenterResult>(),
  byReveal: new WeakMap<RevealRecord, PresenterResult>(),
  noSheets: new Map<string, PresenterResult>(),
}));
const NO_SHEETS: ReadonlyMap<string, Sheet> = new Map();

function votesFor(votes: VoteTally, presenter: string): Exact[] | null {
  return votes.countFor(presenter) === 0 ? null : votes.counted(new Set([presenter])).map((v) => v.value);
}

/** the result of `sheets` (or none), kept under `key` of `memo` when there are no votes; a copy, which ranked() may write to */
function unranked<K extends object>(contest: ContestDefinition, presenter: Presenter, sheets: () => ReadonlyMap<string, Sheet>, votes: Exact[] | null, memo: { get(key: K): PresenterResult | undefined; set(key: K, value: PresenterResult): unknown }, key: K): PresenterResult {
  if (votes) return presenterResult(contest, presenter, sheets(), votes);
  let result = memo.get(key);
  if (!result) memo.set(key, (result = presenterResult(contest, presenter, sheets(), [])));
  return { ...result };
}

function noSheets(contest: ContestDefinition, presenter: Presenter): PresenterResult {
  const { noSheets } = unrankedResults(contest);
  let result = noSheets.get(presenter.key);
  if (!result) noSheets.set(presenter.key, (result = presenterResult(contest, presenter, NO_SHEETS, [])));
  return { ...result };
}

/** the live results over every sheet in force (the host's) */
function liveResults(view: LiveView, votes: VoteTally): PresenterResult[] {
  const { contest } = view;
  const kept = unrankedResults(contest);
  const results = inRunningOrder(contest.presenters).map((presenter) => {
    const values = votesFor(votes, presenter.key);
    const sheets = view.inForce.get(presenter.key);
    if (!sheets && !values) return noSheets(contest, presenter);
    return unranked(contest, presenter, () => sheets ?? NO_SHEETS, values, kept.bySheets, sheets ?? NO_SHEETS);
  });
  return ranked(contest.rules, results);
}

/** the results over the sheets as they were at each reveal (the board's): a presenter not revealed has none */
function revealedResults(view: LiveView, votes: VoteTally): PresenterResult[] {
  const { contest, state } = view;
  const kept = unrankedResults(contest);
  const results = inRunningOrder(contest.presenters).map((presenter) => {
    const record = state.turns[presenter.key]!.revealed;
    if (!record) return noSheets(contest, presenter);
    const sheets = (): ReadonlyMap<string, Sheet> => {
      const byJudge = new Map<string, Sheet>();
      for (const id of Object.values(record.sheetIds)) {
        const sheet = view.sheetsById.get(id);
        if (sheet) byJudge.set(sheet.judge, sheet);
      }
      return byJudge;
    };
    return unranked(contest, presenter, sheets, votesFor(votes, presenter.key), kept.byReveal, record);
  });
  return ranked(contest.rules, results);
}

/** a host's row of the live results, the same object while its presenter's result, rank and award are */
const hostResultRows = new WeakMap<readonly PanelResult[], Map<string, HostResult>>();
function hostResult(r: PresenterResult): HostResult {
  let rows = hostResultRows.get(r.panels);
  if (!rows) hostResultRows.set(r.panels, (rows = new Map()));
  const key = `${r.rank} ${r.award === null ? '' : JSON.stringify(r.award)}`;
  let row = rows.get(key);
  if (!row) {
    row = {
      presenter: r.presenter,
      rank: r.rank,
      final: r.rounded,
      award: r.award,
      complete: r.complete,
      panels: r.panels.map((p) => ({ panel: p.panel, score: p.rounded, submitted: p.scores.length, expected: p.expected })),
    };
    rows.set(key, row);
  }
  return row;
}

/** a host's row of the turns, the same object while the turn (an object replaced when it changes), its votes and its correction are */
const hostTurnRows = perDefinition(() => new WeakMap<TurnState, Map<string, HostTurn>>());
function hostTurn(view: LiveView, presenter: string, votes: number): HostTurn {
  const turn = view.state.turns[presenter]!;
  const pending = correctionPending(turn, view.inForce.get(presenter));
  const kept = hostTurnRows(view.contest);
  let rows = kept.get(turn);
  if (!rows) kept.set(turn, (rows = new Map()));
  const key = `${votes} ${pending}`;
  let row = rows.get(key);
  if (!row) {
    row = {
      presenter,
      phase: turn.phase,
      clock: clockInfo(view.contest, turn),
      reopened: Object.entries(turn.reopened).map(([judge, reason]) => ({ judge, reason })),
      revealCount: turn.revealed?.count ?? 0,
      correctionPending: pending,
      votes,
    };
    rows.set(key, row);
  }
  return row;
}

/** a judge as the host sees them, the same object while their phone's presence is */
const hostJudgeRows = perDefinition(() => new Map<string, { presence: JudgePresence; row: HostJudge }>());
function hostJudge(contest: ContestDefinition, judge: Judge, presence: JudgePresence): HostJudge {
  const kept = hostJudgeRows(contest);
  const last = kept.get(judge.key);
  // the presence object itself while no phone came or went (realtime/presence.ts keeps it), else its fields
  if (last && (last.presence === presence || samePresence(last.presence, presence))) return last.row;
  const row = { key: judge.key, name: judge.name, panel: judge.panel, connected: presence.connected, lastSeenAt: presence.lastSeenAt, seatMoves: presence.seatMoves, seatMovedAt: presence.seatMovedAt };
  kept.set(judge.key, { presence, row });
  return row;
}

const samePresence = (a: JudgePresence, b: JudgePresence): boolean =>
  a.connected === b.connected && a.lastSeenAt === b.lastSeenAt && a.seatMoves === b.seatMoves && a.seatMovedAt === b.seatMovedAt;

const hostPresenters = perDefinition((contest) => presenterInfos(contest).map((info, i) => ({ ...info, recused: contest.presenters[i]!.recused, absent: contest.presenters[i]!.absent })));

/**
 * `shownBoard`: the display's board of the same view, when it has been built already. The rows of
 * the host's lists are the objects of its last snapshot where nothing in them changed, so its
 * patch after a sheet (sent every version) compares them by identity and carries that sheet and its
 * presenter's result.
 */
export function hostSnapshot(view: LiveView, presence: ReadonlyMap<string, JudgePresence>, shownBoard: Board = board(view)): HostSnapshot {
  const { contest, state } = view;
  const votes = view.votes ?? NO_VOTES;
  return {
    ...base(view),
    role: 'host',
    votes: votes.rows,
    turnsVersion: state.turnsVersion,
    allowed: allowedHostActions(contest, state, view.inForce, (presenter) => votes.countFor(presenter)),
    presenters: hostPresenters(contest),
    judges: contest.judges.map((j) => hostJudge(contest, j, presence.get(j.key) ?? NOT_SEEN)),
    turns: contest.presenters.map((p) => hostTurn(view, p.key, votes.countFor(p.key))),
    sheets: hostSheets(view),
    results: liveResults(view, votes).map(hostResult),
    board: shownBoard,
    awardLevels: contest.rules.awards.map((a) => a.name),
    awardsShown: state.awardsShown,
  };
}
