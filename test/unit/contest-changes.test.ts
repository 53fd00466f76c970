import { expect, it } from 'vitest';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import { drawRunningOrder, frozenChange } from '../../server/domain/contest-changes.ts';
import { SMALL_CONTEST } from '../helpers/contest-driver.ts';

const contest = () => readContestFile(JSON.stringify(SMALL_CONTEST)).definition;

it('lets the title and a presenter’s name, unit and topic change once a contest has started', () => {
  const before = contest();
  const after = { ...before, title: '新标题', presenters: before.presenters.map((p, i) => (i === 0 ? { ...p, name: '张建国', unit: '东街道党工委', topic: '新题目' } : p)) };
  expect(frozenChange(before, after)).toBeNull();
});

it('names the first frozen thing a change touches', () => {
  const before = contest();
  const change = (edit: (c: ReturnType<typeof contest>) => void) => {
    const after = readContestFile(JSON.stringify(SMALL_CONTEST)).definition;
    edit(after);
    return frozenChange(before, after);
  };
  expect(change((c) => void (c.rules.criteria[1]!.name = '仪态'))).toBe('评分项（名称、满分或步长）');
  expect(change((c) => void (c.rules.panels[0]!.dropHighest = 0))).toBe('评委组（名称、权重或去掉最高最低分）');
  expect(change((c) => void (c.rules.decimals = 3))).toBe('保留小数位数');
  expect(change((c) => void (c.rules.awards[0]!.count = 2))).toBe('奖项设置');
  expect(change((c) => void (c.judges[0]!.panel = 'eval'))).toBe('评委名单');
  expect(change((c) => void c.presenters.reverse())).toBe('选手名单、出场顺序或回避关系');
  expect(change((c) => void c.presenters[0]!.recused.push('m1'))).toBe('选手名单、出场顺序或回避关系');
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
