import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { AudienceSnapshot, HostSnapshot, Snapshot, StatePatch } from '../../../server/contracts/snapshots.ts';
import { readContestFile } from '../../../server/contest-file/contest-file.ts';
import { Exact } from '../../../server/domain/exact.ts';
import type { LiveCommand } from '../../../server/domain/live/commands.ts';
import { audienceSnapshot, displaySnapshot, hostSnapshot, judgeSnapshot, type JudgePresence } from '../../../server/domain/projections.ts';
import { applyPatch, statePatch } from '../../../server/domain/state-patch.ts';
import { LiveHarness } from '../../helpers/live-harness.ts';
import { anyCommand, JUDGES, viewsThrough } from '../../helpers/random-contest.ts';

/**
 * `state:patch` (server/domain/state-patch.ts): the broadcaster sends each room what changed since
 * the snapshot it last sent there (named by its `rev`); a page rebuilds the new snapshot from
 * exactly that one, ignores what is older, and asks for the whole state on a gap.
 */

/** the contest through `commands` (the refused ones change nothing), every role's snapshot after each */
function contestThrough(commands: LiveCommand[], presences: Array<Map<string, JudgePresence>>): Snapshot[][] {
  return viewsThrough(commands).map((view, i) => {
    const display = displaySnapshot(view);
    return [hostSnapshot(view, presences[i % presences.length]!), display, audienceSnapshot(display), ...JUDGES.map((j) => judgeSnapshot(view, j))];
  });
}

const presence = fc.array(fc.record({ judge: fc.constantFrom(...JUDGES), connected: fc.boolean(), at: fc.nat(10_000) }), { maxLength: 4 }).map(
  (seen) => new Map(seen.map((s) => [s.judge, { connected: s.connected, lastSeenAt: s.at, seatMoves: 0, seatMovedAt: null }])),
);

const sent = <S extends Snapshot>(s: S, rev: string): S => ({ ...s, rev });

/** docs/protocol.md §4 writes applyPatch out for clients in other languages: that text, compiled */
function applyPatchAsDocumented(): (held: Snapshot, patch: StatePatch) => Snapshot {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const block = /```ts\n(function applyPatch<S>[\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/protocol.md no longer writes applyPatch out');
  const js = ts.transpileModule(block[1]!, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  return new Function(`${js}\nreturn applyPatch;`)() as (held: Snapshot, patch: StatePatch) => Snapshot;
}

describe('a patch between two snapshots of a real contest', () => {
  it('applied to the first gives exactly the second, for every role and any two states, as docs/protocol.md writes it too (fast-check)', () => {
    const documented = applyPatchAsDocumented();
    fc.assert(
      fc.property(fc.array(anyCommand, { minLength: 2, maxLength: 40 }), fc.array(presence, { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat(), (commands, presences, x, y) => {
        const states = contestThrough(commands, presences);
        const a = states[x % states.length]!;
        const b = states[y % states.length]!;
        a.forEach((first, role) => {
          const second = b[role]!;
          const patch = statePatch(sent(first, 'r1'), second, 'r2', true);
          // nothing to send: the two show the same, to the clock
          if (!patch) return expect({ ...second, serverNow: first.serverNow }).toEqual(first);
          const step = applyPatch(sent(first, 'r1'), patch!);
          expect(step).toEqual({ kind: 'apply', snapshot: sent(second, 'r2') });
          // and it travels: the page gets it as JSON
          const travelled = JSON.parse(JSON.stringify(patch)) as StatePatch;
          expect(applyPatch(sent(first, 'r1'), travelled)).toEqual(step);
          // a client written from docs/protocol.md makes the same
          expect(documented(sent(first, 'r1'), travelled)).toEqual(sent(second, 'r2'));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('one more sheet costs the host console that sheet and what it moved, not every sheet again', () => {
    const h = new LiveHarness();
    for (const p of ['p1', 'p2', 'p3']) {
      h.do({ type: 'turn:start', presenter: p });
      h.do({ type: 'turn:open-scoring', presenter: p });
      for (const j of JUDGES.slice(0, p === 'p3' ? 3 : 7)) h.submit(p, j);
    }
    const before = sent(hostSnapshot(h.view(), new Map()), 'r1');
    h.submit('p3', 'm4', '51');
    const after = hostSnapshot(h.view(), new Map());
    const patch = statePatch(before, after, 'r2')!;
    const sheets = patch.changes.find((c) => c.path.join('.') === 'sheets');
    expect(sheets).toEqual({ path: ['sheets'], at: after.sheets.length - 1, remove: 0, insert: [after.sheets.at(-1)] });
    expect(after.sheets.at(-1)).toMatchObject({ presenter: 'p3', judge: 'm4', total: '81' });
    expect(applyPatch<HostSnapshot>(before, patch)).toEqual({ kind: 'apply', snapshot: sent(after, 'r2') });
    const bytes = JSON.stringify(patch).length;
    console.log(`host console, one more sheet of ${after.sheets.length}: patch ${bytes} bytes, snapshot ${JSON.stringify(after).length} bytes`);
    expect(bytes).toBeLessThan(JSON.stringify(after).length / 3);
  });

  it('on the 22-judge demo, the host console is sent a sheet’s worth, whatever the number of sheets in (the bytes are printed)', () => {
    const { definition } = readContestFile(readFileSync(new URL('../../../contests/demo-wangcheng-2023.json', import.meta.url), 'utf8'));
    const h = new LiveHarness(definition);
    const items = { topic: Exact.parse('17.5'), measures: Exact.parse('26'), results: Exact.parse('25.5'), delivery: Exact.parse('18') };
    const sizes: string[] = [];
    for (const presenter of definition.presenters.slice(0, 21)) {
      h.do({ type: 'turn:start', presenter: presenter.key });
      h.do({ type: 'turn:open-scoring', presenter: presenter.key });
      for (const judge of definition.judges) {
        const before = sent(hostSnapshot(h.view(), new Map()), 'r1');
        h.try({ type: 'sheet:submit', presenter: presenter.key, judge: judge.key, items }, { role: 'judge', judge: judge.key });
        // on the 21st presenter: the 11th sheet, and the last, which closes the turn
        if (presenter !== definition.presenters[20] || (judge !== definition.judges[10] && judge !== definition.judges.at(-1))) continue;
        const after = hostSnapshot(h.view(), new Map());
        const patch = statePatch(before, after, 'r2')!;
        expect(applyPatch(before, patch)).toEqual({ kind: 'apply', snapshot: sent(after, 'r2') });
        sizes.push(`${after.sheets.length} sheets in: snapshot ${JSON.stringify(after).length} bytes, patch ${JSON.stringify(patch).length} bytes`);
        expect(JSON.stringify(patch).length).toBeLessThan(JSON.stringify(after).length / 20);
      }
      h.try({ type: 'turn:close', presenter: presenter.key });
      h.do({ type: 'turn:reveal', presenter: presenter.key });
    }
    console.log(`host console, 22-judge demo, one more sheet: ${sizes.join('; ')}`);
  });

  it('a correction takes the superseded sheet out and puts the new one in, not every sheet again', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    for (const j of JUDGES) h.submit('p1', j);
    h.do({ type: 'sheet:reopen', presenter: 'p1', judge: 'm2', reason: '写错了' });
    const before = sent(hostSnapshot(h.view(), new Map()), 'r1');
    h.submit('p1', 'm2', '44');
    const after = hostSnapshot(h.view(), new Map());
    const patch = statePatch(before, after, 'r2')!;
    const sheets = patch.changes.find((c) => c.path.join('.') === 'sheets');
    const old = before.sheets.find((s) => s.judge === 'm2')!;
    const corrected = after.sheets.find((s) => s.judge === 'm2')!;
    expect(corrected).toMatchObject({ corrected: true, total: '74' });
    expect(after.sheets.some((s) => s.id === old.id)).toBe(false);
    // the run between the sheets kept: the superseded one out, the correction in (the list keeps the order the service gives)
    expect(sheets).toMatchObject({ at: before.sheets.indexOf(old) });
    expect((sheets as { insert: unknown[] }).insert).toContainEqual(corrected);
    expect((sheets as { insert: unknown[] }).insert.length).toBeLessThan(after.sheets.length);
    expect(applyPatch<HostSnapshot>(before, patch)).toEqual({ kind: 'apply', snapshot: sent(after, 'r2') });
  });
});

const audienceOf = (h: LiveHarness): AudienceSnapshot => audienceSnapshot(displaySnapshot(h.view()));

function scoring(): { h: LiveHarness; before: AudienceSnapshot; after: AudienceSnapshot } {
  const h = new LiveHarness();
  h.do({ type: 'turn:start', presenter: 'p1' });
  h.do({ type: 'turn:open-scoring', presenter: 'p1' });
  const before = sent(audienceOf(h), 'r1');
  const submitted = h.submit('p1', 'm1');
  if (!submitted.ok) throw new Error(submitted.message);
  return { h, before, after: audienceOf(h) };
}

describe('what a page does with a patch', () => {
  it('a sheet during scoring changes only the board’s progress, not the presenters, panels or criteria', () => {
    const { before, after } = scoring();
    const patch = statePatch(before, after, 'r2')!;
    expect(patch.changes.map((c) => c.path)).toEqual([['board', 'progress']]);
    expect(patch).toMatchObject({ from: 'r1', rev: 'r2', version: after.version, votes: after.votes, serverNow: after.serverNow });
    expect(JSON.stringify(patch).length).toBeLessThan(JSON.stringify(after).length / 2);
  });

  it('applied over exactly the snapshot it was made from, it gives the new snapshot, as a new object, the old one unchanged', () => {
    const { before, after } = scoring();
    const copy = structuredClone(before);
    const step = applyPatch(before, statePatch(before, after, 'r2')!);
    expect(step).toEqual({ kind: 'apply', snapshot: sent(after, 'r2') });
    expect(step.kind === 'apply' && step.snapshot).not.toBe(before);
    expect(before).toEqual(copy);
  });

  it('a patch older than what is held, or to what is held already, is ignored: the page never goes back', () => {
    const { h, before, after } = scoring();
    const patch = statePatch(before, after, 'r2')!;
    expect(applyPatch(sent(after, 'r2'), patch)).toEqual({ kind: 'ignore' });
    h.submit('p1', 'm2');
    expect(applyPatch(sent(audienceOf(h), 'r7'), patch)).toEqual({ kind: 'ignore' });
    // votes move without the version: at the same version, more votes is newer
    expect(applyPatch({ ...sent(after, 'r5'), votes: after.votes + 1 }, patch)).toEqual({ kind: 'ignore' });
  });

  it('a gap (a patch missed, no snapshot yet, or one made for a join) asks for the whole state', () => {
    const { h, before, after } = scoring();
    h.submit('p1', 'm2');
    const later = statePatch(sent(after, 'r2'), audienceOf(h), 'r3')!;
    expect(applyPatch(before, later)).toEqual({ kind: 'resync' });
    expect(applyPatch(null, later)).toEqual({ kind: 'resync' });
    // a snapshot made for one page alone is named by no patch
    expect(applyPatch({ ...after, rev: null }, later)).toEqual({ kind: 'resync' });
    // nor is a patch that does not fit what is held applied
    expect(applyPatch(sent(after, 'r2'), { ...later, changes: [{ path: ['board', 'progress'], at: 5, remove: 1, insert: [] }] })).toEqual({ kind: 'resync' });
  });

  it('the host console’s change at the same version (a judge’s phone connected) is newer, not ignored', () => {
    const h = new LiveHarness();
    const before = sent(hostSnapshot(h.view(), new Map()), 'r1');
    const after = hostSnapshot(h.view(), new Map([['m1', { connected: true, lastSeenAt: h.now, seatMoves: 0, seatMovedAt: null }]]));
    const patch = statePatch(before, after, 'r2', true)!;
    expect(patch.changes).toEqual([{ path: ['judges'], at: 0, remove: 1, insert: [after.judges[0]] }]);
    expect(applyPatch(before, patch)).toEqual({ kind: 'apply', snapshot: sent(after, 'r2') });
    // a page holding another snapshot of that version cannot tell it is the same: it asks
    expect(applyPatch({ ...before, rev: 'x9' }, patch)).toEqual({ kind: 'resync' });
  });

  it('nothing to send when only the version moved, but for the host console', () => {
    const { before } = scoring();
    const moved = { ...before, rev: null, version: before.version + 1, serverNow: before.serverNow + 5 };
    expect(statePatch(before, moved, 'r2')).toBeNull();
    expect(statePatch(before, moved, 'r2', true)).toMatchObject({ changes: [], version: before.version + 1 });
    // a vote alone moves the counter
    expect(statePatch(before, { ...moved, votes: before.votes + 1 }, 'r2')).toMatchObject({ votes: before.votes + 1 });
  });
});
