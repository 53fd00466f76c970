import { messages } from '../../lib/i18n.ts';

/** The words of the audience link in the Links tab and its poster. */
export const tw = messages({
  zh: {
    title: '观众观看链接',
    hint: '现场观众扫码即可在手机上看出场、计时、评分进度、公布的成绩和排名，只能看到大屏上显示的内容。这个链接是公开的，不含任何评委或主持人的密钥。',
    link: '观看链接',
    showQr: '在大屏上显示观看二维码（标题页、汇报页和排名页）',
    reissue: '更换观看链接',
    reissueTitle: '更换观看链接？',
    reissueBody: '旧链接立即失效，正在用旧链接观看的手机会断开。大屏上的二维码会自动换成新的；已打印的海报需要重新打印。',
    reissueGo: '更换',
    reissued: '已更换观看链接。已打印的海报请重新打印。',
    printPoster: '打印观看海报（A4）',
    posterScan: '扫码观看比赛实况',
    posterDetail: '出场顺序 · 计时 · 评分进度 · 公布成绩 · 实时排名',
    posterAddress: '或在手机浏览器打开：',
  },
  en: {
    title: 'Audience link',
    hint: 'People in the hall scan it to follow the contest on their phones: who is on stage, the clock, the scoring progress, revealed scores and the ranking; only what the projector shows. The link is public and holds no judge or host secret.',
    link: 'Watch link',
    showQr: 'Show the watch QR code on the projector (title, presenting and ranking views)',
    reissue: 'Replace the watch link',
    reissueTitle: 'Replace the watch link?',
    reissueBody: 'The old link stops working at once and phones watching with it are disconnected. The projector shows the new QR code by itself; reprint any poster.',
    reissueGo: 'Replace',
    reissued: 'The watch link was replaced. Reprint any poster.',
    printPoster: 'Print the watch poster (A4)',
    posterScan: 'Scan to follow the contest live',
    posterDetail: 'Running order · clock · scoring progress · revealed scores · live ranking',
    posterAddress: 'Or open in a phone browser:',
  },
});
