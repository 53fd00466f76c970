import { readFileSync } from 'node:fs';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import { withAbsentJudge, type ContestDefinition } from '../../server/domain/contest.ts';
import { Exact } from '../../server/domain/exact.ts';
import { initialLiveState, type LiveState } from '../../server/domain/live.ts';
import type { Actor, Decision, LiveCommand } from '../../server/domain/live/commands.ts';
import { decide } from '../../server/domain/live/decide.ts';
import type { LiveView } from '../../server/domain/projections.ts';
import { sheetTotal } from '../../server/domain/scoring.ts';
import { withSheetInForce, type SheetsInForce, type StoredSheet } from '../../server/domain/sheets.ts';

/**
 * A live contest in memory, driven through the domain's own state machine (domain/live/decide.ts)
 * and kept the way live-contests.service.ts keeps it, without a database: an accepted sheet is
 * stored with an id (superseded ones stay), the sheets in force are recomputed from them, and a
 * judge marked absent is added to the contest. Unit tests of the state machine and of the
 * projections build their states with it.
 */

/** test/fixtures/small-contest.json: p1 … p5; main m1–m4 (drop highest and lowest), eval e1–e3; e3 recused from p2 */
const { definition: SMALL_DEFINITION } = readContestFile(readFileSync(new URL('../fixtures/small-contest.json', import.meta.url), 'utf8'));

export const HOST: Actor = { role: 'host' };
const judge = (key: string): Actor => ({ role: 'judge', judge: key });

/** the refusal's code, or 'ok' */
export const code = (d: Decision): string => (d.ok ? 'ok' : d.code);

export class LiveHarness {
  contest: ContestDefinition;
  state: LiveState;
  /** every stored sheet, superseded ones too, by id */
  readonly sheetsById = new Map<string, StoredSheet>();
  /** the sheets in force: presenter → judge → sheet */
  sheets: SheetsInForce = new Map();
  now = 1_000_000;

  constructor(contest: ContestDefinition = SMALL_DEFINITION) {
    this.contest = contest;
    this.state = initialLiveState(contest);
  }

  try(command: LiveCommand, actor: Actor = HOST): Decision {
    const decision = decide(this.contest, this.state, this.sheets, actor, command, this.now);
    if (!decision.ok) return decision;
    this.state = decision.state;
    if (decision.absence) this.contest = withAbsentJudge(this.contest, decision.absence.presenter, decision.absence.judge);
    if (decision.sheet) {
      const id = String(this.sheetsById.size + 1);
      const stored = { ...decision.sheet, id, total: sheetTotal(decision.sheet.items), submissionId: `sub-${id}`, createdAt: this.now };
      this.sheetsById.set(id, stored);
      // as the service does: the maps of other presenters stay the same objects (the projections reuse what they computed from them)
      this.sheets = withSheetInForce(this.sheets, stored);
    }
    return decision;
  }

  do(command: LiveCommand, actor: Actor = HOST): Decision & { ok: true } {
    const decision = this.try(command, actor);
    if (!decision.ok) throw new Error(`${command.type} refused: ${decision.message}`);
    return decision;
  }

  submit(presenter: string, judgeKey: string, content = '50', delivery = '30', actor: Actor = judge(judgeKey)): Decision {
    return this.try({ type: 'sheet:submit', presenter, judge: judgeKey, items: { content: Exact.parse(content), delivery: Exact.parse(delivery) } }, actor);
  }

  phase(presenter: string) {
    return this.state.turns[presenter]!.phase;
  }

  /** what the projections are computed from, as the service hands it over */
  view(): LiveView {
    return { id: 'contest-1', contest: this.contest, state: this.state, inForce: this.sheets, sheetsById: this.sheetsById, watch: { code: 'abcdefg', showQr: true }, now: this.now };
  }
}
