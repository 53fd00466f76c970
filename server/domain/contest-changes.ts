import type { ContestDefinition } from './contest.ts';

/**
 * What may still change in a contest once it has started. A score, a turn on stage or a printed
 * card depends on the rules, the panels, the judges and the running order, so those are frozen;
 * the title and a presenter's name, unit and topic (a typo on the projector) can still be fixed.
 * Returns, in Chinese for the organiser, the first change that is not allowed, or null.
 */
export function frozenChange(before: ContestDefinition, after: ContestDefinition): string | null {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const rulesOf = (c: ContestDefinition) => ({
    ...c.rules,
    criteria: c.rules.criteria.map((x) => [x.key, x.name, x.max.toString(), x.step.toString()]),
    panels: c.rules.panels.map((x) => [x.key, x.name, x.weight.toString(), x.dropHighest, x.dropLowest]),
  });
  const b = rulesOf(before);
  const a = rulesOf(after);
  if (!same(b.criteria, a.criteria)) return '评分项（名称、满分或步长）';
  if (!same(b.panels, a.panels)) return '评委组（名称、权重或去掉最高最低分）';
  if (b.decimals !== a.decimals) return '保留小数位数';
  if (!same(b.tieBreak, a.tieBreak)) return '同分比较顺序';
  if (b.timeLimitSeconds !== a.timeLimitSeconds) return '汇报时限';
  if (!same(b.awards, a.awards)) return '奖项设置';
  if (!same(before.judges, after.judges)) return '评委名单';
  const people = (c: ContestDefinition) => c.presenters.map((p) => [p.key, p.order, [...p.recused].sort()]);
  if (!same(people(before), people(after))) return '选手名单、出场顺序或回避关系';
  // marked by the host during the contest: an edit keeps them as they are
  const absences = (c: ContestDefinition) => c.presenters.map((p) => [p.key, [...p.absent].sort()]);
  if (!same(absences(before), absences(after))) return '评委缺席记录';
  return null;
}

/** Presenters in a new random running order, drawn with the given source of random integers. */
export function drawRunningOrder<T>(presenters: readonly T[], randomInt: (maxExclusive: number) => number): T[] {
  // Fisher–Yates: every order equally likely, given a uniform randomInt
  const order = [...presenters];
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
