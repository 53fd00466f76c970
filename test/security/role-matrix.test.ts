import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HostSnapshot, Snapshot } from '../../server/contracts/snapshots.ts';
import { type CommandEvent, EVENT_ROLES, HANDSHAKE_ERRORS, PayloadSchemas } from '../../server/contracts/socket.ts';
import { ADMIN_COOKIE, adminSessionKey, signAdminSession } from '../../server/auth/admin-session.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type RunningTestServer } from '../helpers/app.ts';
import { ack, createContestOverApi, hostDo, itemsFor, SMALL_CONTEST, submissionId, submit, tokenOf, waitFor, type CreatedContest } from '../helpers/contest-driver.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { ACK_ERROR_CODES, BudgetedConnection, connectAs, contestRows, httpRequest, loopback, rawHandshake, registeredRoutes, type Connection } from '../helpers/security.ts';

/**
 * Who may do what, tried exhaustively. Every socket command and every admin route is tried with
 * every kind of credential a caller can hold, and the outcome is compared with a table written
 * out below. The table is the authorisation policy: a new socket event or a new admin route
 * without a row here makes this file fail (at compile time through the Record types, and at run
 * time through the coverage checks), so nobody adds a command without deciding who may send it.
 */

// ---------------------------------------------------------------- the callers

const ROLES = [
  'no token',
  'judge',
  'other contest judge',
  'display',
  'audience',
  'host',
  'admin',
  'admin cookie',
  'expired admin cookie',
  'revoked token',
  'wrong admin token',
] as const;
type Role = (typeof ROLES)[number];

/** Credentials that are not a contest link: the socket handshake refuses them all. */
const NOT_A_LINK = ['no token', 'admin', 'admin cookie', 'expired admin cookie', 'revoked token', 'wrong admin token'] as const satisfies readonly Role[];
/** Credentials the admin pages' browser holds: sent as a cookie, not as a Bearer header. */
const COOKIE_ROLES: readonly Role[] = ['admin cookie', 'expired admin cookie'];
type LinkRole = Exclude<Role, (typeof NOT_A_LINK)[number]>;
const isLink = (role: Role): role is LinkRole => !(NOT_A_LINK as readonly Role[]).includes(role);

// ---------------------------------------------------------------- the socket policy

type SocketOutcome = 'handshake refused' | 'forbidden' | 'served';

/**
 * Which link may send which command. "other contest judge" holds a judge link of another contest:
 * it may submit sheets, but they land in its own contest (checked in the rows).
 */
const MAY_SEND: Record<CommandEvent, readonly LinkRole[]> = {
  'contest:sync': ['host', 'judge', 'other contest judge', 'display', 'audience'],
  'turn:start': ['host'],
  'turn:open-scoring': ['host'],
  'turn:close': ['host'],
  'turn:reveal': ['host'],
  'turn:skip': ['host'],
  'turn:reset': ['host'],
  'clock:pause': ['host'],
  'clock:resume': ['host'],
  'sheet:reopen': ['host'],
  'judge:excuse': ['host'],
  'sheet:submit': ['judge', 'other contest judge'],
  'sheet:enter': ['host'],
  'screen:show': ['host'],
  'awards:reveal-next': ['host'],
  'vote:cast': ['audience'],
};

/** A well-formed payload for each command against this file's contest, so only the caller's role can stop it. */
const SAMPLE_PAYLOAD: Record<CommandEvent, (turnsVersion: number) => Record<string, unknown>> = {
  'contest:sync': () => ({}),
  'turn:start': (turnsVersion) => ({ presenter: 'p2', turnsVersion }),
  'turn:open-scoring': (turnsVersion) => ({ presenter: 'p1', turnsVersion }),
  'turn:close': (turnsVersion) => ({ presenter: 'p1', turnsVersion }),
  'turn:reveal': (turnsVersion) => ({ presenter: 'p1', turnsVersion }),
  'turn:skip': (turnsVersion) => ({ presenter: 'p5', turnsVersion }),
  'turn:reset': (turnsVersion) => ({ presenter: 'p5', turnsVersion }),
  'clock:pause': (turnsVersion) => ({ turnsVersion }),
  'clock:resume': (turnsVersion) => ({ turnsVersion }),
  'sheet:reopen': (turnsVersion) => ({ presenter: 'p1', judge: 'm1', reason: '评委误触', turnsVersion }),
  'judge:excuse': (turnsVersion) => ({ presenter: 'p1', judge: 'm4', reason: '评委临时离场', turnsVersion }),
  'sheet:submit': () => ({ presenter: 'p1', items: itemsFor('p1', 'e1'), submissionId: submissionId() }),
  'sheet:enter': () => ({ presenter: 'p1', judge: 'e2', items: itemsFor('p1', 'e2'), submissionId: submissionId() }),
  'screen:show': (turnsVersion) => ({ screen: 'ranking', turnsVersion }),
  'awards:reveal-next': (turnsVersion) => ({ turnsVersion }),
  'vote:cast': () => ({ presenter: 'p1', value: 5, voteId: submissionId() }),
};

function socketOutcome(event: CommandEvent, role: Role): SocketOutcome | 'no row in MAY_SEND' {
  if (!isLink(role)) return 'handshake refused';
  const allowed = MAY_SEND[event] as readonly LinkRole[] | undefined;
  if (!allowed) return 'no row in MAY_SEND';
  return allowed.includes(role) ? 'served' : 'forbidden';
}

const EVENTS = Object.keys(PayloadSchemas) as CommandEvent[];
const SOCKET_ROWS = EVENTS.flatMap((event) => ROLES.map((role) => ({ event, role, expected: socketOutcome(event, role) })));

// ---------------------------------------------------------------- the admin API policy

type AdminRoute =
  | 'POST /api/admin/session'
  | 'GET /api/admin/session'
  | 'HEAD /api/admin/session'
  | 'DELETE /api/admin/session'
  | 'GET /api/contests'
  | 'HEAD /api/contests'
  | 'POST /api/contests'
  | 'GET /api/contests/:id'
  | 'HEAD /api/contests/:id'
  | 'PUT /api/contests/:id'
  | 'POST /api/contests/:id/copy'
  | 'POST /api/contests/:id/lots'
  | 'GET /api/contests/:id/links'
  | 'HEAD /api/contests/:id/links'
  | 'GET /api/contests/:id/export'
  | 'HEAD /api/contests/:id/export'
  | 'POST /api/contests/:id/judges/:judge/reissue'
  | 'POST /api/contests/:id/watch/reissue'
  | 'PUT /api/contests/:id/watch'
  | 'PUT /api/contests/:id/audience'
  | 'POST /api/watch/:code/voter'
  | 'POST /api/contests/:id/import/:kind'
  | 'GET /api/templates/:file'
  | 'HEAD /api/templates/:file'
  | 'GET /api/contests/:id/results'
  | 'HEAD /api/contests/:id/results'
  | 'GET /api/contests/:id/results.xlsx'
  | 'HEAD /api/contests/:id/results.xlsx'
  | 'GET /api/contests/:id/audit'
  | 'HEAD /api/contests/:id/audit'
  | 'GET /api/contests/:id/audit.csv'
  | 'HEAD /api/contests/:id/audit.csv'
  | 'GET /api/contests/:id/consistency'
  | 'HEAD /api/contests/:id/consistency';

type HttpOutcome = 401 | { allowed: number };

/**
 * Only the admin token (as a Bearer header, or as the cookie logging in with it gave) opens the
 * admin API; a contest link used as a Bearer token is just a wrong token, an expired cookie is no
 * cookie.
 */
const ONLY_ADMIN = (status: number): Record<Role, HttpOutcome> => ({
  'no token': 401,
  judge: 401,
  'other contest judge': 401,
  display: 401,
  audience: 401,
  host: 401,
  admin: { allowed: status },
  'admin cookie': { allowed: status },
  'expired admin cookie': 401,
  'revoked token': 401,
  'wrong admin token': 401,
});

const ADMIN_POLICY: Record<AdminRoute, Record<Role, HttpOutcome>> = {
  // logging in takes the admin token in the body; a cookie does not log in again
  'POST /api/admin/session': { ...ONLY_ADMIN(200), 'admin cookie': 401 },
  'GET /api/admin/session': ONLY_ADMIN(200),
  'HEAD /api/admin/session': ONLY_ADMIN(200),
  // logging out always works
  'DELETE /api/admin/session': Object.fromEntries(ROLES.map((role) => [role, { allowed: 200 }])) as Record<Role, HttpOutcome>,
  'GET /api/contests': ONLY_ADMIN(200),
  'HEAD /api/contests': ONLY_ADMIN(200),
  'POST /api/contests': ONLY_ADMIN(201),
  'GET /api/contests/:id': ONLY_ADMIN(200),
  'HEAD /api/contests/:id': ONLY_ADMIN(200),
  // PUT, lots and import act on a contest not yet started (the main one is); PUT saves it unchanged
  'PUT /api/contests/:id': ONLY_ADMIN(200),
  'POST /api/contests/:id/copy': ONLY_ADMIN(201),
  'POST /api/contests/:id/lots': ONLY_ADMIN(200),
  'GET /api/contests/:id/links': ONLY_ADMIN(200),
  'HEAD /api/contests/:id/links': ONLY_ADMIN(200),
  'GET /api/contests/:id/export': ONLY_ADMIN(200),
  'HEAD /api/contests/:id/export': ONLY_ADMIN(200),
  // the admin row reissues e3's link; the revoked token of this file is e2's old one
  'POST /api/contests/:id/judges/:judge/reissue': ONLY_ADMIN(200),
  // on the draft: the audience row of this file watches the main contest with its code
  'POST /api/contests/:id/watch/reissue': ONLY_ADMIN(200),
  'PUT /api/contests/:id/watch': ONLY_ADMIN(200),
  'PUT /api/contests/:id/audience': ONLY_ADMIN(200),
  // public: any phone with the watch code gets a voter id (no link, no admin token needed or used)
  'POST /api/watch/:code/voter': Object.fromEntries(ROLES.map((role) => [role, { allowed: 200 }])) as Record<Role, HttpOutcome>,
  // a dry run: the preview of a one-row CSV
  'POST /api/contests/:id/import/:kind': ONLY_ADMIN(200),
  'GET /api/templates/:file': ONLY_ADMIN(200),
  'HEAD /api/templates/:file': ONLY_ADMIN(200),
  'GET /api/contests/:id/results': ONLY_ADMIN(200),
  'HEAD /api/contests/:id/results': ONLY_ADMIN(200),
  'GET /api/contests/:id/results.xlsx': ONLY_ADMIN(200),
  'HEAD /api/contests/:id/results.xlsx': ONLY_ADMIN(200),
  'GET /api/contests/:id/audit': ONLY_ADMIN(200),
  'HEAD /api/contests/:id/audit': ONLY_ADMIN(200),
  'GET /api/contests/:id/audit.csv': ONLY_ADMIN(200),
  'HEAD /api/contests/:id/audit.csv': ONLY_ADMIN(200),
  'GET /api/contests/:id/consistency': ONLY_ADMIN(200),
  'HEAD /api/contests/:id/consistency': ONLY_ADMIN(200),
};

/** Routes that change a contest act on one not yet started; the rest read the main contest. */
const ON_DRAFT: readonly AdminRoute[] = [
  'PUT /api/contests/:id',
  'POST /api/contests/:id/lots',
  'POST /api/contests/:id/import/:kind',
  'POST /api/contests/:id/watch/reissue',
  'PUT /api/contests/:id/watch',
  'PUT /api/contests/:id/audience',
];

const HTTP_ROWS = (Object.keys(ADMIN_POLICY) as AdminRoute[]).flatMap((route) =>
  ROLES.map((role) => {
    const expected = ADMIN_POLICY[route][role];
    return { route, role, expected, shown: expected === 401 ? '401' : `allowed (${expected.allowed})` };
  }),
);

/**
 * Each caller that sends wrong tokens does so from its own loopback addresses: the server locks an
 * address out after 10 wrong admin tokens (HTTP) or 20 wrong socket tokens a minute, so every
 * (role, route) pair of this file gets an address of its own. Links and the admin token come from
 * 127.0.0.1.
 */
const ROUTES = Object.keys(ADMIN_POLICY) as AdminRoute[];
const httpFrom = (role: Role, route: AdminRoute): string =>
  role === 'admin' || role === 'admin cookie' ? '127.0.0.1' : `127.0.${10 + ROLES.indexOf(role)}.${2 + ROUTES.indexOf(route)}`;
const HANDSHAKE_FROM: Record<(typeof NOT_A_LINK)[number], string> = {
  'no token': loopback(30),
  admin: loopback(31),
  'admin cookie': loopback(34),
  'expired admin cookie': loopback(35),
  'revoked token': loopback(32),
  'wrong admin token': loopback(33),
};

// ---------------------------------------------------------------- the tests

describeEachDatabase('the role matrix: every command and admin route with every credential', (ctx) => {
  let server: RunningTestServer;
  let contest: CreatedContest;
  let other: CreatedContest;
  let draft: CreatedContest;
  let draftFile: string;
  // the matrix sends events faster than any person: connections that stay inside a socket's event burst
  const links = {} as Record<LinkRole, BudgetedConnection>;
  let hostSync: BudgetedConnection<HostSnapshot>;
  let host: Connection<HostSnapshot>;
  let otherHost: Connection<HostSnapshot>;
  const tokens = {} as Record<Role, string | null>;

  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
    contest = await createContestOverApi(server.url);
    other = await createContestOverApi(server.url, { ...SMALL_CONTEST, title: '另一场比赛' });
    draft = await createContestOverApi(server.url, { ...SMALL_CONTEST, title: '尚未开始的比赛' });
    draftFile = JSON.stringify((await httpRequest(server.url, { method: 'GET', path: `/api/contests/${draft.id}`, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).json);
    draftFile = JSON.stringify((JSON.parse(draftFile) as { file: unknown }).file);
    const sessionKey = adminSessionKey(server.secrets.linkSecret, server.secrets.adminTokenHash);

    // e2 loses their phone: the admin reissues the link, and the old token is the revoked one
    const e2Old = tokenOf(contest.judges.find((j) => j.key === 'e2')!.url);
    const e2OnTheLostPhone = await connectAs(server.url, e2Old);
    const reissued = await httpRequest(server.url, { method: 'POST', path: `/api/contests/${contest.id}/judges/e2/reissue`, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(reissued.status).toBe(200);
    await waitFor(() => e2OnTheLostPhone.socket.disconnected);

    Object.assign(tokens, {
      'no token': null,
      judge: tokenOf(contest.judges.find((j) => j.key === 'e1')!.url),
      'other contest judge': tokenOf(other.judges.find((j) => j.key === 'e1')!.url),
      display: tokenOf(contest.displayUrl),
      // the public watch code: a socket credential, and over HTTP just a wrong token
      audience: new URL(contest.watchUrl).pathname.split('/').pop()!,
      host: tokenOf(contest.hostUrl),
      admin: TEST_ADMIN_TOKEN,
      'admin cookie': signAdminSession(sessionKey, Date.now() + 3_600_000),
      'expired admin cookie': signAdminSession(sessionKey, Date.now() - 1),
      'revoked token': e2Old,
      'wrong admin token': 'wrong-admin-token-9876543210',
    } satisfies Record<Role, string | null>);

    host = await connectAs<HostSnapshot>(server.url, tokens.host!);
    otherHost = await connectAs<HostSnapshot>(server.url, tokenOf(other.hostUrl));
    for (const role of ROLES.filter(isLink)) links[role] = new BudgetedConnection(server.url, role === 'audience' ? { watch: tokens[role]! } : tokens[role]!);
    hostSync = new BudgetedConnection<HostSnapshot>(server.url, tokens.host!);

    // Both contests have p1 on stage and open for sheets, so a sheet sent to the wrong contest would be taken.
    for (const h of [host, otherHost]) {
      await hostDo(h, 'turn:start', { presenter: 'p1' });
      await hostDo(h, 'turn:open-scoring', { presenter: 'p1' });
    }
    const m1 = await server.connect(tokenOf(contest.judges.find((j) => j.key === 'm1')!.url));
    expect(await submit(m1, 'p1', itemsFor('p1', 'm1'))).toMatchObject({ ok: true });
  });
  afterAll(() => {
    for (const connection of [...Object.values(links), hostSync]) connection?.close();
    return server?.close();
  });

  const turnsVersionNow = async (): Promise<number> => {
    const answer = await ack<{ snapshot: HostSnapshot }>((await hostSync.take()).socket, 'contest:sync', {});
    if (!answer.ok) throw new Error(`contest:sync refused the host: ${answer.error.code}`);
    return answer.snapshot.turnsVersion;
  };

  it('has a row for every socket event: MAY_SEND and SAMPLE_PAYLOAD cover exactly the keys of PayloadSchemas', () => {
    expect(Object.keys(MAY_SEND).sort()).toEqual(EVENTS.slice().sort());
    expect(Object.keys(SAMPLE_PAYLOAD).sort()).toEqual(EVENTS.slice().sort());
    expect(SOCKET_ROWS).toHaveLength(EVENTS.length * ROLES.length);
  });

  it('agrees with EVENT_ROLES in server/contracts/socket.ts (a judge of another contest is still a judge)', () => {
    for (const event of EVENTS) {
      const roles = new Set(MAY_SEND[event].map((r) => (r === 'other contest judge' ? 'judge' : r)));
      expect([...roles].sort(), event).toEqual([...EVENT_ROLES[event]].sort());
    }
  });

  it('has a row for every admin route the app registers', () => {
    const apiRoutes = registeredRoutes(server.app).filter((r) => r.split(' ')[1]!.startsWith('/api/'));
    expect(apiRoutes.sort()).toEqual(Object.keys(ADMIN_POLICY).sort());
  });

  it.each(SOCKET_ROWS)('socket $event as $role → $expected', async ({ event, role, expected }) => {
    const before = await contestRows(ctx.db, contest.id);
    const otherSheetsBefore = (await contestRows(ctx.db, other.id)).score_sheets!.length;

    if (expected === 'handshake refused') {
      const token = tokens[role];
      const attempt = await rawHandshake(server.url, token === null ? undefined : { token }, HANDSHAKE_FROM[role as (typeof NOT_A_LINK)[number]]);
      try {
        expect(attempt.refusal).toBe(HANDSHAKE_ERRORS.unauthorized);
        // sending the command anyway on the refused connection: no answer, the server hangs up
        expect(await attempt.sendEvent(event, SAMPLE_PAYLOAD[event](await turnsVersionNow()))).toBe('closed');
      } finally {
        attempt.close();
      }
    } else {
      expect(expected, 'the expectation table has no row for this event').not.toBe('no row in MAY_SEND');
      const turnsVersion = await turnsVersionNow();
      const answer = await ack<object>((await links[role as LinkRole].take()).socket, event, SAMPLE_PAYLOAD[event](turnsVersion));
      if (expected === 'forbidden') {
        expect(answer).toEqual({ ok: false, error: { code: 'forbidden', message: expect.stringContaining(event) } });
      } else {
        // served: it may still be refused for what it asks (a turn in the wrong phase), never for who asks
        if (!answer.ok) {
          expect(ACK_ERROR_CODES).toContain(answer.error.code);
          expect(['forbidden', 'unauthorized', 'internal', 'rate_limited']).not.toContain(answer.error.code);
        }
      }
      if (role === 'other contest judge' && answer.ok) {
        // it acted on its own contest, never on this one
        if (event === 'contest:sync') expect((answer as unknown as { snapshot: Snapshot }).snapshot.contest.id).toBe(other.id);
        if (event === 'sheet:submit') expect((await contestRows(ctx.db, other.id)).score_sheets).toHaveLength(otherSheetsBefore + 1);
      }
    }

    // only this contest's own host and judge may change this contest's rows
    if (!(expected === 'served' && (role === 'host' || role === 'judge'))) {
      expect(await contestRows(ctx.db, contest.id)).toEqual(before);
    }
  });

  /** A request each route serves when the caller may use it, so only the credential can stop it. */
  function sampleRequest(route: AdminRoute, role: Role): { path: string; headers: Record<string, string>; body?: string | Buffer } {
    const [method, template] = route.split(' ') as [string, string];
    const id = ON_DRAFT.includes(route) ? draft.id : contest.id;
    const path = template.replace(':id', id).replace(':code', new URL(contest.watchUrl).pathname.split('/').pop()!).replace(':judge', 'e3').replace(':kind', 'presenters').replace(':file', 'presenters.csv');
    const token = tokens[role];
    const headers: Record<string, string> = token === null ? {} : COOKIE_ROLES.includes(role) ? { cookie: `${ADMIN_COOKIE}=${token}` } : { authorization: `Bearer ${token}` };
    const json = { 'content-type': 'application/json' };
    switch (route) {
      case 'POST /api/admin/session':
        return { path, headers: { ...json, ...(COOKIE_ROLES.includes(role) ? headers : {}) }, body: JSON.stringify({ token: COOKIE_ROLES.includes(role) || token === null ? 'not-a-token' : token }) };
      case 'POST /api/contests':
        return { path, headers: { ...headers, ...json }, body: JSON.stringify({ ...SMALL_CONTEST, title: `由 ${role} 创建` }) };
      case 'PUT /api/contests/:id':
        return { path, headers: { ...headers, ...json }, body: draftFile };
      case 'PUT /api/contests/:id/watch':
        return { path, headers: { ...headers, ...json }, body: JSON.stringify({ showQr: true }) };
      case 'PUT /api/contests/:id/audience':
        return { path, headers: { ...headers, ...json }, body: JSON.stringify({ entryCode: null }) };
      case 'POST /api/contests/:id/import/:kind':
        return { path: `${path}?dryRun=true`, headers: { ...headers, 'content-type': 'application/octet-stream' }, body: Buffer.from('出场顺序,姓名,单位\n1,周书记,东街道\n', 'utf8') };
      default:
        return { path, headers: method === 'POST' ? { ...headers } : headers };
    }
  }

  it.each(HTTP_ROWS)('admin API $route as $role → $shown', async ({ route, role, expected }) => {
    const method = route.split(' ')[0]!;
    const answer = await httpRequest(server.url, { method, from: httpFrom(role, route), ...sampleRequest(route, role) });
    if (expected === 401) {
      expect(answer.status).toBe(401);
      if (method !== 'HEAD') expect(answer.json).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.any(String) } });
    } else {
      expect(answer.status, answer.text.slice(0, 300)).toBe(expected.allowed);
    }
  });

  it('was not locked out along the way: the admin token and every link still work from 127.0.0.1', async () => {
    expect((await httpRequest(server.url, { method: 'GET', path: '/api/contests', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status).toBe(200);
    for (const role of ROLES.filter(isLink)) expect((await ack((await links[role].take()).socket, 'contest:sync', {})).ok, role).toBe(true);
  });
});
