import fc from 'fast-check';
import type { LiveCommand } from '../../server/domain/live/commands.ts';
import type { LiveView } from '../../server/domain/projections.ts';
import { LiveHarness } from './live-harness.ts';

/**
 * Random live contests for property tests (fast-check): the small contest (test/fixtures), played
 * properly through two turns, then any commands a host or a judge might send at any moment (many
 * are refused, which moves nothing), as the state machine decides them.
 */

const PRESENTERS = ['p1', 'p2', 'p3', 'p4', 'p5'];
export const JUDGES = ['m1', 'm2', 'm3', 'm4', 'e1', 'e2', 'e3'];
const SCREENS = ['title', 'turn', 'ranking', 'awards'] as const;

type Submit = { type: 'sheet:submit'; presenter: string; judge: string; content: string; delivery: string };

/** a command a host or a judge might send at any moment */
export const anyCommand: fc.Arbitrary<LiveCommand> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant('sheet:submit' as const), presenter: fc.constantFrom(...PRESENTERS), judge: fc.constantFrom(...JUDGES), content: fc.constantFrom('40', '50', '55.5', '60'), delivery: fc.constantFrom('20', '30', '39.5') }) },
  { weight: 6, arbitrary: fc.record({ type: fc.constantFrom('turn:start', 'turn:open-scoring', 'turn:close', 'turn:reveal', 'turn:skip', 'turn:reset'), presenter: fc.constantFrom(...PRESENTERS) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constantFrom('sheet:reopen', 'judge:excuse'), presenter: fc.constantFrom(...PRESENTERS), judge: fc.constantFrom(...JUDGES), reason: fc.constant('写错了') }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('screen:show' as const), screen: fc.constantFrom(...SCREENS) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constantFrom('clock:pause', 'clock:resume', 'awards:reveal-next') }) },
) as fc.Arbitrary<LiveCommand>;

/** the contest through `commands`: what the projections are given after each (a second later each time) */
export function viewsThrough(commands: LiveCommand[]): LiveView[] {
  return playThrough(commands, (h) => h.view());
}

/** the contest played properly through two turns, then `commands`, each a second after the last: what `visit` makes of the contest after each */
export function playThrough<T>(commands: LiveCommand[], visit: (h: LiveHarness) => T): T[] {
  const h = new LiveHarness();
  // a contest played properly first, so the random commands find every phase
  for (const p of ['p1', 'p2']) {
    h.do({ type: 'turn:start', presenter: p });
    h.do({ type: 'turn:open-scoring', presenter: p });
    for (const j of JUDGES) h.submit(p, j, p === 'p1' ? '50' : '55', j.startsWith('e') ? '30' : '35.5');
    h.try({ type: 'turn:close', presenter: p });
    h.do({ type: 'turn:reveal', presenter: p });
  }
  return commands.map((c) => {
    h.now += 1000;
    if (c.type === 'sheet:submit') {
      const { presenter, judge, content, delivery } = c as unknown as Submit;
      h.submit(presenter, judge, content, delivery, { role: 'judge', judge });
    } else h.try(c);
    return visit(h);
  });
}
