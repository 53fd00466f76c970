import type { DisplaySnapshot, PresenterInfo, Reveal } from '../../../server/contracts/snapshots.ts';
import type { TurnPhase } from '../../../server/contracts/vocabulary.ts';

/** What the projector shows for a snapshot. */
export type DisplayView =
  | { kind: 'title' }
  | { kind: 'turn'; presenter: PresenterInfo; phase: TurnPhase }
  | { kind: 'reveal'; presenter: PresenterInfo; reveal: Reveal }
  | { kind: 'ranking' }
  | { kind: 'awards' };

/** (the audience page reads the same board: it passes its own snapshot, which has these two) */
export function pickView(snapshot: Pick<DisplaySnapshot, 'board' | 'presenters'>): DisplayView {
  const { board } = snapshot;
  if (board.screen === 'ranking') return { kind: 'ranking' };
  if (board.screen === 'awards') return { kind: 'awards' };
  const presenter = snapshot.presenters.find((p) => p.key === board.current);
  if (board.screen === 'title' || !presenter) return { kind: 'title' };
  const phase = board.currentPhase ?? 'waiting';
  // Only a reveal of the presenter on stage is shown; anything else stays hidden.
  if (phase === 'revealed' && board.reveal?.presenter === presenter.key) return { kind: 'reveal', presenter, reveal: board.reveal };
  return { kind: 'turn', presenter, phase: phase === 'revealed' ? 'closed' : phase };
}

/** changes when a different view (or a different presenter) takes the screen: the cue for a cross-fade */
export function viewKey(view: DisplayView): string {
  return 'presenter' in view ? `${view.kind}:${view.presenter.key}` : view.kind;
}

/**
 * Whether the audience QR may take the bottom-right corner: on the title, while a presenter waits
 * or talks (on a wide screen: on a 4:3 one the talk clock's panel reaches the corner), and on a
 * ranking short enough to leave that corner empty. Never over the scoring counts, a reveal, a
 * long ranking's last rows or the awards: the QR must not hide a number.
 */
export function watchQrFits(view: DisplayView, rankingRows: number, narrow: boolean): boolean {
  if (view.kind === 'title') return true;
  if (view.kind === 'turn') return !narrow && (view.phase === 'waiting' || view.phase === 'presenting');
  // two columns of eleven: the second column's last four rows are where the QR would be
  if (view.kind === 'ranking') return rankingRows <= RANKING_ROWS_CLEAR_OF_QR;
  return false;
}

const RANKING_ROWS_CLEAR_OF_QR = 18;
