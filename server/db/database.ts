import type { ActorRole, AuditAction, EnteredBy } from '../contracts/vocabulary.ts';
import type { ColumnType, Generated, Selectable } from 'kysely';

/**
 * The one Kysely Database interface: every table as the migrations in migrations/ leave it.
 * `numeric` columns are read and written as decimal text (never JS numbers); jsonb columns hold
 * plain JSON values.
 */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ServerSettingsTable {
  key: string;
  value: string;
  updated_at: Timestamp;
}

export interface ContestsTable {
  id: string;
  title: string;
  created_at: Timestamp;
}

export interface AwardRow {
  name: string;
  count: number | null;
}

export interface ContestRulesTable {
  contest_id: string;
  decimals: number;
  tie_break: Json<string[]>;
  time_limit_seconds: number | null;
  awards: Json<AwardRow[]>;
}

export interface PanelsTable {
  contest_id: string;
  key: string;
  position: number;
  name: string;
  weight: string;
  drop_highest: number;
  drop_lowest: number;
  kind: ColumnType<'judges' | 'audience', 'judges' | 'audience' | undefined, 'judges' | 'audience'>;
  /** the audience panel's vote scale and trim share (decimal text); null for a judges' panel */
  scale_min: string | null;
  scale_max: string | null;
  scale_step: string | null;
  trim_percent: number | null;
}

export interface CriteriaTable {
  contest_id: string;
  key: string;
  position: number;
  name: string;
  max: string;
  step: string;
}

export interface PresentersTable {
  contest_id: string;
  key: string;
  position: number;
  running_order: number | null;
  name: string;
  unit: string;
  topic: string;
}

export interface JudgesTable {
  contest_id: string;
  key: string;
  position: number;
  name: string;
  panel_key: string;
}

export interface RecusalsTable {
  contest_id: string;
  presenter_key: string;
  judge_key: string;
}

/** a judge the host marked absent (缺席) for a presenter: not expected to score them, like a recusal */
export interface AbsencesTable {
  contest_id: string;
  presenter_key: string;
  judge_key: string;
}

export type AccessRole = 'host' | 'display' | 'judge';

export interface AccessTokensTable {
  token_hash: string;
  contest_id: string;
  role: AccessRole;
  judge_key: string | null;
  generation: number;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface ScoreSheetsTable {
  /** bigint identity; pg and PGlite return it as text */
  id: Generated<string>;
  contest_id: string;
  presenter_key: string;
  judge_key: string;
  submission_id: string;
  /** criterion key → decimal text */
  items: Json<Record<string, string>>;
  total: string;
  supersedes_id: string | null;
  entered_by: EnteredBy;
  reason: string | null;
  created_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  contest_id: string | null;
  at: Timestamp;
  actor_role: ActorRole;
  actor_key: string | null;
  action: AuditAction;
  presenter_key: string | null;
  judge_key: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface ContestLiveTable {
  contest_id: string;
  version: number;
  /** a LiveState (server/domain/live.ts) as JSON */
  state: Json<unknown>;
  updated_at: Timestamp;
}

/** a contest's audience page (/watch/<code>): kept apart from the contest's rules, never exported */
export interface WatchCodesTable {
  contest_id: string;
  /** short, public, random: not derived from any secret */
  code: string;
  /** the projector shows the QR of /watch/<code> on its title, presenting and ranking views */
  show_qr: ColumnType<boolean, boolean | undefined, boolean>;
  /** the audience vote's optional entry code (shown only on the projector); null: none */
  entry_code: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: Timestamp;
}

/** every audience vote a phone cast (append-only); the last of a voter for a presenter counts */
export interface AudienceVotesTable {
  /** bigint identity; pg and PGlite return it as text */
  id: Generated<string>;
  contest_id: string;
  presenter_key: string;
  /** the anonymous voter id as exported: a digest of the phone's secret, never the secret */
  voter: string;
  /** decimal text */
  value: string;
  /** the phone's id for this vote: a retry with the same id stores nothing */
  vote_id: string;
  created_at: Timestamp;
}

export interface Database {
  server_settings: ServerSettingsTable;
  contests: ContestsTable;
  contest_rules: ContestRulesTable;
  panels: PanelsTable;
  criteria: CriteriaTable;
  presenters: PresentersTable;
  judges: JudgesTable;
  recusals: RecusalsTable;
  absences: AbsencesTable;
  access_tokens: AccessTokensTable;
  score_sheets: ScoreSheetsTable;
  audit_log: AuditLogTable;
  contest_live: ContestLiveTable;
  watch_codes: WatchCodesTable;
  audience_votes: AudienceVotesTable;
}

export type ScoreSheetRow = Selectable<ScoreSheetsTable>;
export type AuditEntry = Selectable<AuditLogTable>;
