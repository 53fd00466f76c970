import type { CriterionInfo } from '../../../server/contracts/snapshots.ts';
import { messages } from './i18n.ts';
import type { ItemProblem } from './score-text.ts';

/** Words every page uses: connection states, turn phases, refusals, a dialog's close button, a typed score's problems. */
export const tc = messages({
  zh: {
    connecting: '正在连接…',
    online: '已连接',
    offline: '连接中断，正在重连…',
    replaced: '此链接已在另一台设备上打开，本设备已停止使用。',
    useHere: '在本设备继续使用',
    refused: '链接无效或已失效，请向工作人员索取新的链接。',
    outdatedTitle: '页面需要刷新',
    outdated: '此页面是旧版本，与服务器不匹配。请刷新页面（或重新扫码打开）。',
    noToken: '链接不完整：缺少访问码。请扫描评委卡上的二维码或使用完整链接。',
    stale: '画面不是最新状态',
    phase_waiting: '候场',
    phase_presenting: '汇报中',
    phase_scoring: '评分中',
    phase_closed: '评分结束',
    phase_revealed: '已公布',
    phase_skipped: '弃权',
    close: '关闭',
    score_empty: '请填写',
    score_not_number: '请输入数字，如 18.5',
    score_over_max: '超过满分 {max}',
    score_off_step: '必须是 {step} 的整数倍',
  },
  en: {
    connecting: 'Connecting…',
    online: 'Connected',
    offline: 'Connection lost, reconnecting…',
    replaced: 'This link was opened on another device; this one has stopped.',
    useHere: 'Use this device instead',
    refused: 'This link is invalid or no longer valid. Ask the organisers for a new one.',
    outdatedTitle: 'Reload this page',
    outdated: 'This page is an older version than the server. Reload it (or open the link again).',
    noToken: 'Incomplete link: the access code is missing. Scan the QR code on your card or use the full link.',
    stale: 'Not up to date',
    phase_waiting: 'Waiting',
    phase_presenting: 'Presenting',
    phase_scoring: 'Scoring',
    phase_closed: 'Scoring closed',
    phase_revealed: 'Revealed',
    phase_skipped: 'No-show',
    close: 'Close',
    score_empty: 'Required',
    score_not_number: 'Enter a number, e.g. 18.5',
    score_over_max: 'Over the maximum {max}',
    score_off_step: 'Must be a whole multiple of {step}',
  },
});

/** what is wrong with a typed score (lib/score-text.ts), next to its field */
export function scoreProblemText(problem: ItemProblem, criterion: Pick<CriterionInfo, 'max' | 'step'>): string {
  return tc(`score_${problem}`, { max: criterion.max, step: criterion.step });
}
