import type { AckErrorCode } from '../../../server/contracts/vocabulary.ts';
import { messages } from './i18n.ts';

/**
 * What a refusal means, in the user's language: one sentence per acknowledgement error code (and
 * the client's own 'timeout', an answer that never came), the same on the judge's phone and the
 * host console. The server's own message is English for logs and scripts; pages show it at most
 * in a small details line. A code missing here is a type error.
 */
export type RefusalCode = AckErrorCode | 'timeout';

const zh: Record<RefusalCode, string> = {
  invalid_input: '提交的内容格式不对，服务器没有执行。请刷新页面后再试。',
  unauthorized: '链接无效或已失效，请向工作人员索取新的链接。',
  forbidden: '此链接无权执行该操作。',
  not_found: '找不到该选手或评委（名单可能刚被修改），未执行。',
  stale_version: '状态刚被另一处操作改变（例如另一个主持台先操作了），本次未执行。画面已更新，请看清当前状态后再操作。',
  invalid_transition: '当前状态下不能这样操作，未执行。',
  turn_not_open: '该选手现在不接受评分（评分尚未开始或已经结束）。',
  already_submitted: '这份评分已经提交过；要修改，需先由主持人重开。',
  recused: '回避或缺席的评委不为该选手评分。',
  out_of_range: '分值超出满分或不符合步长，未保存。',
  submission_conflict: '该提交编号已用于另一份评分表，未保存。',
  not_finished: '还有选手未公布也未跳过，暂不能揭晓奖项。',
  correction_pending: '有选手的评分已更正但尚未重新公布：请先重新公布，再显示排名或颁奖。',
  db_unavailable: '数据库暂时无响应，未保存。请稍后重试。',
  internal: '服务器内部错误，未执行。请重试；仍不成功请联系工作人员。',
  rate_limited: '操作过于频繁，服务器暂不受理。请稍候几秒再试。',
  voting_closed: '现在不能为这位选手投票：评分尚未开始或已经结束。',
  voter_cap: '本场投票人数已满，无法再接受新的投票。',
  entry_code: '投票码不对：请输入大屏上显示的投票码。',
  no_voter: '投票身份尚未建立，请刷新页面后再投。',
  timeout: '服务器没有回应。操作可能已执行，也可能没有：请看画面是否已更新，再决定是否重试。',
};

const en: Record<RefusalCode, string> = {
  invalid_input: 'The request was malformed and was not carried out. Reload the page and try again.',
  unauthorized: 'This link is invalid or no longer valid. Ask the organisers for a new one.',
  forbidden: 'This link may not do that.',
  not_found: 'No such presenter or judge (the lists may just have changed); nothing was done.',
  stale_version: 'Someone else acted first (another console, say): nothing was done. This screen is now up to date; check it before acting again.',
  invalid_transition: 'That cannot be done in the current state; nothing was done.',
  turn_not_open: 'This presenter is not taking sheets now (scoring has not started or is over).',
  already_submitted: 'This sheet was already submitted; to change it, the host must reopen it first.',
  recused: 'A recused or absent judge does not score this presenter.',
  out_of_range: 'A value is over the maximum or off its step; nothing was saved.',
  submission_conflict: 'This submission id was used for a different sheet; nothing was saved.',
  not_finished: 'Some presenters are neither revealed nor skipped: no awards yet.',
  correction_pending: 'A corrected score has not been revealed again: reveal it first, then show the ranking or the awards.',
  db_unavailable: 'The database did not answer; nothing was saved. Try again shortly.',
  internal: 'Internal server error; nothing was done. Try again; if it keeps failing, tell the organisers.',
  rate_limited: 'Too many requests: the server is not taking more for now. Wait a few seconds and try again.',
  voting_closed: 'Voting on this presenter is not open: scoring has not started or is over.',
  voter_cap: 'This contest has as many voters as it can take; no new voters are accepted.',
  entry_code: 'Wrong voting code: enter the code shown on the projector.',
  no_voter: 'This phone has no voter id yet: reload the page and vote again.',
  timeout: 'No answer from the server. It may or may not have been done: check whether the screen changed before trying again.',
};

const words = messages({
  zh: { details: '技术详情' },
  en: { details: 'Details' },
});

const texts = messages<RefusalCode>({ zh, en });

/** the user's-language sentence for a refusal; a code this page does not know yet reads as an internal error */
export function refusalText(code: string): string {
  return Object.hasOwn(zh, code) ? texts(code as RefusalCode) : texts('internal');
}

/** the label of the small line that holds the server's own (English) message */
export const refusalDetails = (): string => words('details');

/** every character these texts can show (glyph priming, lib/glyphs.ts) */
export const refusalsEveryText = texts.everyText + words.everyText;
