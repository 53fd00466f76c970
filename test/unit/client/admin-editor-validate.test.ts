import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readContestFile } from '../../../server/contest-file/contest-file.ts';
import type { ContestFile } from '../../../server/contest-file/contest-file.schema.ts';
import { KEY_PATTERN } from '../../../server/schemas/common.schema.ts';
import { audiencePanelDraft, blankDraft, fromContestFile, judgesPanelDraft, nextKey, toContestFile, type ContestDraft } from '../../../client/src/admin/editor/draft.ts';
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
      d.panels = Array.from({ length: 10 }, (_, i) => judgesPanelDraft(`g${i}`, `组${i}`, '10'));
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
    expect(describePath('rules.panels[1].weight')).toBe('评委组 第 2 行 · 权重');
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

describe('the audience vote (大众评审) in the rules editor', () => {
  /** the demo with a 10 % audience panel: the main panel gives up 10 points */
  const withAudience = (change: (draft: ContestDraft) => void = () => {}) =>
    demoDraft((d) => {
      d.panels[0]!.weightPercent = '60';
      d.panels.push({ ...audiencePanelDraft('public', '大众评审'), weightPercent: '10' });
      change(d);
    });

  it('writes the panel the way the server reads it, and the server agrees with the numbers', () => {
    const draft = withAudience((d) => d.tieBreak.push('public'));
    expect(validateDraft(draft)).toEqual([]);
    const file = toContestFile(draft);
    expect(file.rules.panels[2]).toEqual({ key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 10 });
    const { definition } = readContestFile(JSON.stringify(file));
    expect(definition.rules.panels.map((p) => [p.kind, p.weight.toString()])).toEqual([['judges', '0.6'], ['judges', '0.3'], ['audience', '0.1']]);
    expect(definition.rules.tieBreak).toEqual(['main', 'public']);
    // and back: the draft of the saved file is the draft that was saved
    expect(fromContestFile(file)).toEqual(draft);
  });

  it('leaves a contest without an audience panel as it was (no kind, no scale written)', () => {
    const file = toContestFile(demoDraft());
    expect(file.rules.panels.every((p) => !('kind' in p) && !('scale' in p) && !('trimPercent' in p))).toBe(true);
  });

  it('counts its weight with the panels: the sum must still be exactly 100 %', () => {
    const problems = validateDraft(demoDraft((d) => d.panels.push({ ...audiencePanelDraft('public', '大众评审'), weightPercent: '10' })));
    expect(problems).toEqual([{ path: 'rules.panels', message: '各评委组权重合计 110%，必须正好是 100%' }]);
  });

  it('names each bad field of the scale and the trim, in Chinese', () => {
    const at = 'rules.panels[2]';
    const check = (change: (p: ContestDraft['panels'][number]) => void) => validateDraft(withAudience((d) => change(d.panels[2]!)));
    expect(check((p) => (p.scaleMin = ''))).toEqual([{ path: `${at}.scale.min`, message: '不能为空' }]);
    expect(check((p) => (p.scaleMax = '一百'))).toEqual([{ path: `${at}.scale.max`, message: '请填写数字，如 18.5' }]);
    expect(check((p) => (p.scaleStep = '0'))).toEqual([{ path: `${at}.scale.step`, message: '必须大于 0' }]);
    expect(check((p) => (p.scaleMax = '1'))).toEqual([{ path: `${at}.scale.max`, message: '最高分必须大于最低分 1' }]);
    expect(check((p) => (p.scaleStep = '2'))).toEqual([{ path: `${at}.scale.min`, message: '1 不是步长 2 的整数倍' }]);
    expect(check((p) => ((p.scaleMin = '0'), (p.scaleStep = '0.05')))).toEqual([{ path: `${at}.scale.step`, message: '0 到 10、步长 0.05 超过 100 档，请加大步长' }]);
    expect(check((p) => (p.trimPercent = '26'))).toEqual([{ path: `${at}.trimPercent`, message: '请填写 0 到 25 的整数（最高、最低两端各去掉百分之几的票）' }]);
    expect(check((p) => (p.trimPercent = '5.5'))).toEqual([{ path: `${at}.trimPercent`, message: '请填写 0 到 25 的整数（最高、最低两端各去掉百分之几的票）' }]);
    // a scale from 0 in half steps is fine, and an empty trim means 0
    expect(check((p) => ((p.scaleMin = '0'), (p.scaleMax = '5'), (p.scaleStep = '0.5'), (p.trimPercent = '')))).toEqual([]);
  });

  it('names the audience panel 大众评审 in the list of problems, not by a row of the panels’ table (it has its own block)', () => {
    const draft = withAudience();
    expect(describePath('rules.panels[2].scale.max', 'zh', draft.panels)).toBe('大众评审 · 投票分值 最高');
    expect(describePath('rules.panels[2].trimPercent', 'en', draft.panels)).toBe('the audience vote · trim percent');
    expect(describePath('rules.panels[2].weight', 'zh', draft.panels)).toBe('大众评审 · 权重');
    // a judges' panel after it (an imported file may list it first) keeps the row the table shows it on
    const first = demoDraft((d) => {
      d.panels[0]!.weightPercent = '60';
      d.panels.unshift({ ...audiencePanelDraft('public', '大众评审'), weightPercent: '10', key: 'main' });
    });
    expect(describePath('rules.panels[2].dropHighest', 'zh', first.panels)).toBe('评委组 第 2 行 · 去掉最高分');
    // and a key used twice names the panel that has it the same way
    expect(problemsByPath(validateDraft(first)).get('rules.panels[1].key')).toEqual(['代码“main”重复了（大众评审已用）']);
    expect(problemsByPath(validateDraft(first, 'en')).get('rules.panels[1].key')).toEqual(['Key "main" is used twice (the audience vote has it)']);
  });

  it('refuses a second audience panel, a judge seated on it, and a contest of votes only', () => {
    const two = withAudience((d) => {
      d.panels[1]!.weightPercent = '25';
      d.panels.push({ ...audiencePanelDraft('public2', '网络投票'), weightPercent: '5' });
    });
    expect(validateDraft(two)).toEqual([{ path: 'rules.panels[3].kind', message: '大众评审只能有一个' }]);
    const seated = withAudience((d) => (d.judges[0]!.panel = 'public'));
    expect(validateDraft(seated)).toEqual([{ path: 'judges[0].panel', message: '大众评审由观众投票，没有评委：请为这位评委选择其他评委组' }]);
    const votesOnly = demoDraft((d) => {
      d.panels = [{ ...audiencePanelDraft('public', '大众评审'), weightPercent: '100' }];
      d.judges = [];
      d.tieBreak = [];
      d.presenters.forEach((p) => ((p.recused = []), (p.absent = [])));
    });
    expect(validateDraft(votesOnly)).toEqual([{ path: 'rules.panels', message: '除大众评审外，至少要有 1 个评委组' }]);
  });
});
