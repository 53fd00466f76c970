import { describe, expect, it } from 'vitest';
import { Exact } from '../../../server/domain/exact.ts';
import { byPresenterAndJudge, sheetsInForce, type StoredSheet } from '../../../server/domain/sheets.ts';

/** Which stored sheet counts: the head of each (presenter, judge)'s chain of corrections. */

const stored = (id: string, presenter: string, judge: string, supersedesId: string | null, enteredBy: StoredSheet['enteredBy'] = 'judge'): StoredSheet => ({
  id,
  presenter,
  judge,
  items: { score: Exact.of(Number(id)) },
  total: Exact.of(Number(id)),
  enteredBy,
  supersedesId,
  submissionId: `sub-${id}`,
  reason: supersedesId === null ? null : 'typo',
  createdAt: 0,
});

const ids = (sheets: readonly StoredSheet[]) => sheets.map((s) => s.id);

describe('the sheet in force', () => {
  it('after reopen → resubmit → reopen → resubmit is the last correction, one per judge', () => {
    const chain = [stored('1', 'p1', 'm1', null), stored('2', 'p1', 'm2', null), stored('3', 'p1', 'm1', '1'), stored('4', 'p1', 'm1', '3')];
    expect(ids(sheetsInForce(chain))).toEqual(['2', '4']);
    expect(byPresenterAndJudge(sheetsInForce(chain)).get('p1')!.get('m1')!.id).toBe('4');
  });

  it('is an imported sheet until it is corrected, then the correction', () => {
    const imported = stored('1', 'p1', 'm1', null, 'import');
    expect(ids(sheetsInForce([imported]))).toEqual(['1']);
    expect(ids(sheetsInForce([imported, stored('2', 'p1', 'm1', '1', 'host')]))).toEqual(['2']);
  });

  it('follows what supersedes what, not which id is highest', () => {
    // ids need not grow along a chain (a restored or merged data folder): the link decides
    const sheets = [stored('9', 'p1', 'm1', null), stored('10', 'p1', 'm1', '9'), stored('100', 'p2', 'm1', null), stored('20', 'p2', 'm1', '100')];
    expect(ids(sheetsInForce(sheets))).toEqual(['10', '20']);
    expect(ids(sheetsInForce([...sheets].reverse()))).toEqual(['20', '10']);
  });

  it('is never two sheets of one judge for one presenter: a forked chain is an error, not a silent choice', () => {
    const fork = [stored('1', 'p1', 'm1', null), stored('2', 'p1', 'm1', null)];
    expect(() => byPresenterAndJudge(sheetsInForce(fork))).toThrow(/two sheets in force for presenter p1 by judge m1/);
  });
});
