import type { HostSnapshot, SheetReceipt } from '../../../server/contracts/snapshots.ts';
import type { CommandEvent, Payload } from '../../../server/contracts/socket.ts';
import type { AckErrorCode, TurnPhase } from '../../../server/contracts/vocabulary.ts';
import { Connection } from '../lib/connection.svelte.ts';
import { t } from './messages.ts';
import { focusTurn, indexSnapshot, judgePresence, liveSignature, nextStep, owedReveals, secondaryActions, type Presence, type Secondary, type SnapshotIndex, type Step } from './next-step.ts';

/**
 * The host console's state: the server's latest snapshot (through the one Connection), what the
 * host selected, which command is in flight, the last refusal and the open dialog. Everything the
 * page shows is derived from these; nothing is copied out of the snapshot.
 */

/** Where a command was started from: its refusal is shown next to that control. */
export type Place = 'next' | 'clock' | 'skip' | 'undo' | 'rereveal' | 'owed' | 'screen' | 'awards' | 'reopen' | 'excuse' | 'paper';

export interface Refusal {
  place: Place;
  code: AckErrorCode | 'timeout';
  message: string;
}

export type Dialog =
  | { kind: 'confirm-close'; presenter: string; missing: string[] }
  | { kind: 'confirm-undo'; presenter: string; from: TurnPhase }
  | { kind: 'confirm-skip'; presenter: string }
  | { kind: 'reopen'; presenter: string; judge: string }
  | { kind: 'excuse'; presenter: string; judge: string }
  | { kind: 'paper'; presenter: string; judge: string };

/** Host commands that carry the turnsVersion they were made against. */
type TurnCommand = Exclude<CommandEvent, 'contest:sync' | 'sheet:submit' | 'sheet:enter'>;
type WithoutVersion<E extends TurnCommand> = Omit<Payload<E>, 'turnsVersion'>;

const TURN_EVENTS: ReadonlySet<CommandEvent> = new Set(['turn:start', 'turn:open-scoring', 'turn:close', 'turn:reveal', 'turn:skip', 'turn:reset', 'awards:reveal-next']);

export type SheetOutcome = { ok: true; receipt: SheetReceipt } | { ok: false; code: AckErrorCode | 'timeout'; message: string };

export class HostConsole {
  readonly conn: Connection<HostSnapshot>;
  /** the row the host clicked, and the live turn's signature at that moment */
  #selection = $state<{ presenter: string; live: string } | null>(null);
  /** the command waiting for its acknowledgement: every command button is disabled meanwhile */
  inFlight = $state<Place | null>(null);
  refusal = $state<Refusal | null>(null);
  dialog = $state<Dialog | null>(null);
  /** this device's clock, ticking for the talk clock */
  now = $state(Date.now());

  readonly index: SnapshotIndex | null;
  /** the row the host selected, while the live turn has not moved since; null follows the live turn */
  readonly selected: string | null;
  /** the turn the console would show without a selection */
  readonly liveFocus: string | null;
  readonly focus: string | null;
  readonly step: Step;
  readonly secondary: Secondary | null;
  /** revealed turns whose corrected score is not on the projector: shown on every view until revealed again */
  readonly owed: string[];
  /** commands may be sent: online, up to date, nothing in flight */
  readonly canAct: boolean;

  constructor(token: string) {
    this.conn = new Connection<HostSnapshot>(token);
    this.index = $derived(this.conn.snapshot ? indexSnapshot(this.conn.snapshot) : null);
    this.liveFocus = $derived(this.index ? focusTurn(this.index, null) : null);
    this.selected = $derived(this.index && this.#selection?.live === liveSignature(this.index) ? this.#selection.presenter : null);
    this.focus = $derived(this.index ? focusTurn(this.index, this.selected) : null);
    this.step = $derived(this.index ? nextStep(this.index, this.focus) : { kind: 'empty' });
    this.secondary = $derived(this.index ? secondaryActions(this.index, this.focus, this.step) : null);
    this.owed = $derived(this.index ? owedReveals(this.index) : []);
    this.canAct = $derived(!this.conn.stale && this.inFlight === null);
    setInterval(() => (this.now = Date.now()), 250);
  }

  /** server time now (ticks with `now`) */
  get serverNow(): number {
    return this.now + this.conn.clockOffsetMs;
  }

  select(presenter: string | null): void {
    this.#selection = presenter === null || presenter === this.liveFocus || !this.index ? null : { presenter, live: liveSignature(this.index) };
    // a refusal is about the turn that was on the panel
    this.refusal = null;
  }

  dismissRefusal(): void {
    this.refusal = null;
  }

  /**
   * Sends a host command made against the snapshot on screen (its turnsVersion). Resolves true
   * once the server acknowledged it; a refusal is kept for the control at `place`.
   */
  async command<E extends TurnCommand>(place: Place, event: E, payload: WithoutVersion<E>): Promise<boolean> {
    const snapshot = this.conn.snapshot;
    if (!snapshot || !this.canAct) return false;
    this.inFlight = place;
    this.refusal = null;
    const result = await this.conn.send(event, { ...payload, turnsVersion: snapshot.turnsVersion } as Payload<E>);
    this.inFlight = null;
    if (result.ok) {
      // a turn moved: follow the live turn again
      if (TURN_EVENTS.has(event)) this.#selection = null;
      return true;
    }
    this.refusal = { place, code: result.error.code, message: result.error.message };
    return false;
  }

  /**
   * The confirming button of a dialog: closes it, then sends the command. The payload is read
   * before the dialog state (which the dialog's props come from) is cleared.
   */
  confirm<E extends TurnCommand>(place: Place, event: E, payload: WithoutVersion<E>): Promise<boolean> {
    this.dialog = null;
    return this.command(place, event, payload);
  }

  /** Enters a paper sheet on a judge's behalf (代录). The caller keeps the submission id for retries. */
  async enterSheet(presenter: string, judge: string, items: Record<string, string>, submissionId: string): Promise<SheetOutcome> {
    this.inFlight = 'paper';
    const result = await this.conn.send('sheet:enter', { presenter, judge, items, submissionId });
    this.inFlight = null;
    if (result.ok) return { ok: true, receipt: result };
    return { ok: false, code: result.error.code, message: result.error.message };
  }

  /** The presenter's display name with running-order position. */
  presenterName(key: string | null): string {
    if (key === null) return '';
    const p = this.index?.presenter.get(key);
    return p ? `${t('position', { pos: p.position })} ${p.name}` : key;
  }

  judgeName(key: string): string {
    return this.index?.judge.get(key)?.name ?? key;
  }

  /** whether the judge's phone is connected, or since when not (ticks with `now`) */
  presence(key: string): Presence {
    const judge = this.index?.judge.get(key);
    return judge ? judgePresence(judge, this.serverNow) : { kind: 'never' };
  }

  /** 在线, 3 分钟前在线, 尚未连接 */
  presenceText(key: string): string {
    const p = this.presence(key);
    if (p.kind === 'online') return t('online');
    if (p.kind === 'never') return t('neverSeen');
    return p.minutes < 1 ? t('seenJustNow') : t('seenMinutesAgo', { n: p.minutes });
  }
}
