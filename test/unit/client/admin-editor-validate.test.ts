import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readContestFile } from '../../../server/contest-file/contest-file.ts';
import type { ContestFile } from '../../../server/contest-file/contest-file.schema.ts';
import { KEY_PATTERN } from '../../../server/schemas/common.schema.ts';
import { blankDraft, fromContestFile, nextKey, toContestFile, type ContestDraft } from '../../../client/src/admin/editor/draft.ts';
import { describePath } from '../../../client/src/admin/editor/validate-messages.ts';
import { problemsByPath, validate, validateDraft } from '../../../client/src/admin/editor/validate.ts';

const demo = JSON.parse(readFileSync(new URL('../../../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8')) as ContestFile;

/** the demo as a draft, changed by `change` */
function demoDraft(change: (draft: ContestDraft) => void = () => {}): ContestDraft {
  const draft = fromContestFile(structuredClone(demo));
  change(draft);
  return draft;
}

const paths = (draft: ContestDraft) => validateDraft(draft).map((p) => p.path);

describe('the contest editor validation', () => {
  it('accepts the demo contest, and its draft writes back the same file', () => {
    expect(validate(demo)).toEqual([]);
    const written = toContestFile(fromContestFile(demo));
    expect(written.rules).toEqual({ ...demo.rules, panels: demo.rules.panels.map((p) => ({ dropHighest: 0, dropLowest: 0, ...p })) });
    expect(written.judges).toEqual(demo.judges);
    expect(written.presenters).toEqual(demo.presenters.map((p) => ({ unit: '', topic: '', recused: [], ...p })));
    // the server reads it back without a complaint
    expect(() => readContestFile(JSON.stringify(written))).not.toThrow();
  });

  it('shows weights as percents and turns them back into exact weights', () => {
    const draft = demoDraft();
    expect(draft.panels.map((p) => p.weightPercent)).toEqual(['70', '30']);
    draft.panels[0]!.weightPercent = '66.67';
    draft.panels[1]!.weightPercent = '33.33';
    expect(validateDraft(draft)).toEqual([]);
    expect(toContestFile(draft).rules.panels.map((p) => p.weight)).toEqual([0.6667, 0.3333]);
    // 0.6667 + 0.3333 is not 1 in floating point arithmetic, but it is exactly 1: the server agrees
    expect(() => readContestFile(JSON.stringify(toContestFile(draft)))).not.toThrow();
  });

  it('adds weights exactly: 10 panels of 10 % sum to 100 % (0.1 added ten times in floats does not)', () => {
    const draft = demoDraft((d) => {
      d.panels = Array.from({ length: 10 }, (_, i) => ({ key: `g${i}`, name: `组${i}`, weightPercent: '10', dropHighest: '0', dropLowest: '0' }));
      d.judges = d.judges.map((j, i) => ({ ...j, panel: `g${i % 10}` }));
      d.tieBreak = [];
      d.presenters.forEach((p) => (p.recused = []));
    });
    expect(validateDraft(draft)).toEqual([]);
  });

  it('says by how much the weights miss 100 %, on the panels list', () => {
    const problems = validateDraft(demoDraft((d) => (d.panels[1]!.weightPercent = '30.5')));
    expect(problems).toEqual([{ path: 'rules.panels', message: '各评委组权重合计 100.5%，必须正好是 100%' }]);
  });

  it('refuses a step that does not divide the maximum, naming both', () => {
    const problems = validateDraft(demoDraft((d) => (d.criteria[0]!.step = '0.3')));
    expect(problems).toEqual([{ path: 'rules.criteria[0].step', message: '步长 0.3 不能整除满分 20（例如满分 20 可用步长 0.5 或 1）' }]);
    // 0.1 divides 0.3 exactly (it does not in floating point: 0.3 / 0.1 = 2.9999999999999996)
    expect(paths(demoDraft((d) => ((d.criteria[0]!.max = '0.3'), (d.criteria[0]!.step = '0.1'))))).toEqual([]);
  });

  it('refuses numbers that are not plain decimals, and reads full-width digits', () => {
    expect(paths(demoDraft((d) => (d.criteria[1]!.max = '三十')))).toEqual(['rules.criteria[1].max']);
    expect(paths(demoDraft((d) => (d.criteria[1]!.max = '0')))).toEqual(['rules.criteria[1].max']);
    expect(paths(demoDraft((d) => (d.criteria[1]!.max = '')))).toEqual(['rules.criteria[1].max']);
    expect(paths(demoDraft((d) => (d.criteria[1]!.max = '１００')))).toEqual([]);
    expect(paths(demoDraft((d) => (d.criteria[1]!.max = '1.0000000000000001')))).toEqual(['rules.criteria[1].max']);
  });

  it('finds duplicate keys, bad keys and empty names where they are', () => {
    const problems = validateDraft(
      demoDraft((d) => {
        d.criteria[1]!.key = 'topic';
        d.judges[3]!.key = 'm 4';
        d.presenters[2]!.name = '  ';
        d.panels[0]!.key = 'constructor';
      }),
    );
    const byPath = problemsByPath(problems);
    expect(byPath.get('rules.criteria[1].key')).toEqual(['代码“topic”重复了（第 1 行已用）']);
    expect(byPath.get('judges[3].key')).toEqual(['只能用英文字母、数字、- 和 _（不能有空格或汉字）']);
    expect(byPath.get('presenters[2].name')).toEqual(['不能为空']);
    expect(byPath.get('rules.panels[0].key')).toEqual(['“constructor”是保留字，请换一个']);
    // the panel key changed: its judges, the tie-break now name a panel that is not there
    expect(byPath.get('judges[0].panel')).toEqual(['没有这个评委组，请重新选择']);
    expect(byPath.has('rules.tieBreak[0]')).toBe(true);
  });

  it('checks running orders: all or none, each once', () => {
    expect(paths(demoDraft((d) => (d.presenters[4]!.order = '')))).toEqual(['presenters']);
    expect(paths(demoDraft((d) => (d.presenters[4]!.order = '1')))).toEqual(['presenters[4].order']);
    expect(paths(demoDraft((d) => d.presenters.forEach((p) => (p.order = ''))))).toEqual([]);
  });

  it('checks recusals against the judges and their panels', () => {
    expect(paths(demoDraft((d) => (d.presenters[0]!.recused = ['nobody'])))).toEqual(['presenters[0].recused']);
    const wholePanel = validateDraft(demoDraft((d) => (d.presenters[0]!.recused = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'])));
    expect(wholePanel).toEqual([{ path: 'presenters[0].recused', message: '回避了“主评委”组的全部评委，该组将无法给这位选手打分' }]);
  });

  it('checks awards: only the last one may leave out its count', () => {
    expect(paths(demoDraft((d) => (d.awards[0]!.count = '')))).toEqual(['rules.awards[0].count']);
    expect(paths(demoDraft((d) => (d.awards[2]!.count = '0')))).toEqual(['rules.awards[2].count']);
  });

  it('reads the time limit as minutes and seconds', () => {
    const draft = demoDraft();
    expect([draft.timeMinutes, draft.timeSeconds]).toEqual(['8', '00']);
    expect(toContestFile(demoDraft((d) => ((d.timeMinutes = '7'), (d.timeSeconds = '30')))).rules.timeLimitSeconds).toBe(450);
    expect(toContestFile(demoDraft((d) => ((d.timeMinutes = ''), (d.timeSeconds = '')))).rules.timeLimitSeconds).toBeUndefined();
    expect(paths(demoDraft((d) => (d.timeSeconds = '75')))).toEqual(['rules.timeLimit']);
    expect(paths(demoDraft((d) => ((d.timeMinutes = '0'), (d.timeSeconds = '0'))))).toEqual(['rules.timeLimit']);
  });

  it('starts a new contest from a blank draft that only needs a title', () => {
    expect(validateDraft(blankDraft())).toEqual([{ path: 'title', message: '不能为空' }]);
    const file = toContestFile(blankDraft('镇级比赛'));
    expect(file.rules.panels).toEqual([{ key: 'judges', name: '评委', weight: 1, dropHighest: 0, dropLowest: 0 }]);
    expect(file.rules.criteria).toEqual([{ key: 'content', name: '内容', max: 100, step: 0.5 }]);
    expect(() => readContestFile(JSON.stringify(file))).not.toThrow();
  });

  it('speaks English when asked', () => {
    const problems = validateDraft(demoDraft((d) => (d.panels[1]!.weightPercent = '20')), 'en');
    expect(problems).toEqual([{ path: 'rules.panels', message: 'The panel weights add up to 90 %; they must add up to exactly 100 %' }]);
  });

  it('names places in words for the list of problems', () => {
    expect(describePath('rules.criteria[1].max')).toBe('评分项 第 2 行 · 满分');
    expect(describePath('title')).toBe('比赛名称');
    expect(describePath('presenters[0].recused', 'en')).toBe('Presenters row 1 · recused judges');
  });

  it('uses the same key rule as the server', () => {
    const server = new RegExp(KEY_PATTERN);
    for (const key of ['p01', 'a-b_c', 'constructor', '__proto__', 'toString', 'm 4', '评委', '', 'x'.repeat(65)]) {
      const draft = demoDraft((d) => (d.criteria[0]!.key = key));
      expect(paths(draft).includes('rules.criteria[0].key'), key).toBe(!server.test(key));
    }
  });

  it('numbers new rows after the keys in use', () => {
    expect(nextKey('p', ['p01', 'p02', 'p04'], 2)).toBe('p03');
    expect(nextKey('j', [])).toBe('j1');
  });
});
