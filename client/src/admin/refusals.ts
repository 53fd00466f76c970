import type { ErrorCode } from '../../../server/contracts/vocabulary.ts';
import { lang } from '../lib/i18n.ts';
import type { Lang } from '../lib/lang.ts';
import { ApiError } from './api.ts';

/**
 * What the admin pages say when the server refuses something: a sentence in the page's language
 * for each code the admin API can answer (server/contracts/vocabulary.ts; the type makes a new code without a
 * text a compile error). The server's own message is kept as a detail for a technician, except
 * where it was written in Chinese for the organiser (a contest that can no longer change, an
 * import with mistakes): that one is more precise than the code's sentence and is shown instead.
 */
type Code = ErrorCode | 'network';

const TEXTS: Record<Lang, Record<Code, string>> = {
  zh: {
    invalid_input: '服务器没有接受：提交的内容不符合要求。',
    invalid_contest_file: '服务器没有接受：这不是有效的擂台比赛文件，或文件里的规则有误。',
    out_of_range: '服务器没有接受：有数值超出了允许的范围。',
    unauthorized: '登录已失效，请重新输入管理口令。',
    forbidden: '服务器拒绝了这个操作（没有权限）。请刷新页面后重试。',
    recused: '服务器没有接受：这位评委需要回避这位选手。',
    not_found: '没有找到这场比赛或这位评委：可能已被删除，或者地址有误。',
    conflict: '没有保存：比赛已经开始或已有评分，这项内容不能再修改。',
    stale_version: '没有保存：这场比赛刚被修改过（抽签、导入或另一位管理员的保存），请重新载入后再试。',
    invalid_transition: '现在的比赛进程不允许这个操作。',
    turn_not_open: '这位选手现在不在评分阶段。',
    already_submitted: '这份评分已经提交过了。',
    submission_conflict: '没有保存：同一次提交的内容前后不一致。',
    not_finished: '还没有完成，暂时不能这样做。',
    correction_pending: '有选手的评分已更正但尚未在大屏重新公布：请主持人先重新公布。',
    rate_limited: '尝试次数过多，请一分钟后再试。',
    voting_closed: '现在不在观众投票时间。',
    voter_cap: '观众投票人数已达上限。',
    entry_code: '投票码不对。',
    no_voter: '没有投票身份。',
    db_unavailable: '服务器的数据库暂时连不上，什么都没有改动。请稍后重试。',
    internal: '服务器内部出错，什么都没有改动。请重试；仍然出错时，请技术人员查看服务器日志。',
    network: '无法连接服务器，请检查网络后重试。',
  },
  en: {
    invalid_input: 'The server did not accept this: something sent was not valid.',
    invalid_contest_file: 'The server did not accept this: it is not a valid Leitai contest file, or its rules are wrong.',
    out_of_range: 'The server did not accept this: a value is out of range.',
    unauthorized: 'Your login has ended: enter the admin token again.',
    forbidden: 'The server refused this (not allowed). Reload the page and try again.',
    recused: 'The server did not accept this: the judge is recused from this presenter.',
    not_found: 'No such contest or judge: it may have been deleted, or the address is wrong.',
    conflict: 'Not saved: the contest has started or has scores, so this can no longer change.',
    stale_version: 'Not saved: the contest changed meanwhile (lots, an import or another organiser\'s save). Reload, then try again.',
    invalid_transition: 'The contest is not at a point where this can be done.',
    turn_not_open: 'This presenter is not being scored now.',
    already_submitted: 'This sheet was submitted already.',
    submission_conflict: 'Not saved: the same submission came with different values.',
    not_finished: 'Not finished yet: this cannot be done now.',
    correction_pending: 'A corrected score has not been revealed again on the projector: the host must reveal it first.',
    rate_limited: 'Too many attempts: try again in a minute.',
    voting_closed: 'The audience vote is not open now.',
    voter_cap: 'The audience vote has as many voters as it takes.',
    entry_code: 'Wrong voting code.',
    no_voter: 'No voter id.',
    db_unavailable: 'The server cannot reach its database; nothing was changed. Try again shortly.',
    internal: 'The server failed; nothing was changed. Try again; if it fails again, a technician can read the server log.',
    network: 'Cannot reach the server. Check the network and try again.',
  },
};

const CHINESE = /[\u3400-\u9fff]/;

export interface Refusal {
  /** for the organiser, in the page's language */
  text: string;
  /** the server's own words, for a technician; null when the text already says it */
  details: string | null;
}

export function refusal(error: unknown): Refusal {
  if (!(error instanceof ApiError)) return { text: TEXTS[lang].internal, details: error instanceof Error ? error.message : String(error) };
  const known = (TEXTS[lang] as Record<string, string>)[error.code];
  const serverWroteChinese = CHINESE.test(error.message);
  if (serverWroteChinese && lang === 'zh') return { text: error.message, details: null };
  if (error.code === 'network') return { text: TEXTS[lang].network, details: null };
  return { text: known ?? TEXTS[lang].internal, details: error.message || null };
}

/** the refusal as one sentence, where a page has room for no more */
export const refusalText = (error: unknown): string => refusal(error).text;
