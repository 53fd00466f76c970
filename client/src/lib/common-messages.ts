import { messages } from './i18n.ts';

/** Words every page uses: connection states, turn phases, refusals, a dialog's close button. */
export const tc = messages({
  zh: {
    connecting: '正在连接…',
    online: '已连接',
    offline: '连接中断，正在重连…',
    replaced: '此链接已在另一台设备上打开，本设备已停止使用。',
    useHere: '在本设备继续使用',
    refused: '链接无效或已失效，请向工作人员索取新的链接。',
    noToken: '链接不完整：缺少访问码。请扫描评委卡上的二维码或使用完整链接。',
    stale: '画面不是最新状态',
    phase_waiting: '候场',
    phase_presenting: '汇报中',
    phase_scoring: '评分中',
    phase_closed: '评分结束',
    phase_revealed: '已公布',
    phase_skipped: '弃权',
    close: '关闭',
  },
  en: {
    connecting: 'Connecting…',
    online: 'Connected',
    offline: 'Connection lost, reconnecting…',
    replaced: 'This link was opened on another device; this one has stopped.',
    useHere: 'Use this device instead',
    refused: 'This link is invalid or no longer valid. Ask the organisers for a new one.',
    noToken: 'Incomplete link: the access code is missing. Scan the QR code on your card or use the full link.',
    stale: 'Not up to date',
    phase_waiting: 'Waiting',
    phase_presenting: 'Presenting',
    phase_scoring: 'Scoring',
    phase_closed: 'Scoring closed',
    phase_revealed: 'Revealed',
    phase_skipped: 'No-show',
    close: 'Close',
  },
});
