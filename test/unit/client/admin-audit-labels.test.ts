import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, type ActorRole, type AuditAction } from '../../../server/contracts/vocabulary.ts';
import { actionLabel, actorLabel, knownActions, auditBadges, auditMarks, plainValue, readableDetail, roleLabel, supersededIds, type AuditNames } from '../../../client/src/admin/audit/audit-labels.ts';
import type { AuditEntryView } from '../../../server/contracts/admin-api.ts';

const NAMES: AuditNames = {
  presenters: new Map([['p1', '乌山街道党工委书记']]),
  judges: new Map([
    ['m1', '张评委'],
    ['m2', '李评委'],
  ]),
  criteria: new Map([
    ['topic', '选题准'],
    ['measures', '举措实'],
  ]),
};

function entry(action: AuditAction, detail: Record<string, unknown> = {}, extra: Partial<AuditEntryView> = {}): AuditEntryView {
  return { id: '1', at: '2024-01-05T06:03:05.000Z', actorRole: 'judge', actorKey: 'm1', action, presenter: 'p1', judge: 'm1', detail, ...extra };
}

describe('audit labels', () => {
  it('has a Chinese and an English name for every action the server writes, and for nothing else', () => {
    expect(Object.keys(knownActions('zh')).sort()).toEqual([...AUDIT_ACTIONS].sort());
    expect(Object.keys(knownActions('en')).sort()).toEqual([...AUDIT_ACTIONS].sort());
  });

  it('names roles and actions in Chinese, unknown ones as they are', () => {
    expect(roleLabel('admin', 'zh')).toBe('管理员');
    expect(roleLabel('host', 'zh')).toBe('主持人');
    // an entry written by another version of the server is shown as it is
    expect(roleLabel('robot' as ActorRole, 'zh')).toBe('robot');
    expect(actionLabel(entry('sheet:submit', { total: '88' }), 'zh')).toBe('提交评分');
    expect(actionLabel(entry('sheet:reopen'), 'zh')).toBe('退回重评');
    expect(actionLabel(entry('turn:open-scoring'), 'zh')).toBe('开始评分');
    expect(actionLabel(entry('awards:reveal'), 'zh')).toBe('公布奖项');
    expect(actionLabel(entry('contest:lots'), 'zh')).toBe('抽签');
    expect(actionLabel(entry('something:new' as AuditAction), 'zh')).toBe('something:new');
    expect(actionLabel(entry('turn:close'), 'en')).toBe('Scoring closed');
  });

  it('marks paper sheets entered by the host and reopened sheets', () => {
    const paper = entry('sheet:submit', { total: '88', enteredBy: 'host', reason: '代录 (entered by the host)' }, { actorRole: 'host', actorKey: null });
    expect(auditMarks(paper)).toEqual({ entered: true, reopened: false });
    expect(actionLabel(paper, 'zh')).toBe('主持人代录');
    expect(auditMarks(entry('sheet:submit', { total: '88', enteredBy: 'judge' }))).toEqual({ entered: false, reopened: false });
    expect(auditMarks(entry('sheet:reopen', { reason: '手误' }, { actorRole: 'host' }))).toEqual({ entered: false, reopened: true });
    expect(auditMarks(entry('sheet:correct', { total: '86', enteredBy: 'judge', reason: '手误' }))).toEqual({ entered: false, reopened: true });
    expect(auditMarks(entry('turn:close', {}, { actorRole: 'host' }))).toEqual({ entered: false, reopened: false });
    expect(auditBadges(entry('sheet:reopen'), 'zh').map((b) => b.text)).toEqual(['退回重评']);
    expect(auditBadges(entry('sheet:correct', { enteredBy: 'host' }, { actorRole: 'host' }), 'zh').map((b) => b.text)).toEqual(['代录', '重评提交']);
  });

  it('names who acted', () => {
    expect(actorLabel(entry('sheet:submit'), NAMES)).toBe('张评委');
    expect(actorLabel(entry('sheet:submit', {}, { actorKey: 'm9' }), NAMES)).toBe('m9');
    expect(actorLabel(entry('turn:start', {}, { actorRole: 'host', actorKey: null }), NAMES)).toBe('');
  });

  it('reads a sheet’s total, items and reason, hiding ids and the ordinary case', () => {
    const detail = readableDetail(entry('sheet:correct', { total: '86.5', items: { topic: '18.5', measures: 28 }, enteredBy: 'judge', reason: '手误', submissionId: 'abc' }), NAMES, 'zh');
    expect(detail.parts).toEqual([
      { kind: 'total', label: '总分', text: '86.5' },
      { kind: 'items', label: '各项', text: '选题准 18.5、举措实 28' },
      { kind: 'reason', label: '原因', text: '手误' },
    ]);
    expect(detail.technical).toBe('submissionId: abc');
    const paper = readableDetail(entry('sheet:submit', { total: '80', enteredBy: 'host', reason: '代录 (entered by the host)' }), NAMES, 'zh');
    expect(paper.parts).toEqual([
      { kind: 'total', label: '总分', text: '80' },
      { kind: 'info', label: '录入', text: '主持人代录（纸质表）' },
    ]);
  });

  it('reads before and after, field by field', () => {
    expect(readableDetail(entry('contest:update', { before: { title: '旧' }, after: { title: '新' } }), NAMES, 'zh').parts).toEqual([
      { kind: 'change', label: '标题', text: '旧 → 新' },
    ]);
    expect(readableDetail(entry('contest:update', { before: '1', after: '2' }), NAMES, 'zh').parts).toEqual([{ kind: 'change', label: '修改', text: '1 → 2' }]);
    expect(readableDetail(entry('contest:update', { after: { a: 1 } }), NAMES, 'zh').parts).toEqual([{ kind: 'change', label: '修改后', text: 'a: 1' }]);
  });

  it('reads the turn and clock details', () => {
    expect(readableDetail(entry('turn:close', { missing: ['m1', 'm2', 'x'] }), NAMES, 'zh').parts).toEqual([{ kind: 'info', label: '未交', text: '张评委、李评委、x' }]);
    expect(readableDetail(entry('turn:close', { auto: true }), NAMES, 'zh').parts).toEqual([{ kind: 'info', label: '方式', text: '评分交齐后自动结束' }]);
    expect(readableDetail(entry('turn:reset', { from: 'scoring' }), NAMES, 'zh').parts).toEqual([{ kind: 'info', label: '原阶段', text: '评分中' }]);
    expect(readableDetail(entry('turn:open-scoring', { talkMs: 452_400 }), NAMES, 'zh').parts).toEqual([{ kind: 'info', label: '汇报用时', text: '7分32秒' }]);
    expect(readableDetail(entry('screen:show', { screen: 'ranking' }), NAMES, 'zh').parts).toEqual([{ kind: 'info', label: '画面', text: '排名' }]);
    expect(readableDetail(entry('judge:reissue-link', { generation: 1 }), NAMES, 'zh').parts).toEqual([{ kind: 'info', label: '链接版本', text: '第 2 版' }]);
    expect(readableDetail(entry('weird' as AuditAction, { foo: { bar: [1, 'b'] }, flag: false }), NAMES, 'zh').parts).toEqual([
      { kind: 'info', label: 'foo', text: 'bar: 1、b' },
      { kind: 'info', label: 'flag', text: '否' },
    ]);
  });

  it('finds the sheets that were later replaced', () => {
    const log = [
      entry('sheet:submit', {}, { id: '1', presenter: 'p1', judge: 'm1' }),
      entry('sheet:submit', {}, { id: '2', presenter: 'p1', judge: 'm2' }),
      entry('sheet:reopen', {}, { id: '3', presenter: 'p1', judge: 'm1' }),
      entry('sheet:correct', {}, { id: '4', presenter: 'p1', judge: 'm1' }),
      entry('sheet:reopen', {}, { id: '5', presenter: 'p1', judge: 'm1' }),
      entry('sheet:correct', {}, { id: '6', presenter: 'p1', judge: 'm1' }),
      entry('turn:close', {}, { id: '7', presenter: 'p1', judge: null }),
    ];
    expect([...supersededIds(log)]).toEqual(['1', '4']);
  });

  it('writes any value as short text', () => {
    expect(plainValue(null, 'zh')).toBe('—');
    expect(plainValue([], 'zh')).toBe('无');
    expect(plainValue(true, 'en')).toBe('yes');
  });
});
