import { describe, expect, it } from 'vitest';
import { clockReading } from '../../../client/src/lib/talk-clock.ts';
import {
  correctionPending,
  everyTurnDecided,
  focusTurn,
  formatDuration,
  indexSnapshot,
  judgePresence,
  liveSignature,
  missingJudges,
  nextStep,
  owedReveals,
  secondaryActions,
  stepCommand,
} from '../../../client/src/host/next-step.ts';
import { newSubmissionId, sheetItems, sheetTotal } from '../../../client/src/host/paper-sheet.ts';
import { itemProblem } from '../../../client/src/lib/score-text.ts';
import type { Board, HostSheet, HostSnapshot } from '../../../server/contracts/snapshots.ts';
import type { TurnPhase } from '../../../server/contracts/vocabulary.ts';
import type { ContestDefinition } from '../../../server/domain/contest.ts';
import { Exact } from '../../../server/domain/exact.ts';
import type { LiveState } from '../../../server/domain/live.ts';
import { allowedHostActions } from '../../../server/domain/live/decide.ts';
import { byPresenterAndJudge, type StoredSheet } from '../../../server/domain/sheets.ts';

/**
 * The host console's "next step" rule, on hand-made snapshots: 4 presenters (p1…p4), a main
 * panel of 3 judges (m1…m3) and an evaluation panel of 2 (e1, e2); e2 is recused from p2. What
 * the server allows now (HostSnapshot.allowed) comes from the server's own guards, run on the
 * same setup.
 */

interface Setup {
  phases?: Partial<Record<string, TurnPhase>>;
  /** presenter → judges who have a sheet in */
  sheets?: Record<string, string[]>;
  current?: string | null;
  board?: Partial<Board>;
  awards?: Record<string, string>;
  reopened?: Record<string, Array<{ judge: string; reason: string }>>;
  running?: boolean;
  /** revealed turns whose sheets in force differ from what the projector showed */
  pending?: string[];
  /** award level names, highest first */
  levels?: string[];
  awardsShown?: number;
  /** presenter → audience votes counted */
  votes?: Record<string, number>;
}

const PRESENTERS = ['p1', 'p2', 'p3', 'p4'];
const JUDGES = [
  { key: 'm1', panel: 'main' },
  { key: 'm2', panel: 'main' },
  { key: 'm3', panel: 'main' },
  { key: 'e1', panel: 'eval' },
  { key: 'e2', panel: 'eval' },
];

function sheet(presenter: string, judge: string, total = '80', corrected = false): HostSheet {
  return { id: `${presenter}-${judge}-${total}`, presenter, judge, items: { score: total }, total, at: 0, enteredBy: 'judge', corrected };
}

function snapshot(setup: Setup = {}): HostSnapshot {
  const sheets = Object.entries(setup.sheets ?? {}).flatMap(([p, judges]) => judges.map((j) => sheet(p, j)));
  const board: Board = {
    screen: 'turn',
    current: setup.current ?? null,
    currentPhase: null,
    clock: null,
    progress: [],
    votes: null,
    reveal: null,
    ranking: [],
    awards: [],
    revealedCount: 0,
    ...setup.board,
  };
  return {
    protocol: 2,
    rev: null,
    role: 'host',
    version: 1,
    votes: 0,
    serverNow: 0,
    turnsVersion: 7,
    contest: { id: 'c', title: 'T', decimals: 2, timeLimitSeconds: 480 },
    criteria: [{ key: 'score', name: '得分', max: '100', step: '0.5' }],
    panels: [
      { key: 'main', name: '主评委', weight: '0.7', dropHighest: 0, dropLowest: 0, judgeCount: 3, kind: 'judges', audience: null },
      { key: 'eval', name: '测评', weight: '0.3', dropHighest: 0, dropLowest: 0, judgeCount: 2, kind: 'judges', audience: null },
    ],
    presenters: PRESENTERS.map((key, i) => ({ key, name: `选手${i + 1}`, unit: '', topic: '', position: i + 1, recused: key === 'p2' ? ['e2'] : [], absent: [] })),
    judges: JUDGES.map((j) => ({ ...j, name: j.key, connected: true, lastSeenAt: 0, seatMoves: 0, seatMovedAt: null })),
    turns: PRESENTERS.map((key) => ({
      presenter: key,
      phase: setup.phases?.[key] ?? 'waiting',
      clock: { runningSince: setup.running ? 1000 : null, elapsedMs: 0, limitMs: 480_000 },
      reopened: setup.reopened?.[key] ?? [],
      revealCount: setup.phases?.[key] === 'revealed' ? 1 : 0,
      votes: setup.votes?.[key] ?? 0,
      correctionPending: setup.pending?.includes(key) ?? false,
    })),
    sheets,
    results: PRESENTERS.map((key, i) => ({
      presenter: key,
      rank: setup.awards?.[key] ? i + 1 : null,
      final: null,
      award: setup.awards?.[key] ?? null,
      complete: Boolean(setup.awards?.[key]),
      panels: [],
    })),
    board,
    awardLevels: setup.levels ?? ['一等奖', '二等奖'],
    awardsShown: setup.awardsShown ?? 0,
    allowed: allowedNow(setup, board),
  };
}

/** The same setup as the server's state machine holds it, and the host commands its guards allow. */
function allowedNow(setup: Setup, board: Board): HostSnapshot['allowed'] {
  const x = (text: string) => Exact.parse(text);
  const levels = setup.levels ?? ['一等奖', '二等奖'];
  const contest: ContestDefinition = {
    title: 'T',
    rules: {
      criteria: [{ key: 'score', name: '得分', max: x('100'), step: x('0.5') }],
      panels: [
        { kind: 'judges', key: 'main', name: '主评委', weight: x('0.7'), dropHighest: 0, dropLowest: 0 },
        { kind: 'judges', key: 'eval', name: '测评', weight: x('0.3'), dropHighest: 0, dropLowest: 0 },
      ],
      decimals: 2,
      tieBreak: [],
      timeLimitSeconds: 480,
      awards: levels.map((name) => ({ name, count: 1 })),
    },
    presenters: PRESENTERS.map((key, i) => ({ key, name: `选手${i + 1}`, unit: '', topic: '', order: null, recused: key === 'p2' ? ['e2'] : [], absent: [] })),
    judges: JUDGES.map((j) => ({ key: j.key, name: j.key, panel: j.panel })),
  };
  const stored: StoredSheet[] = Object.entries(setup.sheets ?? {}).flatMap(([presenter, judges]) =>
    judges.map((judge) => ({ id: `${presenter}-${judge}`, presenter, judge, items: { score: x('80') }, total: x('80'), enteredBy: 'judge' as const, supersedesId: null, submissionId: `${presenter}-${judge}`, reason: null, createdAt: 0 })),
  );
  const inForce = byPresenterAndJudge(stored);
  const state: LiveState = {
    version: 1,
    turnsVersion: 7,
    screen: board.screen,
    current: setup.current ?? null,
    awardsShown: setup.awardsShown ?? 0,
    turns: Object.fromEntries(
      PRESENTERS.map((key) => {
        const phase = setup.phases?.[key] ?? 'waiting';
        // a pending correction: the projector showed a sheet that is no longer in force
        const shown = setup.pending?.includes(key) ? { gone: 'replaced' } : Object.fromEntries([...(inForce.get(key) ?? new Map())].map(([j, sheet]) => [j, sheet.id]));
        return [
          key,
          {
            phase,
            clock: { runningSince: setup.running ? 1000 : null, elapsedMs: 0 },
            reopened: Object.fromEntries((setup.reopened?.[key] ?? []).map((r) => [r.judge, r.reason])),
            revealed: phase === 'revealed' ? { sheetIds: shown, at: 0, count: 1 } : null,
          },
        ];
      }),
    ),
  };
  return allowedHostActions(contest, state, inForce, (presenter) => setup.votes?.[presenter] ?? 0);
}

const step = (setup: Setup, selected: string | null = null) => {
  const ix = indexSnapshot(snapshot(setup));
  return nextStep(ix, focusTurn(ix, selected));
};

describe('the big button walks one presenter through a turn', () => {
  it('before anything happened it starts the first presenter', () => {
    expect(step({})).toEqual({ kind: 'start', presenter: 'p1', next: false });
  });

  it('presenting → open scoring; scoring → close; closed → reveal; revealed → next presenter', () => {
    expect(step({ phases: { p1: 'presenting' }, current: 'p1' })).toEqual({ kind: 'open-scoring', presenter: 'p1' });
    expect(step({ phases: { p1: 'scoring' }, current: 'p1' })).toEqual({ kind: 'close', presenter: 'p1', missing: ['m1', 'm2', 'm3', 'e1', 'e2'] });
    expect(step({ phases: { p1: 'closed' }, current: 'p1' })).toEqual({ kind: 'reveal', presenter: 'p1', other: false });
    expect(step({ phases: { p1: 'revealed' }, current: 'p1' })).toEqual({ kind: 'start', presenter: 'p2', next: true });
  });

  it('the close step lists exactly the non-recused judges who have not submitted', () => {
    expect(step({ phases: { p2: 'scoring' }, current: 'p2', sheets: { p2: ['m2'] } })).toEqual({ kind: 'close', presenter: 'p2', missing: ['m1', 'm3', 'e1'] });
    const ix = indexSnapshot(snapshot({ sheets: { p1: ['m1', 'e2'] } }));
    expect(missingJudges(ix, 'p1')).toEqual(['m2', 'm3', 'e1']);
  });

  it('next skips presenters already skipped or revealed, and wraps to an earlier waiting one', () => {
    expect(step({ phases: { p1: 'revealed', p2: 'skipped' }, current: 'p1' })).toEqual({ kind: 'start', presenter: 'p3', next: true });
    expect(step({ phases: { p1: 'waiting', p2: 'revealed', p3: 'revealed', p4: 'revealed' }, current: 'p4' })).toEqual({
      kind: 'start',
      presenter: 'p1',
      next: true,
    });
  });

  it('after a skip the panel stays on the last presenter on stage and offers the one after the skipped', () => {
    expect(step({ phases: { p1: 'revealed', p2: 'skipped' }, current: 'p1' })).toMatchObject({ presenter: 'p3' });
  });

  it('with nothing waiting, a closed turn left unrevealed is offered for reveal', () => {
    expect(step({ phases: { p1: 'closed', p2: 'revealed', p3: 'revealed', p4: 'revealed' }, current: 'p4' })).toEqual({
      kind: 'reveal',
      presenter: 'p1',
      other: true,
    });
  });
});

describe('the host selects a row', () => {
  it('a waiting presenter can be started out of order when nobody is on stage', () => {
    expect(step({ phases: { p1: 'revealed' }, current: 'p1' }, 'p4')).toEqual({ kind: 'start', presenter: 'p4', next: false });
  });

  it('a waiting presenter cannot be started while another is on stage: the button says who is', () => {
    expect(step({ phases: { p1: 'scoring' }, current: 'p1' }, 'p3')).toEqual({ kind: 'busy', presenter: 'p3', busy: 'p1', busyPhase: 'scoring' });
  });

  it('a closed turn selected is revealed, but not while another presenter is on stage (the reveal takes the projector)', () => {
    expect(step({ phases: { p1: 'closed', p2: 'revealed' }, current: 'p2' }, 'p1')).toEqual({ kind: 'reveal', presenter: 'p1', other: false });
    const setup: Setup = { phases: { p1: 'closed', p2: 'presenting' }, current: 'p2' };
    expect(step(setup, 'p1')).toEqual({ kind: 'busy', presenter: 'p1', busy: 'p2', busyPhase: 'presenting' });
    expect(step(setup)).toEqual({ kind: 'open-scoring', presenter: 'p2' });
  });

  it('an unknown selection falls back to the live turn', () => {
    expect(step({ phases: { p1: 'presenting' }, current: 'p1' }, 'nobody')).toEqual({ kind: 'open-scoring', presenter: 'p1' });
  });

  it('a turn sent back to waiting by undo is not the focus any more', () => {
    const ix = indexSnapshot(snapshot({ phases: { p1: 'revealed', p2: 'waiting' }, current: 'p2' }));
    expect(focusTurn(ix, null)).toBe('p2');
    expect(nextStep(ix, 'p2')).toEqual({ kind: 'start', presenter: 'p2', next: false });
  });
});

describe('a selection lasts while the live turn stays as it was', () => {
  it('the live signature changes when the live turn changes phase (say, scoring closes by itself), not when a sheet comes in', () => {
    const scoring = liveSignature(indexSnapshot(snapshot({ phases: { p1: 'scoring' }, current: 'p1' })));
    expect(liveSignature(indexSnapshot(snapshot({ phases: { p1: 'scoring' }, current: 'p1', sheets: { p1: ['m1'] } })))).toBe(scoring);
    expect(liveSignature(indexSnapshot(snapshot({ phases: { p1: 'closed' }, current: 'p1' })))).not.toBe(scoring);
    expect(liveSignature(indexSnapshot(snapshot({ phases: { p1: 'revealed', p2: 'presenting' }, current: 'p2' })))).not.toBe(scoring);
  });
});

describe('the end of the contest', () => {
  const allDone: Setup = {
    phases: { p1: 'revealed', p2: 'revealed', p3: 'skipped', p4: 'revealed' },
    current: 'p4',
    awards: { p1: '一等奖', p2: '二等奖', p4: '二等奖' },
  };

  it('awards are revealed lowest first, then the contest is finished', () => {
    expect(step(allDone)).toEqual({ kind: 'awards', level: '二等奖', index: 0 });
    expect(step({ ...allDone, board: { screen: 'awards' } })).toEqual({ kind: 'awards', level: '二等奖', index: 0 });
    const one = snapshot({ ...allDone, board: { screen: 'awards' } });
    one.awardsShown = 1;
    const ix = indexSnapshot(one);
    expect(nextStep(ix, focusTurn(ix, null))).toEqual({ kind: 'awards', level: '一等奖', index: 1 });
    one.awardsShown = 2;
    const ix2 = indexSnapshot(one);
    expect(nextStep(ix2, focusTurn(ix2, null))).toEqual({ kind: 'finished' });
  });

  it('after leaving the awards screen the awards go on where they were', () => {
    const s = snapshot({ ...allDone, board: { screen: 'ranking' }, awardsShown: 1 });
    const ix = indexSnapshot(s);
    expect(nextStep(ix, focusTurn(ix, null))).toEqual({ kind: 'awards', level: '一等奖', index: 1 });
  });

  it('an award level nobody qualifies for is still a level to reveal', () => {
    const s = snapshot({ ...allDone, levels: ['一等奖', '二等奖', '三等奖'], awardsShown: 2 });
    const ix = indexSnapshot(s);
    expect(nextStep(ix, focusTurn(ix, null))).toEqual({ kind: 'awards', level: '一等奖', index: 2 });
  });

  it('the awards step sends awards:reveal-next; the finished step sends nothing', () => {
    expect(stepCommand({ kind: 'awards', level: 'x', index: 0 })).toEqual({ event: 'awards:reveal-next' });
    expect(stepCommand({ kind: 'finished' })).toBeNull();
    expect(stepCommand({ kind: 'busy', presenter: 'p1', busy: 'p2', busyPhase: 'scoring' })).toBeNull();
    expect(stepCommand({ kind: 'start', presenter: 'p3', next: true })).toEqual({ event: 'turn:start', presenter: 'p3' });
  });
});

describe('secondary actions', () => {
  const secondary = (setup: Setup, selected: string | null = null) => {
    const ix = indexSnapshot(snapshot(setup));
    const focus = focusTurn(ix, selected);
    return secondaryActions(ix, focus, nextStep(ix, focus));
  };

  it('pause while the clock runs, resume while it is stopped, only when presenting', () => {
    expect(secondary({ phases: { p1: 'presenting' }, current: 'p1', running: true })).toMatchObject({ pause: true, resume: false });
    expect(secondary({ phases: { p1: 'presenting' }, current: 'p1', running: false })).toMatchObject({ pause: false, resume: true });
    expect(secondary({ phases: { p1: 'scoring' }, current: 'p1' })).toMatchObject({ pause: false, resume: false });
  });

  it('skip applies to the waiting presenter the big button would start', () => {
    expect(secondary({}).skip).toBe('p1');
    expect(secondary({ phases: { p1: 'revealed' }, current: 'p1' }).skip).toBe('p2');
    expect(secondary({ phases: { p1: 'scoring' }, current: 'p1' }).skip).toBeNull();
  });

  it('undo is offered for presenting, scoring and skipped turns, blocked once a sheet or an audience vote is in', () => {
    expect(secondary({ phases: { p1: 'presenting' }, current: 'p1' }).undo).toEqual({ presenter: 'p1', from: 'presenting', blocked: null });
    expect(secondary({ phases: { p1: 'scoring' }, current: 'p1', sheets: { p1: ['m1'] } }).undo).toEqual({ presenter: 'p1', from: 'scoring', blocked: 'sheets' });
    // the server refuses to undo a turn the audience voted on (its votes are stored for good): the snapshot does not list it
    expect(secondary({ phases: { p1: 'scoring' }, current: 'p1', votes: { p1: 3 } }).undo).toEqual({ presenter: 'p1', from: 'scoring', blocked: 'votes' });
    expect(secondary({ phases: { p1: 'scoring' }, current: 'p1', votes: { p2: 3 } }).undo).toEqual({ presenter: 'p1', from: 'scoring', blocked: null });
    expect(secondary({ phases: { p1: 'revealed', p2: 'skipped' }, current: 'p1' }, 'p2').undo).toEqual({ presenter: 'p2', from: 'skipped', blocked: null });
    expect(secondary({ phases: { p1: 'closed' }, current: 'p1' }).undo).toBeNull();
  });

  it('re-reveal is offered on a revealed turn, unless another presenter is on stage', () => {
    expect(secondary({ phases: { p1: 'revealed' }, current: 'p1' }).reReveal).toEqual({ presenter: 'p1', pending: 'no' });
    expect(secondary({ phases: { p1: 'revealed', p2: 'scoring' }, current: 'p2' }, 'p1').reReveal).toBeNull();
  });
});

describe('a correction not yet on the projector', () => {
  it('is what the server says of the revealed turn, whichever turn the projector shows', () => {
    expect(correctionPending(indexSnapshot(snapshot({ phases: { p1: 'revealed' }, current: 'p1' })), 'p1')).toBe('no');
    expect(correctionPending(indexSnapshot(snapshot({ phases: { p1: 'revealed' }, current: 'p1', pending: ['p1'] })), 'p1')).toBe('yes');
    expect(correctionPending(indexSnapshot(snapshot({ phases: { p1: 'revealed', p2: 'presenting' }, current: 'p2', pending: ['p1'] })), 'p1')).toBe('yes');
  });

  it('is owed before the awards: the big button reveals it again instead of the next award, and comes back to the awards after', () => {
    const done: Setup = { phases: { p1: 'revealed', p2: 'revealed', p3: 'skipped', p4: 'revealed' }, current: 'p4', pending: ['p2'] };
    const ix = indexSnapshot(snapshot(done));
    expect(owedReveals(ix)).toEqual(['p2']);
    expect(nextStep(ix, focusTurn(ix, null))).toEqual({ kind: 'rereveal', presenter: 'p2' });
    expect(stepCommand({ kind: 'rereveal', presenter: 'p2' })).toEqual({ event: 'turn:reveal', presenter: 'p2' });
    // after the awards were shown too
    const after = snapshot({ ...done, awardsShown: 2 });
    expect(nextStep(indexSnapshot(after), 'p4')).toEqual({ kind: 'rereveal', presenter: 'p2' });
    // while presenters still wait, the big button goes on with the contest (the console shows the owed re-reveal above it)
    expect(step({ phases: { p1: 'revealed' }, current: 'p1', pending: ['p1'] })).toEqual({ kind: 'start', presenter: 'p2', next: true });
  });

  it('a judge marked absent is not expected, like a recused one', () => {
    const s = snapshot({ phases: { p1: 'scoring' }, current: 'p1', sheets: { p1: ['m1'] } });
    s.presenters[0]!.absent = ['m3'];
    const ix = indexSnapshot(s);
    expect(ix.expected.get('p1')).toEqual(['m1', 'm2', 'e1', 'e2']);
    expect(missingJudges(ix, 'p1')).toEqual(['m2', 'e1', 'e2']);
  });

  it('a reopened sheet is reported as waiting for the judge', () => {
    const s = snapshot({ phases: { p1: 'revealed' }, current: 'p1', reopened: { p1: [{ judge: 'm1', reason: 'typo' }] } });
    expect(correctionPending(indexSnapshot(s), 'p1')).toBe('reopened');
  });
});

describe('the talk clock', () => {
  it('counts down from the limit and goes negative on overrun', () => {
    expect(clockReading({ runningSince: 10_000, elapsedMs: 5_000, limitMs: 480_000 }, 20_000)).toEqual({ elapsedMs: 15_000, remainingMs: 465_000, running: true });
    expect(clockReading({ runningSince: null, elapsedMs: 500_000, limitMs: 480_000 }, 0).remainingMs).toBe(-20_000);
    expect(formatDuration(480_000)).toBe('8:00');
    expect(formatDuration(465_001, 'ceil')).toBe('7:46');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});

describe('what the host is told about judges and awards', () => {
  it('a phone that is not connected reads as "seen n minutes ago", not as offline', () => {
    expect(judgePresence({ connected: true, lastSeenAt: 1_000 }, 900_000)).toEqual({ kind: 'online' });
    expect(judgePresence({ connected: false, lastSeenAt: null }, 900_000)).toEqual({ kind: 'never' });
    expect(judgePresence({ connected: false, lastSeenAt: 100_000 }, 159_999)).toEqual({ kind: 'left', minutes: 0 });
    expect(judgePresence({ connected: false, lastSeenAt: 100_000 }, 100_000 + 12 * 60_000 + 5_000)).toEqual({ kind: 'left', minutes: 12 });
    // a device clock a little ahead of the server's never shows a negative time
    expect(judgePresence({ connected: false, lastSeenAt: 100_000 }, 99_000)).toEqual({ kind: 'left', minutes: 0 });
  });

  it('awards can be known only once every presenter is revealed or skipped', () => {
    expect(everyTurnDecided(indexSnapshot(snapshot({ phases: { p1: 'revealed', p2: 'revealed', p3: 'revealed' } })))).toBe(false);
    expect(everyTurnDecided(indexSnapshot(snapshot({ phases: { p1: 'revealed', p2: 'revealed', p3: 'closed', p4: 'skipped' } })))).toBe(false);
    expect(everyTurnDecided(indexSnapshot(snapshot({ phases: { p1: 'revealed', p2: 'skipped', p3: 'revealed', p4: 'skipped' } })))).toBe(true);
  });
});

describe('a typed score (the judge\'s number pad, the host\'s paper sheet) is checked exactly', () => {
  const c = { key: 'topic', max: '20', step: '0.5' };

  it('accepts whole steps up to the max, refuses the rest with the reason', () => {
    expect(itemProblem('18.5', c)).toBeNull();
    expect(itemProblem('20', c)).toBeNull();
    expect(itemProblem('0', c)).toBeNull();
    expect(itemProblem('20.5', c)).toBe('over_max');
    expect(itemProblem('18.3', c)).toBe('off_step');
    expect(itemProblem('', c)).toBe('empty');
    expect(itemProblem('-1', c)).toBe('not_number');
    expect(itemProblem('abc', c)).toBe('not_number');
    expect(itemProblem('1e1', c)).toBe('not_number');
  });

  it('uses integer arithmetic: 0.3 is a whole multiple of 0.1, 0.30000001 is not', () => {
    const tenth = { key: 'x', max: '1', step: '0.1' };
    expect(itemProblem('0.3', tenth)).toBeNull();
    expect(itemProblem('0.7', tenth)).toBeNull();
    expect(itemProblem('0.30000001', tenth)).toBe('off_step');
    expect(itemProblem('0.35', { max: '1', step: '0.05' })).toBeNull();
  });

  it('takes full-width digits as a Chinese input method types them', () => {
    expect(itemProblem('１８．５', c)).toBeNull();
    expect(sheetItems({ topic: ' １８．５ ' }, [c])).toEqual({ topic: '18.5' });
  });

  it('totals exactly', () => {
    const criteria = [
      { key: 'a', max: '1', step: '0.1' },
      { key: 'b', max: '1', step: '0.1' },
    ];
    expect(sheetTotal({ a: '0.1', b: '0.2' }, criteria)).toBe('0.3');
    expect(sheetTotal({ a: '0.5', b: '0.5' }, criteria)).toBe('1');
    expect(sheetTotal({ a: '0.5', b: '' }, criteria)).toBeNull();
  });

  it('submission ids are fresh, url-safe and long enough for the protocol', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newSubmissionId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
