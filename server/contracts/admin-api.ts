import { Type, type Static } from '@sinclair/typebox';
import type { ContestFile } from '../contest-file/contest-file.schema.ts';
import type { JudgeConsistency, ResultsTable } from './reports.ts';
import type { ActorRole, AuditAction } from './vocabulary.ts';

/**
 * The admin HTTP API's request bodies and answers, declared once: the routes in server/http/
 * answer with these types and the admin pages (client/src/admin/) read them. Every answer is
 * `{ok: true, …}` or `{ok: false, error: {code, message}}` (server/http/errors.ts). Scores and
 * weights travel as decimal strings, never as floats. docs/protocol.md §10 explains the routes.
 *
 * Routes (all under /api; every one but POST /api/admin/session needs the admin cookie or
 * `Authorization: Bearer <ADMIN_TOKEN>`):
 *   POST   /admin/session                    log in: {token} → sets the httpOnly admin cookie
 *   GET    /admin/session                    who am I: {ok, expiresAt}
 *   DELETE /admin/session                    log out
 *   GET    /contests                          ContestListAnswer
 *   POST   /contests                          a contest file → 201 CreatedContestAnswer
 *                                             (?withScores=true: an archive with its scores, read-only)
 *   GET    /contests/:id                      ContestDetailAnswer
 *   PUT    /contests/:id                      a contest file (no scores), If-Match: "<revision>" → ContestDetailAnswer;
 *                                             409 once locked, or when the contest changed since that revision
 *   POST   /contests/:id/copy                 → 201 CreatedContestAnswer (same rules and people, no scores)
 *   POST   /contests/:id/lots                 draws the running order → LotsAnswer; 409 once started
 *   GET    /contests/:id/links                LinksAnswer
 *   POST   /contests/:id/judges/:judge/reissue → ReissuedLinkAnswer
 *   POST   /contests/:id/watch/reissue        a new audience code, the old one stops at once → WatchAnswer
 *   PUT    /contests/:id/watch                WatchSettingsBody → WatchAnswer
 *   GET    /contests/:id/export               the contest file with scores (download)
 *   POST   /contests/:id/import/:kind         a .xlsx or .csv body → ImportAnswer (?dryRun=true: preview only)
 *   GET    /templates/:kind.xlsx|.csv         the import template with Chinese column names
 *   GET    /contests/:id/results              ResultsAnswer
 *   GET    /contests/:id/results.xlsx         the results workbook (download)
 *   GET    /contests/:id/audit                AuditAnswer (?presenter=&judge=)
 *   GET    /contests/:id/audit.csv            the same, as CSV (download)
 *   GET    /contests/:id/consistency          ConsistencyAnswer
 */

// ---------------------------------------------------------------- session

export const AdminLoginSchema = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type AdminLogin = Static<typeof AdminLoginSchema>;

export interface AdminSessionAnswer {
  ok: true;
  /** ISO time the cookie stops working (null when the request came with the Bearer token) */
  expiresAt: string | null;
}

// ---------------------------------------------------------------- contests

export interface ContestSummary {
  id: string;
  title: string;
  /** ISO time */
  createdAt: string;
  presenters: number;
  judges: number;
  /** stored score sheets (corrections included) */
  sheets: number;
  /** a turn has begun or a score exists: rules, panels and judges can no longer change */
  started: boolean;
}

export interface ContestListAnswer {
  ok: true;
  contests: ContestSummary[];
}

export interface CreatedContestAnswer {
  ok: true;
  id: string;
  hostUrl: string;
  displayUrl: string;
  /** the audience page, /watch/<code>: public, no token */
  watchUrl: string;
  judges: JudgeLink[];
  linkBase: LinkBase;
}

export interface ContestStatus {
  sheets: number;
  started: boolean;
  /**
   * why rules, panels, judges and the running order can no longer change (null while they can).
   * Titles and a presenter's name, unit and topic can always be corrected.
   */
  lockedBecause: string | null;
}

export interface ContestDetailAnswer {
  ok: true;
  id: string;
  /** the contest as a leitai/contest@1 file without scores (what PUT takes back) */
  file: ContestFile;
  status: ContestStatus;
  /**
   * a fingerprint of the definition: send it back as `If-Match: "<revision>"` with PUT, and a save
   * made on an older picture (lots drawn or a list imported meanwhile) is refused 409 stale_version
   */
  revision: string;
}

export interface LotsAnswer {
  ok: true;
  /** the new running order, first on stage first */
  order: Array<{ order: number; key: string; name: string; unit: string }>;
}

export interface JudgeLink {
  key: string;
  name: string;
  panel: string;
  url: string;
}

/**
 * Where the links point and why (server/link-base.ts): PUBLIC_URL, the address the caller reached
 * the server at, or the machine's LAN address (for a caller at localhost). `problem` says why
 * phones probably cannot open them, so the admin pages warn before cards are printed:
 * - `loopback`: the address is the server's own computer (localhost, 127.x, ::1, 0.0.0.0)
 * - `link_local`: 169.254.x.x / fe80::, an address a computer gives itself without a network
 * - `no_network`: the pages were opened at localhost and the server has no network address
 * - `local_only`: the server listens on its own computer only (HOST=127.0.0.1)
 */
export interface LinkBase {
  /** scheme, host, port (and PUBLIC_URL's path), no trailing slash */
  url: string;
  source: 'public_url' | 'request' | 'lan';
  problem: 'loopback' | 'link_local' | 'no_network' | 'local_only' | null;
}

export interface LinksAnswer {
  ok: true;
  hostUrl: string;
  displayUrl: string;
  /** the audience page, /watch/<code>: public, no token; a new code can be issued (WatchAnswer) */
  watchUrl: string;
  /** the projector shows the audience page's QR and address on its title, presenting and ranking views */
  watchQr: boolean;
  /** the audience vote's entry code (投票码) the projector shows, null: none (PUT /contests/:id/audience sets it) */
  voteEntryCode: string | null;
  judges: JudgeLink[];
  linkBase: LinkBase;
}

export const WatchSettingsSchema = Type.Object({ showQr: Type.Boolean() }, { additionalProperties: false });
export type WatchSettingsBody = Static<typeof WatchSettingsSchema>;

export interface WatchAnswer {
  ok: true;
  watchUrl: string;
  watchQr: boolean;
  linkBase: LinkBase;
}

/**
 * PUT /api/contests/:id/audience: the audience vote's entry code (投票码), shown only on the
 * projector, that keeps people outside the hall from voting; null: none. A setting of the live
 * contest (it may change at any time), not a rule, and not exported.
 */
export const AudienceSettingsSchema = Type.Object(
  { entryCode: Type.Union([Type.String({ pattern: '^[A-Za-z0-9]{3,12}$', refusal: 'an entry code is 3 to 12 letters or digits' }), Type.Null()]) },
  { additionalProperties: false },
);
export type AudienceSettingsBody = Static<typeof AudienceSettingsSchema>;

export interface AudienceSettingsAnswer {
  ok: true;
  entryCode: string | null;
}

/** POST /api/watch/:code/voter: the phone's voter secret (also set as the httpOnly cookie leitai_voter); the watch page keeps it in local storage too */
export interface VoterAnswer {
  ok: true;
  voter: string;
}

export interface ReissuedLinkAnswer {
  ok: true;
  key: string;
  url: string;
  linkBase: LinkBase;
}

// ---------------------------------------------------------------- import

export type ImportKind = 'presenters' | 'judges';

export interface ImportRow {
  /** the row number as the spreadsheet shows it (the header is row 1) */
  line: number;
  /** the row's cells under our column names (出场顺序, 姓名, …), trimmed text */
  cells: Record<string, string>;
  /** what is wrong with this row, in Chinese, naming the column; empty when the row is fine */
  problems: string[];
}

export interface ImportPreview {
  kind: ImportKind;
  format: 'xlsx' | 'csv';
  /** the CSV's text encoding as detected (null for xlsx) */
  encoding: 'utf-8' | 'gbk' | null;
  /** the columns found, in file order */
  columns: string[];
  rows: ImportRow[];
  /** problems with the file as a whole (a missing column, an empty sheet, duplicate names, …) */
  problems: string[];
  /** no problem anywhere: applying it would save exactly these rows */
  ready: boolean;
  /**
   * what applying it does that the rows do not show, in Chinese; not problems (e.g. without
   * 出场顺序 the presenters already in the contest keep their running order)
   */
  notes?: string[];
  /** the rows as contest-file entries (only when ready) */
  presenters?: ContestFile['presenters'];
  judges?: ContestFile['judges'];
}

/** Applying an import with problems answers 422 {ok:false, error:{code:'invalid_input', …}, preview}. */
export interface ImportAnswer {
  ok: true;
  preview: ImportPreview;
  /** true when the rows were saved (not a dry run) */
  saved: boolean;
}

// ---------------------------------------------------------------- results

export interface ResultsAnswer {
  ok: true;
  results: ResultsTable;
}

// ---------------------------------------------------------------- audit log

export interface AuditEntryView {
  id: string;
  /** ISO time */
  at: string;
  actorRole: ActorRole;
  actorKey: string | null;
  action: AuditAction;
  presenter: string | null;
  judge: string | null;
  detail: Record<string, unknown>;
}

export interface AuditAnswer {
  ok: true;
  entries: AuditEntryView[];
}

// ---------------------------------------------------------------- judge consistency

export interface ConsistencyAnswer {
  ok: true;
  judges: JudgeConsistency[];
}
