import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readContestFile, toContestFile } from '../../../server/contest-file/contest-file.ts';
import { judgePanels } from '../../../server/domain/contest.ts';

const demoText = readFileSync(new URL('../../../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8');
const scoredText = readFileSync(new URL('../../fixtures/demo-scored.json', import.meta.url), 'utf8');

describe('the contest file', () => {
  it('reads the shipped demo: 22 units in running order, two panels weighted 0.7 / 0.3, four criteria', () => {
    const { definition, sheets } = readContestFile(demoText);
    expect(definition.presenters).toHaveLength(22);
    expect(definition.presenters[0]!.unit).toBe('乌山街道');
    expect(definition.presenters[21]!.unit).toBe('区信访局');
    expect(judgePanels(definition.rules).map((p) => [p.key, p.weight.toString(), p.dropHighest, p.dropLowest])).toEqual([
      ['main', '0.7', 1, 1],
      ['eval', '0.3', 1, 1],
    ]);
    expect(definition.judges.filter((j) => j.panel === 'main')).toHaveLength(7);
    expect(definition.judges.filter((j) => j.panel === 'eval')).toHaveLength(15);
    expect(definition.rules.criteria.map((c) => `${c.name} ${c.max}/${c.step}`)).toEqual(['选题准 20/0.5', '举措实 30/0.5', '成效好 30/0.5', '展示效果 20/0.5']);
    expect(definition.rules.timeLimitSeconds).toBe(480);
    expect(sheets).toEqual([]);
  });

  it('writes back what it read, so export → import loses nothing (scores included)', () => {
    const first = readContestFile(scoredText);
    const written = JSON.stringify(toContestFile(first.definition, first.sheets));
    const second = readContestFile(written);
    expect(second.definition).toEqual(first.definition);
    expect(second.sheets).toEqual(first.sheets);
    expect(JSON.parse(written).scores).toHaveLength(482);
  });

  it('puts presenters in running order by their order numbers, whatever the order of the list', () => {
    const doc = JSON.parse(demoText);
    doc.presenters.reverse();
    const { definition } = readContestFile(JSON.stringify(doc));
    expect(definition.presenters.map((p) => p.order)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it('refuses a running order given to some presenters and not others, or given twice', () => {
    const doc = JSON.parse(demoText);
    delete doc.presenters[4].order;
    expect(() => readContestFile(JSON.stringify(doc))).toThrow(/presenters\[4\]\.order: presenter p05 has no running order/);
    const twice = JSON.parse(demoText);
    twice.presenters[4].order = 1;
    expect(() => readContestFile(JSON.stringify(twice))).toThrow(/presenters\[4\]\.order: presenter p05: running order 1 is used twice/);
  });

  it('refuses rules that cannot be scored: a step that does not divide the max, an unknown tie-break panel, a panel everyone is recused from', () => {
    const step = JSON.parse(demoText);
    step.rules.criteria[0].step = 3;
    expect(() => readContestFile(JSON.stringify(step))).toThrow(/rules\.criteria\[0\]\.step: criterion topic: the step 3 does not divide the maximum 20/);
    const tie = JSON.parse(demoText);
    tie.rules.tieBreak = ['jury'];
    expect(() => readContestFile(JSON.stringify(tie))).toThrow(/rules\.tieBreak\[0\]: no panel with key "jury"/);
    const recused = JSON.parse(demoText);
    recused.presenters[0].recused = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'];
    expect(() => readContestFile(JSON.stringify(recused))).toThrow(/presenter p01 is recused from every judge of panel main/);
  });

  it('refuses unknown fields and duplicated JSON keys rather than ignoring them', () => {
    const extra = JSON.parse(demoText);
    extra.rules.panels[0].wieght = 0.7;
    expect(() => readContestFile(JSON.stringify(extra))).toThrow(/rules\.panels\[0\]\.wieght/);
    expect(() => readContestFile('{"format":"leitai/contest@1","format":"x"}')).toThrow(/Duplicate key 'format'/);
  });

  it('reads and writes the judges marked absent (缺席) apart from the recused, and an old file without the list still reads', () => {
    const doc = JSON.parse(scoredText);
    expect(doc.presenters.some((p: { absent?: string[] }) => p.absent)).toBe(false);
    const old = readContestFile(JSON.stringify(doc));
    expect(old.definition.presenters.every((p) => p.absent.length === 0)).toBe(true);
    // an old file is written back as it was: no empty "absent" lists appear
    expect(JSON.stringify(toContestFile(old.definition, old.sheets))).not.toContain('"absent"');

    const p = doc.presenters.findIndex((x: { key: string }) => x.key === 'p05');
    doc.presenters[p].absent = ['m7'];
    doc.scores = doc.scores.filter((s: { presenter: string; judge: string }) => !(s.presenter === 'p05' && s.judge === 'm7'));
    const read = readContestFile(JSON.stringify(doc));
    const p05 = read.definition.presenters.find((x) => x.key === 'p05')!;
    expect([p05.recused, p05.absent]).toEqual([[], ['m7']]);
    const written = toContestFile(read.definition, read.sheets);
    expect(written.presenters.find((x) => x.key === 'p05')).toMatchObject({ recused: [], absent: ['m7'] });
    expect(readContestFile(JSON.stringify(written)).definition).toEqual(read.definition);
  });

  it('refuses a judge both recused and absent, an absent judge’s sheet, an unknown absent judge, and a panel left without anyone', () => {
    const both = JSON.parse(demoText);
    both.presenters[0].absent = ['e09'];
    expect(() => readContestFile(JSON.stringify(both))).toThrow(/presenters\[0\]\.absent\[0\]: presenter p01: judge e09 is listed as both recused and absent/);
    const scored = JSON.parse(scoredText);
    scored.presenters[4].absent = ['m7'];
    expect(() => readContestFile(JSON.stringify(scored))).toThrow(/judge m7 is marked absent for presenter p05 and cannot score them/);
    const unknown = JSON.parse(demoText);
    unknown.presenters[1].absent = ['zz'];
    expect(() => readContestFile(JSON.stringify(unknown))).toThrow(/presenters\[1\]\.absent\[0\]: presenter p02: no judge with key "zz"/);
    const empty = JSON.parse(demoText);
    empty.presenters[1].recused = ['m1', 'm2', 'm3'];
    empty.presenters[1].absent = ['m4', 'm5', 'm6', 'm7'];
    expect(() => readContestFile(JSON.stringify(empty))).toThrow(/presenters\[1\]\.absent: presenter p02 is recused from or marked absent for every judge of panel main/);
  });

  it('lets only the last award leave out its count', () => {
    const doc = JSON.parse(demoText);
    doc.rules.awards = [{ name: '一等奖' }, { name: '二等奖', count: 3 }];
    expect(() => readContestFile(JSON.stringify(doc))).toThrow(/rules\.awards\[0\]\.count: only the last award may leave out its count/);
  });
});

it('refuses text that would not come back as it was sent, naming the field and the character', () => {
  const file = JSON.parse(readFileSync(new URL('../../fixtures/small-contest.json', import.meta.url), 'utf8'));
  const withName = (name: string) => JSON.stringify({ ...file, judges: [{ ...file.judges[0], name }, ...file.judges.slice(1)] });
  expect(() => readContestFile(withName('\uFEFF主评委甲'))).toThrow('judges[0].name: starts with an invisible byte-order mark (U+FEFF); remove it');
  expect(() => readContestFile(withName('主评委\u0000甲'))).toThrow('judges[0].name: contains a NUL character (U+0000)');
  expect(readContestFile(withName('主评委\uFEFF甲')).definition.judges[0]!.name).toBe('主评委\uFEFF甲');
});
