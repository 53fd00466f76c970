import { describe, expect, it } from 'vitest';
import { readContestFile } from '../../../server/contest-file/contest-file.ts';
import { judgePanels } from '../../../server/domain/contest.ts';
import { contestProgress, drawRefusal, drawRunningOrder, editVerdict, frozenChange, hasStarted } from '../../../server/domain/contest-status.ts';
import { initialLiveState } from '../../../server/domain/live.ts';
import { SMALL_CONTEST } from '../../helpers/contest-driver.ts';

const contest = () => readContestFile(JSON.stringify(SMALL_CONTEST)).definition;
const edited = (edit: (c: ReturnType<typeof contest>) => void) => {
  const after = contest();
  edit(after);
  return after;
};

it('lets the title and a presenter’s name, unit and topic change once a contest has started', () => {
  const before = contest();
  const after = { ...before, title: '新标题', presenters: before.presenters.map((p, i) => (i === 0 ? { ...p, name: '张建国', unit: '东街道党工委', topic: '新题目' } : p)) };
  expect(frozenChange(before, after)).toBeNull();
});

it('names the first frozen part a change touches', () => {
  const before = contest();
  const change = (edit: (c: ReturnType<typeof contest>) => void) => frozenChange(before, edited(edit));
  expect(change((c) => void (c.rules.criteria[1]!.name = '仪态'))).toBe('criteria');
  expect(change((c) => void (judgePanels(c.rules)[0]!.dropHighest = 0))).toBe('panels');
  expect(change((c) => void (c.rules.decimals = 3))).toBe('decimals');
  expect(change((c) => void (c.rules.timeLimitSeconds = 1))).toBe('time_limit');
  expect(change((c) => void (c.rules.awards[0]!.count = 2))).toBe('awards');
  expect(change((c) => void (c.judges[0]!.panel = 'eval'))).toBe('judges');
  expect(change((c) => void c.presenters.reverse())).toBe('presenters');
  expect(change((c) => void c.presenters[0]!.recused.push('m1'))).toBe('presenters');
  expect(change((c) => void c.presenters[0]!.absent.push('m1'))).toBe('absences');
  // the first one in the order above, when an edit touches several
  expect(change((c) => void ((c.rules.decimals = 3), c.judges.reverse()))).toBe('decimals');
});

describe('a contest’s progress', () => {
  const state = () => initialLiveState(contest());
  const onStage = () => ({ ...state(), turns: { ...state().turns, p1: { ...state().turns.p1!, phase: 'presenting' as const } } });

  it('has not started until a turn has begun, awards were shown or a sheet is stored', () => {
    expect(hasStarted(null)).toBe(false);
    expect(hasStarted(state())).toBe(false);
    expect(hasStarted(onStage())).toBe(true);
    // a turn undone since: the first start is remembered
    expect(hasStarted({ ...state(), startedAt: 1 })).toBe(true);
    expect(hasStarted({ ...state(), awardsShown: 1 })).toBe(true);
  });

  it('is locked because of scores before it is locked because it started', () => {
    expect(contestProgress(0, null)).toEqual({ sheets: 0, started: false, lock: null });
    expect(contestProgress(0, onStage())).toEqual({ sheets: 0, started: true, lock: 'started' });
    // an imported archive: sheets but no live state
    expect(contestProgress(3, null)).toEqual({ sheets: 3, started: true, lock: 'scored' });
    expect(contestProgress(3, onStage())).toEqual({ sheets: 3, started: true, lock: 'scored' });
  });
});

describe('what an edit may change', () => {
  const before = contest();
  const rename = edited((c) => void (c.title = '新标题'));
  const reorder = edited((c) => void c.presenters.reverse());

  it('takes anything before the contest starts, saying whether the definition is replaced', () => {
    const open = contestProgress(0, null);
    expect(editVerdict(open, before, rename)).toEqual({ allowed: true, replaces: null });
    expect(editVerdict(open, before, reorder)).toEqual({ allowed: true, replaces: 'presenters' });
  });

  it('takes only names once it has started, and says what was frozen and why', () => {
    for (const progress of [contestProgress(0, { ...initialLiveState(before), startedAt: 1 }), contestProgress(1, null)]) {
      expect(editVerdict(progress, before, rename)).toEqual({ allowed: true, replaces: null });
      expect(editVerdict(progress, before, reorder)).toEqual({ allowed: false, part: 'presenters', lock: progress.lock });
    }
  });
});

it('refuses a draw of lots once the contest has started, or with nobody to draw', () => {
  expect(drawRefusal(contestProgress(0, null), 4)).toBeNull();
  expect(drawRefusal(contestProgress(0, null), 0)).toEqual({ reason: 'no_presenters' });
  expect(drawRefusal(contestProgress(2, null), 4)).toEqual({ reason: 'locked', lock: 'scored' });
  // started wins over an empty list: the refusal says why nothing can change any more
  expect(drawRefusal(contestProgress(0, { ...initialLiveState(contest()), awardsShown: 1 }), 0)).toEqual({ reason: 'locked', lock: 'started' });
});

it('draws every running order equally often over every outcome of the random source', () => {
  // Enumerate every sequence of answers randomInt could give for 4 presenters (4·3·2 = 24 paths):
  // a fair shuffle reaches each of the 24 orders exactly once.
  const counts = new Map<string, number>();
  const paths = (sizes: number[]): number[][] => (sizes.length === 0 ? [[]] : paths(sizes.slice(1)).flatMap((rest) => Array.from({ length: sizes[0]! }, (_, v) => [v, ...rest])));
  for (const answers of paths([4, 3, 2])) {
    const queue = [...answers];
    const order = drawRunningOrder(['a', 'b', 'c', 'd'], (max) => {
      const v = queue.shift()!;
      expect(v).toBeLessThan(max);
      return v;
    });
    counts.set(order.join(''), (counts.get(order.join('')) ?? 0) + 1);
  }
  expect(counts.size).toBe(24);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
});
