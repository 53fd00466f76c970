import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readContestFile, toContestFile } from '../../../server/contest-file/contest-file.ts';
import { audiencePanel } from '../../../server/domain/contest.ts';
import { computeResults } from '../../../server/domain/scoring.ts';

/** The demo contest with a 10 % audience panel (主评委 0.6, 测评 0.3, 大众评审 0.1), as an organiser would write it. */
const scored = JSON.parse(readFileSync(new URL('../../fixtures/demo-scored.json', import.meta.url), 'utf8'));
const PUBLIC = { key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 10 };

function withAudience(change: (doc: any) => void = () => {}) {
  const doc = structuredClone(scored);
  doc.rules.panels[0].weight = 0.6;
  doc.rules.panels.push(structuredClone(PUBLIC));
  doc.audienceVotes = [
    { presenter: 'p01', voter: 'va', value: 8 },
    { presenter: 'p01', voter: 'vb', value: 10 },
    { presenter: 'p02', voter: 'va', value: 3 },
  ];
  change(doc);
  return JSON.stringify(doc);
}

describe('a contest file with an audience panel', () => {
  it('reads the panel and the counted votes, and writes back the same file', () => {
    const read = readContestFile(withAudience());
    expect(audiencePanel(read.definition.rules)).toMatchObject({ key: 'public', kind: 'audience', trimPercent: 10 });
    expect(audiencePanel(read.definition.rules)!.scale.max.toString()).toBe('10');
    expect(read.votes.map((v) => `${v.presenter}/${v.voter}=${v.value}`)).toEqual(['p01/va=8', 'p01/vb=10', 'p02/va=3']);
    const written = toContestFile(read.definition, read.sheets, read.votes);
    expect(written.rules.panels[2]).toEqual(PUBLIC);
    expect(written.rules.panels[0]).not.toHaveProperty('kind'); // judges is the default: old files stay as they were
    const again = readContestFile(JSON.stringify(written));
    expect(again.definition).toEqual(read.definition);
    expect(again.votes).toEqual(read.votes);
    expect(computeResults(again.definition, again.sheets, again.votes)).toEqual(computeResults(read.definition, read.sheets, read.votes));
  });

  it('writes no audienceVotes where there are none, so a contest without a vote exports as before', () => {
    const read = readContestFile(withAudience((doc) => delete doc.audienceVotes));
    expect(read.votes).toEqual([]);
    expect(toContestFile(read.definition, read.sheets, read.votes)).not.toHaveProperty('audienceVotes');
  });

  const refusals: Array<[string, (doc: any) => void, RegExp]> = [
    ['a scale max that is not a whole number of steps', (d) => (d.rules.panels[2].scale = { min: 0, max: 10, step: 3 }), /rules\.panels\[2\]\.scale\.max: audience panel public: the highest vote 10 is not a whole number of steps of 3/],
    ['a scale min that is not a whole number of steps', (d) => (d.rules.panels[2].scale = { min: 1, max: 10, step: 2 }), /rules\.panels\[2\]\.scale\.min: audience panel public: the lowest vote 1 is not a whole number of steps of 2/],
    ['a scale upside down', (d) => (d.rules.panels[2].scale = { min: 5, max: 5, step: 1 }), /rules\.panels\[2\]\.scale\.max: audience panel public: the highest vote 5 must be above the lowest 5/],
    ['a step of 0', (d) => (d.rules.panels[2].scale.step = 0), /rules\.panels\[2\]\.scale\.step: audience panel public: the step must be above 0/],
    ['an audience panel without a scale', (d) => delete d.rules.panels[2].scale, /rules\.panels\[2\]\.scale: the audience panel public needs a vote scale/],
    ['trimPercent over 25', (d) => (d.rules.panels[2].trimPercent = 30), /rules\.panels\[2\]\.trimPercent: expected integer to be less or equal to 25 \(got 30\)/],
    ['trimPercent below 0', (d) => (d.rules.panels[2].trimPercent = -1), /rules\.panels\[2\]\.trimPercent: expected integer to be greater or equal to 0 \(got -1\)/],
    ['dropHighest on the audience panel', (d) => (d.rules.panels[2].dropHighest = 1), /rules\.panels\[2\]\.dropHighest: panel public is the audience panel; it trims with trimPercent/],
    ['trimPercent on a judges’ panel', (d) => (d.rules.panels[0].trimPercent = 10), /rules\.panels\[0\]\.trimPercent: panel main is a judges' panel/],
    ['a second audience panel', (d) => ((d.rules.panels[1].weight = 0.2), d.rules.panels.push({ ...PUBLIC, key: 'net' })), /rules\.panels\[3\]\.kind: panel net is a second audience panel; a contest has at most one/],
    ['weights not summing to 1', (d) => (d.rules.panels[2].weight = 0.2), /rules\.panels: the panel weights sum to 1\.1, they must sum to exactly 1/],
    ['a judge on the audience panel', (d) => (d.judges[0].panel = 'public'), /judges\[0\]\.panel: judge m1: panel public is the audience panel, which has no judges/],
    ['a kind that does not exist', (d) => (d.rules.panels[2].kind = 'crowd'), /rules\.panels\[2\]\.kind/],
    ['a vote off the scale', (d) => (d.audienceVotes[1].value = 11), /audienceVotes\[1\]\.value: voter vb, presenter p01: the vote 11 is outside 1–10/],
    ['a vote between steps', (d) => (d.audienceVotes[1].value = 7.5), /audienceVotes\[1\]\.value: voter vb, presenter p01: the vote 7\.5 is not a whole step of 1/],
    ['a vote for an unknown presenter', (d) => (d.audienceVotes[2].presenter = 'p99'), /audienceVotes\[2\]\.presenter: no presenter with key "p99"/],
    ['two votes of one voter for one presenter', (d) => (d.audienceVotes[1].voter = 'va'), /audienceVotes\[1\]: a second vote by voter va for presenter p01/],
    [
      'a contest whose only panel is the audience',
      (d) => ((d.rules.panels = [{ ...PUBLIC, weight: 1 }]), (d.judges = []), (d.scores = []), (d.rules.tieBreak = [])),
      /^rules\.panels: the only panel is the audience panel public; a contest needs at least one judges' panel besides the audience vote$/,
    ],
    ['votes without an audience panel', (d) => ((d.rules.panels = d.rules.panels.slice(0, 2)), (d.rules.panels[0].weight = 0.7)), /audienceVotes: the file has audience votes but its rules have no audience panel/],
  ];
  it.each(refusals)('refuses %s, naming the field', (_, change, message) => {
    expect(() => readContestFile(withAudience(change))).toThrow(message);
  });

  it('lets tieBreak name the audience panel', () => {
    expect(readContestFile(withAudience((d) => (d.rules.tieBreak = ['main', 'public']))).definition.rules.tieBreak).toEqual(['main', 'public']);
  });
});
