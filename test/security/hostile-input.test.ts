import { connect } from 'node:net';
import { join } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../server/contracts/admin-api.ts';
import { readContestFile, toContestFile } from '../../server/contest-file/contest-file.ts';
import type { ContestFile } from '../../server/contest-file/contest-file.schema.ts';
import { copyTitle } from '../../server/domain/copy-title.ts';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import { type CommandEvent, EVENT_ROLES, PayloadSchemas } from '../../server/contracts/socket.ts';
import type { Role as AnyRole } from '../../server/contracts/vocabulary.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type RunningTestServer } from '../helpers/app.ts';
import { ack, adminFetch, createContestOverApi, hostDo, SMALL_CONTEST, submissionId, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { databaseKinds, describeEachDatabase, serverStorage } from '../helpers/databases.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import {
  ACK_ERROR_CODES,
  BudgetedConnection,
  connectAs,
  databasePicture,
  emitAndWait,
  httpRefusalProblem,
  httpRequest,
  loopback,
  preview,
  rawEmit,
  refusalProblem,
  registeredRoutes,
  type Connection,
  type DatabasePicture,
  type Delivery,
  type HttpAnswer,
} from '../helpers/security.ts';

/**
 * Hostile input. A storm of malformed payloads hits every socket event, sent by the role allowed
 * to send it and by a role that is not, and every admin route: wrong types, missing and extra
 * fields, huge numbers, NaN, -0, Infinity, 100 kB strings, 10 000 levels of nesting, arrays where
 * objects belong, prototype-pollution keys, binary payloads, no ack callback, extra arguments,
 * frames over the 64 kB limit, bodies that are not JSON, wrong content types, bodies over 2 MB,
 * bad URL parameters, forged and huge cookies, cross-site changes made with the admin cookie,
 * login bodies, garbled workbooks and CSV files with hostile cells.
 *
 * What must hold throughout:
 * - the server never crashes: it answers /healthz and serves a valid command after the storm;
 * - every command sent with an ack callback is answered {ok:false, error:{code, message}} with
 *   a code of AckErrorCode, never `internal`; a frame over the limit drops the connection;
 * - every HTTP answer is a 4xx {ok:false, error:{code, message}}, never a 5xx; only a request
 *   with the admin's credentials to a real contest (or a right login) may get through, and then
 *   its answer is well-formed (see passProblem);
 * - nothing is stored or done: every table has as many rows as before, and contest_live,
 *   score_sheets and audit_log are the same row for row (a command sent without a callback is
 *   checked too: the contest's version must not move). The exceptions are made on purpose: the
 *   stage's second contest, which has not started, may be edited, drawn and imported into (each
 *   change is checked as it is made: a refused one leaves the contest as it was, one that gets
 *   through is stored whole and reads back as a valid contest file), and copies and archives made
 *   over the admin API are new contests, checked as they are made.
 *
 * The stage is set so that a wrongly accepted payload would show: p1 is on stage and open for
 * sheets, m1 has scored p1 already (so the host could reopen it), and the fuzzing judge e1 has not
 * (so a sheet of e1's that the server took by mistake would be stored).
 */

// ---------------------------------------------------------------- how hard

/**
 * runs per socket event and role, and per admin route (fewer for a route whose requests write,
 * build a workbook or read the contest back, fewer still for the upload, whose file is read in a
 * child process); the in-process storm, per database kind
 */
const STORM = { ownRole: 800, wrongRole: 200, perRoute: 400, perCostlyRoute: 120, uploads: 36 };
/** the same against a real server process, shorter */
const SHORT_STORM = { ownRole: 60, wrongRole: 20, perRoute: 40, perCostlyRoute: 15, uploads: 8 };

const FRAME_LIMIT = 64 * 1024; // maxHttpBufferSize in server/realtime/socket.plugin.ts
const BODY_LIMIT = 2 * 1024 * 1024; // bodyLimit in server/app.ts

// ---------------------------------------------------------------- the stage

const EVENTS = Object.keys(PayloadSchemas) as CommandEvent[];
/** the roles a link's token makes (the audience joins with a public code, and test/integration/watch.test.ts storms it) */
type Role = Exclude<AnyRole, 'audience'>;
const ROLES: readonly Role[] = ['host', 'judge', 'display'];
const JUDGE_KEYS = SMALL_CONTEST.judges.map((j: { key: string }) => j.key) as string[];
const VALID_ITEMS = { content: '50', delivery: '30' };

interface Stage {
  url: string;
  contest: CreatedContest;
  /** the host's turnsVersion while the storm blows: a hostile payload never carries it */
  turnsVersion: number;
  /** the contest's version while the storm blows: it moves on only if something was stored */
  version: number;
  /** the submissionId of m1's sheet for p1 */
  usedSubmissionId: string;
  /** a second contest, never started: edits, lots and imports the admin storm lets through change it */
  editable: CreatedContest;
  /** the admin session cookie's value, from logging in with the admin token */
  cookie: string;
  /** the import templates, as GET /api/templates/:file gives them */
  templates: Record<TemplateFile, Buffer>;
  /** contests the admin storm made on purpose (copies, archives with their scores) */
  made: string[];
  /**
   * this role's open connection with room for `events` more (BudgetedConnection: the storm tests
   * what is validated, not the event rate limit), or a new one when it was dropped (or when `fresh`)
   */
  connection(role: Role, fresh?: boolean, events?: number): Promise<Connection>;
  /**
   * Reads turnsVersion and version again. Each storm test starts with it, so a payload wrongly
   * taken fails its own test (and the database check at the end), not every test after it.
   */
  refresh(): Promise<void>;
}

/** Creates the contest over the admin API and sets the stage described at the top. */
async function setStage(url: string): Promise<Stage> {
  const contest = await createContestOverApi(url);
  const tokens: Record<Role, string> = {
    host: tokenOf(contest.hostUrl),
    judge: tokenOf(contest.judges.find((j) => j.key === 'e1')!.url),
    display: tokenOf(contest.displayUrl),
  };
  const host = await connectAs<HostSnapshot>(url, tokens.host);
  await hostDo(host, 'turn:start', { presenter: 'p1' });
  await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
  const m1 = await connectAs(url, tokenOf(contest.judges.find((j) => j.key === 'm1')!.url));
  const usedSubmissionId = submissionId();
  const sheet = await ack(m1.socket, 'sheet:submit', { presenter: 'p1', items: VALID_ITEMS, submissionId: usedSubmissionId });
  expect(sheet).toMatchObject({ ok: true });
  m1.socket.disconnect();
  await waitFor(() => host.snapshot().sheets.length === 1);

  const editable = await createContestOverApi(url);
  const login = await httpRequest(url, { method: 'POST', path: '/api/admin/session', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TEST_ADMIN_TOKEN }) });
  const cookie = /^leitai_admin=([^;]+)/.exec(([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('leitai_admin=')) ?? '')?.[1];
  if (login.status !== 200 || !cookie) throw new Error(`logging in answered ${login.status}: ${login.text}`);
  const templates = {} as Record<TemplateFile, Buffer>;
  for (const file of TEMPLATE_FILES) {
    const response = await adminFetch(url, `/api/templates/${file}`);
    if (response.status !== 200) throw new Error(`GET /api/templates/${file} answered ${response.status}`);
    templates[file] = Buffer.from(await response.arrayBuffer());
  }

  host.socket.disconnect();
  const open = Object.fromEntries(ROLES.map((role) => [role, new BudgetedConnection(url, tokens[role])])) as Record<Role, BudgetedConnection>;
  const stage: Stage = {
    url,
    contest,
    turnsVersion: host.snapshot().turnsVersion,
    version: host.snapshot().version,
    usedSubmissionId,
    editable,
    cookie,
    templates,
    made: [],
    connection(role, fresh = false, events = 1) {
      return open[role].take(events, fresh);
    },
    async refresh() {
      const answer = await ack<{ snapshot: HostSnapshot }>((await stage.connection('host')).socket, 'contest:sync', {});
      if (!answer.ok) throw new Error(`contest:sync refused the host: ${answer.error.code}`);
      stage.turnsVersion = answer.snapshot.turnsVersion;
      stage.version = answer.snapshot.version;
    },
  };
  return stage;
}

// ---------------------------------------------------------------- hostile values

const big = (n: number) => 'x'.repeat(n);
const HUGE_STRINGS = [big(100 * 1024), '评'.repeat(40 * 1024) /* 120 kB of UTF-8 */];
const withOwnKey = <T extends object>(o: T, key: string, value: unknown): T => {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
};

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
const SUBMISSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
const SCREENS = ['title', 'turn', 'ranking', 'awards'];
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

const buffer = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a));
const hugeString = fc.constantFrom(...HUGE_STRINGS);
const longString = fc.constant(big(60_000)); // still fits in a frame
/** an object whose own keys are prototype names: {"__proto__": …} as JSON.parse makes it */
const protoObject = fc.tuple(fc.constantFrom(...PROTO_NAMES), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => withOwnKey({}, key, value));
/** values of the wrong type for every field of every payload */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, NaN, Infinity, -Infinity, true, false, [], {}, [null], [[]], [{}]),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 64, 5e-324, 0.5, -1, -0),
  buffer,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 4 }),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }),
  protoObject,
);

/** a presenter or judge field: nothing here names a presenter or judge of the contest */
const hostileKey: fc.Arbitrary<unknown> = fc.oneof(
  junk,
  fc.constantFrom('', 'p'.repeat(65), 'p 1', ' p1', 'p1\n', 'p1\u0000', '../p1', 'p1;--', "p1' or '1'='1", 'р1', 'ｐ1', 'p1\u200b', '😀', '%70%31', 'P1', 'M1'),
  fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => !KEY.test(s)),
  fc.constantFrom('p99', 'zz', 'length', ...PROTO_NAMES.filter((n) => KEY.test(n))),
  longString,
  hugeString,
);
const hostileTurnsVersion = (current: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    junk.filter((v) => v !== current),
    fc.constantFrom<unknown>(-0, -1, current + 1, current - 1, current + 0.5, String(current), '', 'latest', `${current}.0`),
    fc.double().filter((x) => x !== current),
    fc.integer({ max: -1 }),
    hugeString,
  );
const hostileReason: fc.Arbitrary<unknown> = fc.oneof(junk, fc.constantFrom('', big(501), 'a\u0000b'), longString, hugeString);
const hostileSubmissionId = (used: string): fc.Arbitrary<unknown> =>
  fc.oneof(
    junk,
    // `used` is m1's: another sheet under the same id is a conflict
    fc.constantFrom('', 'short77', big(65), 'abc def gh', 'abcdefgh\u0000', used),
    fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => !SUBMISSION_ID.test(s)),
    hugeString,
  );
const hostileScreen: fc.Arbitrary<unknown> = fc.oneof(
  junk,
  fc.constantFrom('', 'Title', 'TURN', 'board', 'admin', 'ranking ', ' awards', 'awards\u0000', ...PROTO_NAMES),
  fc.string().filter((s) => !SCREENS.includes(s)),
  hugeString,
);
/** an item value no criterion of the small contest takes (max 60 and 40, step 0.5) */
const badItemValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('61', '60.5', '-1', '-0.5', '0.3', '0.25', '1e1', ' 5', '5 ', '', 'abc', '0x10', 'NaN', 'Infinity', '１', '5,5', '1234567890', '1.1234567890', '--1', '+5', '.5', '5.'),
  fc.constantFrom<unknown>(61, -1, 0.3, 1e308, -1e308, 5e-324, 1e-21, -1e-21, 1e-300, 0.1234567890123456, NaN, Infinity, -Infinity, null, true, [], {}, ['50']),
  buffer,
  hugeString,
);
const hostileItems: fc.Arbitrary<unknown> = fc.oneof(
  junk,
  fc.tuple(fc.constantFrom('content', 'delivery'), badItemValue).map(([key, value]) => ({ ...VALID_ITEMS, [key]: value })),
  // a criterion named like an Object.prototype member, with a value that would be fine for a real one
  fc.tuple(fc.constantFrom(...PROTO_NAMES), fc.constantFrom<unknown>('1', 0, '0', '0.5')).map(([key, value]) => withOwnKey({ ...VALID_ITEMS }, key, value)),
  // a criterion the rubric does not have
  fc
    .tuple(fc.oneof(fc.constantFrom('extra', 'Content', 'content ', '', big(65)), fc.string()), fc.oneof(fc.constantFrom<unknown>('1', 0, '0'), badItemValue))
    .filter(([key]) => key !== 'content' && key !== 'delivery')
    .map(([key, value]) => withOwnKey({ ...VALID_ITEMS }, key, value)),
  fc.constantFrom({ content: '50' }, { delivery: '30' }),
  fc.integer({ min: 51, max: 300 }).map((n) => ({ ...VALID_ITEMS, ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, '1'])) })),
  fc.constant(['50', '30']),
);

// ---------------------------------------------------------------- socket payloads

const fieldsOf = (event: CommandEvent): string[] => Object.keys((PayloadSchemas[event] as TObject).properties);

/** a well-formed value for each field, against the stage (some would be taken, some refused for the turn's phase) */
function validField(event: CommandEvent, field: string, stage: Stage): fc.Arbitrary<unknown> {
  switch (field) {
    case 'presenter':
      return fc.constant(event === 'turn:skip' || event === 'turn:start' ? 'p2' : 'p1');
    case 'judge':
      return fc.constant(event === 'sheet:reopen' ? 'm1' : 'e2');
    case 'turnsVersion':
      return fc.constant(stage.turnsVersion);
    case 'reason':
      return fc.constantFrom('评委误触，申请更正', 'x', big(500));
    case 'items':
      return fc.constant(VALID_ITEMS);
    case 'submissionId':
      return fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
    case 'screen':
      return fc.constantFrom('ranking', 'title', 'turn');
    case 'value':
      return fc.constantFrom<unknown>(5, '7', 10);
    case 'voteId':
      return fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/);
    case 'entryCode':
      return fc.constantFrom('HALL7', '');
  }
  throw new Error(`no valid value for ${event}.${field}: a new field needs one here, and hostile ones below`);
}

function hostileField(field: string, stage: Stage): fc.Arbitrary<unknown> {
  switch (field) {
    case 'presenter':
    case 'judge':
      return hostileKey;
    case 'turnsVersion':
      return hostileTurnsVersion(stage.turnsVersion);
    case 'reason':
      return hostileReason;
    case 'items':
      return hostileItems;
    case 'submissionId':
      return hostileSubmissionId(stage.usedSubmissionId);
    case 'screen':
      return hostileScreen;
    case 'value':
      return badItemValue;
    case 'voteId':
      return hostileSubmissionId(stage.usedSubmissionId);
    case 'entryCode':
      return fc.oneof(junk, fc.constantFrom(big(33), 'a\u0000b'), hugeString);
  }
  throw new Error(`no hostile values for the field ${field}: add them`);
}

/** what goes on the wire: JS values socket.io-client serialises (NaN → null, Buffers as attachments), or JSON text written by hand */
type Body = { value: unknown } | { json: string };
/** with an ack callback, without one, or with extra arguments after the payload (and no callback) */
type Style = 'with ack' | 'without ack' | 'extra arguments';

interface Shot {
  event: CommandEvent;
  role: Role;
  body: Body;
  style: Style;
}

const DEEP = '\u0001DEEP\u0001';
const deepText = (depth: number, kind: 'array' | 'object') => (kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '0' + '}'.repeat(depth));

function validPayload(event: CommandEvent, stage: Stage): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(fieldsOf(event).map((f) => [f, validField(event, f, stage)]))) as fc.Arbitrary<Record<string, unknown>>;
}

/** Payloads that must all be refused: at least one thing in each is wrong for this event in this state. */
function hostilePayload(event: CommandEvent, stage: Stage): fc.Arbitrary<Body> {
  const fields = fieldsOf(event);
  const valid = validPayload(event, stage);

  /** a field the schema does not have: prototype names, names that try to pick a role or a judge */
  const extraField = fc
    .tuple(
      valid,
      fc.oneof(fc.constantFrom(...PROTO_NAMES, 'role', 'contestId', 'judgeKey', 'judge', 'token', 'turnsVersion', 'extra', ''), fc.string()),
      fc.oneof(junk, fc.jsonValue({ maxDepth: 2 }), fc.constant<unknown>('m2')),
    )
    .filter(([, name]) => !fields.includes(name))
    .map(([base, name, value]): Body => ({ value: withOwnKey({ ...base }, name, value) }));
  /** something else where the payload object belongs */
  const wholeReplaced = fc
    .oneof(
      junk.filter((v) => !(fields.length === 0 && v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && Object.keys(v).length === 0)),
      fc.string({ unit: 'binary', maxLength: 50 }),
      fc.integer(),
      valid.map((p) => [p]), // the right payload, in an array
      valid.map((p) => withOwnKey({}, '__proto__', p)), // the right payload, behind __proto__
      fc.integer({ min: 1000, max: 5000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
      hugeString,
      longString,
    )
    .map((value): Body => ({ value }));
  /** up to 10 000 levels of nesting, as the whole payload or as one field: JSON text written by hand */
  const deeplyNested = fc
    .tuple(valid, fc.oneof(fc.constant(10_000), fc.integer({ min: 2, max: 10_000 })), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.constantFrom('whole', ...fields))
    .map(([base, depth, kind, where]): Body => {
      const deep = deepText(depth, kind);
      if (where === 'whole') return { json: deep };
      return { json: JSON.stringify({ ...base, [where]: DEEP }).replace(JSON.stringify(DEEP), deep) };
    });
  if (fields.length === 0) {
    return fc.oneof({ weight: 3, arbitrary: wholeReplaced }, { weight: 3, arbitrary: extraField }, { weight: 1, arbitrary: deeplyNested });
  }

  /** the sharpest probe: everything right but one field, so the check of that one field is what answers */
  const oneFieldWrong = fc.tuple(valid, fc.constantFrom(...fields)).chain(([base, field]) =>
    fc.oneof(
      { weight: 6, arbitrary: hostileField(field, stage).map((value): Body => ({ value: { ...base, [field]: value } })) },
      { weight: 1, arbitrary: fc.constant<Body>({ value: Object.fromEntries(Object.entries(base).filter(([f]) => f !== field)) }) },
    ),
  );
  /** each field right, wrong or missing, at least one not right */
  type Choice = { kind: 'valid' } | { kind: 'hostile'; value: unknown } | { kind: 'missing' };
  const choice = (field: string): fc.Arbitrary<Choice> =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<Choice>({ kind: 'valid' }) },
      { weight: 3, arbitrary: hostileField(field, stage).map((value): Choice => ({ kind: 'hostile', value })) },
      { weight: 1, arbitrary: fc.constant<Choice>({ kind: 'missing' }) },
    );
  const someFieldsWrong = fc
    .tuple(valid, fc.tuple(...fields.map(choice)))
    .filter(([, choices]) => choices.some((c) => c.kind !== 'valid'))
    .map(([base, choices]): Body => {
      const payload: Record<string, unknown> = {};
      fields.forEach((f, i) => {
        const c = choices[i]!;
        if (c.kind === 'valid') payload[f] = base[f];
        else if (c.kind === 'hostile') payload[f] = c.value;
      });
      return { value: payload };
    });
  return fc.oneof(
    { weight: 8, arbitrary: oneFieldWrong },
    { weight: 3, arbitrary: someFieldsWrong },
    { weight: 2, arbitrary: extraField },
    { weight: 2, arbitrary: wholeReplaced },
    { weight: 1, arbitrary: deeplyNested },
  );
}

const style: fc.Arbitrary<Style> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Style>('with ack') },
  { weight: 1, arbitrary: fc.constant<Style>('without ack') },
  { weight: 1, arbitrary: fc.constant<Style>('extra arguments') },
);

function describeShot(shot: Shot): string {
  const body = 'json' in shot.body ? `raw JSON ${preview(shot.body.json, 120)}` : preview(shot.body.value, 300);
  return `${shot.event} as ${shot.role} (${shot.style}): ${body}`;
}

/** Bytes of the largest frame the shot puts on the wire (text packet, or a binary attachment). */
function largestFrame(shot: Shot): number {
  if ('json' in shot.body) return Buffer.byteLength(shot.body.json) + 40;
  const buffers: number[] = [];
  const text = JSON.stringify([shot.event, shot.body.value], function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    if (Buffer.isBuffer(original)) {
      buffers.push(original.length);
      return { _placeholder: true, num: buffers.length - 1 };
    }
    return value;
  });
  return Math.max(Buffer.byteLength(text) + 40, ...buffers);
}

// ---------------------------------------------------------------- what the storm saw

class Tally {
  sent = 0;
  dropped = 0;
  readonly codes = new Map<string, number>();
  count(what: string): void {
    this.codes.set(what, (this.codes.get(what) ?? 0) + 1);
  }
  report(title: string): string {
    const codes = [...this.codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ×${n}`);
    return `${title}: ${this.sent} hostile payloads sent (${this.dropped} frames over the limit dropped the connection); refusals seen: ${codes.join(', ')}`;
  }
}

const OWN_ROLE_CODES = ACK_ERROR_CODES.filter((c) => !['internal', 'db_unavailable', 'forbidden', 'unauthorized', 'rate_limited'].includes(c));


/** Sends one shot and checks what came back. Throws, naming the shot, when the answer is wrong. */
async function fire(stage: Stage, shot: Shot, expectCodes: readonly string[], tally: Tally): Promise<void> {
  tally.sent++;
  // a shot without a callback is followed by up to three more events (see below)
  const conn = await stage.connection(shot.role, false, shot.style === 'with ack' ? 1 : 4);
  const size = largestFrame(shot);
  const oversized = size > FRAME_LIMIT + 512;
  const nearLimit = Math.abs(size - FRAME_LIMIT) <= 512;

  let delivery: Delivery;
  if ('json' in shot.body) {
    delivery = await rawEmit(conn.socket, `[${JSON.stringify(shot.event)},${shot.body.json}]`);
  } else if (shot.style === 'with ack') {
    delivery = await emitAndWait(conn.socket, shot.event, [shot.body.value]);
  } else {
    // No callback: nothing can answer it, but it must not be executed, and the connection must go
    // on serving (or be dropped for size). A refused command that goes through the contest's
    // queue (commands run one at a time, in arrival order) makes sure the shot has been dealt
    // with before contest:sync looks at the version.
    (conn.socket.emit as (e: string, ...a: unknown[]) => void)(shot.event, shot.body.value, ...(shot.style === 'extra arguments' ? ['extra', 42, { more: true }] : []));
    if (shot.role === 'host') await emitAndWait(conn.socket, 'clock:pause', [{ turnsVersion: stage.turnsVersion + 1000 }]);
    if (shot.role === 'judge') await emitAndWait(conn.socket, 'sheet:submit', [{ presenter: 'p2', items: VALID_ITEMS, submissionId: stage.usedSubmissionId }]);
    const sync = await emitAndWait(conn.socket, 'contest:sync', [{}]);
    if (sync.kind === 'answered') {
      const answer = sync.answer as { ok?: boolean; snapshot?: { version: number } };
      if (!answer.ok) throw new Error(`after ${describeShot(shot)}, contest:sync was refused: ${preview(sync.answer)}`);
      if (answer.snapshot!.version !== stage.version) throw new Error(`executed though hostile (the contest's version moved from ${stage.version} to ${answer.snapshot!.version}): ${describeShot(shot)}`);
      tally.count('(no callback: no answer)');
      return;
    }
    delivery = sync;
  }

  if (delivery.kind === 'dropped') {
    tally.dropped++;
    if (!oversized && !nearLimit) throw new Error(`the connection dropped on a ${size}-byte frame (under the limit): ${describeShot(shot)}`);
    return;
  }
  if (oversized) throw new Error(`a ${size}-byte frame (over the ${FRAME_LIMIT}-byte limit) was not dropped but got ${delivery.kind}: ${describeShot(shot)}`);
  if (delivery.kind === 'unanswered') throw new Error(`no answer within 5 s: ${describeShot(shot)}`);
  const problem = refusalProblem(delivery.answer, expectCodes);
  if (problem) throw new Error(`${problem}\n  for ${describeShot(shot)}`);
  tally.count((delivery.answer as { error: { code: string } }).error.code);
}

const children = (v: unknown): unknown[] => (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) ? Object.values(v) : []);
const holdsBinary = (v: unknown): boolean => Buffer.isBuffer(v) || children(v).some(holdsBinary);
const holdsOwnProto = (v: unknown): boolean =>
  (v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, '__proto__')) || children(v).some(holdsOwnProto);

/** fast-check prints a shot with this instead of its (sometimes 100 kB) value */
const printable = (shot: Shot): Shot => Object.assign(shot, { [fc.toStringMethod]: () => describeShot(shot) });

function socketStorm(event: CommandEvent, stage: Stage, side: 'own role' | 'wrong role', runs: number, tally: Tally): Promise<void> {
  const allowed = EVENT_ROLES[event];
  const roles = side === 'own role' ? ROLES.filter((r) => allowed.includes(r)) : ROLES.filter((r) => !allowed.includes(r));
  const payload = side === 'own role' ? hostilePayload(event, stage) : fc.oneof(hostilePayload(event, stage), validPayload(event, stage).map((value): Body => ({ value })));
  const shots = fc
    .record({ role: fc.constantFrom(...roles), body: payload, style })
    // socket.io-client copies a payload that holds binary key by key, and an own "__proto__"
    // key does not survive the copy: what went on the wire would not be what the shot says
    .filter(({ body }) => !('value' in body && holdsBinary(body.value) && holdsOwnProto(body.value)))
    .map((s) => printable({ event, ...s, style: 'json' in s.body ? 'with ack' : s.style })); // hand-written JSON always goes with an ack
  const codes = side === 'own role' ? OWN_ROLE_CODES : ['forbidden'];
  return fc.assert(
    fc.asyncProperty(shots, (shot) => fire(stage, shot, codes, tally)),
    { numRuns: runs },
  );
}

// ---------------------------------------------------------------- frames no client library sends

interface MalformedFrame {
  what: string;
  frames: Array<string | Buffer>;
  /** dropped: the server must hang up; ignored: the connection goes on serving; either: only survival counts */
  expect: 'dropped' | 'ignored' | 'either';
}

const MALFORMED_FRAMES: MalformedFrame[] = [
  { what: 'a 70 kB text frame (over maxHttpBufferSize)', frames: [`2["contest:sync",{"x":"${big(70_000)}"}]`], expect: 'dropped' },
  { what: 'a 70 kB binary attachment', frames: ['51-["contest:sync",{"_placeholder":true,"num":0}]', Buffer.alloc(70_000)], expect: 'dropped' },
  { what: 'text that is not a Socket.IO packet', frames: ['garbage'], expect: 'dropped' },
  { what: 'an EVENT whose JSON is cut off', frames: ['2["turn:start",{'], expect: 'dropped' },
  { what: 'an EVENT that is an object, not an array', frames: ['2{"event":"turn:start"}'], expect: 'dropped' },
  { what: 'NaN and Infinity literals in the JSON', frames: ['2["turn:start",{"presenter":"p1","turnsVersion":NaN}]', '2["turn:start",{"turnsVersion":Infinity}]'], expect: 'dropped' },
  { what: 'an event name that is a number', frames: ['2[42,{}]'], expect: 'ignored' },
  { what: 'an event name that is an object', frames: ['2[{"a":1},{}]'], expect: 'dropped' },
  { what: 'the reserved event name "disconnect"', frames: ['2["disconnect","forged"]'], expect: 'dropped' },
  { what: 'the event name "error" (an EventEmitter without a listener would throw)', frames: ['2["error",{"boom":true}]'], expect: 'ignored' },
  { what: 'prototype names as event names', frames: ['2["__proto__",{}]', '2["constructor",{}]', '2["hasOwnProperty",{}]', '2["toString"]'], expect: 'ignored' },
  { what: 'server-to-client event names sent to the server', frames: ['2["state:snapshot",{}]', '2["state:patch",{}]', '2["session:replaced"]'], expect: 'ignored' },
  { what: 'an event with no payload at all', frames: ['2["turn:start"]', '2["contest:sync"]'], expect: 'ignored' },
  { what: 'extra arguments after a valid-looking payload', frames: ['2["turn:start",{"presenter":"p2","turnsVersion":0},1,2,3]'], expect: 'ignored' },
  { what: 'a second CONNECT on a connected namespace', frames: ['0{"token":"AAAAAAAAAAAAAAAAAAAAAA"}'], expect: 'dropped' },
  { what: 'an EVENT for a namespace that does not exist', frames: ['2/admin,["contest:sync",{}]'], expect: 'dropped' },
  { what: 'an ACK nobody asked for', frames: ['3999[{"ok":true}]'], expect: 'ignored' },
  { what: 'a placeholder pointing past the attachments', frames: ['51-["contest:sync",{"_placeholder":true,"num":5}]', Buffer.from('x')], expect: 'dropped' },
  { what: 'a placeholder with a num that is not a number', frames: ['51-["contest:sync",{"_placeholder":true,"num":"__proto__"}]', Buffer.from('x')], expect: 'either' },
  { what: 'a binary event that promises attachments and sends text instead', frames: ['53-["turn:start",{"_placeholder":true,"num":2}]'], expect: 'either' },
  { what: 'a binary frame out of the blue', frames: [Buffer.alloc(100, 0xff)], expect: 'dropped' },
  { what: 'an ack id larger than any integer', frames: ['299999999999999999999999["contest:sync",{}]'], expect: 'either' },
  { what: 'a negative ack id', frames: ['2-1["contest:sync",{}]'], expect: 'dropped' },
  { what: 'a DISCONNECT packet followed by an event', frames: ['1', '2["turn:start",{"presenter":"p1","turnsVersion":0}]'], expect: 'either' },
];

// ---------------------------------------------------------------- HTTP

type AdminRoute =
  | 'POST /api/admin/session'
  | 'GET /api/admin/session'
  | 'DELETE /api/admin/session'
  | 'GET /api/contests'
  | 'POST /api/contests'
  | 'POST /api/contests?withScores=true'
  | 'GET /api/contests/:id/links'
  | 'GET /api/contests/:id/export'
  | 'POST /api/contests/:id/judges/:judge/reissue'
  | 'POST /api/contests/:id/watch/reissue'
  | 'PUT /api/contests/:id/watch'
  | 'PUT /api/contests/:id/audience'
  | 'POST /api/watch/:code/voter'
  | 'PUT /api/contests/:id'
  | 'POST /api/contests/:id/lots'
  | 'POST /api/contests/:id/copy'
  | 'POST /api/contests/:id/import/:kind'
  | 'GET /api/contests/:id'
  | 'GET /api/templates/:file'
  | 'GET /api/contests/:id/results'
  | 'GET /api/contests/:id/results.xlsx'
  | 'GET /api/contests/:id/audit'
  | 'GET /api/contests/:id/audit.csv'
  | 'GET /api/contests/:id/consistency';

/**
 * Every admin route, in the order the storm takes them, and what its shots cost: `cheap` routes
 * get runs.perRoute shots, `costly` ones (they write, build a workbook, or read the contest back
 * before and after) runs.perCostlyRoute, and the upload, whose spreadsheet is read in a child
 * process, runs.uploads. The Record makes the compiler insist on every route of AdminRoute; the
 * test "fuzzes every admin route the app registers" insists that AdminRoute has them all.
 */
const ROUTE_COST: Record<AdminRoute, 'cheap' | 'costly' | 'upload'> = {
  'POST /api/admin/session': 'cheap',
  'GET /api/admin/session': 'cheap',
  'DELETE /api/admin/session': 'cheap',
  'GET /api/contests': 'cheap',
  'POST /api/contests': 'cheap',
  'POST /api/contests?withScores=true': 'costly',
  'GET /api/contests/:id/links': 'cheap',
  'GET /api/contests/:id/export': 'cheap',
  'POST /api/contests/:id/judges/:judge/reissue': 'cheap',
  'POST /api/contests/:id/watch/reissue': 'cheap',
  'PUT /api/contests/:id/watch': 'cheap',
  'PUT /api/contests/:id/audience': 'cheap',
  'POST /api/watch/:code/voter': 'cheap',
  'PUT /api/contests/:id': 'costly',
  'POST /api/contests/:id/lots': 'costly',
  'POST /api/contests/:id/copy': 'costly',
  'POST /api/contests/:id/import/:kind': 'upload',
  'GET /api/contests/:id': 'cheap',
  'GET /api/templates/:file': 'costly',
  'GET /api/contests/:id/results': 'cheap',
  'GET /api/contests/:id/results.xlsx': 'costly',
  'GET /api/contests/:id/audit': 'cheap',
  'GET /api/contests/:id/audit.csv': 'cheap',
  'GET /api/contests/:id/consistency': 'cheap',
};
const ADMIN_ROUTES = Object.keys(ROUTE_COST) as AdminRoute[];
/** "POST /api/contests?withScores=true" → "POST /api/contests", as Fastify lists it */
const registeredAs = (route: AdminRoute) => route.replace(/\?.*$/, '');

function routeRuns(route: AdminRoute, runs: typeof STORM): number {
  const cost = ROUTE_COST[route];
  return cost === 'cheap' ? runs.perRoute : cost === 'costly' ? runs.perCostlyRoute : runs.uploads;
}

/** What a 2xx must look like for a shot that may get through (see passProblem). */
type Pass = 'login' | 'session' | 'logout' | 'detail' | 'edit' | 'created' | 'lots' | 'import' | 'template' | 'results' | 'workbook' | 'audit' | 'audit.csv' | 'consistency';

interface HttpShot {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** what is wrong with the body, in words */
  why?: string;
  /** the local address to send from (default 127.0.0.1) */
  from?: string;
  /**
   * Set when the shot may get through (the admin's credentials, a real contest, a body that may
   * be right): what a 2xx must then look like. Without it, only a 4xx refusal is right.
   */
  pass?: Pass;
  /**
   * The real contest the shot names. A shot that is not a GET must leave it as it was
   * (GET /api/contests/:id the same before and after) unless it got through and changed it on
   * purpose (an edit, lots, an import saved), and then it must read back as a valid contest file.
   */
  contest?: string;
  /** an upload sent with ?dryRun=true: it never saves, even when it gets through */
  dryRun?: boolean;
}

const ADMIN = `Bearer ${TEST_ADMIN_TOKEN}`;
const describeHttp = (s: HttpShot) => {
  const headers: Record<string, string> = { ...s.headers };
  if (headers.authorization === ADMIN) headers.authorization = 'Bearer <admin>';
  if (headers.cookie !== undefined) headers.cookie = preview(headers.cookie, 120).slice(1, -1);
  return `${s.method} ${preview(s.path, 160)} ${JSON.stringify(headers)}${s.from ? ` from ${s.from}` : ''}${s.body === undefined ? '' : ` body: ${s.why ?? (Buffer.isBuffer(s.body) ? `<${s.body.length} bytes>` : preview(s.body, 300))}`}`;
};

/**
 * Mostly the admin token (so the request reaches the route), else credentials that are not a
 * Bearer token at all: those do not count as wrong tokens, and the storm cannot lock itself out.
 */
const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>(ADMIN) },
  { weight: 2, arbitrary: fc.constantFrom<string | undefined>(undefined, 'Bearer ', 'Bearer    ', `bearer ${TEST_ADMIN_TOKEN}`, `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}`, TEST_ADMIN_TOKEN, `Token ${TEST_ADMIN_TOKEN}`) },
);
const nonAdminAuthorization = authorization.filter((a) => a !== ADMIN);

/** header text Node's HTTP client sends as it is: tab, printable ASCII and Latin-1 */
const headerText = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x1f, max: 0xff }).filter((c) => c !== 0x7f).map((c) => (c === 0x1f ? '\t' : String.fromCharCode(c))), maxLength });
/** Bearer tokens that are wrong: each one counts against the address it comes from */
const wrongToken = fc
  .oneof(headerText(80), fc.constantFrom(`${TEST_ADMIN_TOKEN}x`, TEST_ADMIN_TOKEN.slice(0, -1), TEST_ADMIN_TOKEN.toUpperCase(), `${TEST_ADMIN_TOKEN}\t${TEST_ADMIN_TOKEN}`, big(5_000)))
  .filter((t) => t.trim() !== '' && t.trim() !== TEST_ADMIN_TOKEN);
/**
 * Addresses of their own for the session routes, whose fuzz sends wrong admin tokens (in the
 * login body, or as a Bearer header): ten a minute from one address lock it out, and 127.0.0.1,
 * from which the rest of the storm comes, must not be.
 */
const sessionAddress = fc.integer({ min: 100, max: 254 }).map(loopback);

const COOKIE = 'leitai_admin'; // ADMIN_COOKIE in server/auth/admin-session.ts
/** Cookie headers that do not hold the admin session: garbage, forged or edited sessions, huge ones. */
function hostileCookie(session: string): fc.Arbitrary<string> {
  const [expiry, mac] = session.split('.') as [string, string];
  return fc.oneof(
    headerText(200),
    headerText(200).map((v) => `${COOKIE}=${v}`),
    // shaped like a session, signed by nobody
    fc.stringMatching(/^\d{13}\.[A-Za-z0-9_-]{43}$/).map((v) => `${COOKIE}=${v}`),
    fc.constantFrom(
      `${COOKIE}=${Number(expiry) + 1}.${mac}`, // a later expiry under the real signature
      `${COOKIE}=${'9'.repeat(13)}.${mac}`,
      // one character of the signature changed (not the last: its low bits are padding base64url decoding drops)
      `${COOKIE}=${expiry}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`,
      `${COOKIE}=${expiry}.${mac.slice(0, 20)}${mac[20] === 'A' ? 'B' : 'A'}${mac.slice(21)}`,
      `${COOKIE}=${expiry}.${mac}x`,
      `${COOKIE}=${expiry}.${mac}%00`,
      `${COOKIE}=${expiry}`,
      `${COOKIE}=.${mac}`,
      `${COOKIE}=${mac}.${expiry}`,
      `${COOKIE.toUpperCase()}=${session}`,
      `x${COOKIE}=${session}`,
      `${COOKIE}2=${session}`,
      COOKIE,
      `${COOKIE}=`,
      '=',
      ';;;',
      `${COOKIE}=%`,
      `${COOKIE}=%zz`,
      `${COOKIE}=%E0%A4%A`,
      `${COOKIE}=%ED%A0%80`,
      `__proto__=1; constructor=2; ${COOKIE}=x`,
      `${COOKIE}=${'\u00ff'.repeat(60)}`,
    ),
    // Node reads up to 16 kB of headers; past that the server answers 400 before any route
    fc.constantFrom(8_000, 15_000, 20_000, 70_000).map((n) => `${COOKIE}=${big(n)}`),
    fc.constant('a=1; '.repeat(2_000)),
  );
}
const validCookie = (session: string) => fc.constantFrom(`${COOKIE}=${session}`, `theme=dark; ${COOKIE}=${session}`, `${COOKIE}=${session}; other=%zz`, `${'a=1; '.repeat(100)}${COOKIE}=${session}`);
/** Origin headers on a change made with the cookie: only our own origin (or none) may change anything */
const origins = (url: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant({ headers: {}, ownSite: true }) },
    { weight: 2, arbitrary: fc.constantFrom<Record<string, string>>({ origin: url }, { origin: url, 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }).map((headers) => ({ headers, ownSite: true })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom<Record<string, string>>(
          { origin: 'http://evil.example' },
          { origin: 'null' },
          { origin: '' },
          { origin: `${url}.evil.example` },
          { origin: url.replace('http:', 'https:') },
          { origin: `${url}/` },
          { 'sec-fetch-site': 'cross-site' },
          { origin: url, 'sec-fetch-site': 'cross-site' },
        )
        .map((headers) => ({ headers, ownSite: false })),
    },
  );

interface Credential {
  headers: Record<string, string>;
  /** whether the request may get past the admin check (false: it must not) */
  admin: boolean;
}
/**
 * What a request to an admin route may carry: the Bearer header (mostly the admin's), a cookie
 * that is not the session, the session cookie (with an Origin that may make a change cross-site),
 * or both. `wrongTokens`: also wrong Bearer tokens (only from addresses of their own).
 */
function credential(stage: Stage, method: string, options: { wrongTokens?: boolean } = {}): fc.Arbitrary<Credential> {
  const change = method !== 'GET';
  const arbitraries: Array<fc.WeightedArbitrary<Credential>> = [
    {
      weight: 8,
      arbitrary: fc
        .tuple(authorization, fc.option(hostileCookie(stage.cookie), { freq: 4, nil: undefined }))
        .map(([auth, cookie]) => ({ headers: { ...(auth ? { authorization: auth } : {}), ...(cookie ? { cookie } : {}) }, admin: auth === ADMIN })),
    },
    { weight: 2, arbitrary: hostileCookie(stage.cookie).map((cookie) => ({ headers: { cookie }, admin: false })) },
    {
      weight: 3,
      arbitrary: fc.tuple(validCookie(stage.cookie), origins(stage.url)).map(([cookie, origin]) => ({ headers: { cookie, ...origin.headers }, admin: !change || origin.ownSite })),
    },
    // an Authorization header without the admin token next to the session cookie: the server may
    // go by either (today the header wins, and the request is refused)
    {
      weight: 1,
      arbitrary: fc
        .tuple(nonAdminAuthorization.filter((a) => a !== undefined), validCookie(stage.cookie), origins(stage.url))
        .map(([auth, cookie, origin]) => ({ headers: { authorization: auth!, cookie, ...origin.headers }, admin: !change || origin.ownSite })),
    },
  ];
  if (options.wrongTokens) arbitraries.push({ weight: 2, arbitrary: wrongToken.map((t) => ({ headers: { authorization: `Bearer ${t}` }, admin: false })) });
  return fc.oneof(...arbitraries);
}
const notAdmin = (stage: Stage, method: string) => credential(stage, method).filter((c) => !c.admin);

const percentEncoded = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
const decodesTo = (segment: string): string | null => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
};
/** a URL path segment that names no contest and no judge: bad percent-encoding, NUL, dot segments, 3 000 characters… */
const hostileSegment = (taken: string[]) =>
  fc
    .oneof(
      fc.constantFrom('%00', 'abc%00', '%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AE%C0%AE', '..', '.', '%2e%2e', '%2F', 'a%2Fb', '%20', '%FF', '', '%7B%7D', '%0A', '%0D%0A'),
      fc.constantFrom(...PROTO_NAMES, 'null', 'undefined', 'NaN', '-0', '1e308', '0'),
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => percentEncoded(Buffer.from(s, 'utf8'))),
      fc.uint8Array({ maxLength: 30 }).map(percentEncoded),
      fc.integer({ min: 90, max: 3000 }).map((n) => big(n)),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
    )
    .filter((s) => !taken.includes(s) && !taken.includes(decodesTo(s) ?? ''));
const hostileQuery = fc.constantFrom('', '', '', '?x=1', '?%', '?a=%00', '?__proto__[admin]=1', '?constructor[prototype][admin]=1', `?${'q=1&'.repeat(2000)}`, '?token=' + TEST_ADMIN_TOKEN);

interface Target {
  segment: string;
  /** the contest the segment names, or null */
  contest: string | null;
}
/** a contest id in a URL: mostly one that names no contest, else one of `real` (as it is, or percent-encoded) */
const contestTarget = (real: string[]): fc.Arbitrary<Target> =>
  fc.oneof(
    { weight: 3, arbitrary: hostileSegment(real).map((segment): Target => ({ segment, contest: null })) },
    { weight: 2, arbitrary: fc.constantFrom(...real).map((id): Target => ({ segment: id, contest: id })) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id): Target => ({ segment: percentEncoded(Buffer.from(id)), contest: id })) },
  );

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | undefined>(
      undefined,
      'application/json; charset=utf-8',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/octet-stream',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/vnd.api+json',
      'text/json',
      'application/xml',
      'application/json, text/plain',
      ';;;',
    ),
  },
);
/** a content type the JSON parser takes (it reads every body as UTF-8, whatever charset the header names) */
const isJsonType = (type: string | undefined) => type !== undefined && /^application\/json\s*(;.*)?$/i.test(type);

/**
 * The contest file, plus one score: a POST that passed every other check would still be refused
 * ("a new contest starts without scores"), so no body of the storm can create a contest, however
 * a mutation turns out. Mutations never touch the `scores` key itself.
 */
const GUARDED_DOCUMENT = { ...SMALL_CONTEST, scores: [{ presenter: 'p1', judge: 'm1', items: { content: 50, delivery: 30 } }] };
/** The contest file as PUT takes it: mutations of it may well make a file that is right, and is stored. */
const PLAIN_DOCUMENT = structuredClone(SMALL_CONTEST) as Record<string, unknown>;

type JsonPath = Array<string | number>;
function pathsIn(value: unknown, path: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => {
    const p = [...path, k];
    return p.length === 1 && p[0] === 'scores' ? pathsIn(v, p) : [p, ...pathsIn(v, p)];
  });
}
function at(doc: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), doc);
}

const DEEP_MARK = (depth: number, kind: 'array' | 'object') => `\u0001DEEP:${depth}:${kind}\u0001`;
const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, -1e308, 0.1, 5e-324, 1e-21, '', 'a\u0000b', '\ud800', '\udc00x', big(201), big(501), [], [[]], {}, [null], 'NaN', ...PROTO_NAMES),
  fc.jsonValue({ maxDepth: 3 }),
  protoObject,
  fc.integer({ min: 1001, max: 2100 }).map((n) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, name: 'x', panel: 'main' }))),
  fc.tuple(fc.oneof(fc.constantFrom(10_000, 4_500), fc.integer({ min: 2, max: 10_000 })), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, k]) => DEEP_MARK(d, k)),
);

type Mutation =
  | { kind: 'set'; path: JsonPath; value: unknown }
  | { kind: 'delete'; path: JsonPath }
  | { kind: 'add'; path: JsonPath; key: string; value: unknown }
  | { kind: 'key'; path: JsonPath; name: string };
/** Mutations of one document: values replaced or deleted, keys added, keys renamed to Object.prototype names. */
function mutationOf(document: object): fc.Arbitrary<Mutation> {
  const paths = pathsIn(document);
  const objectPaths: JsonPath[] = [[], ...paths.filter((p) => typeof at(document, p) === 'object' && !Array.isArray(at(document, p)))];
  const keyPaths = paths.filter((p) => p[p.length - 1] === 'key');
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...paths), hostileJsonValue).map(([path, value]): Mutation => ({ kind: 'set', path, value })) },
    { weight: 1, arbitrary: fc.constantFrom(...paths.filter((p) => typeof p[p.length - 1] === 'string')).map((path): Mutation => ({ kind: 'delete', path })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...objectPaths), fc.oneof(fc.constantFrom(...PROTO_NAMES, 'extra', 'scores2', 'admin'), fc.string()), hostileJsonValue)
        .map(([path, key, value]): Mutation => ({ kind: 'add', path, key, value })),
    },
    // keys named like Object.prototype members: the server keeps keys in plain objects
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...keyPaths), fc.constantFrom(...PROTO_NAMES.filter((n) => KEY.test(n)))).map(([path, name]): Mutation => ({ kind: 'key', path, name })) },
  );
}
function applyMutations(mutations: Mutation[], document: object = GUARDED_DOCUMENT): unknown {
  const doc = structuredClone(document) as Record<string, unknown>;
  for (const m of mutations) {
    const parentPath = m.kind === 'add' ? m.path : m.path.slice(0, -1);
    const parent = at(doc, parentPath);
    if (parent === null || typeof parent !== 'object') continue; // an earlier mutation replaced it
    const container = parent as Record<string | number, unknown>;
    const last = m.path[m.path.length - 1]!;
    if (m.kind === 'set') container[last] = m.value;
    if (m.kind === 'delete') delete container[last];
    if (m.kind === 'key') container[last] = m.name;
    if (m.kind === 'add' && !(Array.isArray(parent) || Object.prototype.hasOwnProperty.call(parent, m.key))) withOwnKey(container, m.key, m.value);
  }
  return doc;
}
const withDeepNesting = (text: string) =>
  text.replace(/"\\u0001DEEP:(\d+):(array|object)\\u0001"/g, (_m, depth: string, kind: 'array' | 'object') => deepText(Number(depth), kind));

/** Text-level damage that no JSON.stringify produces. */
type Damage = [string, (text: string) => string];
const textDamage: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Damage>(['', (t) => t]) },
  {
    weight: 6,
    arbitrary: fc.constantFrom<Damage>(
      ['weight written with 17 digits', (t) => t.replace('"weight":0.7', '"weight":0.70000000000000001')],
      ['max -0', (t) => t.replace('"max":60', '"max":-0')],
      ['max 1e400', (t) => t.replace('"max":60', '"max":1e400')],
      ['max NaN', (t) => t.replace('"max":60', '"max":NaN')],
      ['step Infinity', (t) => t.replace('"step":0.5', '"step":Infinity')],
      ['a duplicated key', (t) => t.replace('{', '{"title":"dup",')],
      ['a byte-order mark', (t) => `\ufeff${t}`],
      ['trailing garbage', (t) => `${t} x`],
      ['a trailing comma', (t) => `${t},`],
      ['an extra brace', (t) => `${t}}`],
      ['a comment', (t) => `/* c */${t}`],
      ['single quotes', (t) => t.replace(/"/g, "'")],
      ['an unquoted key', (t) => t.replace('"format"', 'format')],
      ['the document twice, in an array', (t) => `[${t},${t}]`],
    ),
  },
  { weight: 2, arbitrary: fc.nat().map((n): Damage => [`cut after ${n} characters`, (t) => t.slice(0, n % (t.length + 1))]) },
);
const describeMutation = (m: Mutation): string => {
  const where = m.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('') || '(root)';
  if (m.kind === 'set') return `${where} = ${preview(m.value, 80)}`;
  if (m.kind === 'delete') return `delete ${where}`;
  if (m.kind === 'add') return `${where}[${JSON.stringify(m.key)}] = ${preview(m.value, 80)}`;
  return `${where} = ${JSON.stringify(m.name)}`;
};
const HUGE_BODY = `{"format":"leitai/contest@1","title":"${big(BODY_LIMIT + 100_000)}"}`;
const ALMOST_HUGE_BODY = `{"format":"leitai/contest@1","title":"${big(BODY_LIMIT - 100)}"}`;
/** a contest file body made from `document`, and in words what is wrong with it (if anything: `minMutations` 0 sends it as it is at times) */
function contestBodyOf(document: object, minMutations: number): fc.Arbitrary<{ body: string | Buffer; why: string }> {
  const mutation = mutationOf(document);
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(fc.array(mutation, { minLength: minMutations, maxLength: 3 }), textDamage).map(([ms, [damage, apply]]) => ({
        body: apply(withDeepNesting(JSON.stringify(applyMutations(ms, document)))),
        why: `the contest file with ${[...ms.map(describeMutation), damage].filter(Boolean).join('; ') || 'nothing changed'}`,
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('', ' ', 'null', '[]', '1', '"x"', 'true', '{}', 'NaN', '{', "{'a':1}", '[1,]', '{"a":1,"a":2}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}')
        .map((body) => ({ body, why: `the text ${JSON.stringify(body)}` })),
    },
    {
      weight: 2,
      arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))).map((body) => ({ body, why: 'random text or bytes' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(10_000, 4_500), fc.integer({ min: 2, max: 10_000 })), fc.constantFrom<'array' | 'object'>('array', 'object'))
        .map(([d, k]) => ({ body: deepText(d, k), why: `${d} nested ${k}s` })),
    },
    { weight: 1, arbitrary: fc.constantFrom({ body: HUGE_BODY, why: 'a body over 2 MB' }, { body: ALMOST_HUGE_BODY, why: 'a body just under 2 MB' }) },
    { weight: 1, arbitrary: fc.constant({ body: Buffer.from(JSON.stringify(document), 'utf16le'), why: 'the contest file in UTF-16' }) },
  );
}
/** a body for POST /api/contests (with the guarding score: never stored, even with ?withScores=true it is an archive at most) */
const contestBody = contestBodyOf(GUARDED_DOCUMENT, 1);
/** text a contest file may hold (well-formed, no NUL, up to `max` UTF-16 units) that a database or a page could still trip over */
const legalText = (min: number, max: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', minLength: min, maxLength: max }),
    fc.constantFrom('评'.repeat(max), '😀'.repeat(Math.floor(max / 2)), '\u202e反转', 'a\u0301\u0301\u0301', '\ufeff', ' ', '\r\n', '\u200b', '<script>alert(1)</script>', "'; drop table contests; --", '=1+1', '%s%n', '${x}', '\\'),
  ).filter((t) => t.length >= min && t.length <= max && !t.includes('\u0000') && t.isWellFormed());
/** a string as JSON, with the characters nobody sees (BOM, zero-width, bidi controls) written as escapes */
const visible = (text: string, max: number) => preview(text, max).replace(/[\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
type SmallPresenter = { key: string; name: string; unit?: string; topic?: string; order?: number; recused?: string[] };
type SmallJudge = { key: string; name: string; panel: string };
/**
 * Edits a PUT should take (though some combinations are still refused, a panel left without
 * judges for instance): odd but legal titles and names, presenters dropped, renamed and put in
 * another order, judges dropped and added, 500 presenters at once.
 */
const validEdit: fc.Arbitrary<{ body: string; why: string }> = fc
  .record({
    title: legalText(1, 200),
    keep: fc.subarray([0, 1, 2, 3, 4]),
    names: fc.array(fc.tuple(fc.nat(), legalText(1, 200), legalText(0, 500)), { maxLength: 3 }),
    order: fc.constantFrom('kept', 'reversed', 'none'),
    dropJudges: fc.subarray(['m2', 'm3', 'm4', 'e2']),
    newJudges: fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), legalText(1, 200), fc.constantFrom('main', 'eval')), { maxLength: 3 }),
    timeLimitSeconds: fc.option(fc.integer({ min: 1, max: 24 * 3600 }), { nil: undefined }),
    decimals: fc.integer({ min: 0, max: 4 }),
    many: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 500),
  })
  .map((e) => {
    const file = structuredClone(SMALL_CONTEST) as { title: string; rules: Record<string, unknown>; presenters: SmallPresenter[]; judges: SmallJudge[] };
    file.title = e.title;
    file.presenters = [
      ...e.keep.map((i) => file.presenters[i]!),
      ...Array.from({ length: e.many }, (_, i): SmallPresenter => ({ key: `x${i}`, name: `选手${i}`, unit: '单位', topic: '题目' })),
    ];
    for (const [i, name, unit] of e.names) {
      const p = file.presenters[i % Math.max(1, file.presenters.length)];
      if (p) Object.assign(p, { name, unit });
    }
    file.presenters.forEach((p, i, all) => {
      if (e.order === 'none') delete p.order;
      else p.order = e.order === 'kept' ? i + 1 : all.length - i;
    });
    file.judges = [...file.judges.filter((j) => !e.dropJudges.includes(j.key)), ...e.newJudges.map(([key, name, panel]) => ({ key, name, panel }))];
    file.rules = { ...file.rules, decimals: e.decimals, ...(e.timeLimitSeconds === undefined ? {} : { timeLimitSeconds: e.timeLimitSeconds }) };
    const why = `an edit: title ${visible(e.title, 40)}, presenters ${e.keep.join(' ') || 'none'}${e.many ? ` and ${e.many} more` : ''} (order ${e.order}), renamed ${e.names.map(([i, n, u]) => `${i}: ${visible(n, 30)}/${visible(u, 30)}`).join(', ') || 'none'}, judges without ${e.dropJudges.join(' ') || 'none'}, with ${e.newJudges.map(([k, n, p]) => `${visible(k, 30)} ${visible(n, 30)} (${p})`).join(', ') || 'none'} added`;
    return { body: JSON.stringify(file), why };
  });
/** a body for PUT /api/contests/:id: the file of a contest, mutated, or edited as an organiser might */
const editBody = fc.oneof({ weight: 1, arbitrary: contestBodyOf(PLAIN_DOCUMENT, 0) }, { weight: 1, arbitrary: validEdit });

/** a body for POST /api/admin/session; `valid` for the one right body */
const sessionBody: fc.Arbitrary<{ body?: string | Buffer; why: string; valid: boolean }> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      { body: JSON.stringify({ token: TEST_ADMIN_TOKEN }), why: 'the admin token', valid: true },
      // a key given twice with the same value says nothing twice over: lossless-json takes it
      { body: `{"token":"${TEST_ADMIN_TOKEN}","token":"${TEST_ADMIN_TOKEN}"}`, why: 'the admin token, twice', valid: true },
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .string({ unit: 'binary', minLength: 1, maxLength: 200 })
      .filter((token) => token !== TEST_ADMIN_TOKEN)
      .map((token) => ({ body: JSON.stringify({ token }), why: `a wrong token ${preview(token, 60)}`, valid: false })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        junk,
        hugeString,
        fc.constantFrom<unknown>('', big(201), `${TEST_ADMIN_TOKEN}\u0000`, `\u0000${TEST_ADMIN_TOKEN}`, `${TEST_ADMIN_TOKEN}\ud800`, '\ud800', '\udc00', ` ${TEST_ADMIN_TOKEN}`, TEST_ADMIN_TOKEN.padEnd(201, 'x'), [TEST_ADMIN_TOKEN], { token: TEST_ADMIN_TOKEN }),
      )
      .map((token) => ({ body: JSON.stringify({ token }), why: `{token: ${preview(token, 80)}}`, valid: false })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.tuple(fc.oneof(fc.constantFrom(...PROTO_NAMES, 'admin', 'Token', 'token ', 'expiresAt', ''), fc.string()), fc.oneof(junk, fc.jsonValue({ maxDepth: 2 })))
          .filter(([key]) => key !== 'token')
          .map(([key, value]) => JSON.stringify(withOwnKey({ token: TEST_ADMIN_TOKEN }, key, value))),
        fc.constantFrom(
          `{"token":"x","token":"${TEST_ADMIN_TOKEN}"}`,
          `{"token":"${TEST_ADMIN_TOKEN}","token":"x"}`,
          `{"token":"${TEST_ADMIN_TOKEN}","__proto__":{"admin":true}}`,
          `{"__proto__":{"token":"${TEST_ADMIN_TOKEN}"}}`,
          `{"constructor":{"prototype":{"token":"${TEST_ADMIN_TOKEN}"}}}`,
          `[{"token":"${TEST_ADMIN_TOKEN}"}]`,
          `{"Token":"${TEST_ADMIN_TOKEN}"}`,
          `{"token":"${TEST_ADMIN_TOKEN}"} x`,
          `{"token":"${TEST_ADMIN_TOKEN}"`,
          `{'token':'${TEST_ADMIN_TOKEN}'}`,
          `token=${TEST_ADMIN_TOKEN}`,
          `"${TEST_ADMIN_TOKEN}"`,
          `{"token":"${TEST_ADMIN_TOKEN.replace('a', '\\u0000')}"}`,
          `{"token":"\\ud800${TEST_ADMIN_TOKEN}"}`,
          `{"token":${'['.repeat(5000)}${']'.repeat(5000)}}`,
          '',
          'null',
          '{}',
          '[]',
        ),
      )
      .map((body) => ({ body, why: preview(body, 200), valid: false })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
        fc.constantFrom<string | Buffer>(deepText(10_000, 'object'), deepText(10_000, 'array'), `{"token":"${big(100_000)}"}`, HUGE_BODY, Buffer.from(JSON.stringify({ token: TEST_ADMIN_TOKEN }), 'utf16le')),
      )
      .map((body) => ({ body, why: Buffer.isBuffer(body) ? `<${body.length} bytes>` : preview(body, 100), valid: false })),
  },
  { weight: 1, arbitrary: fc.constant({ why: 'no body', valid: false }) },
);

// -------------------------------- uploads (POST /api/contests/:id/import/:kind)

const TEMPLATE_FILES = ['presenters.xlsx', 'presenters.csv', 'judges.xlsx', 'judges.csv'] as const;
type TemplateFile = (typeof TEMPLATE_FILES)[number];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const UPLOAD_LIMIT = 5 * 1024 * 1024; // MAX_FILE_BYTES in server/import/spreadsheet.ts

/** a spreadsheet cell an organiser, a broken export or an attacker could write */
const hostileCell = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('张三', '李四', '王五', 'p9', 'm1', 'e1', '主评委', '测评', 'main', 'eval', '1', '2', '3', '') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'a\u0000b',
      '\u0000',
      '\ud800',
      'x\udc00y',
      '=1+1',
      '+1',
      '-1',
      '@SUM(A1)',
      "=cmd|' /C calc'!A0",
      '=HYPERLINK("http://evil.example","x")',
      '\t=1',
      '\r=1',
      '__proto__',
      'constructor',
      'toString',
      '1e308',
      '-0',
      '0',
      '01',
      '1.5',
      'NaN',
      '"',
      'a"b',
      '"open',
      'a,b',
      'a\nb',
      '\ufeff',
      '、、、',
      ' ',
      '张三、李四；m1 e1,e3',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom(big(33_000), big(100_000), '评'.repeat(40_000)) },
);
const csvCell = (cell: string, quoting: 'quoted' | 'raw') => (quoting === 'raw' || !/[",\r\n]/.test(cell) ? cell : `"${cell.replace(/"/g, '""')}"`);
const headerOf = (csvTemplate: Buffer) => csvTemplate.toString('utf8').replace(/^\ufeff/, '').split('\r\n')[0]!.split(',');

interface Upload {
  body: Buffer;
  why: string;
}
function csvUpload(templates: Record<TemplateFile, Buffer>): fc.Arbitrary<Upload> {
  return fc
    .record({
      header: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('presenters.csv', 'judges.csv').map((file) => headerOf(templates[file])) },
        { weight: 1, arbitrary: fc.array(hostileCell, { maxLength: 6 }) },
      ),
      rows: fc.array(fc.array(hostileCell, { maxLength: 8 }), { maxLength: 6 }),
      quoting: fc.constantFrom<'quoted' | 'raw'>('quoted', 'quoted', 'raw'),
      eol: fc.constantFrom('\r\n', '\n', '\r'),
      encoding: fc.constantFrom('utf-8 with BOM', 'utf-8 with BOM', 'utf-8', 'gbk', 'utf-16le'),
      bytes: fc.option(fc.tuple(fc.nat(), fc.constantFrom([0xed, 0xa0, 0x80], [0xff], [0x00], [0xc0, 0xae], [0xef, 0xbb, 0xbf], [0xe8, 0xaf])), { freq: 3, nil: undefined }),
      tail: fc.constantFrom('', '', '', 'x\r\n'.repeat(2_100), `${','.repeat(20_000)}\r\n`),
    })
    .map(({ header, rows, quoting, eol, encoding, bytes, tail }) => {
      const text = [header, ...rows].map((row) => row.map((c) => csvCell(c, quoting)).join(',')).join(eol) + eol + tail;
      let body =
        encoding === 'gbk' ? iconv.encode(text, 'gbk') : encoding === 'utf-16le' ? Buffer.from(`\ufeff${text}`, 'utf16le') : Buffer.from(`${encoding === 'utf-8' ? '' : '\ufeff'}${text}`, 'utf8');
      if (bytes) {
        const [where, inserted] = bytes;
        const cut = where % (body.length + 1);
        body = Buffer.concat([body.subarray(0, cut), Buffer.from(inserted), body.subarray(cut)]);
      }
      const shown = rows.map((r) => r.map((c) => preview(c, 24)).join(',')).join(' | ');
      return {
        body,
        why: `CSV (${encoding}, ${quoting}, ${JSON.stringify(eol)}) header ${preview(header.join(','), 60)}, rows ${shown || 'none'}${bytes ? `, bytes ${bytes[1].join(' ')} at ${bytes[0] % (body.length + 1)}` : ''}${tail ? `, then ${tail.length} characters more` : ''}`,
      };
    });
}
/** a template workbook with bytes flipped and/or cut short: a zip whose entries, sizes or XML no longer hold */
function garbledXlsx(templates: Record<TemplateFile, Buffer>): fc.Arbitrary<Upload> {
  return fc
    .tuple(
      fc.constantFrom<TemplateFile>('presenters.xlsx', 'judges.xlsx'),
      // positions from the end hit the zip's central directory
      fc.array(fc.tuple(fc.oneof(fc.nat(), fc.integer({ min: -400, max: -1 })), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
      fc.option(fc.nat(), { freq: 2, nil: undefined }),
    )
    .map(([file, flips, cut]) => {
      const bytes = Buffer.from(templates[file]);
      const places = flips.map(([where, mask]) => {
        const i = ((where % bytes.length) + bytes.length) % bytes.length;
        bytes[i]! ^= mask;
        return i;
      });
      const body = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
      return { body, why: `${file} with ${places.length} bytes flipped${places.length ? ` (at ${places.join(', ')})` : ''}${cut === undefined ? '' : `, cut to ${body.length} bytes`}` };
    });
}
const uploadBody = (templates: Record<TemplateFile, Buffer>): fc.Arbitrary<Upload> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((b): Upload => ({ body: Buffer.from(b), why: `${b.length} random bytes` })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 500 }).map((b): Upload => ({ body: Buffer.concat([Buffer.from('PK\u0003\u0004', 'latin1'), Buffer.from(b)]), why: 'a zip signature, then random bytes' })) },
    { weight: 4, arbitrary: garbledXlsx(templates) },
    { weight: 5, arbitrary: csvUpload(templates) },
    { weight: 1, arbitrary: fc.constantFrom(...TEMPLATE_FILES).map((file): Upload => ({ body: templates[file], why: `the template ${file} as downloaded (example rows left in)` })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Upload>(
        { body: Buffer.alloc(0), why: 'nothing' },
        { body: Buffer.alloc(UPLOAD_LIMIT + 1, 0x41), why: 'a file over 5 MB' },
        { body: Buffer.from(JSON.stringify(SMALL_CONTEST)), why: 'a contest file (JSON)' },
      ),
    },
  );
const uploadType = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>('application/octet-stream') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | undefined>(
      undefined,
      'text/csv',
      'text/csv; charset=gbk',
      'application/vnd.ms-excel',
      XLSX_TYPE,
      'text/plain',
      'application/x-www-form-urlencoded',
      ';;;',
      'application/json',
      'APPLICATION/JSON; charset=utf-8',
      'multipart/form-data; boundary=xyz',
    ),
  },
);
/** ?dryRun=…: `dry` only where the server must not save (the documented ?dryRun=true alone) */
const dryRunQuery = fc.constantFrom(
  { query: '?dryRun=true', dry: true },
  { query: '?dryRun=true', dry: true },
  { query: '', dry: false },
  { query: '', dry: false },
  { query: '?dryRun=1', dry: false },
  { query: '?dryRun=false', dry: false },
  { query: '?dryRun=TRUE', dry: false },
  { query: '?dryRun=true&dryRun=true', dry: false },
  { query: '?dryRun[]=true', dry: false },
  { query: '?dryRun=%00', dry: false },
  { query: '?__proto__[dryRun]=true', dry: false },
);

// -------------------------------- the audit log's filters

const auditValue = fc.oneof(
  fc.constantFrom('p1', 'p2', 'm1', 'e1', 'e3'),
  fc.constantFrom('', 'p99', '__proto__', 'constructor', 'toString', 'P1', 'p1%20', '%00', '%', '%zz', '%ED%A0%80', 'p1%00', big(65), big(3000)),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => percentEncoded(Buffer.from(s, 'utf8'))),
  fc.uint8Array({ maxLength: 20 }).map(percentEncoded),
);
const auditQuery = fc.oneof(
  hostileQuery,
  fc
    .array(
      fc.tuple(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom('presenter', 'judge') }, { weight: 1, arbitrary: fc.constantFrom('Presenter', 'presenter[]', 'judge[0]', '__proto__', 'constructor', 'hasOwnProperty', 'x', '', 'presenter.key') }),
        fc.option(auditValue, { freq: 8, nil: undefined }),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((pairs) => `?${pairs.map(([name, value]) => (value === undefined ? name : `${name}=${value}`)).join('&')}`),
);

// -------------------------------- the shots

function httpShots(route: AdminRoute, stage: Stage): fc.Arbitrary<HttpShot> {
  const type = (t: string | undefined): Record<string, string> => (t ? { 'content-type': t } : {});
  const id = stage.contest.id;
  const editable = stage.editable.id;
  const junkBody = fc.option(fc.tuple(contentType, fc.constantFrom('{bad', '{}', 'x', '[]')), { nil: undefined });
  const withJunk = (body: [string | undefined, string] | undefined) => (body ? { body: body[1], headers: type(body[0]) } : { headers: {} });
  const mayPass = (admin: boolean, pass: Pass): Pick<HttpShot, 'pass'> => (admin ? { pass } : {});
  const named = (t: Target): Pick<HttpShot, 'contest'> => (t.contest ? { contest: t.contest } : {});
  switch (route) {
    case 'POST /api/admin/session':
      return fc.tuple(sessionAddress, credential(stage, 'POST', { wrongTokens: true }), contentType, sessionBody, hostileQuery).map(([from, c, t, { body, why, valid }, q]) => ({
        method: 'POST',
        path: `/api/admin/session${q}`,
        headers: { ...c.headers, ...type(t) },
        from,
        ...(body === undefined ? {} : { body }),
        why,
        ...mayPass(valid && isJsonType(t), 'login'),
      }));
    case 'GET /api/admin/session':
      return fc.tuple(sessionAddress, credential(stage, 'GET', { wrongTokens: true }), hostileQuery).map(([from, c, q]) => ({ method: 'GET', path: `/api/admin/session${q}`, headers: c.headers, from, ...mayPass(c.admin, 'session') }));
    case 'DELETE /api/admin/session':
      // logging out takes no credential and always works
      return fc.tuple(sessionAddress, credential(stage, 'DELETE', { wrongTokens: true }), junkBody, hostileQuery).map(([from, c, body, q]) => {
        const junk = withJunk(body);
        return { method: 'DELETE', path: `/api/admin/session${q}`, ...junk, headers: { ...c.headers, ...junk.headers }, from, pass: 'logout' };
      });
    case 'GET /api/contests':
      // it takes no input: what can be wrong is the credential
      return fc.tuple(notAdmin(stage, 'GET'), hostileQuery).map(([c, q]) => ({ method: 'GET', path: `/api/contests${q}`, headers: c.headers }));
    case 'POST /api/contests':
      return fc.tuple(credential(stage, 'POST'), contentType, contestBody, hostileQuery).map(([c, t, { body, why }, q]) => ({ method: 'POST', path: `/api/contests${q}`, headers: { ...c.headers, ...type(t) }, body, why }));
    case 'POST /api/contests?withScores=true':
      // an archive with its scores: a mutation that leaves the file right makes a contest (an archive, started)
      return fc
        .tuple(credential(stage, 'POST'), contentType, contestBody, fc.constantFrom('', '', '', '&x=1', '&withScores=true', '&withScores=false', '&%', '&__proto__[withScores]=false', `&${'q=1&'.repeat(2000)}`))
        .map(([c, t, { body, why }, q]) => ({ method: 'POST', path: `/api/contests?withScores=true${q}`, headers: { ...c.headers, ...type(t) }, body, why, ...mayPass(c.admin, 'created') }));
    case 'GET /api/contests/:id/links':
    case 'GET /api/contests/:id/export': {
      const tail = route.endsWith('links') ? 'links' : 'export';
      return fc
        .oneof(
          { weight: 3, arbitrary: fc.tuple(credential(stage, 'GET'), hostileSegment([id])) }, // no such contest, whatever the credential
          { weight: 1, arbitrary: fc.tuple(notAdmin(stage, 'GET'), fc.constant(id)) }, // the contest, without the admin's credentials
        )
        .chain(([c, segment]) => hostileQuery.map((q) => ({ method: 'GET', path: `/api/contests/${segment}/${tail}${q}`, headers: c.headers })));
    }
    case 'POST /api/contests/:id/judges/:judge/reissue':
      return fc
        .tuple(
          credential(stage, 'POST'),
          fc.oneof(
            hostileSegment(JUDGE_KEYS).map((judge) => [id, judge] as const),
            hostileSegment([id]).map((contest) => [contest, 'm1'] as const),
            fc.tuple(hostileSegment([id]), hostileSegment(JUDGE_KEYS)),
          ),
          junkBody,
        )
        .map(([c, [contest, judge], body]) => {
          const junk = withJunk(body);
          return { method: 'POST', path: `/api/contests/${contest}/judges/${judge}/reissue`, ...junk, headers: { ...c.headers, ...junk.headers } };
        });
    case 'POST /api/contests/:id/watch/reissue':
      // no such contest whatever the credential, or the contest without the admin's: nothing is replaced
      return fc
        .oneof(fc.tuple(credential(stage, 'POST'), hostileSegment([id])), fc.tuple(notAdmin(stage, 'POST'), fc.constant(id)))
        .chain(([c, contest]) => junkBody.map((body) => ({ c, contest, junk: withJunk(body) })))
        .map(({ c, contest, junk }) => ({ method: 'POST', path: `/api/contests/${contest}/watch/reissue`, ...junk, headers: { ...c.headers, ...junk.headers } }));
    case 'PUT /api/contests/:id/watch':
      // a wrong contest, a wrong credential, or a body that is not {showQr: boolean}: never stored
      return fc
        .oneof(
          fc.tuple(credential(stage, 'PUT'), hostileSegment([id]), fc.constant(JSON.stringify({ showQr: false }))),
          fc.tuple(notAdmin(stage, 'PUT'), fc.constant(id), fc.constant(JSON.stringify({ showQr: false }))),
          fc.tuple(
            credential(stage, 'PUT'),
            fc.constant(id),
            fc.constantFrom('{bad', '{}', '[]', '{"showQr":"true"}', '{"showQr":1}', '{"showQr":null}', '{"showQr":true,"x":1}', '{"__proto__":{"showQr":true}}', `{"showQr":${'['.repeat(5000)}`),
          ),
        )
        .map(([c, contest, body]) => ({ method: 'PUT', path: `/api/contests/${contest}/watch`, body, headers: { ...c.headers, ...type('application/json') } }));
    case 'PUT /api/contests/:id/audience':
      // a wrong contest, a wrong credential, or a body that is not {entryCode: 3–12 letters or digits | null}: never stored
      return fc
        .oneof(
          fc.tuple(credential(stage, 'PUT'), hostileSegment([id]), fc.constant(JSON.stringify({ entryCode: 'HALL7' }))),
          fc.tuple(notAdmin(stage, 'PUT'), fc.constant(id), fc.constant(JSON.stringify({ entryCode: 'HALL7' }))),
          fc.tuple(
            credential(stage, 'PUT'),
            fc.constant(id),
            fc.constantFrom('{bad', '{}', '[]', '{"entryCode":"ab"}', '{"entryCode":"a b c"}', '{"entryCode":5}', `{"entryCode":"${'A'.repeat(13)}"}`, '{"entryCode":"HALL\\u0000"}', '{"entryCode":null,"x":1}', '{"__proto__":{"entryCode":null}}'),
          ),
        )
        .map(([c, contest, body]) => ({ method: 'PUT', path: `/api/contests/${contest}/audience`, body, headers: { ...c.headers, ...type('application/json') } }));
    case 'POST /api/watch/:code/voter': {
      // public: no code of any contest, or the real code with a body that is not {voter?: string}; a phone's id is never handed out
      const code = new URL(stage.contest.watchUrl).pathname.split('/').pop()!;
      return fc
        .oneof(
          fc.tuple(hostileSegment([code]), fc.constant('{}')),
          fc.tuple(fc.constant(code), fc.constantFrom('{bad', '[]', '{"voter":5}', `{"voter":"${'v'.repeat(65)}"}`, '"x"', '5')),
        )
        .map(([segment, body]) => ({ method: 'POST', path: `/api/watch/${segment}/voter`, body, headers: type('application/json') }));
    }
    case 'PUT /api/contests/:id':
      return fc.oneof(
        // the contest that has not started, edited: what gets through is stored whole, the rest not at all
        {
          weight: 6,
          arbitrary: fc.tuple(credential(stage, 'PUT'), contentType, editBody, hostileQuery).map(([c, t, { body, why }, q]) => ({
            method: 'PUT',
            path: `/api/contests/${editable}${q}`,
            headers: { ...c.headers, ...type(t) },
            body,
            why,
            contest: editable,
            ...mayPass(c.admin && isJsonType(t), 'edit'),
          })),
        },
        // the contest that has started, with a file that carries scores: never taken
        {
          weight: 2,
          arbitrary: fc.tuple(credential(stage, 'PUT'), contentType, contestBody, hostileQuery).map(([c, t, { body, why }, q]) => ({
            method: 'PUT',
            path: `/api/contests/${id}${q}`,
            headers: { ...c.headers, ...type(t) },
            body,
            why,
            contest: id,
          })),
        },
        // no such contest
        {
          weight: 2,
          arbitrary: fc.tuple(credential(stage, 'PUT'), contentType, fc.oneof(editBody, contestBody), hostileSegment([id, editable]), hostileQuery).map(([c, t, { body, why }, segment, q]) => ({
            method: 'PUT',
            path: `/api/contests/${segment}${q}`,
            headers: { ...c.headers, ...type(t) },
            body,
            why,
          })),
        },
      );
    case 'POST /api/contests/:id/lots':
    case 'POST /api/contests/:id/copy': {
      const tail = route.endsWith('lots') ? 'lots' : 'copy';
      return fc.tuple(credential(stage, 'POST'), contestTarget([id, editable]), junkBody, hostileQuery).map(([c, target, body, q]) => {
        const junk = withJunk(body);
        // lots may be drawn until the contest starts (the stage's has); a copy can be made of any contest
        const passes = c.admin && target.contest !== null && (tail === 'copy' || target.contest === editable);
        return { method: 'POST', path: `/api/contests/${target.segment}/${tail}${q}`, ...junk, headers: { ...c.headers, ...junk.headers }, ...named(target), ...mayPass(passes, tail === 'lots' ? 'lots' : 'created') };
      });
    }
    case 'POST /api/contests/:id/import/:kind':
      return fc
        .tuple(
          credential(stage, 'POST'),
          fc.oneof(
            { weight: 4, arbitrary: fc.tuple(fc.constant<Target>({ segment: editable, contest: editable }), dryRunQuery) },
            // the stage's contest, which has started: a preview only
            { weight: 1, arbitrary: fc.tuple(fc.constant<Target>({ segment: id, contest: id }), fc.constant({ query: '?dryRun=true', dry: true })) },
            { weight: 1, arbitrary: fc.tuple(contestTarget([id, editable]).filter((t) => t.contest === null), dryRunQuery) },
          ),
          fc.oneof({ weight: 8, arbitrary: fc.constantFrom('presenters', 'judges') }, { weight: 1, arbitrary: hostileSegment(['presenters', 'judges']) }),
          uploadBody(stage.templates),
          uploadType,
        )
        .map(([c, [target, { query, dry }], kind, { body, why }, t]) => ({
          method: 'POST',
          path: `/api/contests/${target.segment}/import/${kind}${query}`,
          headers: { ...c.headers, ...type(t) },
          body,
          why,
          dryRun: dry,
          ...named(target),
          ...mayPass(c.admin && target.contest !== null && (kind === 'presenters' || kind === 'judges'), 'import'),
        }));
    case 'GET /api/contests/:id':
    case 'GET /api/contests/:id/results':
    case 'GET /api/contests/:id/results.xlsx':
    case 'GET /api/contests/:id/audit':
    case 'GET /api/contests/:id/audit.csv':
    case 'GET /api/contests/:id/consistency': {
      const tail = route.slice('GET /api/contests/:id'.length);
      const pass: Pass = tail === '' ? 'detail' : tail === '/results' ? 'results' : tail === '/results.xlsx' ? 'workbook' : tail === '/audit' ? 'audit' : tail === '/audit.csv' ? 'audit.csv' : 'consistency';
      const query = tail.startsWith('/audit') ? auditQuery : hostileQuery;
      return fc.tuple(credential(stage, 'GET'), contestTarget([id, editable]), query).map(([c, target, q]) => ({
        method: 'GET',
        path: `/api/contests/${target.segment}${tail}${q}`,
        headers: c.headers,
        ...named(target),
        ...mayPass(c.admin && target.contest !== null, pass),
      }));
    }
    case 'GET /api/templates/:file':
      return fc
        .tuple(
          credential(stage, 'GET'),
          fc.oneof(
            { weight: 2, arbitrary: fc.constantFrom(...TEMPLATE_FILES).map((file) => ({ segment: file, real: true })) },
            {
              weight: 3,
              arbitrary: fc
                .oneof(
                  hostileSegment([...TEMPLATE_FILES]),
                  fc.constantFrom('presenters.XLSX', 'presenters', 'presenters.xlsx%00', 'presenters.xlsx.exe', '..%2Fpresenters.xlsx', 'judges.csv%20', '%2E%2E%2Fpackage.json', 'judges.xls', '.csv', 'presenters.json'),
                )
                .map((segment) => ({ segment, real: false })),
            },
          ),
          hostileQuery,
        )
        .map(([c, { segment, real }, q]) => ({ method: 'GET', path: `/api/templates/${segment}${q}`, headers: c.headers, ...mayPass(c.admin && real, 'template') }));
  }
}

// -------------------------------- what comes back

const isIsoTime = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
/** What is wrong with an import preview, or null. */
function previewProblem(p: unknown): string | null {
  const shown = p as Partial<ImportPreview> | undefined;
  if (!shown || typeof shown !== 'object') return 'no preview';
  if (!['presenters', 'judges'].includes(shown.kind as string) || !['xlsx', 'csv'].includes(shown.format as string)) return `kind ${shown.kind}, format ${shown.format}`;
  if (!Array.isArray(shown.rows) || !Array.isArray(shown.problems) || !Array.isArray(shown.columns) || typeof shown.ready !== 'boolean') return 'rows, problems, columns or ready missing';
  if (!shown.problems.every((m) => typeof m === 'string' && m !== '')) return 'a file problem that is not a message';
  for (const row of shown.rows) {
    if (!Number.isInteger(row?.line) || !Array.isArray(row.problems) || typeof row.cells !== 'object') return `a row that is not {line, cells, problems}: ${preview(row, 100)}`;
  }
  const clean = shown.problems.length === 0 && shown.rows.every((r) => r.problems.length === 0);
  if (shown.ready !== clean) return `ready is ${shown.ready}, but the preview has ${clean ? 'no problems' : 'problems'}`;
  if (shown.ready && !Array.isArray(shown[shown.kind!])) return `a ready preview without its ${shown.kind}`;
  return null;
}

/** What is wrong with a 2xx answer to a shot that may get through, or null. */
function passProblem(shot: HttpShot, a: HttpAnswer): string | null {
  const expected = shot.pass === 'created' ? 201 : 200;
  if (a.status !== expected) return `status ${a.status}, where a request that gets through is answered ${expected}`;
  const body = (a.json ?? {}) as Record<string, unknown>;
  const ok = body.ok === true;
  switch (shot.pass) {
    case 'login': {
      const cookie = ([] as string[]).concat(a.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${COOKIE}=`));
      return ok && isIsoTime(body.expiresAt) && cookie && /;\s*HttpOnly/i.test(cookie) ? null : `not a login: ${a.text.slice(0, 200)} (cookie ${cookie})`;
    }
    case 'session':
      return ok && (body.expiresAt === null || isIsoTime(body.expiresAt)) ? null : `not {ok, expiresAt}: ${a.text.slice(0, 200)}`;
    case 'logout':
      return ok ? null : `not {ok: true}: ${a.text.slice(0, 200)}`;
    case 'detail':
    case 'edit':
      return detailProblem(a, shot.contest!);
    case 'created':
      return ok && typeof body.id === 'string' && /^[a-z2-9]{10}$/.test(body.id) && typeof body.hostUrl === 'string' && Array.isArray(body.judges) ? null : `not a created contest: ${a.text.slice(0, 200)}`;
    case 'lots': {
      const order = body.order as Array<{ order: unknown; key: unknown }> | undefined;
      return ok && Array.isArray(order) && order.every((p, i) => p.order === i + 1 && typeof p.key === 'string') ? null : `not a running order 1…n: ${a.text.slice(0, 200)}`;
    }
    case 'import': {
      if (!ok || typeof body.saved !== 'boolean') return `not {ok, saved, preview}: ${a.text.slice(0, 200)}`;
      if (shot.dryRun && body.saved) return 'a dry run saved the list';
      if (body.saved && !(body.preview as ImportPreview | undefined)?.ready) return 'saved a list whose preview is not ready';
      return previewProblem(body.preview);
    }
    case 'template':
      return /spreadsheetml|^text\/csv/.test(a.contentType) && a.text.length > 0 ? null : `not a template: ${a.contentType}`;
    case 'workbook':
      return a.contentType.startsWith(XLSX_TYPE) && a.text.startsWith('PK') ? null : `not a workbook: ${a.contentType}`;
    case 'audit.csv':
      return a.contentType.startsWith('text/csv') ? null : `not CSV: ${a.contentType}`;
    case 'results':
      return ok && typeof body.results === 'object' && body.results !== null ? null : `not {ok, results}: ${a.text.slice(0, 200)}`;
    case 'audit':
      return ok && Array.isArray(body.entries) ? null : `not {ok, entries}: ${a.text.slice(0, 200)}`;
    case 'consistency':
      return ok && Array.isArray(body.judges) ? null : `not {ok, judges}: ${a.text.slice(0, 200)}`;
    case undefined:
      return `status ${a.status}: it should have been refused: ${a.text.slice(0, 200)}`;
  }
}

/** What is wrong with GET /api/contests/:id's answer: it must be the contest, as a file that reads back, or null. */
function detailProblem(a: HttpAnswer, contest: string): string | null {
  const detail = a.json as { ok?: unknown; id?: unknown; file?: unknown; status?: { started?: unknown; sheets?: unknown } } | undefined;
  if (a.status !== 200 || detail?.ok !== true || detail.id !== contest) return `GET /api/contests/${contest}: status ${a.status}: ${a.text.slice(0, 200)}`;
  if (typeof detail.status?.started !== 'boolean' || !Number.isInteger(detail.status.sheets)) return `GET /api/contests/${contest}: no status: ${a.text.slice(0, 200)}`;
  try {
    readContestFile(JSON.stringify(detail.file));
  } catch (error) {
    return `GET /api/contests/${contest} gives a file that does not read back: ${(error as Error).message}`;
  }
  return null;
}

/** Where two JSON values first differ, as "path: a ≠ b" (strings shown with their invisible characters), or null when they are equal. */
function differenceOf(a: unknown, b: unknown, path = ''): string | null {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const difference = differenceOf((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
      if (difference) return difference;
    }
    return null;
  }
  if (a === b) return null;
  const show = (v: unknown) => (typeof v === 'string' ? visible(v, 80) : preview(v, 80));
  return `${path || '(the whole)'}: ${show(a)} ≠ ${show(b)}`;
}

const adminGet = (stage: Stage, path: string) => httpRequest(stage.url, { method: 'GET', path, headers: { authorization: ADMIN } });

/**
 * Sends one shot and checks what came back: a 4xx refusal (an import's 422 with its preview), or,
 * for a shot that may get through, a well-formed answer. The contest a change names is read before
 * and after: unchanged, unless the change went through, and then whole and valid.
 */
async function fireHttp(stage: Stage, shot: HttpShot, tally: Tally): Promise<void> {
  tally.sent++;
  const watched = shot.contest !== undefined && shot.method !== 'GET' ? shot.contest : null;
  const before = watched ? (await adminGet(stage, `/api/contests/${watched}`)).text : '';
  const answer = await httpRequest(stage.url, shot);
  const fail = (problem: string) => {
    throw new Error(`${problem}\n  for ${describeHttp(shot)}`);
  };
  // Headers over Node's 16 KiB limit are refused before the body is read, and the connection is
  // closed: a client still writing a large body may see the reset before the refusal. Either way
  // nothing was taken, which the contest check below still confirms.
  const headerBytes = Object.entries(shot.headers ?? {}).reduce((n, [k, v]) => n + k.length + String(v).length + 4, shot.path.length);
  if (answer.status === -1 && headerBytes > 16 * 1024 && /ECONNRESET|EPIPE/.test(answer.text)) {
    tally.count('connection cut: headers over the limit');
    if (watched && (await adminGet(stage, `/api/contests/${watched}`)).text !== before) fail('the contest changed although the request was cut off');
    return;
  }
  const body = answer.json as { ok?: boolean; id?: string; saved?: boolean; preview?: ImportPreview; file?: unknown; error?: { code: string } } | undefined;
  const passed = answer.status >= 200 && answer.status < 300;
  if (passed) {
    const problem = passProblem(shot, answer);
    if (problem) fail(problem);
    tally.count(`HTTP ${answer.status} ${shot.pass}`);
  } else {
    const problem = httpRefusalProblem(answer);
    if (problem) fail(problem);
    if (answer.status === 422) {
      const previewWrong = shot.pass === 'import' ? previewProblem(body?.preview) : 'a 422 from a route that is no upload';
      if (previewWrong) fail(`422 with a broken preview: ${previewWrong}`);
    }
    tally.count(`HTTP ${answer.status} ${body!.error!.code}`);
  }

  const changed = passed && (shot.pass === 'edit' || shot.pass === 'lots' || (shot.pass === 'import' && body?.saved === true));
  if (watched && !changed) {
    const after = (await adminGet(stage, `/api/contests/${watched}`)).text;
    if (after !== before) fail(`contest ${watched} changed though the request ${passed ? 'changed nothing' : 'was refused'}:\n  before ${preview(before, 400)}\n  after  ${preview(after, 400)}`);
  }
  if (changed) {
    // stored whole: the contest reads back, as what the answer says
    const readBack = await adminGet(stage, `/api/contests/${watched}`);
    const problem = detailProblem(readBack, watched!);
    if (problem) fail(`after the change went through: ${problem}`);
    const stored = (readBack.json as { file: ContestFile }).file;
    if (shot.pass === 'edit') {
      const answered = differenceOf(body!.file, stored);
      if (answered) fail(`the edit answered one file and stored another (answered ≠ stored): ${answered}`);
      let sent: ContestFile | null = null;
      try {
        sent = toContestFile(readContestFile(String(shot.body)).definition);
      } catch (error) {
        fail(`the edit was stored, but what was sent does not read as a contest file: ${(error as Error).message}`);
      }
      const difference = differenceOf(sent, stored);
      if (difference) fail(`the edit stored something other than what was sent (sent ≠ stored): ${difference}`);
    }
    if (shot.pass === 'lots') {
      const drawn = (body as { order: Array<{ key: string }> }).order.map((p) => p.key);
      const running = stored.presenters.map((p) => `${p.key}@${p.order}`);
      if (JSON.stringify(running) !== JSON.stringify(drawn.map((key, i) => `${key}@${i + 1}`))) fail(`lots answered one running order and stored another:\n  answered ${drawn.join(' ')}\n  stored   ${running.join(' ')}`);
    }
    if (shot.pass === 'import') {
      const kind = body!.preview!.kind;
      const difference = differenceOf(body!.preview![kind], stored[kind], kind);
      if (difference) fail(`the import saved other ${kind} than its preview showed (preview ≠ stored): ${difference}`);
    }
  }
  if (passed && shot.pass === 'created') {
    stage.made.push(body!.id!);
    const made = await adminGet(stage, `/api/contests/${body!.id}`);
    const problem = detailProblem(made, body!.id!);
    if (problem) fail(`the contest made: ${problem}`);
    const { file, status } = made.json as { file: ContestFile; status: { started: boolean; sheets: number } };
    if (watched) {
      // a copy: the same rules and people, "（副本）" after the title (server/domain/copy-title.ts), no scores
      const source = (JSON.parse(before) as { file: ContestFile }).file;
      const expected = { ...source, title: copyTitle(source.title) };
      const difference = differenceOf(expected, file);
      if (difference) fail(`the copy is not the contest copied (source ≠ copy): ${difference}`);
      if (status.started || status.sheets !== 0) fail(`the copy is not new: ${JSON.stringify(status)}`);
    } else if (!status.started || status.sheets === 0) {
      fail(`an archive posted with its scores is stored without them, or not locked: ${JSON.stringify(status)}`);
    }
  }
}

function httpStorm(route: AdminRoute, stage: Stage, runs: number, tally: Tally): Promise<void> {
  const shots = httpShots(route, stage).map((s) => Object.assign(s, { [fc.toStringMethod]: () => describeHttp(s) }));
  return fc.assert(
    fc.asyncProperty(shots, (shot) => fireHttp(stage, shot, tally)),
    { numRuns: runs },
  );
}

// ---------------------------------------------------------------- the storm, as tests

/** Registers the storm's tests; `stage()` is ready once the enclosing beforeAll has run. */
function stormTests(stage: () => Stage, runs: typeof STORM, tally: Tally): void {
  // vote:cast is the audience's, which joins with a public code: test/integration/audience-vote.test.ts storms it
  it.each(EVENTS.filter((e) => ROLES.some((r) => EVENT_ROLES[e].includes(r))))('%s: hostile payloads from the role allowed to send it are all refused with a known code, never internal', async (event) => {
    await stage().refresh();
    await socketStorm(event, stage(), 'own role', runs.ownRole, tally);
  });

  it.each(EVENTS.filter((e) => EVENT_ROLES[e].length < ROLES.length))('%s: from a role not allowed to send it, every payload (hostile or not) is forbidden', async (event) => {
    await stage().refresh();
    await socketStorm(event, stage(), 'wrong role', runs.wrongRole, tally);
  });

  it.each(MALFORMED_FRAMES)('a malformed frame: $what → $expect, and the server serves the next connection', async ({ frames, expect: outcome }) => {
    const s = stage();
    const conn = await s.connection('host');
    tally.sent++;
    for (const frame of frames) conn.socket.io.engine.write(frame);
    // the server handles a connection's frames in order: the answer to this says what became of the ones above
    const after = await emitAndWait(conn.socket, 'contest:sync', [{}], outcome === 'either' ? 1500 : 3000);
    if (outcome === 'dropped') expect(after.kind).toBe('dropped');
    if (outcome === 'ignored') expect(after).toMatchObject({ kind: 'answered', answer: { ok: true } });
    tally.count(`frame ${after.kind === 'dropped' ? 'dropped the connection' : 'ignored'}`);
    const fresh = await s.connection('host', true);
    expect(await ack(fresh.socket, 'contest:sync', {})).toMatchObject({ ok: true });
  });

  it.each(ADMIN_ROUTES)('%s: hostile requests are all answered 4xx {ok:false, error:{code, message}}, never 5xx; what gets through is well-formed and stored whole', async (route) => {
    await httpStorm(route, stage(), routeRuns(route, runs), tally);
  });

  it('is still up after the storm: /healthz answers 200, every role is served, the admin API still opens from 127.0.0.1', async () => {
    const s = stage();
    expect((await httpRequest(s.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
    for (const role of ROLES) expect(await ack((await s.connection(role)).socket, 'contest:sync', {}), role).toMatchObject({ ok: true });
    // the session fuzz sent its wrong tokens from addresses of its own: this one is not locked out
    expect((await adminGet(s, '/api/contests')).status).toBe(200);
    for (const contest of [s.contest.id, s.editable.id]) expect(detailProblem(await adminGet(s, `/api/contests/${contest}`), contest)).toBeNull();
  });
}

const STORM_TIMEOUT = 120_000;

describeEachDatabase('hostile input against the app in this process', (ctx) => {
  let server: RunningTestServer;
  let stage: Stage;
  let before: DatabasePicture;
  const tally = new Tally();

  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    stage = await setStage(server.url);
    // the editable contest changes on purpose; every change to it is checked as it is made
    before = await databasePicture(ctx.db, { exceptContests: [stage.editable.id] });
  });
  afterAll(async () => {
    console.log(tally.report(`hostile input [${ctx.kind}]`));
    await server?.close();
  });

  it('fuzzes every admin route the app registers (GET, POST, PUT and DELETE; HEAD is GET without the body)', () => {
    const registered = registeredRoutes(server.app).filter((r) => /^(GET|POST|PUT|DELETE) \/api\//.test(r));
    expect(registered).toContain('GET /api/contests');
    const fuzzed = new Set(ADMIN_ROUTES.map(registeredAs));
    expect(
      registered.filter((r) => !fuzzed.has(r)),
      'routes the storm does not fuzz: add each to AdminRoute and ROUTE_COST, with its shots in httpShots',
    ).toEqual([]);
    expect([...fuzzed].filter((r) => !registered.includes(r)), 'routes in ADMIN_ROUTES the app does not have').toEqual([]);
  });

  describe('the storm', { timeout: STORM_TIMEOUT }, () => stormTests(() => stage, STORM, tally));

  it('stored nothing: every table has the rows it had, and contest_live, score_sheets and audit_log are unchanged (but for the editable contest and the contests the storm made on purpose)', async () => {
    const after = await databasePicture(ctx.db, { exceptContests: [stage.editable.id, ...stage.made] });
    expect(after.auditLog, 'the audit log names whatever was done').toEqual(before.auditLog);
    expect(after.counts).toEqual(before.counts);
    expect(after.contestLive).toEqual(before.contestLive);
    expect(after.scoreSheets).toEqual(before.scoreSheets);
  });

  it('still takes a valid sheet and a valid host command afterwards', async () => {
    // e3, whom the storm never named: a sheet the storm slipped in for e1 or e2 must not mask this
    const e3 = await connectAs(stage.url, tokenOf(stage.contest.judges.find((j) => j.key === 'e3')!.url));
    expect(await ack(e3.socket, 'sheet:submit', { presenter: 'p1', items: { content: '45', delivery: '35.5' }, submissionId: submissionId() })).toMatchObject({ ok: true, judge: 'e3', total: '80.5' });
    const host = (await stage.connection('host')) as Connection<HostSnapshot>;
    await hostDo(host, 'turn:close', { presenter: 'p1' });
  });
});

describeEachDatabase('hostile values that pass the schema and reach further in', (ctx) => {
  let server: RunningTestServer;
  let stage: Stage;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    stage = await setStage(server.url);
  });
  afterAll(() => server?.close());

  const sheetsOf = async (contestId: string) => (await ctx.db.selectFrom('score_sheets').select('id').where('contest_id', '=', contestId).execute()).length;
  const admin = { authorization: ADMIN, 'content-type': 'application/json' };
  const postContest = (file: unknown, text = JSON.stringify(file)) => httpRequest(server.url, { method: 'POST', path: '/api/contests', headers: admin, body: text });

  /** "ok" or the refusal's code, for a table of outcomes that shows every case in one diff */
  const outcome = (answer: { ok: boolean; error?: { code: string } }) => (answer.ok ? 'ok' : answer.error!.code);

  it.each([
    ['a NUL character', '评委\u0000误触'],
    ['a lone surrogate', '评委\ud800误触'],
  ])('a reason with %s is refused invalid_input by sheet:reopen and judge:excuse, not failed as internal', async (_what, reason) => {
    await stage.refresh();
    const host = await stage.connection('host');
    const outcomes = {
      'sheet:reopen': outcome(await ack(host.socket, 'sheet:reopen', { presenter: 'p1', judge: 'm1', reason, turnsVersion: stage.turnsVersion })),
      'judge:excuse': outcome(await ack(host.socket, 'judge:excuse', { presenter: 'p1', judge: 'e2', reason, turnsVersion: stage.turnsVersion })),
    };
    expect(outcomes).toEqual({ 'sheet:reopen': 'invalid_input', 'judge:excuse': 'invalid_input' });
  });

  it('an item named __proto__ is refused (reserved names are not keys), from a judge and from the host, and nothing is stored', async () => {
    const items = JSON.parse('{"__proto__":"1","content":"50","delivery":"30"}') as object;
    const before = await sheetsOf(stage.contest.id);
    const e1 = await stage.connection('judge');
    const host = await stage.connection('host');
    const outcomes = {
      'sheet:submit by e1': outcome(await ack(e1.socket, 'sheet:submit', { presenter: 'p1', items, submissionId: submissionId() })),
      'sheet:enter for e2': outcome(await ack(host.socket, 'sheet:enter', { presenter: 'p1', judge: 'e2', items, submissionId: submissionId() })),
      'sheets stored': (await sheetsOf(stage.contest.id)) - before,
    };
    expect(outcomes).toEqual({ 'sheet:submit by e1': 'invalid_input', 'sheet:enter for e2': 'invalid_input', 'sheets stored': 0 });
  });

  it.each([
    ['judges[0].key', 'constructor'],
    ['judges[1].key', '__proto__'],
    ['judges[2].key', 'toString'],
    ['rules.criteria[0].key', 'constructor'],
    ['rules.criteria[1].key', 'valueOf'],
    ['presenters[0].key', 'hasOwnProperty'],
    ['rules.panels[0].key', 'prototype'],
  ])('a contest whose %s is the reserved name %s is refused 400 naming the key, so no judge, criterion or presenter can be named like a built-in property', async (field, name) => {
    const file = structuredClone(SMALL_CONTEST);
    const [list, index] = field.startsWith('rules.') ? [file.rules[field.split('.')[1]!.split('[')[0]!], Number(/\[(\d+)\]/.exec(field)![1])] : [file[field.split('[')[0]!], Number(/\[(\d+)\]/.exec(field)![1])];
    list[index].key = name;
    const response = await postContest(file);
    expect(httpRefusalProblem(response)).toBeNull();
    expect(response.status).toBe(400);
    expect(response.text).toContain(field);
  });

  it('an item value of 1e-21 or smaller (a JSON number exact to 1 digit, with more than 20 decimal places) is refused out_of_range, not failed as internal', async () => {
    // e3 and m2, whom no other test here sends a sheet for
    const e3 = await connectAs(server.url, tokenOf(stage.contest.judges.find((j) => j.key === 'e3')!.url));
    const host = await stage.connection('host');
    const outcomes: Array<[string, string]> = [];
    for (const value of [1e-21, -1e-21, 5e-324]) {
      const items = { content: value, delivery: '30' };
      outcomes.push([`sheet:submit ${value}`, outcome(await ack(e3.socket, 'sheet:submit', { presenter: 'p1', items, submissionId: submissionId() }))]);
      outcomes.push([`sheet:enter ${value}`, outcome(await ack(host.socket, 'sheet:enter', { presenter: 'p1', judge: 'm2', items, submissionId: submissionId() }))]);
    }
    e3.socket.disconnect();
    expect(outcomes).toEqual(outcomes.map(([what]) => [what, 'out_of_range']));
  });

  it.each([
    ['rules.panels[0].weight', 1e-21],
    ['rules.panels[0].weight', 5e-324],
    ['rules.criteria[0].max', 1e-21],
  ])('POST /api/contests: %s = %d is refused 400, not 500', async (field, value) => {
    const file = structuredClone(SMALL_CONTEST);
    if (field.includes('weight')) file.rules.panels[0].weight = value;
    else file.rules.criteria[0].max = value;
    expect(httpRefusalProblem(await postContest(file))).toBeNull();
  });

  it('POST /api/contests: a NUL character in a title or a name is refused 400, not 500, and nothing is stored', async () => {
    const before = (await databasePicture(ctx.db)).counts;
    for (const file of [
      { ...SMALL_CONTEST, title: '擂台\u0000赛' },
      { ...SMALL_CONTEST, presenters: SMALL_CONTEST.presenters.map((p: object, i: number) => (i === 0 ? { ...p, name: '张\u0000书记' } : p)) },
    ]) {
      expect(httpRefusalProblem(await postContest(file))).toBeNull();
    }
    expect((await databasePicture(ctx.db)).counts).toEqual(before);
  });

  it('POST /api/contests: a lone surrogate in the title is not a 500', async () => {
    const answer = await postContest({ ...SMALL_CONTEST, title: '擂台\ud800赛' });
    expect(answer.status, answer.text).toBeLessThan(500);
    if (answer.status >= 400) expect(httpRefusalProblem(answer)).toBeNull();
  });

  it('POST /api/contests: a title nested 3 000 to 6 000 arrays deep (or 10 000) is refused 400, never 500', async () => {
    const answers: string[] = [];
    for (let depth = 3_000; depth <= 6_000; depth += 100) {
      const text = JSON.stringify({ ...SMALL_CONTEST, title: DEEP }).replace(JSON.stringify(DEEP), deepText(depth, 'array'));
      const problem = httpRefusalProblem(await postContest(null, text));
      if (problem) answers.push(`${depth} levels: ${problem.slice(0, 60)}`);
    }
    expect(httpRefusalProblem(await postContest(null, deepText(10_000, 'array')))).toBeNull();
    expect(answers).toEqual([]);
  });

  it.each(['constructor', '__proto__', 'toString', 'valueOf'])('POST /api/contests: a criterion named %s, with a score that leaves it out, is refused 400, not 500', async (key) => {
    const file = { ...structuredClone(GUARDED_DOCUMENT), scores: [{ presenter: 'p1', judge: 'm1', items: { delivery: 30 } }] };
    file.rules.criteria[0].key = key;
    expect(httpRefusalProblem(await postContest(file))).toBeNull();
  });

  it('text that starts with U+FEFF (a byte-order mark) is stored as sent, or refused 400: a contest reads back as the file it was made from', async () => {
    // PGlite reads text columns with a TextDecoder, which drops a leading U+FEFF: a name that is
    // nothing but one comes back "", and GET /api/contests/:id gives a file PUT would refuse
    const edits: Array<[string, (file: typeof SMALL_CONTEST) => void]> = [
      ['title "\\ufeff"', (f) => (f.title = '\ufeff')],
      ['title "\\ufeff擂台赛"', (f) => (f.title = '\ufeff擂台赛')],
      ['judges[0].name "\\ufeff"', (f) => (f.judges[0].name = '\ufeff')],
      ['presenters[0].unit "\\ufeff东街道"', (f) => (f.presenters[0].unit = '\ufeff东街道')],
    ];
    const outcomes: Array<[string, string]> = [];
    for (const [what, edit] of edits) {
      const file = structuredClone(SMALL_CONTEST);
      edit(file);
      const created = await postContest(file);
      if (created.status !== 201) {
        outcomes.push([what, httpRefusalProblem(created) ?? 'refused']);
        continue;
      }
      const id = (created.json as { id: string }).id;
      const stored = (await httpRequest(server.url, { method: 'GET', path: `/api/contests/${id}`, headers: admin })).json as { file: unknown };
      outcomes.push([what, differenceOf(toContestFile(readContestFile(JSON.stringify(file)).definition), stored.file) ?? 'as sent']);
    }
    expect(outcomes.filter(([, outcome]) => outcome !== 'as sent' && outcome !== 'refused')).toEqual([]);
  });

  it.each(['/api/contests/%00/links', '/api/contests/%00/export', '/api/contests/{id}/judges/%00/reissue', '/api/contests/{id}%00/export'])('%s (a NUL in a URL parameter) is answered 4xx, not 500', async (template) => {
    const path = template.replace('{id}', stage.contest.id);
    expect(httpRefusalProblem(await httpRequest(server.url, { method: path.endsWith('reissue') ? 'POST' : 'GET', path, headers: { authorization: ADMIN } }))).toBeNull();
  });

  it.each(['/api/contests/%zz/links', '/api/contests/%ED%A0%80/export', `/api/contests/${'a'.repeat(200)}/links`, `/api/contests/{id}/judges/${big(101)}/reissue`])(
    '%s (bad percent-encoding, a parameter over 100 characters) is answered 4xx {ok:false, error:{code, message}}',
    async (template) => {
      const path = template.replace('{id}', stage.contest.id);
      expect(httpRefusalProblem(await httpRequest(server.url, { method: path.endsWith('reissue') ? 'POST' : 'GET', path, headers: { authorization: ADMIN } }))).toBeNull();
    },
  );

  it('bytes that are not an HTTP request are answered 400 {ok:false, error:{code, message}}, and the server carries on', async () => {
    const { port } = new URL(server.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('GARBAGE \u0001\u0002\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    const body = reply.slice(reply.indexOf('\r\n\r\n') + 4);
    expect(refusalProblem(JSON.parse(body), ['invalid_input'])).toBeNull();
    expect((await httpRequest(server.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
  });

  it('a command sent with extra arguments before the callback is answered invalid_input, not left without an answer', async () => {
    const host = await stage.connection('host');
    const answer = await emitAndWait(host.socket, 'clock:pause', [{ turnsVersion: stage.turnsVersion + 1000 }, 'extra argument'], 2000);
    expect(answer).toMatchObject({ kind: 'answered', answer: { ok: false, error: { code: 'invalid_input' } } });
  });

  it('a command sent with a callback and no payload is answered invalid_input', async () => {
    const host = await stage.connection('host');
    const answer = await emitAndWait(host.socket, 'turn:start', [], 2000);
    expect(answer).toMatchObject({ kind: 'answered', answer: { ok: false, error: { code: 'invalid_input' } } });
  });
});

describe('hostile input against a real server process (shorter)', { timeout: STORM_TIMEOUT }, () => {
  let server: ServerProcess;
  let stage: Stage;
  let exportBefore = '';
  let cleanup = async () => {};
  const tally = new Tally();

  beforeAll(async () => {
    const storage = await serverStorage(databaseKinds().includes('postgres') ? 'postgres' : 'pglite', 'leitai-hostile-');
    cleanup = () => storage.remove();
    server = await startServer({ ...storage.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false', LOG_LEVEL: 'warn' });
    stage = await setStage(server.url);
    exportBefore = (await httpRequest(server.url, { method: 'GET', path: `/api/contests/${stage.contest.id}/export`, headers: { authorization: ADMIN } })).text;
  }, STORM_TIMEOUT);
  afterAll(async () => {
    console.log(tally.report('hostile input [server process]'));
    await server?.stop('SIGKILL');
    await cleanup();
  });

  stormTests(() => stage, SHORT_STORM, tally);

  it('is still the same process, still alive, and stored nothing', async () => {
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    expect(server.stderr()).not.toMatch(/uncaught|unhandled/i);
    const exportAfter = (await httpRequest(server.url, { method: 'GET', path: `/api/contests/${stage.contest.id}/export`, headers: { authorization: ADMIN } })).text;
    expect(exportAfter).toBe(exportBefore);
    const host = (await stage.connection('host')) as Connection<HostSnapshot>;
    expect(host.snapshot().turnsVersion).toBe(stage.turnsVersion);
    expect(host.snapshot().sheets).toHaveLength(1);
  });
});
