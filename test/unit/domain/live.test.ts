import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clockElapsedMs, onlyVersionMoved, type LiveState } from '../../../server/domain/live.ts';
import { code, HOST, LiveHarness } from '../../helpers/live-harness.ts';
import { anyCommand, playThrough } from '../../helpers/random-contest.ts';

/** The turn state machine, command by command, as the host and judges drive it. */

describe('a turn', () => {
  it('goes waiting → presenting → scoring → closed → revealed, each step moving both versions on', () => {
    const h = new LiveHarness();
    expect(h.phase('p1')).toBe('waiting');
    h.do({ type: 'turn:start', presenter: 'p1' });
    expect([h.phase('p1'), h.state.current, h.state.screen, h.state.version, h.state.turnsVersion]).toEqual(['presenting', 'p1', 'turn', 1, 1]);
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.do({ type: 'turn:close', presenter: 'p1' });
    h.do({ type: 'turn:reveal', presenter: 'p1' });
    expect(h.phase('p1')).toBe('revealed');
    expect(h.state.turnsVersion).toBe(4);
  });

  it('lets only one presenter be on stage or in scoring at a time', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    const second = h.try({ type: 'turn:start', presenter: 'p2' });
    expect(code(second)).toBe('invalid_transition');
    expect(second.ok ? '' : second.message).toMatch(/张书记 is still presenting/);
  });

  it('closes by itself when the last non-recused judge submits, and counts a recused judge as not expected', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p2' });
    h.do({ type: 'turn:open-scoring', presenter: 'p2' });
    for (const key of ['m1', 'm2', 'm3', 'm4', 'e1']) expect(code(h.submit('p2', key))).toBe('ok');
    expect(h.phase('p2')).toBe('scoring');
    const last = h.submit('p2', 'e2');
    expect(h.phase('p2')).toBe('closed'); // e3 is recused from p2
    expect(last.ok && last.audit.map((a) => a.action)).toEqual(['sheet:submit', 'turn:close']);
  });

  it('does not move the host’s version for an ordinary sheet, so judges submitting never make the host’s command stale', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    const before = h.state.turnsVersion;
    h.submit('p1', 'm1');
    expect(h.state.turnsVersion).toBe(before);
    expect(h.state.version).toBe(3);
  });

  it('can be undone while no sheet has arrived, and not after', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:reset', presenter: 'p1' });
    expect([h.phase('p1'), h.state.current, h.state.screen]).toEqual(['waiting', null, 'title']);
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.submit('p1', 'm1');
    const undo = h.try({ type: 'turn:reset', presenter: 'p1' });
    expect(code(undo)).toBe('invalid_transition');
    expect(undo.ok ? '' : undo.message).toMatch(/sheets have already arrived/);
  });

  it('can be skipped while waiting (absent), and the skip undone', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:skip', presenter: 'p5' });
    expect(h.phase('p5')).toBe('skipped');
    expect(code(h.try({ type: 'turn:start', presenter: 'p5' }))).toBe('invalid_transition');
    h.do({ type: 'turn:reset', presenter: 'p5' });
    expect(h.phase('p5')).toBe('waiting');
  });
});

describe('the projector', () => {
  it('shows one presenter: revealing an earlier turn while another is on stage is refused', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.do({ type: 'turn:close', presenter: 'p1' });
    h.do({ type: 'turn:start', presenter: 'p2' });
    const reveal = h.try({ type: 'turn:reveal', presenter: 'p1' });
    expect(code(reveal)).toBe('invalid_transition');
    expect(reveal.ok ? '' : reveal.message).toMatch(/李书记 is presenting; reveal 张书记 after that turn is closed/);
  });
});

describe('the talk clock', () => {
  it('runs from the start, stops while paused, and stops for good when scoring opens', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.now += 60_000;
    h.do({ type: 'clock:pause' });
    h.now += 30_000; // paused: does not count
    expect(clockElapsedMs(h.state.turns.p1!.clock, h.now)).toBe(60_000);
    expect(code(h.try({ type: 'clock:pause' }))).toBe('invalid_transition');
    h.do({ type: 'clock:resume' });
    h.now += 15_000;
    expect(clockElapsedMs(h.state.turns.p1!.clock, h.now)).toBe(75_000);
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.now += 99_000;
    expect(clockElapsedMs(h.state.turns.p1!.clock, h.now)).toBe(75_000);
    expect(code(h.try({ type: 'clock:resume' }))).toBe('invalid_transition');
  });
});

describe('a sheet', () => {
  it('is refused before scoring opens, after it closed, twice, when recused, or out of range', () => {
    const h = new LiveHarness();
    expect(code(h.submit('p1', 'm1'))).toBe('turn_not_open');
    h.do({ type: 'turn:start', presenter: 'p1' });
    expect(code(h.submit('p1', 'm1'))).toBe('turn_not_open');
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    expect(code(h.submit('p1', 'm1', '60.5'))).toBe('out_of_range');
    expect(code(h.submit('p1', 'm1', '50.3'))).toBe('out_of_range');
    expect(code(h.submit('p1', 'm1'))).toBe('ok');
    expect(code(h.submit('p1', 'm1'))).toBe('already_submitted');
    h.do({ type: 'turn:close', presenter: 'p1' });
    expect(code(h.submit('p1', 'm2'))).toBe('turn_not_open');
    h.do({ type: 'turn:reveal', presenter: 'p1' });
    h.do({ type: 'turn:start', presenter: 'p2' });
    h.do({ type: 'turn:open-scoring', presenter: 'p2' });
    expect(code(h.submit('p2', 'e3'))).toBe('recused');
  });

  it('can be replaced once after the host reopens it with a reason, even after the reveal, superseding the old one', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.submit('p1', 'm1', '50', '30');
    h.do({ type: 'turn:close', presenter: 'p1' });
    h.do({ type: 'turn:reveal', presenter: 'p1' });
    const shownId = h.state.turns.p1!.revealed!.sheetIds.m1;
    h.do({ type: 'sheet:reopen', presenter: 'p1', judge: 'm1', reason: '误触' });
    const correction = h.submit('p1', 'm1', '55', '30');
    expect(correction.ok && correction.sheet).toMatchObject({ supersedesId: shownId, reason: '误触', enteredBy: 'judge' });
    expect(correction.ok && correction.audit[0]!.action).toBe('sheet:correct');
    expect(code(h.submit('p1', 'm1', '56', '30'))).toBe('already_submitted');
    // the reveal still points at the sheet that was shown, until the host reveals again
    expect(h.state.turns.p1!.revealed!.sheetIds.m1).toBe(shownId);
    h.do({ type: 'turn:reveal', presenter: 'p1' });
    expect(h.state.turns.p1!.revealed).toMatchObject({ count: 2, sheetIds: { m1: h.sheets.get('p1')!.get('m1')!.id } });
  });

  it('entered by the host for a judge (代录) is marked as such', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    const entered = h.submit('p1', 'm2', '50', '30', HOST);
    expect(entered.ok && entered.sheet).toMatchObject({ enteredBy: 'host', reason: expect.stringContaining('代录') });
    expect(entered.ok && entered.audit[0]!.detail).toMatchObject({ enteredBy: 'host' });
  });

  it('may come late on paper: the host enters it for a closed or revealed turn, a judge may not', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.do({ type: 'turn:close', presenter: 'p1' });
    expect(code(h.submit('p1', 'm4'))).toBe('turn_not_open');
    expect(code(h.submit('p1', 'm4', '50', '30', HOST))).toBe('ok');
    h.do({ type: 'turn:reveal', presenter: 'p1' });
    expect(code(h.submit('p1', 'm3', '50', '30', HOST))).toBe('ok');
    expect(h.phase('p1')).toBe('revealed');
  });

  it('cannot be reopened when there is none', () => {
    const h = new LiveHarness();
    expect(code(h.try({ type: 'sheet:reopen', presenter: 'p1', judge: 'm1', reason: 'x' }))).toBe('invalid_transition');
    expect(code(h.try({ type: 'sheet:reopen', presenter: 'p1', judge: 'zz', reason: 'x' }))).toBe('not_found');
  });
});

describe('an absent judge', () => {
  it('excused by the host from a presenter no longer holds the turn open: the last sheet in closes it', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    for (const key of ['m1', 'm2', 'm3', 'e1', 'e2', 'e3']) h.submit('p1', key);
    expect(h.phase('p1')).toBe('scoring'); // m4 never comes
    const excuse = h.do({ type: 'judge:excuse', presenter: 'p1', judge: 'm4', reason: '评委临时离场' });
    expect(excuse.absence).toEqual({ presenter: 'p1', judge: 'm4' });
    expect(h.phase('p1')).toBe('closed');
    expect(excuse.audit.map((a) => a.action)).toEqual(['judge:excuse', 'turn:close']);
  });

  it('cannot be excused when they are the last judge of their panel left for that presenter', () => {
    const h = new LiveHarness();
    h.do({ type: 'judge:excuse', presenter: 'p2', judge: 'e1', reason: 'x' }); // e3 is recused from p2 already
    const last = h.try({ type: 'judge:excuse', presenter: 'p2', judge: 'e2', reason: 'x' });
    expect(code(last)).toBe('invalid_transition');
    expect(last.ok ? '' : last.message).toMatch(/last judge of their panel/);
  });

  it('cannot be excused once the turn is revealed: the projector would change without a reveal', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.do({ type: 'turn:close', presenter: 'p1' });
    h.do({ type: 'turn:reveal', presenter: 'p1' });
    expect(code(h.try({ type: 'judge:excuse', presenter: 'p1', judge: 'm4', reason: 'x' }))).toBe('invalid_transition');
  });

  it('is marked absent, not recused: their sheet is then refused (code recused) with the word absent', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.do({ type: 'judge:excuse', presenter: 'p1', judge: 'm4', reason: '评委临时离场' });
    const p1 = h.contest.presenters.find((p) => p.key === 'p1')!;
    expect([p1.recused, p1.absent]).toEqual([[], ['m4']]);
    const late = h.submit('p1', 'm4');
    expect(code(late)).toBe('recused');
    expect(late.ok ? '' : late.message).toMatch(/marked absent \(缺席\)/);
    expect(code(h.submit('p1', 'm4', '50', '30', HOST))).toBe('recused');
    const twice = h.try({ type: 'judge:excuse', presenter: 'p1', judge: 'm4', reason: 'x' });
    expect([code(twice), twice.ok ? '' : twice.message]).toEqual(['invalid_transition', expect.stringMatching(/already marked absent/)]);
  });

  it('cannot be excused where a sheet of theirs is in, or twice', () => {
    const h = new LiveHarness();
    h.do({ type: 'turn:start', presenter: 'p1' });
    h.do({ type: 'turn:open-scoring', presenter: 'p1' });
    h.submit('p1', 'm1');
    expect(code(h.try({ type: 'judge:excuse', presenter: 'p1', judge: 'm1', reason: 'x' }))).toBe('already_submitted');
    expect(code(h.try({ type: 'judge:excuse', presenter: 'p2', judge: 'e3', reason: 'x' }))).toBe('invalid_transition');
  });
});

describe('a correction not revealed again', () => {
  /** every turn revealed (p5 skipped), with every expected sheet in, or closed without sheets */
  function finished(scored = true): LiveHarness {
    const h = new LiveHarness();
    for (const p of ['p1', 'p2', 'p3', 'p4']) {
      h.do({ type: 'turn:start', presenter: p });
      h.do({ type: 'turn:open-scoring', presenter: p });
      const judges = ['m1', 'm2', 'm3', 'm4', 'e1', 'e2', 'e3'].filter((j) => p !== 'p2' || j !== 'e3');
      if (scored) for (const j of judges) h.submit(p, j);
      else h.do({ type: 'turn:close', presenter: p });
      h.do({ type: 'turn:reveal', presenter: p });
    }
    h.do({ type: 'turn:skip', presenter: 'p5' });
    return h;
  }

  it('holds back the ranking and the awards until the host reveals it again', () => {
    const h = finished();
    h.do({ type: 'sheet:reopen', presenter: 'p3', judge: 'm2', reason: '误填' });
    // reopened, not yet replaced: the sheets in force are still those shown
    h.do({ type: 'screen:show', screen: 'ranking' });
    expect(code(h.submit('p3', 'm2', '20', '10'))).toBe('ok');
    for (const command of [{ type: 'awards:reveal-next' }, { type: 'screen:show', screen: 'ranking' }] as const) {
      const refused = h.try(command);
      expect(code(refused)).toBe('correction_pending');
      expect(refused.ok ? '' : refused.message).toMatch(/王书记: a corrected score is not on the projector yet/);
    }
    expect(code(h.try({ type: 'screen:show', screen: 'title' }))).toBe('ok');
    h.do({ type: 'turn:reveal', presenter: 'p3' });
    h.do({ type: 'awards:reveal-next' });
    h.do({ type: 'screen:show', screen: 'ranking' });
  });

  it('coming after the awards are shown (or as a late paper sheet) keeps the awards screen off until the re-reveal', () => {
    const h = finished();
    h.do({ type: 'awards:reveal-next' });
    h.do({ type: 'sheet:reopen', presenter: 'p1', judge: 'e1', reason: '误填' });
    h.submit('p1', 'e1', '10', '10');
    h.do({ type: 'screen:show', screen: 'title' });
    expect(code(h.try({ type: 'screen:show', screen: 'awards' }))).toBe('correction_pending');
    expect(code(h.try({ type: 'awards:reveal-next' }))).toBe('correction_pending');
    h.do({ type: 'turn:reveal', presenter: 'p1' });
    h.do({ type: 'screen:show', screen: 'awards' });

    // a judge's paper sheet entered late for a revealed turn also waits for a re-reveal
    const late = finished(false);
    expect(code(late.submit('p4', 'm1', '50', '30', HOST))).toBe('ok');
    expect(code(late.try({ type: 'awards:reveal-next' }))).toBe('correction_pending');
  });
});

describe('the awards', () => {
  it('wait until every turn is revealed or skipped, then go up one level at a time and stop at the top', () => {
    const h = new LiveHarness();
    expect(code(h.try({ type: 'awards:reveal-next' }))).toBe('not_finished');
    for (const p of ['p1', 'p2', 'p3', 'p4']) {
      h.do({ type: 'turn:start', presenter: p });
      h.do({ type: 'turn:open-scoring', presenter: p });
      h.do({ type: 'turn:close', presenter: p });
      h.do({ type: 'turn:reveal', presenter: p });
    }
    h.do({ type: 'turn:skip', presenter: 'p5' });
    for (const shown of [1, 2, 3]) {
      h.do({ type: 'awards:reveal-next' });
      expect([h.state.screen, h.state.awardsShown]).toEqual(['awards', shown]);
    }
    expect(code(h.try({ type: 'awards:reveal-next' }))).toBe('invalid_transition');
    // the host may show the ranking again and come back to the awards as they were
    h.do({ type: 'screen:show', screen: 'ranking' });
    h.do({ type: 'screen:show', screen: 'awards' });
    expect([h.state.screen, h.state.awardsShown]).toEqual(['awards', 3]);
  });
});

describe('a change that moves only the version (the stored state is then not written again)', () => {
  it('is what a sheet that leaves its turn open is; the sheet that closes the turn, and every host step, move more', () => {
    const h = new LiveHarness();
    const moved = (step: () => unknown) => {
      const before = h.state;
      step();
      return onlyVersionMoved(before, h.state) ? 'version only' : 'more';
    };
    expect(moved(() => h.do({ type: 'turn:start', presenter: 'p1' }))).toBe('more');
    expect(moved(() => h.do({ type: 'turn:open-scoring', presenter: 'p1' }))).toBe('more');
    expect(['m1', 'm2', 'm3', 'm4', 'e1', 'e2'].map((j) => moved(() => h.submit('p1', j)))).toEqual(Array(6).fill('version only'));
    expect(moved(() => h.submit('p1', 'e3'))).toBe('more');
    expect(h.phase('p1')).toBe('closed');
    expect(moved(() => h.do({ type: 'turn:reveal', presenter: 'p1' }))).toBe('more');
    expect(moved(() => h.do({ type: 'screen:show', screen: 'ranking' }))).toBe('more');
  });

  it('is never said of a change that moved anything but the version, whatever a host and the judges send (each state written down as it was made)', () => {
    const withoutVersion = (state: LiveState) => JSON.stringify({ ...state, version: 0 });
    fc.assert(
      fc.property(fc.array(anyCommand, { minLength: 1, maxLength: 40 }), (commands) => {
        let last: { state: LiveState; text: string } | null = null;
        for (const step of playThrough(commands, (h) => ({ state: h.state, text: withoutVersion(h.state) }))) {
          if (last && onlyVersionMoved(last.state, step.state)) expect(step.text).toBe(last.text);
          last = step;
        }
      }),
    );
  });
});
