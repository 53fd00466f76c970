import type { AudienceSnapshot, Board, ClockInfo, ContestInfo, CriterionInfo, DisplaySnapshot, HostJudge, HostSheet, HostSnapshot, JudgeSnapshot, PanelInfo, PresenterInfo, RankingRow, Reveal } from '../contracts/snapshots.ts';
import { PROTOCOL_VERSION } from '../contracts/vocabulary.ts';
import { audiencePanel, judgePanels, panelDrops, seatExclusion, type ContestDefinition, type Criterion, type Judge, type Panel, type Presenter, type Sheet } from './contest.ts';
import { VoteTally } from './vote-tally.ts';
import { correctionPending, expectedJudges, type LiveState, type TurnState } from './live.ts';
import { allowedHostActions } from './live/decide.ts';
import { computeResults, type PresenterResult } from './scoring.ts';
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

const asSheet = (s: StoredSheet): Sheet => ({ presenter: s.presenter, judge: s.judge, items: s.items });

/** item values as text, in rubric order (the live pages and the results table) */
export function itemsText(contest: ContestDefinition, s: Pick<Sheet, 'items'>): Record<string, string> {
  return Object.fromEntries(contest.rules.criteria.filter((c) => Object.hasOwn(s.items, c.key)).map((c) => [c.key, s.items[c.key]!.toString()]));
}

/** a criterion as the pages show it: its bounds as exact decimal text */
export const criterionInfo = (c: Criterion): CriterionInfo => ({ key: c.key, name: c.name, max: c.max.toString(), step: c.step.toString() });

/** The audience panel's scale and trim share as text (for the pages, the rules editor and the results table); null for a judges' panel. */
export const audienceInfo = (p: Panel): PanelInfo['audience'] =>
  p.kind === 'audience' ? { min: p.scale.min.toString(), max: p.scale.max.toString(), step: p.scale.step.toString(), trimPercent: p.trimPercent } : null;

function base(view: LiveView) {
  const { contest } = view;
  const info: ContestInfo = { id: view.id, title: contest.title, decimals: contest.rules.decimals, timeLimitSeconds: contest.rules.timeLimitSeconds };
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
  return { protocol: PROTOCOL_VERSION, version: view.state.version, rev: null, serverNow: view.now, contest: info, criteria, panels };
}

function presenterInfos(contest: ContestDefinition): PresenterInfo[] {
  return contest.presenters.map((p, i) => ({ key: p.key, name: p.name, unit: p.unit, topic: p.topic, position: i + 1 }));
}

function clockInfo(contest: ContestDefinition, turn: TurnState): ClockInfo {
  const limit = contest.rules.timeLimitSeconds;
  return { runningSince: turn.clock.runningSince, elapsedMs: turn.clock.elapsedMs, limitMs: limit === null ? null : limit * 1000 };
}

/** The board: what the projector shows. Built from the sheets as they were at each reveal, never the live ones. */
function board(view: LiveView): Board {
  const { contest, state } = view;
  const revealedSheets: StoredSheet[] = [];
  const revealedKeys: string[] = [];
  for (const p of contest.presenters) {
    const record = state.turns[p.key]!.revealed;
    if (!record) continue;
    revealedKeys.push(p.key);
    for (const id of Object.values(record.sheetIds)) {
      const sheet = view.sheetsById.get(id);
      if (sheet) revealedSheets.push(sheet);
    }
  }
  const revealedSet = new Set(revealedKeys);
  // a revealed turn's votes are fixed: no vote is stored once its turn left scoring (audience-votes.repository.ts)
  const votes = view.votes ?? NO_VOTES;
  const results = computeResults(contest, revealedSheets.map(asSheet), votes.counted(revealedSet));
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

/** numbers a contest definition (an object, replaced whenever the definition changes) for judgeViewKey */
const definitionIds = new WeakMap<ContestDefinition, number>();
let nextDefinitionId = 0;
function definitionId(contest: ContestDefinition): number {
  let id = definitionIds.get(contest);
  if (id === undefined) definitionIds.set(contest, (id = nextDefinitionId++));
  return id;
}

/**
 * Every judge's snapshot of one state of the contest, from parts shared by all judges (the
 * contest's header, the presenters, their turns' phases), computed once, and each judge's own
 * (their seats, their sheets), which cost one pass over the presenters per judge. `viewKey` says
 * what a judge sees without building it: another judge's sheet changes a judge's snapshot only in
 * `version` (and `serverNow`), so the broadcaster sends nothing then.
 */
export class JudgeProjections {
  readonly #view: LiveView;
  readonly #base: ReturnType<typeof base>;
  readonly #presenters: Array<{ info: PresenterInfo; presenter: Presenter; turn: TurnState }>;
  readonly #judges: Map<string, Judge>;
  /** what every judge's key shares: the definition (by identity), the presenter on stage, every turn's phase */
  readonly #sharedKey: string;

  constructor(view: LiveView) {
    const { contest, state } = view;
    this.#view = view;
    this.#base = base(view);
    this.#presenters = presenterInfos(contest).map((info, i) => ({ info, presenter: contest.presenters[i]!, turn: state.turns[info.key]! }));
    this.#judges = new Map(contest.judges.map((j) => [j.key, j]));
    this.#sharedKey = JSON.stringify([definitionId(contest), state.current, this.#presenters.map((p) => p.turn.phase)]);
  }

  /** Equal keys, equal snapshots but for `version` and `serverNow`: a sheet in force is never changed (a correction is a new sheet). */
  viewKey(judgeKey: string): string {
    const own = this.#presenters.map(({ info, turn }) => [this.#view.inForce.get(info.key)?.get(judgeKey)?.id ?? null, Object.hasOwn(turn.reopened, judgeKey) ? turn.reopened[judgeKey]! : null]);
    return `${this.#sharedKey}${JSON.stringify([judgeKey, own])}`;
  }

  snapshot(judgeKey: string): JudgeSnapshot {
    const { contest, state, inForce } = this.#view;
    const judge = this.#judges.get(judgeKey)!;
    const own: StoredSheet[] = [];
    const presenters = this.#presenters.map(({ info, presenter, turn }) => {
      const sheet = inForce.get(info.key)?.get(judgeKey);
      if (sheet) own.push(sheet);
      const excluded = seatExclusion(presenter, judgeKey);
      const reopenReason = Object.hasOwn(turn.reopened, judgeKey) ? turn.reopened[judgeKey]! : null;
      return {
        ...info,
        phase: turn.phase,
        recused: excluded === 'recused',
        absent: excluded === 'absent',
        canSubmit: excluded === null && (sheet ? reopenReason !== null : turn.phase === 'scoring'),
        reopenReason,
      };
    });
    return {
      ...this.#base,
      role: 'judge',
      judge: { key: judge.key, name: judge.name, panel: judge.panel },
      current: state.current,
      presenters,
      sheets: own.map((s) => ({ presenter: s.presenter, items: itemsText(contest, s), total: s.total.toString(), at: s.createdAt, enteredBy: s.enteredBy, corrected: isCorrection(s) })),
    };
  }
}

/** how a judge's phone is doing, as the realtime layer tracks it */
export type JudgePresence = Pick<HostJudge, 'connected' | 'lastSeenAt' | 'seatMoves' | 'seatMovedAt'>;

const NOT_SEEN: JudgePresence = { connected: false, lastSeenAt: null, seatMoves: 0, seatMovedAt: null };

/** a stored sheet as the host sees it, made once per sheet and definition: a host snapshot after each change lists every sheet in force */
const hostSheets = new WeakMap<ContestDefinition, WeakMap<StoredSheet, HostSheet>>();
function hostSheet(contest: ContestDefinition, s: StoredSheet): HostSheet {
  let sheets = hostSheets.get(contest);
  if (!sheets) hostSheets.set(contest, (sheets = new WeakMap()));
  let row = sheets.get(s);
  if (!row) {
    row = { id: s.id, presenter: s.presenter, judge: s.judge, items: itemsText(contest, s), total: s.total.toString(), at: s.createdAt, enteredBy: s.enteredBy, corrected: isCorrection(s) };
    sheets.set(s, row);
  }
  return row;
}

/** `shownBoard`: the display's board of the same view, when it has been built already */
export function hostSnapshot(view: LiveView, presence: ReadonlyMap<string, JudgePresence>, shownBoard: Board = board(view)): HostSnapshot {
  const { contest, state } = view;
  const inForce = contest.presenters.flatMap((p) => [...(view.inForce.get(p.key)?.values() ?? [])]);
  const votes = view.votes ?? NO_VOTES;
  const results = computeResults(contest, inForce.map(asSheet), votes.counted());
  return {
    ...base(view),
    role: 'host',
    votes: votes.rows,
    turnsVersion: state.turnsVersion,
    allowed: allowedHostActions(contest, state, view.inForce, (presenter) => votes.countFor(presenter)),
    presenters: presenterInfos(contest).map((info) => {
      const p = contest.presenters.find((x) => x.key === info.key)!;
      return { ...info, recused: p.recused, absent: p.absent };
    }),
    judges: contest.judges.map((j) => ({ key: j.key, name: j.name, panel: j.panel, ...(presence.get(j.key) ?? NOT_SEEN) })),
    turns: contest.presenters.map((p) => {
      const turn = state.turns[p.key]!;
      return {
        presenter: p.key,
        phase: turn.phase,
        clock: clockInfo(contest, turn),
        reopened: Object.entries(turn.reopened).map(([judge, reason]) => ({ judge, reason })),
        revealCount: turn.revealed?.count ?? 0,
        correctionPending: correctionPending(turn, view.inForce.get(p.key)),
        votes: votes.countFor(p.key),
      };
    }),
    sheets: inForce.map((s) => hostSheet(contest, s)),
    results: results.map((r) => ({
      presenter: r.presenter,
      rank: r.rank,
      final: r.rounded,
      award: r.award,
      complete: r.complete,
      panels: r.panels.map((p) => ({ panel: p.panel, score: p.rounded, submitted: p.scores.length, expected: p.expected })),
    })),
    board: shownBoard,
    awardLevels: contest.rules.awards.map((a) => a.name),
    awardsShown: state.awardsShown,
  };
}
