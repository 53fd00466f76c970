import { describe, expect, test } from 'vitest';
import { countdownText, elapsedText } from '../../../client/src/display/format.ts';
import { percentText } from '../../../client/src/lib/decimal.ts';
import { pickView, watchQrFits } from '../../../client/src/display/view.ts';
import type { Board, DisplaySnapshot } from '../../../server/contracts/snapshots.ts';

/** The projector's small rules that the browser scenarios cannot pin down to the second or the digit. */

describe('the talk clock as text', () => {
  test('counts down whole seconds still to go: the limit shows in full, the last millisecond as 00:01', () => {
    expect(countdownText(480_000)).toBe('08:00');
    expect(countdownText(479_001)).toBe('08:00');
    expect(countdownText(479_000)).toBe('07:59');
    expect(countdownText(60_000)).toBe('01:00');
    expect(countdownText(1)).toBe('00:01');
    expect(countdownText(0)).toBe('00:00');
    expect(countdownText(-5)).toBe('00:00');
  });

  test('time over the limit counts seconds done, as in 超时 +0:42', () => {
    expect(elapsedText(42_900)).toBe('0:42');
    expect(elapsedText(0)).toBe('0:00');
    expect(elapsedText(61_000)).toBe('1:01');
    expect(elapsedText(3_725_000, true)).toBe('62:05');
  });
});

describe('panel weights as percentages', () => {
  test('move the decimal point in the text, never through floating point', () => {
    expect(percentText('0.7')).toBe('70%');
    expect(percentText('0.3')).toBe('30%');
    expect(percentText('0.35')).toBe('35%');
    expect(percentText('0.125')).toBe('12.5%');
    expect(percentText('0.07')).toBe('7%');
    expect(percentText('1')).toBe('100%');
    expect(percentText('0.3333')).toBe('33.33%');
    expect(percentText('0.5700')).toBe('57%');
    expect(percentText('odd')).toBe('odd');
  });
});

describe('which view the projector shows', () => {
  const board = (changes: Partial<Board>): Board => ({
    screen: 'turn',
    current: 'p01',
    currentPhase: 'presenting',
    clock: null,
    progress: [],
    votes: null,
    reveal: null,
    ranking: [],
    awards: [],
    revealedCount: 0,
    ...changes,
  });
  const snapshot = (changes: Partial<Board>): DisplaySnapshot => ({
    protocol: 2,
    rev: null,
    version: 1,
    serverNow: 0,
    role: 'display',
    watch: null,
    entryCode: null,
    votes: 0,
    contest: { id: 'c', title: 'T', decimals: 2, timeLimitSeconds: 480 },
    criteria: [],
    panels: [],
    presenters: [
      { key: 'p01', name: 'A', unit: 'U', topic: '', position: 1 },
      { key: 'p02', name: 'B', unit: 'V', topic: '', position: 2 },
    ],
    board: board(changes),
  });
  const reveal = (presenter: string) => ({ presenter, panels: [], final: '90.00', rank: 1, count: 1 });

  test('the title until a presenter is on stage, and whenever the host puts it up', () => {
    expect(pickView(snapshot({ screen: 'title', current: null, currentPhase: null })).kind).toBe('title');
    expect(pickView(snapshot({ screen: 'turn', current: null, currentPhase: null })).kind).toBe('title');
    expect(pickView(snapshot({ screen: 'title' })).kind).toBe('title');
  });

  test('a reveal only for the presenter on stage, and only once revealed', () => {
    expect(pickView(snapshot({ currentPhase: 'revealed', reveal: reveal('p01') })).kind).toBe('reveal');
    expect(pickView(snapshot({ current: 'p02', currentPhase: 'presenting', reveal: reveal('p01') }))).toMatchObject({ kind: 'turn', phase: 'presenting' });
    expect(pickView(snapshot({ currentPhase: 'scoring', reveal: reveal('p01') }))).toMatchObject({ kind: 'turn', phase: 'scoring' });
    // revealed, but the board carries no reveal for this presenter: stay on "awaiting the reveal"
    expect(pickView(snapshot({ currentPhase: 'revealed', reveal: reveal('p02') }))).toMatchObject({ kind: 'turn', phase: 'closed' });
  });

  test('the ranking and the awards when the host shows them', () => {
    expect(pickView(snapshot({ screen: 'ranking' })).kind).toBe('ranking');
    expect(pickView(snapshot({ screen: 'awards' })).kind).toBe('awards');
  });

  test('the audience QR takes the corner only where it hides nothing: title, a talk, a short ranking', () => {
    const fits = (changes: Partial<Board>, rows = 0, narrow = false) => watchQrFits(pickView(snapshot(changes)), rows, narrow);
    expect(fits({ screen: 'title' })).toBe(true);
    expect(fits({ currentPhase: 'waiting' })).toBe(true);
    expect(fits({ currentPhase: 'presenting' })).toBe(true);
    // on a 4:3 projector the talk clock's panel reaches the corner; the title and a short ranking do not
    expect(fits({ currentPhase: 'presenting' }, 0, true)).toBe(false);
    expect(fits({ screen: 'title' }, 0, true)).toBe(true);
    expect(fits({ screen: 'ranking' }, 18, true)).toBe(true);
    // the scoring counts and the reveal's seats reach the bottom-right corner
    expect(fits({ currentPhase: 'scoring' })).toBe(false);
    expect(fits({ currentPhase: 'closed' })).toBe(false);
    expect(fits({ currentPhase: 'revealed', reveal: reveal('p01') })).toBe(false);
    expect(fits({ screen: 'awards' })).toBe(false);
    // the second column's last rows sit where the QR would
    expect(fits({ screen: 'ranking' }, 18)).toBe(true);
    expect(fits({ screen: 'ranking' }, 19)).toBe(false);
    expect(fits({ screen: 'ranking' }, 22)).toBe(false);
  });
});
