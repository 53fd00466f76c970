import { expectsJudge, seatExclusion, type Judge, type Presenter } from '../contest.ts';
import { expectedJudges, type TurnState } from '../live.ts';
import { sheetItemsProblem, sheetTotal } from '../scoring.ts';
import {
  accept,
  judgeOf,
  nextState,
  noJudge,
  noPresenter,
  presenterOf,
  refuse,
  turnOf,
  withTurn,
  type AuditEvent,
  type CommandHandler,
  type Refusal,
  type Situation,
} from './commands.ts';

/** A judge's sheet (or the host's paper sheet for them), and what the host can do about one: reopen it, or excuse the judge. */

interface Seat {
  presenter: Presenter;
  turn: TurnState;
  judge: Judge;
}

/** The presenter, their turn and the judge a sheet command names, or the refusal saying which does not exist. */
function seatOf(at: Situation, presenterKey: string, judgeKey: string): Seat | Refusal {
  const presenter = presenterOf(at, presenterKey);
  if (!presenter) return noPresenter(presenterKey);
  const judge = judgeOf(at, judgeKey);
  if (!judge) return noJudge(judgeKey);
  return { presenter, turn: at.state.turns[presenter.key]!, judge };
}

const isRefusal = (x: Seat | Refusal): x is Refusal => 'ok' in x;

/** The judge's reopen reason while the host has their sheet reopened, else undefined. */
const reopenReasonOf = (at: Situation, presenter: string, judge: string): string | undefined => {
  const reopened = at.state.turns[presenter]!.reopened;
  return Object.hasOwn(reopened, judge) ? reopened[judge] : undefined;
};

export const reopenSheet: CommandHandler<'sheet:reopen'> = {
  guard(at, command) {
    const seat = seatOf(at, command.presenter, command.judge);
    if (isRefusal(seat)) return seat;
    const { presenter, judge } = seat;
    if (!at.sheets.get(presenter.key)?.has(judge.key)) return refuse('invalid_transition', `${judge.name} has no sheet for ${presenter.name} to reopen`);
    if (reopenReasonOf(at, presenter.key, judge.key) !== undefined) return refuse('invalid_transition', `${judge.name}'s sheet for ${presenter.name} is already reopened`);
    return null;
  },
  apply(at, { presenter: key, judge, reason }) {
    const { turn } = turnOf(at, key);
    const sheet = at.sheets.get(key)!.get(judge)!;
    return accept(nextState(at, { turns: withTurn(at, key, { ...turn, reopened: { ...turn.reopened, [judge]: reason } }) }, true), [
      { action: 'sheet:reopen', presenter: key, judge, detail: { reason, sheetId: sheet.id } },
    ]);
  },
};

/**
 * A judge who is absent (left early, phone and paper both unavailable) would leave the presenter
 * incomplete and unranked for ever; marked absent, they are not expected there (counted like a
 * recused judge), and every page says 缺席 rather than 回避.
 */
export const excuseJudge: CommandHandler<'judge:excuse'> = {
  guard(at, command) {
    const seat = seatOf(at, command.presenter, command.judge);
    if (isRefusal(seat)) return seat;
    const { presenter, turn, judge } = seat;
    const excluded = seatExclusion(presenter, judge.key);
    if (excluded) return refuse('invalid_transition', `${judge.name} is already ${excluded === 'recused' ? 'recused (回避)' : 'marked absent (缺席)'} for ${presenter.name}`);
    if (at.sheets.get(presenter.key)?.has(judge.key)) return refuse('already_submitted', `${judge.name} has a sheet for ${presenter.name}; reopen it instead`);
    // a revealed turn's board must not change without a reveal: excuse before revealing
    if (turn.phase === 'revealed') return refuse('invalid_transition', `${presenter.name} is already revealed; excuse absent judges before the reveal`);
    const panelLeft = at.contest.judges.filter((j) => j.panel === judge.panel && j.key !== judge.key && expectsJudge(presenter, j.key));
    if (panelLeft.length === 0) return refuse('invalid_transition', `${judge.name} is the last judge of their panel for ${presenter.name}; the panel would have no score`);
    return null;
  },
  apply(at, { presenter: key, judge, reason }) {
    const { turn } = turnOf(at, key);
    const remaining = expectedJudges(at.contest, key).filter((j) => j !== judge);
    const complete = remaining.every((j) => at.sheets.get(key)?.has(j));
    const phase = turn.phase === 'scoring' && complete ? 'closed' : turn.phase;
    const audit: AuditEvent[] = [{ action: 'judge:excuse', presenter: key, judge, detail: { reason } }];
    if (phase !== turn.phase) audit.push({ action: 'turn:close', presenter: key, detail: { auto: true } });
    return { ...accept(nextState(at, { turns: withTurn(at, key, { ...turn, phase }) }, true), audit), absence: { presenter: key, judge } };
  },
};

export const submitSheet: CommandHandler<'sheet:submit'> = {
  guard(at, command) {
    const seat = seatOf(at, command.presenter, command.judge);
    if (isRefusal(seat)) return seat;
    const { presenter, turn, judge } = seat;
    const excluded = seatExclusion(presenter, judge.key);
    if (excluded === 'recused') return refuse('recused', `${judge.name} is recused (回避) from ${presenter.name}`);
    if (excluded === 'absent') return refuse('recused', `${judge.name} is marked absent (缺席) for ${presenter.name} and does not score them`);
    const existing = at.sheets.get(presenter.key)?.has(judge.key) ?? false;
    if (existing && reopenReasonOf(at, presenter.key, judge.key) === undefined) {
      return refuse('already_submitted', `${judge.name} has already submitted a sheet for ${presenter.name}; the host can reopen it`);
    }
    // A judge submits while scoring is open; the host may also enter a late paper sheet (代录)
    // for a closed or revealed turn, which the projector shows at the next reveal.
    const open = turn.phase === 'scoring' || (at.actor.role === 'host' && (turn.phase === 'closed' || turn.phase === 'revealed'));
    if (!existing && !open) return refuse('turn_not_open', `${presenter.name} is not taking sheets (the turn is ${turn.phase})`);
    const problem = sheetItemsProblem(at.contest.rules.criteria, command.items);
    return problem ? refuse('out_of_range', `${judge.name}, ${presenter.name}: ${problem}`) : null;
  },
  apply(at, { presenter: key, judge, items }) {
    const { turn } = turnOf(at, key);
    const existing = at.sheets.get(key)?.get(judge) ?? null;
    const byHost = at.actor.role === 'host';
    const reason = existing ? reopenReasonOf(at, key, judge)! : byHost ? '代录 (entered by the host)' : null;
    const { [judge]: _done, ...stillReopened } = turn.reopened;
    const submitted = new Set(at.sheets.get(key)?.keys() ?? []).add(judge);
    const complete = expectedJudges(at.contest, key).every((j) => submitted.has(j));
    const phase = turn.phase === 'scoring' && complete ? 'closed' : turn.phase;
    const enteredBy = byHost ? 'host' : 'judge';
    const audit: AuditEvent[] = [
      {
        action: existing ? 'sheet:correct' : 'sheet:submit',
        presenter: key,
        judge,
        detail: { total: sheetTotal(items).toString(), enteredBy, ...(reason ? { reason } : {}) },
      },
    ];
    if (phase !== turn.phase) audit.push({ action: 'turn:close', presenter: key, detail: { auto: true } });
    // the host's picture moves when the turn does, when a sheet is replaced, or when a sheet comes in late (closed or revealed turn)
    const turnsMove = phase !== turn.phase || existing !== null || turn.phase !== 'scoring';
    // the turns stay the same object when this sheet changes none (most sheets): the projections
    // then see at once that no judge's view of the turns moved (projections.ts)
    const turnChanges = phase !== turn.phase || Object.hasOwn(turn.reopened, judge);
    return accept(nextState(at, turnChanges ? { turns: withTurn(at, key, { ...turn, phase, reopened: stillReopened }) } : {}, turnsMove), audit, {
      presenter: key,
      judge,
      items,
      supersedesId: existing?.id ?? null,
      enteredBy,
      reason,
    });
  },
};
