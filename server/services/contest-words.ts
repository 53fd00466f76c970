import type { ContestStatus } from '../contracts/admin-api.ts';
import type { ContestLock, ContestProgress, DrawRefusal, FrozenPart } from '../domain/contest-status.ts';

/**
 * The organiser's sentences for what domain/contest-status.ts decides: why a contest is locked,
 * what an edit may not change, why lots cannot be drawn. In one place, so the admin pages, the
 * refusals and the audit log say the same thing the same way.
 */

const FROZEN_PART: Record<FrozenPart, string> = {
  criteria: '评分项（名称、满分或步长）',
  panels: '评委组（名称、权重或去掉最高最低分）',
  decimals: '保留小数位数',
  tie_break: '同分比较顺序',
  time_limit: '汇报时限',
  awards: '奖项设置',
  judges: '评委名单',
  presenters: '选手名单、出场顺序或回避关系',
  absences: '评委缺席记录',
};

const STILL_OPEN = '比赛标题和选手的姓名、单位、题目仍可更正；要换规则，请“复制为新比赛”。';

function lockWords(lock: ContestLock, sheets: number): string {
  return lock === 'scored'
    ? `已有 ${sheets} 份评分，规则、评委组、评委名单和出场顺序不能再修改（改了会让已交的评分失去依据）。${STILL_OPEN}`
    : `比赛已经开始（已有选手上场），规则、评委组、评委名单和出场顺序不能再修改。${STILL_OPEN}`;
}

/** The status the admin pages show. */
export function statusWords(progress: ContestProgress): ContestStatus {
  return { sheets: progress.sheets, started: progress.started, lockedBecause: progress.lock && lockWords(progress.lock, progress.sheets) };
}

/** What an edit changed, as the audit log records it. */
export function changedWords(part: FrozenPart | null): string {
  return part === null ? '标题或选手信息' : FROZEN_PART[part];
}

/** An edit refused because it touches a part the contest's lock froze. */
export function frozenEditWords(part: FrozenPart, lock: ContestLock, sheets: number): string {
  return `没有保存：${FROZEN_PART[part]}不能再修改。${lockWords(lock, sheets)}`;
}

export function drawRefusalWords(refusal: DrawRefusal, sheets: number): string {
  return refusal.reason === 'locked' ? `不能再抽签：${lockWords(refusal.lock, sheets)}` : '还没有选手，无法抽签：请先导入或填写选手名单';
}
