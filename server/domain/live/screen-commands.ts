import { owedReveals } from '../live.ts';
import { accept, nextState, refuse, type CommandHandler, type Refusal, type Situation } from './commands.ts';

/** What the projector shows (the screen), and the awards revealed on it one level at a time. */

/**
 * The ranking and the awards are computed from revealed sheets: with a correction not revealed
 * again they would show (and hand out awards on) numbers the results no longer have.
 */
function owedGuard(at: Situation, showing: string): Refusal | null {
  const owed = owedReveals(at.contest, at.state, at.sheets);
  if (owed.length === 0) return null;
  const names = owed.map((key) => at.contest.presenters.find((p) => p.key === key)!.name).join(', ');
  return refuse('correction_pending', `${names}: a corrected score is not on the projector yet; reveal again (turn:reveal) before showing ${showing}`);
}

export const showScreen: CommandHandler<'screen:show'> = {
  guard(at, { screen }) {
    if (screen === 'turn' && at.state.current === null) return refuse('invalid_transition', 'no presenter has been on stage yet');
    if (screen === 'awards' && at.state.awardsShown === 0) return refuse('invalid_transition', 'no award has been revealed yet');
    if (screen === 'ranking' || screen === 'awards') return owedGuard(at, screen === 'ranking' ? 'the ranking' : 'the awards');
    return null;
  },
  apply: (at, { screen }) => accept(nextState(at, { screen }, true), [{ action: 'screen:show', detail: { screen } }]),
};

export const revealNextAward: CommandHandler<'awards:reveal-next'> = {
  guard(at) {
    const { contest, state } = at;
    const open = contest.presenters.filter((p) => !['revealed', 'skipped'].includes(state.turns[p.key]!.phase));
    if (open.length > 0) return refuse('not_finished', `awards come after every turn is revealed or skipped; ${open.length} still open (first: ${open[0]!.name})`);
    if (contest.rules.awards.length === 0) return refuse('invalid_transition', 'this contest has no awards');
    if (state.awardsShown >= contest.rules.awards.length) return refuse('invalid_transition', 'every award is already shown');
    return owedGuard(at, 'the awards');
  },
  apply(at) {
    const awardsShown = at.state.awardsShown + 1;
    return accept(nextState(at, { screen: 'awards', awardsShown }, true), [{ action: 'awards:reveal', detail: { shown: awardsShown } }]);
  },
};
