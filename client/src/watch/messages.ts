import { messages } from '../lib/i18n.ts';

/**
 * The audience page's own words; the scoring words (seats, dropped, 回避, the rank) are the
 * projector's (display/messages.ts), so the hall reads the same words on both.
 */
const tables = {
  zh: {
    pageTitle: '观众',
    connecting: '正在连接…',
    offline: '网络中断，正在重新连接… 显示的是断开前的内容',
    refusedTitle: '观看链接无效',
    refused: '这个观看码不存在或已更换。请重新扫描大屏上的二维码。',
    outdated: '页面是旧版本，请刷新。',
    noCode: '链接不完整：请扫描大屏上的二维码。',
    onStage: '正在汇报',
    revealed: '已公布得分',
    waitingStart: '比赛尚未开始',
    progress: '评分进度',
    progressCount: '{submitted} / {expected}',
    result: '得分',
    finalLabel: '最终得分',
    rankingTitle: '目前排名',
    rankingFinalTitle: '最终排名',
    awardsTitle: '获奖名单',
    order: '第 {n} 位出场',
  },
  en: {
    pageTitle: 'Audience',
    connecting: 'Connecting…',
    offline: 'Connection lost, reconnecting… showing what was last received',
    refusedTitle: 'Watch link not valid',
    refused: 'This watch code does not exist or was replaced. Scan the QR code on the projector again.',
    outdated: 'This page is out of date; reload it.',
    noCode: 'Incomplete link: scan the QR code on the projector.',
    onStage: 'On stage',
    revealed: 'Score revealed',
    waitingStart: 'The contest has not started yet',
    progress: 'Scoring',
    progressCount: '{submitted} / {expected}',
    result: 'Score',
    finalLabel: 'Final score',
    rankingTitle: 'Ranking so far',
    rankingFinalTitle: 'Final ranking',
    awardsTitle: 'Awards',
    order: 'No. {n} on stage',
  },
};

export const tw = messages(tables);
