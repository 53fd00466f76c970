import type { AuditAction } from '../../server/contracts/vocabulary.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ContestDetailAnswer, ContestListAnswer, CreatedContestAnswer, LotsAnswer } from '../../server/contracts/admin-api.ts';
import type { ContestFile } from '../../server/contest-file/contest-file.schema.ts';
import { startTestServer, type RunningTestServer } from '../helpers/app.ts';
import { adminFetch, createContestOverApi, hostDo, itemsFor, SMALL_CONTEST, submit, tokenOf, waitFor } from '../helpers/contest-driver.ts';
import type { HostSnapshot } from '../../server/contracts/snapshots.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/** Preparing a contest through the admin API: edit it until it starts, copy it, draw lots, import an archive. */

const DEMO_SCORED = readFileSync(new URL('../fixtures/demo-scored.json', import.meta.url), 'utf8');

describeEachDatabase('preparing a contest in the admin pages', (ctx) => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer(ctx.handle);
  });
  afterAll(() => server.close());

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await adminFetch(server.url, path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  const detail = async (id: string) => (await call<ContestDetailAnswer>('GET', `/api/contests/${id}`)).body;
  const audit = (id: string, action: AuditAction) =>
    ctx.db.selectFrom('audit_log').selectAll().where('contest_id', '=', id).where('action', '=', action).orderBy('id').execute();
  const clone = (file: ContestFile): ContestFile => structuredClone(file);

  it('reads a contest back as the file it was made from, with its status', async () => {
    const { id } = await createContestOverApi(server.url);
    const answer = await detail(id);
    expect(answer.status).toEqual({ sheets: 0, started: false, lockedBecause: null });
    expect(answer.file.title).toBe(SMALL_CONTEST.title);
    expect(answer.file.rules.panels.map((p) => [p.key, p.weight])).toEqual([['main', 0.7], ['eval', 0.3]]);
    expect(answer.file.presenters.map((p) => p.key)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(answer.file.presenters[1]!.recused).toEqual(['e3']);
  });

  it('saves any change before the contest starts: rules, people, judges (a new judge gets a link, a removed one loses it)', async () => {
    const created = await createContestOverApi(server.url);
    const removedPhone = await server.connect(tokenOf(created.judges.find((j) => j.key === 'm4')!.url));
    const dropped = new Promise<void>((resolve) => removedPhone.socket.once('disconnect', () => resolve()));
    const keptLink = created.judges.find((j) => j.key === 'm1')!.url;

    const file = clone((await detail(created.id)).file);
    file.rules.panels = [{ ...file.rules.panels[0]!, weight: 0.6 }, { ...file.rules.panels[1]!, weight: 0.4 }];
    file.rules.criteria[0]!.step = 1;
    file.presenters.push({ key: 'p6', name: '孙书记', unit: '高新区', topic: '园区党建', order: 6, recused: [] });
    file.judges = file.judges.filter((j) => j.key !== 'm4');
    file.judges.push({ key: 'e4', name: '测评丁', panel: 'eval' });
    const saved = await call<ContestDetailAnswer>('PUT', `/api/contests/${created.id}`, file);
    expect(saved.status).toBe(200);
    expect(saved.body.file.rules.panels.map((p) => p.weight)).toEqual([0.6, 0.4]);
    expect(saved.body.file.presenters.map((p) => p.key)).toContain('p6');

    await dropped;
    await expect(server.connect(tokenOf(created.judges.find((j) => j.key === 'm4')!.url))).rejects.toThrow(/unauthorized/);
    const links = (await call<CreatedContestAnswer>('GET', `/api/contests/${created.id}/links`)).body;
    expect(links.judges.map((j) => j.key)).toEqual(['m1', 'm2', 'm3', 'e1', 'e2', 'e3', 'e4']);
    expect(links.judges.find((j) => j.key === 'm1')!.url).toBe(keptLink);
    const newJudge = await server.connect(tokenOf(links.judges.find((j) => j.key === 'e4')!.url));
    expect(newJudge.snapshot()).toMatchObject({ role: 'judge', judge: { key: 'e4' } });

    const [entry] = await audit(created.id, 'contest:update');
    expect(entry).toMatchObject({ actor_role: 'admin' });
    expect((entry!.detail as { before: ContestFile }).before.judges.map((j) => j.key)).toContain('m4');
  });

  it('refuses a save made on an older picture (lots drawn meanwhile) when the editor says which revision it edited', async () => {
    const { id } = await createContestOverApi(server.url);
    const opened = await detail(id);
    expect(opened.revision).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const drawn = await call<LotsAnswer>('POST', `/api/contests/${id}/lots`);
    const put = (file: ContestFile, revision: string) =>
      adminFetch(server.url, `/api/contests/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': `"${revision}"` },
        body: JSON.stringify(file),
      });
    const stale = await put({ ...opened.file, title: '改过的标题' }, opened.revision);
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'stale_version', message: expect.stringMatching(/已被修改.*重新载入/) });
    const now = await detail(id);
    expect(now.file.presenters.map((p) => p.key)).toEqual(drawn.body.order.map((o) => o.key));
    expect(now.file.title).toBe(opened.file.title);
    expect(now.revision).not.toBe(opened.revision);

    const fresh = await put({ ...now.file, title: '改过的标题' }, now.revision);
    expect(fresh.status).toBe(200);
    const saved = (await fresh.json()) as ContestDetailAnswer;
    expect(saved.file.presenters.map((p) => p.key)).toEqual(drawn.body.order.map((o) => o.key));
    expect(saved.revision).not.toBe(now.revision);
  });

  it('refuses a file with mistakes with 400 naming the field, and keeps the contest as it was', async () => {
    const { id } = await createContestOverApi(server.url);
    const file = clone((await detail(id)).file);
    file.rules.panels[0]!.weight = 0.5;
    const refused = await call<{ error: { code: string; message: string } }>('PUT', `/api/contests/${id}`, file);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/rules\.panels: the panel weights sum to 0\.8/);
    expect((await detail(id)).file.rules.panels[0]!.weight).toBe(0.7);
  });

  it('once a score exists, refuses changes to rules, judges and order with the reason, but still corrects a name', async () => {
    const created = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(created.hostUrl));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    const locked = (await detail(created.id)).status;
    expect(locked).toMatchObject({ sheets: 0, started: true, lockedBecause: expect.stringMatching(/比赛已经开始/) });
    await hostDo(host, 'turn:open-scoring', { presenter: 'p1' });
    const judge = await server.connect(tokenOf(created.judges[0]!.url));
    expect((await submit(judge, 'p1', itemsFor('p1', 'm1'))).ok).toBe(true);
    await hostDo(host, 'judge:excuse', { presenter: 'p1', judge: 'm4', reason: '评委临时离场' });
    const before = await detail(created.id);
    expect(before.file.presenters[0]).toMatchObject({ recused: [], absent: ['m4'] });
    expect(before.status).toMatchObject({ sheets: 1, started: true, lockedBecause: expect.stringMatching(/已有 1 份评分.*复制为新比赛/) });

    const changes: Array<[string, (f: ContestFile) => void, RegExp]> = [
      ['a step', (f) => void (f.rules.criteria[0]!.step = 1), /评分项/],
      ['a weight', (f) => void (f.rules.panels = [{ ...f.rules.panels[0]!, weight: 0.5 }, { ...f.rules.panels[1]!, weight: 0.5 }]), /评委组/],
      ['a judge', (f) => void (f.judges = f.judges.filter((j) => j.key !== 'm3')), /评委名单/],
      ['the order', (f) => void ((f.presenters[0]!.order = 9), 0), /出场顺序/],
      ['an absence the host recorded', (f) => void delete f.presenters[0]!.absent, /评委缺席记录/],
    ];
    for (const [, change, message] of changes) {
      const file = clone(before.file);
      change(file);
      const refused = await call<{ error: { code: string; message: string } }>('PUT', `/api/contests/${created.id}`, file);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toEqual({ code: 'conflict', message: expect.stringMatching(message) });
      expect(refused.body.error.message).toMatch(/复制为新比赛/);
    }
    expect((await detail(created.id)).file).toEqual(before.file);

    const typo = clone(before.file);
    typo.presenters[0]!.name = '张建国';
    typo.title = `${before.file.title}（更正）`;
    expect((await call('PUT', `/api/contests/${created.id}`, typo)).status).toBe(200);
    await waitFor(() => host.snapshot().presenters[0]!.name === '张建国');
    expect((await detail(created.id)).file).toEqual(typo);
  });

  it('copies a contest with its rules and people but no scores, absences or old links', async () => {
    const withAbsence = { ...SMALL_CONTEST, presenters: SMALL_CONTEST.presenters.map((p: { key: string }) => (p.key === 'p3' ? { ...p, absent: ['m1'] } : p)) };
    const created = await createContestOverApi(server.url, withAbsence);
    const copy = await call<CreatedContestAnswer>('POST', `/api/contests/${created.id}/copy`);
    expect(copy.status).toBe(201);
    expect(copy.body.id).not.toBe(created.id);
    expect(copy.body.hostUrl).not.toBe(created.hostUrl);
    const original = (await detail(created.id)).file;
    const copied = await detail(copy.body.id);
    expect(original.presenters[2]!.absent).toEqual(['m1']);
    const { absent: _absent, ...p3 } = original.presenters[2]!;
    expect(copied.file).toEqual({ ...original, title: `${original.title}（副本）`, presenters: original.presenters.map((p, i) => (i === 2 ? p3 : p)) });
    expect(copied.status.sheets).toBe(0);
    const [entry] = await audit(copy.body.id, 'contest:create');
    expect(entry!.detail).toMatchObject({ copiedFrom: created.id });
    expect((await call('POST', '/api/contests/nosuchcontest/copy')).status).toBe(404);

    // a copy of the copy counts on, it never doubles the suffix
    const second = await call<CreatedContestAnswer>('POST', `/api/contests/${copy.body.id}/copy`);
    expect((await detail(second.body.id)).file.title).toBe(`${original.title}（副本 2）`);
    const third = await call<CreatedContestAnswer>('POST', `/api/contests/${second.body.id}/copy`);
    expect((await detail(third.body.id)).file.title).toBe(`${original.title}（副本 3）`);
  });

  it('copies a contest whose title is at the length limit in emoji: the original’s part is cut to fit, whole characters only, and the copy still says it is one', async () => {
    const { id } = await createContestOverApi(server.url, { ...SMALL_CONTEST, title: '😀'.repeat(100) });
    const copy = await call<CreatedContestAnswer>('POST', `/api/contests/${id}/copy`);
    expect(copy.status).toBe(201);
    const { file } = await detail(copy.body.id);
    expect(file.title).toBe(`${'😀'.repeat(98)}（副本）`);
    expect(file.title.isWellFormed()).toBe(true);
    expect((await call('PUT', `/api/contests/${copy.body.id}`, file)).status).toBe(200);
  });

  it('draws lots: a shuffle of every presenter, numbered 1…n, in the audit log, seen by a connected console; refused once started', async () => {
    const created = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(created.hostUrl));
    const orders = new Set<string>();
    let last = '';
    for (let i = 0; i < 6; i++) {
      const drawn = await call<LotsAnswer>('POST', `/api/contests/${created.id}/lots`);
      expect(drawn.status).toBe(200);
      expect(drawn.body.order.map((o) => o.order)).toEqual([1, 2, 3, 4, 5]);
      expect(drawn.body.order.map((o) => o.key).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
      last = drawn.body.order.map((o) => o.key).join();
      orders.add(last);
      const stored = (await detail(created.id)).file.presenters;
      expect(stored.map((p) => p.key)).toEqual(drawn.body.order.map((o) => o.key));
      expect(stored.map((p) => p.order)).toEqual([1, 2, 3, 4, 5]);
      await waitFor(() => host.snapshot().presenters.map((p) => p.key).join() === drawn.body.order.map((o) => o.key).join());
    }
    // six draws of 5 presenters (120 orders) all alike would mean no shuffle at all (odds ≈ 4e-11)
    expect(orders.size).toBeGreaterThan(1);
    const draws = await audit(created.id, 'contest:lots');
    expect(draws).toHaveLength(6);
    expect((draws[5]!.detail as { order: Array<{ key: string }> }).order.map((o) => o.key).join()).toBe(last);
    // the CSV an organiser files says it in words: 抽签, and the order drawn by name
    const csv = await (await adminFetch(server.url, `/api/contests/${created.id}/audit.csv`)).text();
    const lastDraw = (await detail(created.id)).file.presenters;
    expect(csv).toContain(`抽签,`);
    expect(csv).toContain(lastDraw.map((p, i) => `${i + 1}. ${p.name}`).join('、'));

    await hostDo(host, 'turn:start', { presenter: host.snapshot().presenters[0]!.key });
    const refused = await call<{ error: { code: string; message: string } }>('POST', `/api/contests/${created.id}/lots`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/不能再抽签：比赛已经开始/);
    expect(await audit(created.id, 'contest:lots')).toHaveLength(6);
  });

  it('stores and reads back a large contest: 1,000 presenters, 300 judges, 30,000 recusals (more than one SQL statement can carry)', async () => {
    const judges = Array.from({ length: 300 }, (_, i) => ({ key: `j${i}`, name: `评委${i}`, panel: i < 150 ? 'main' : 'eval' }));
    const presenters = Array.from({ length: 1000 }, (_, i) => ({
      key: `p${i}`,
      name: `选手${i}`,
      recused: Array.from({ length: 30 }, (_, r) => `j${(i + r * 10) % 300}`),
    }));
    const file = { ...SMALL_CONTEST, presenters, judges };
    const created = await call<CreatedContestAnswer>('POST', '/api/contests', file);
    expect(created.status).toBe(201);
    const stored = await detail(created.body.id);
    expect(stored.file.presenters).toHaveLength(1000);
    expect(stored.file.presenters.reduce((n, p) => n + p.recused!.length, 0)).toBe(30_000);
    expect(new Set(stored.file.presenters[7]!.recused)).toEqual(new Set(presenters[7]!.recused));
  }, 60_000);

  it('stays started once a presenter has been on stage, even when the host undoes that turn', async () => {
    const created = await createContestOverApi(server.url);
    const host = await server.connect<HostSnapshot>(tokenOf(created.hostUrl));
    await hostDo(host, 'turn:start', { presenter: 'p1' });
    await hostDo(host, 'turn:reset', { presenter: 'p1' });
    expect(host.snapshot().turns.every((t) => t.phase === 'waiting')).toBe(true);
    expect((await detail(created.id)).status).toMatchObject({ sheets: 0, started: true, lockedBecause: expect.stringMatching(/比赛已经开始/) });
    expect((await call('POST', `/api/contests/${created.id}/lots`)).status).toBe(409);
  });

  it('imports an archive with its scores only when asked to, and then it is locked', async () => {
    const plain = await call<{ error: { message: string } }>('POST', '/api/contests', DEMO_SCORED);
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toMatch(/withScores=true/);
    const archive = await call<CreatedContestAnswer>('POST', '/api/contests?withScores=true', DEMO_SCORED);
    expect(archive.status).toBe(201);
    const stored = await detail(archive.body.id);
    const sheetCount = (JSON.parse(DEMO_SCORED) as ContestFile).scores!.length;
    expect(stored.status).toMatchObject({ sheets: sheetCount, started: true });
    const list = (await call<ContestListAnswer>('GET', '/api/contests')).body.contests.find((c) => c.id === archive.body.id);
    expect(list).toMatchObject({ sheets: sheetCount, started: true, presenters: 22 });
  });
});
