/** 准备中 / 已开始 / 已有评分: the one word a list or a page shows for where a contest stands. */
export type ContestStage = 'preparing' | 'started' | 'scored';

export function contestStage(status: { started: boolean; sheets: number }): ContestStage {
  if (status.sheets > 0) return 'scored';
  return status.started ? 'started' : 'preparing';
}
