import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_ROLES, PayloadSchemas, type CommandEvent, type HostSnapshot, type Role } from '../../server/protocol.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type RunningTestServer } from '../helpers/app.ts';
import { ack, createContestOverApi, hostDo, SMALL_CONTEST, submissionId, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { createEmptyPostgresDatabase, databaseKinds, describeEachDatabase } from '../helpers/databases.ts';
import { startServer, type ServerProcess } from '../helpers/server-process.ts';
import {
  ACK_ERROR_CODES,
  connectAs,
  databasePicture,
  emitAndWait,
  httpRefusalProblem,
  httpRequest,
  preview,
  rawEmit,
  refusalProblem,
  type Connection,
  type DatabasePicture,
  type Delivery,
} from '../helpers/security.ts';

/**
 * Hostile input. A storm of malformed payloads hits every socket event, sent by the role allowed
 * to send it and by a role that is not, and every admin route: wrong types, missing and extra
 * fields, huge numbers, NaN, -0, Infinity, 100 kB strings, 10 000 levels of nesting, arrays where
 * objects belong, prototype-pollution keys, binary payloads, no ack callback, extra arguments,
 * frames over the 64 kB limit, bodies that are not JSON, wrong content types, bodies over 2 MB,
 * bad URL parameters.
 *
 * What must hold throughout:
 * - the server never crashes: it answers /healthz and serves a valid command after the storm;
 * - every command sent with an ack callback is answered {ok:false, error:{code, message}} with
 *   a code of AckErrorCode, never `internal`; a frame over the limit drops the connection;
 * - every HTTP answer is a 4xx {ok:false, error:{code, message}}, never a 5xx;
 * - nothing is stored or done: every table has as many rows as before, and contest_live,
 *   score_sheets and audit_log are the same row for row (a command sent without a callback is
 *   checked too: the contest's version must not move).
 *
 * The stage is set so that a wrongly accepted payload would show: p1 is on stage and open for
 * sheets, m1 has scored p1 already (so the host could reopen it), and the fuzzing judge e1 has not
 * (so a sheet of e1's that the server took by mistake would be stored).
 */

// ---------------------------------------------------------------- how hard

/** runs per socket event and role, and per admin route; the in-process storm, per database kind */
const STORM = { ownRole: 800, wrongRole: 200, perRoute: 400 };
/** the same against a real server process, shorter */
const SHORT_STORM = { ownRole: 60, wrongRole: 20, perRoute: 40 };

const FRAME_LIMIT = 64 * 1024; // maxHttpBufferSize in server/realtime/socket.plugin.ts
const BODY_LIMIT = 2 * 1024 * 1024; // bodyLimit in server/app.ts

// ---------------------------------------------------------------- the stage

const EVENTS = Object.keys(PayloadSchemas) as CommandEvent[];
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
  /** this role's open connection, or a new one when it was dropped (or when `fresh`) */
  connection(role: Role, fresh?: boolean): Promise<Connection>;
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

  const open: Partial<Record<Role, Connection>> = { host };
  const stage: Stage = {
    url,
    contest,
    turnsVersion: host.snapshot().turnsVersion,
    version: host.snapshot().version,
    usedSubmissionId,
    async connection(role, fresh = false) {
      const current = open[role];
      if (current && current.socket.connected && !fresh) return current;
      current?.socket.disconnect();
      return (open[role] = await connectAs(url, tokens[role]));
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

const OWN_ROLE_CODES = ACK_ERROR_CODES.filter((c) => !['internal', 'db_unavailable', 'forbidden', 'unauthorized'].includes(c));

/** Sends one shot and checks what came back. Throws, naming the shot, when the answer is wrong. */
async function fire(stage: Stage, shot: Shot, expectCodes: readonly string[], tally: Tally): Promise<void> {
  tally.sent++;
  const conn = await stage.connection(shot.role);
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
  const roles = side === 'own role' ? allowed : ROLES.filter((r) => !allowed.includes(r));
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
  { what: 'server-to-client event names sent to the server', frames: ['2["state:snapshot",{}]', '2["session:replaced"]'], expect: 'ignored' },
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

type AdminRoute = 'GET /api/contests' | 'POST /api/contests' | 'GET /api/contests/:id/links' | 'GET /api/contests/:id/export' | 'POST /api/contests/:id/judges/:judge/reissue';
const ADMIN_ROUTES: AdminRoute[] = ['GET /api/contests', 'POST /api/contests', 'GET /api/contests/:id/links', 'GET /api/contests/:id/export', 'POST /api/contests/:id/judges/:judge/reissue'];

interface HttpShot {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** what is wrong with the body, in words */
  why?: string;
}

const describeHttp = (s: HttpShot) =>
  `${s.method} ${preview(s.path, 160)} ${JSON.stringify({ ...s.headers, authorization: s.headers.authorization === `Bearer ${TEST_ADMIN_TOKEN}` ? 'Bearer <admin>' : s.headers.authorization })}${s.body === undefined ? '' : ` body: ${s.why ?? (Buffer.isBuffer(s.body) ? `<${s.body.length} bytes>` : preview(s.body, 300))}`}`;

const ADMIN = `Bearer ${TEST_ADMIN_TOKEN}`;
/**
 * Mostly the admin token (so the request reaches the route), else credentials that are not a
 * Bearer token at all: those do not count as wrong tokens, and the storm cannot lock itself out.
 */
const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>(ADMIN) },
  { weight: 2, arbitrary: fc.constantFrom<string | undefined>(undefined, 'Bearer ', 'Bearer    ', `bearer ${TEST_ADMIN_TOKEN}`, `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}`, TEST_ADMIN_TOKEN, `Token ${TEST_ADMIN_TOKEN}`) },
);
const nonAdminAuthorization = authorization.filter((a) => a !== ADMIN);

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

/**
 * The contest file, plus one score: a POST that passed every other check would still be refused
 * ("a new contest starts without scores"), so no body of the storm can create a contest, however
 * a mutation turns out. Mutations never touch the `scores` key itself.
 */
const GUARDED_DOCUMENT = { ...SMALL_CONTEST, scores: [{ presenter: 'p1', judge: 'm1', items: { content: 50, delivery: 30 } }] };

type JsonPath = Array<string | number>;
function pathsIn(value: unknown, path: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => {
    const p = [...path, k];
    return p.length === 1 && p[0] === 'scores' ? pathsIn(v, p) : [p, ...pathsIn(v, p)];
  });
}
const DOCUMENT_PATHS = pathsIn(GUARDED_DOCUMENT);
const OBJECT_PATHS: JsonPath[] = [[], ...DOCUMENT_PATHS.filter((p) => typeof at(GUARDED_DOCUMENT, p) === 'object' && !Array.isArray(at(GUARDED_DOCUMENT, p)))];
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
const KEY_PATHS = DOCUMENT_PATHS.filter((p) => p[p.length - 1] === 'key');
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...DOCUMENT_PATHS), hostileJsonValue).map(([path, value]): Mutation => ({ kind: 'set', path, value })) },
  { weight: 1, arbitrary: fc.constantFrom(...DOCUMENT_PATHS.filter((p) => typeof p[p.length - 1] === 'string')).map((path): Mutation => ({ kind: 'delete', path })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...OBJECT_PATHS), fc.oneof(fc.constantFrom(...PROTO_NAMES, 'extra', 'scores2', 'admin'), fc.string()), hostileJsonValue)
      .map(([path, key, value]): Mutation => ({ kind: 'add', path, key, value })),
  },
  // keys named like Object.prototype members: the server keeps keys in plain objects
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...KEY_PATHS), fc.constantFrom(...PROTO_NAMES.filter((n) => KEY.test(n)))).map(([path, name]): Mutation => ({ kind: 'key', path, name })) },
);
function applyMutations(mutations: Mutation[]): unknown {
  const doc = structuredClone(GUARDED_DOCUMENT) as Record<string, unknown>;
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
/** a body for POST /api/contests, and in words what is wrong with it */
const contestBody: fc.Arbitrary<{ body: string | Buffer; why: string }> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.tuple(fc.array(mutation, { minLength: 1, maxLength: 3 }), textDamage).map(([ms, [damage, apply]]) => ({
      body: apply(withDeepNesting(JSON.stringify(applyMutations(ms)))),
      why: `the contest file with ${[...ms.map(describeMutation), damage].filter(Boolean).join('; ')}`,
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
  { weight: 1, arbitrary: fc.constant({ body: Buffer.from(JSON.stringify(GUARDED_DOCUMENT), 'utf16le'), why: 'the contest file in UTF-16' }) },
);

function httpShots(route: AdminRoute, stage: Stage): fc.Arbitrary<HttpShot> {
  const headers = (auth: string | undefined, type?: string): Record<string, string> => ({ ...(auth ? { authorization: auth } : {}), ...(type ? { 'content-type': type } : {}) });
  const id = stage.contest.id;
  const junkBody = fc.option(fc.tuple(contentType, fc.constantFrom('{bad', '{}', 'x', '[]')), { nil: undefined });
  switch (route) {
    case 'GET /api/contests':
      // it takes no input: what can be wrong is the credential
      return fc.tuple(nonAdminAuthorization, hostileQuery).map(([auth, q]) => ({ method: 'GET', path: `/api/contests${q}`, headers: headers(auth) }));
    case 'POST /api/contests':
      return fc.tuple(authorization, contentType, contestBody, hostileQuery).map(([auth, type, { body, why }, q]) => ({ method: 'POST', path: `/api/contests${q}`, headers: headers(auth, type), body, why }));
    case 'GET /api/contests/:id/links':
    case 'GET /api/contests/:id/export': {
      const tail = route.endsWith('links') ? 'links' : 'export';
      return fc
        .oneof(
          { weight: 3, arbitrary: fc.tuple(authorization, hostileSegment([id])) }, // no such contest, whatever the credential
          { weight: 1, arbitrary: fc.tuple(nonAdminAuthorization, fc.constant(id)) }, // the contest, without the admin token
        )
        .chain(([auth, segment]) => hostileQuery.map((q) => ({ method: 'GET', path: `/api/contests/${segment}/${tail}${q}`, headers: headers(auth) })));
    }
    case 'POST /api/contests/:id/judges/:judge/reissue':
      return fc
        .tuple(
          authorization,
          fc.oneof(
            hostileSegment(JUDGE_KEYS).map((judge) => [id, judge] as const),
            hostileSegment([id]).map((contest) => [contest, 'm1'] as const),
            fc.tuple(hostileSegment([id]), hostileSegment(JUDGE_KEYS)),
          ),
          junkBody,
        )
        .map(([auth, [contest, judge], body]) => ({
          method: 'POST',
          path: `/api/contests/${contest}/judges/${judge}/reissue`,
          headers: headers(auth, body?.[0]),
          ...(body ? { body: body[1] } : {}),
        }));
  }
}

function httpStorm(route: AdminRoute, stage: Stage, runs: number, tally: Tally): Promise<void> {
  const shots = httpShots(route, stage).map((s) => Object.assign(s, { [fc.toStringMethod]: () => describeHttp(s) }));
  return fc.assert(
    fc.asyncProperty(shots, async (shot) => {
      tally.sent++;
      const answer = await httpRequest(stage.url, shot);
      const problem = httpRefusalProblem(answer);
      if (problem) throw new Error(`${problem}\n  for ${describeHttp(shot)}`);
      tally.count(`HTTP ${answer.status} ${(answer.json as { error: { code: string } }).error.code}`);
    }),
    { numRuns: runs },
  );
}

// ---------------------------------------------------------------- the storm, as tests

/** Registers the storm's tests; `stage()` is ready once the enclosing beforeAll has run. */
function stormTests(stage: () => Stage, runs: typeof STORM, tally: Tally): void {
  it.each(EVENTS)('%s: hostile payloads from the role allowed to send it are all refused with a known code, never internal', async (event) => {
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

  it.each(ADMIN_ROUTES)('%s: hostile requests are all answered 4xx {ok:false, error:{code, message}}, never 5xx', async (route) => {
    await httpStorm(route, stage(), runs.perRoute, tally);
  });

  it('is still up after the storm: /healthz answers 200 and every role is served', async () => {
    const s = stage();
    expect((await httpRequest(s.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
    for (const role of ROLES) expect(await ack((await s.connection(role)).socket, 'contest:sync', {}), role).toMatchObject({ ok: true });
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
    before = await databasePicture(ctx.db);
  });
  afterAll(async () => {
    console.log(tally.report(`hostile input [${ctx.kind}]`));
    await server?.close();
  });

  describe('the storm', { timeout: STORM_TIMEOUT }, () => stormTests(() => stage, STORM, tally));

  it('stored nothing: every table has the rows it had, and contest_live, score_sheets and audit_log are unchanged', async () => {
    const after = await databasePicture(ctx.db);
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
    const env: Record<string, string> = { ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false', LOG_LEVEL: 'warn' };
    if (databaseKinds().includes('postgres')) {
      const database = await createEmptyPostgresDatabase();
      env.DATABASE_URL = database.url;
      cleanup = () => database.drop();
    } else {
      const dataDir = mkdtempSync(join(tmpdir(), 'leitai-hostile-'));
      env.DATA_DIR = dataDir;
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
    }
    server = await startServer(env);
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
