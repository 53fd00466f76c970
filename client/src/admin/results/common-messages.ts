import { messages } from '../../lib/i18n.ts';

/** Words the after-contest admin pages share: navigation and the loading / error states. */
export const tp = messages({
  zh: {
    contests: '比赛列表',
    contest: '比赛设置',
    results: '成绩汇总',
    print: '打印签字表',
    audit: '审计日志',
    consistency: '评委一致性',
    loading: '正在读取…',
    refreshing: '正在刷新…',
    failed: '读取失败：{message}',
    loginAgain: '登录已失效，请重新登录管理后台后重试。',
    retry: '重试',
    refresh: '刷新',
  },
  en: {
    contests: 'Contests',
    contest: 'Contest settings',
    results: 'Results',
    print: 'Sign-off sheets',
    audit: 'Audit log',
    consistency: 'Judge consistency',
    loading: 'Loading…',
    refreshing: 'Refreshing…',
    failed: 'Could not load: {message}',
    loginAgain: 'Your admin session has ended. Log in again, then retry.',
    retry: 'Retry',
    refresh: 'Refresh',
  },
});
