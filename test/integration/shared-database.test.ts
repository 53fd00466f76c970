import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import { Exact } from '../../server/domain/exact.ts';
import type { Kysely, KyselyPlugin } from 'kysely';
import type { Database } from '../../server/db/database.ts';
import { displaySnapshot, hostSnapshot, judgeSnapshot, type LiveView } from '../../server/domain/projections.ts';
import type { Actor } from '../../server/domain/live/commands.ts';
import { AudienceVotes } from '../../server/services/audience-votes.service.ts';
import { createContest } from '../../server/services/contests.service.ts';
import { LiveContests, type ChangeOrigin } from '../../server/services/live-contests.service.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * Two LiveContests on one database stand for two server processes (test/integration/cluster.test.ts
 * runs two real ones on Postgres; this runs on PGlite too, in milliseconds). The second holds the
 * contest in memory while the first moves it on, before any news of it arrives.
 */

const FILE = readFileSync(new URL('../fixtures/small-contest.json', import.meta.url), 'utf8');
const HOST: Actor = { role: 'host' };
const items = { content: Exact.parse('50'), delivery: Exact.parse('30.5') };

/** the small contest with a 10 % audience vote (大众评审) */
function withAudienceVote(file: string): string {
  const contest = JSON.parse(file);
  contest.rules.panels[0].weight = 0.6;
  contest.rules.panels.push({ key: 'public', name: '大众评审', kind: 'audience', weight: 0.1, scale: { min: 1, max: 10, step: 1 }, trimPercent: 0 });
  return JSON.stringify(contest);
}

/** Everything a process's pages are shown of a view (clocks aside): the host console, the projector, every judge's phone. */
function shown(view: LiveView) {
  const withoutClock = <T extends { serverNow: number }>(s: T) => ({ ...s, serverNow: 0 });
  return {
    host: withoutClock(hostSnapshot(view, new Map())),
    display: withoutClock(displaySnapshot(view)),
    judges: view.contest.judges.map((j) => withoutClock(judgeSnapshot(view, j.key))),
  };
}

/** Counts the statements run through the database it is plugged into (BEGIN and COMMIT are not statements Kysely builds). */
function statementCounter(): KyselyPlugin & { count: number } {
  return {
    count: 0,
    transformQuery(args) {
      this.count++;
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
}

/** Records the ids of the sheets each catch-up by changes read (the statement that reads the live state with the absences). */
function changesReader(): KyselyPlugin & { reads: string[][] } {
  return {
    reads: [],
    transformQuery(args) {
      return args.node;
    },
    async transformResult(args) {
      const row = args.result.rows[0] as { sheets?: Array<{ id: string }>; absences?: unknown } | undefined;
      if (row?.sheets && row.absences) this.reads.push(row.sheets.map((s) => s.id));
      return args.result;
    },
  };
}

/**
 * The database for B, whose next catch-up by changes can be held once its statement has read (its
 * snapshot taken, its connection given back: PGlite has only one), until released.
 */
function holdingChanges(db: Kysely<Database>): { db: Kysely<Database>; hold(): { reached: Promise<void>; release: () => void } } {
  let held: { reached: () => void; released: Promise<void> } | null = null;
  const bound = <T extends object>(target: T, key: string | symbol) => {
    const value = Reflect.get(target, key, target) as unknown;
    return typeof value === 'function' ? value.bind(target) : value;
  };
  const executor = db.getExecutor();
  const holdingExecutor = new Proxy(executor, {
    get: (target, key) =>
      key !== 'executeQuery'
        ? bound(target, key)
        : async (...args: Parameters<typeof executor.executeQuery>) => {
            const result = await target.executeQuery(...args);
            const row = result.rows[0] as { sheets?: unknown; absences?: unknown } | undefined;
            if (held && row?.sheets && row.absences) {
              const { reached, released } = held;
              held = null;
              reached();
              await released;
            }
            return result;
          },
  });
  return {
    // findLiveChanges is a raw statement: it runs on the executor the database hands out
    db: new Proxy(db, { get: (target, key) => (key === 'getExecutor' ? () => holdingExecutor : bound(target, key)) }),
    hold() {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const reached = new Promise<void>((r) => (held = { reached: r, released }));
      return { reached, release };
    },
  };
}

describeEachDatabase('two processes’ live contests on one database', (ctx) => {
  const setUp = async () => {
    const db = ctx.db;
    const id = await createContest(db, 'link-secret-for-tests', readContestFile(FILE), 'system');
    const [a, b] = [new LiveContests(db), new LiveContests(db)];
    const heard: ChangeOrigin[] = [];
    b.onChange((_id, origin) => heard.push(origin));
    await Promise.all([a.get(id), b.get(id)]);
    return { id, a, b, heard };
  };

  it('decides a command on the stored state when another process moved the contest on (not on what memory still holds)', async () => {
    const { id, a, b } = await setUp();
    const started = await a.execute(id, HOST, { type: 'turn:start', presenter: 'p1' }, { turnsVersion: 0 });
    const opened = await a.execute(id, HOST, { type: 'turn:open-scoring', presenter: 'p1' }, { turnsVersion: (await a.view(id)).state.turnsVersion });
    expect(opened.version).toBeGreaterThan(started.version);

    // B's memory says p1 is waiting: its judge's sheet would be refused turn_not_open
    expect((await b.view(id)).state.turns['p1']!.phase).toBe('waiting');
    const receipt = await b.execute(id, { role: 'judge', judge: 'm1' }, { type: 'sheet:submit', presenter: 'p1', judge: 'm1', items }, { submissionId: 'sheet-from-b-0001' });
    expect(receipt).toMatchObject({ judge: 'm1', total: '80.5', duplicate: false });

    // a console that saw A's state (via A) is not refused by B as stale
    const { turnsVersion } = (await a.view(id)).state;
    await expect(b.execute(id, HOST, { type: 'turn:close', presenter: 'p1' }, { turnsVersion })).resolves.toMatchObject({ version: expect.any(Number) });
    // and a console that did not see it is refused stale_version on both
    await expect(a.execute(id, HOST, { type: 'turn:reveal', presenter: 'p1' }, { turnsVersion })).rejects.toMatchObject({ code: 'stale_version' });
  });

  it('reloads on news of another process’s change, once, and not when memory is there already', async () => {
    const { id, a, b, heard } = await setUp();
    const { version } = await a.execute(id, HOST, { type: 'turn:start', presenter: 'p1' }, { turnsVersion: 0 });
    b.changedElsewhere(id, version);
    b.changedElsewhere(id, version);
    await expect.poll(() => heard).toEqual(['elsewhere']);
    expect((await b.view(id)).state.turns['p1']!.phase).toBe('presenting');

    // old news: nothing to do
    b.changedElsewhere(id, version - 1);
    b.changedElsewhere(id, version);
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toEqual(['elsewhere']);

    // an edit elsewhere changes no version: news without one always reloads
    b.changedElsewhere(id, null);
    await expect.poll(() => heard).toEqual(['elsewhere', 'elsewhere']);
  });

  it('tells its listeners why: a command here, a definition change here, news from elsewhere', async () => {
    const { id, a } = await setUp();
    const told: ChangeOrigin[] = [];
    a.onChange((_id, origin) => told.push(origin));
    await a.execute(id, HOST, { type: 'turn:start', presenter: 'p1' }, { turnsVersion: 0 });
    await a.exclusive(id, async () => 'renamed');
    expect(told).toEqual(['command', 'definition']);
  });

  it('catches up by reading exactly the sheets it has not seen: none it loaded, stored itself or read before', async () => {
    const db = ctx.db;
    const id = await createContest(db, 'link-secret-for-tests', readContestFile(FILE), 'system');
    const reader = changesReader();
    const [a, b] = [new LiveContests(db), new LiveContests(db.withPlugin(reader))];
    const hostOn = async (on: LiveContests, command: Parameters<LiveContests['execute']>[2]) => on.execute(id, HOST, command, { turnsVersion: (await on.view(id)).state.turnsVersion });
    const sheetOn = async (on: LiveContests, judge: string) =>
      ((await on.execute(id, { role: 'judge', judge }, { type: 'sheet:submit', presenter: 'p1', judge, items }, { submissionId: `sheet-${judge}-p1-0000` })) as { sheetId: string }).sheetId;

    await hostOn(a, { type: 'turn:start', presenter: 'p1' });
    await hostOn(a, { type: 'turn:open-scoring', presenter: 'p1' });
    await sheetOn(a, 'm1');
    await b.get(id); // B loads m1's sheet
    await sheetOn(b, 'm2'); // a judge's sheet stored by B (a batch)
    await b.execute(id, HOST, { type: 'sheet:submit', presenter: 'p1', judge: 'm3', items }, { submissionId: 'paper-m3-p1-0000' }); // a paper sheet stored by B (代录)
    const onA = [await sheetOn(a, 'm4'), await sheetOn(a, 'e1')];
    b.changedElsewhere(id, (await a.view(id)).state.version);
    await expect.poll(async () => (await b.view(id)).state.version).toBe((await a.view(id)).state.version);
    // then A stores one more, and B, deciding a host step on its copy, finds the stored version moved and catches up
    const later = await sheetOn(a, 'e2');
    await hostOn(b, { type: 'turn:close', presenter: 'p1' });

    expect(reader.reads).toEqual([onA, [later]]);
    expect(shown(await b.view(id))).toEqual(shown(await new LiveContests(db).view(id)));
  });

  /**
   * B holds the contest; an edit on B outlives its deadline (the caller is answered, B's queue moves
   * on) and is let commit later, its connection then failing, as when the reply to a COMMIT is lost:
   * B cannot know whether it landed, and marks the contest to be loaded whole. A moves the contest
   * on meanwhile.
   */
  const editLeftRunning = async () => {
    const db = ctx.db;
    const id = await createContest(db, 'link-secret-for-tests', readContestFile(FILE), 'system');
    const hold = holdingChanges(db);
    // B's deadline is short, as the edit is left running past it; its other commands take milliseconds
    const [a, b] = [new LiveContests(db), new LiveContests(hold.db, Date.now, 2_500)];
    await Promise.all([a.get(id), b.get(id)]);
    const hostOn = async (on: LiveContests, command: Parameters<LiveContests['execute']>[2]) => on.execute(id, HOST, command, { turnsVersion: (await a.view(id)).state.turnsVersion });
    const sheetOn = (on: LiveContests, judge: string) => on.execute(id, { role: 'judge', judge }, { type: 'sheet:submit', presenter: 'p1', judge, items }, { submissionId: `sheet-${judge}-p1-0000` });

    let commit!: () => void;
    const mayCommit = new Promise<void>((r) => (commit = r));
    let failed!: () => void;
    const failing = new Promise<void>((r) => (failed = r));
    const edit = b.exclusive(id, async () => {
      await mayCommit;
      try {
        await db.updateTable('contests').set({ title: '改过的标题' }).where('id', '=', id).execute();
        throw new Error('Connection terminated unexpectedly');
      } finally {
        failed();
      }
    });
    await expect(edit).rejects.toMatchObject({ code: 'db_unavailable' });
    await hostOn(a, { type: 'turn:start', presenter: 'p1' });
    // B reloads for its next command (the edit past its deadline marked it): the edit has not landed yet
    await hostOn(b, { type: 'turn:open-scoring', presenter: 'p1' });
    expect((await b.view(id)).contest.title).toBe('街道党建擂台赛（测试）');
    await sheetOn(a, 'm1'); // A finds the stored version moved and catches up itself
    /** the edit lands and fails now, while B's catch-up by changes is held after its read */
    const landsDuringRead = async (held: { reached: Promise<void>; release: () => void }) => {
      await held.reached;
      commit();
      await failing;
      await new Promise((r) => setImmediate(r));
      held.release();
    };
    return { id, a, b, hold, sheetOn, landsDuringRead };
  };

  it('news of another process read while an edit past its deadline lands: the next command is decided on the contest loaded whole', async () => {
    const { id, a, b, hold, sheetOn, landsDuringRead } = await editLeftRunning();
    const held = hold.hold();
    b.changedElsewhere(id, (await a.view(id)).state.version);
    const next = sheetOn(b, 'm2'); // queued behind the catch-up
    await landsDuringRead(held);
    await expect(next).resolves.toMatchObject({ judge: 'm2', duplicate: false });
    expect((await b.view(id)).contest.title).toBe('改过的标题');
    expect(b.catchUps()).toMatchObject({ changes: 1, whole: 2 });
  });

  it('a command that finds the stored version moved catches up, and loads whole when an edit past its deadline lands while it reads', async () => {
    const { id, a, b, hold, sheetOn, landsDuringRead } = await editLeftRunning();
    await sheetOn(a, 'm3');
    const held = hold.hold();
    // decided on B's copy, which has neither m1's nor m3's sheet: the stored version moved, B reads the changes
    const next = sheetOn(b, 'm2');
    await landsDuringRead(held);
    await expect(next).resolves.toMatchObject({ judge: 'm2', duplicate: false });
    expect((await b.view(id)).contest.title).toBe('改过的标题');
    expect(b.catchUps()).toMatchObject({ changes: 1, whole: 2 });
    expect((await b.view(id)).inForce.get('p1')?.size).toBe(3);
  });

  /** a contest with an audience vote held by A and B, p1's turn opened on A (B has not heard of it) */
  const votingOnA = async () => {
    const db = ctx.db;
    const id = await createContest(db, 'link-secret-for-tests', readContestFile(withAudienceVote(FILE)), 'system');
    const [a, b] = [new LiveContests(db), new LiveContests(db)];
    await Promise.all([a.get(id), b.get(id)]);
    await a.execute(id, HOST, { type: 'turn:start', presenter: 'p1' }, { turnsVersion: 0 });
    await a.execute(id, HOST, { type: 'turn:open-scoring', presenter: 'p1' }, { turnsVersion: (await a.view(id)).state.turnsVersion });
    return { db, id, a, b };
  };

  it('reveals the audience score from every stored vote, also those another process took and counted in its own memory', async () => {
    const { db, id, a, b } = await votingOnA();
    // six judges score on A, and B hears of it (as the cluster's news makes it reload)
    for (const judge of ['m1', 'm2', 'm3', 'm4', 'e1', 'e2']) {
      await a.execute(id, { role: 'judge', judge }, { type: 'sheet:submit', presenter: 'p1', judge, items }, { submissionId: `sheet-${judge}-00000` });
    }
    b.changedElsewhere(id, (await a.view(id)).state.version);
    await expect.poll(async () => (await b.view(id)).inForce.get('p1')?.size).toBe(6);

    // then phones on process A vote 10, 8 and 6, phones on B vote 1 and 2: votes move no version,
    // so each process's memory counts its own phones' votes only
    const [onA, onB] = [new AudienceVotes(db, a, 100), new AudienceVotes(db, b, 100)];
    await Promise.all([
      ...[10, 8, 6].map((v, i) => onA.cast(id, `voter-a-${i}`, { presenter: 'p1', value: Exact.of(v), voteId: `vote-a-${i}-0000` })),
      ...[1, 2].map((v, i) => onB.cast(id, `voter-b-${i}`, { presenter: 'p1', value: Exact.of(v), voteId: `vote-b-${i}-0000` })),
    ]);
    expect((await b.view(id)).votes!.countFor('p1')).toBe(2);

    // the last judge's phone is on B: its sheet closes the turn there, and the host reveals there
    await b.execute(id, { role: 'judge', judge: 'e3' }, { type: 'sheet:submit', presenter: 'p1', judge: 'e3', items }, { submissionId: 'sheet-e3-00000' });
    await b.execute(id, HOST, { type: 'turn:reveal', presenter: 'p1' }, { turnsVersion: (await b.view(id)).state.turnsVersion });
    const audience = displaySnapshot(await b.view(id)).board.reveal!.panels.find((p) => p.panel === 'public')!;
    // (10 + 8 + 6 + 1 + 2) / 5 = 5.4 of 10, on the rubric's 100 points: 54
    expect(audience).toMatchObject({ score: '54.00', votes: { counted: 5 } });
  });

  it('refuses to undo a turn that phones on another process voted on, before any news of their votes', async () => {
    const { db, id, a, b } = await votingOnA();
    b.changedElsewhere(id, (await a.view(id)).state.version);
    await expect.poll(async () => (await b.view(id)).state.turns['p1']!.phase).toBe('scoring');
    await new AudienceVotes(db, b, 100).cast(id, 'voter-b', { presenter: 'p1', value: Exact.of(6), voteId: 'vote-b-0-0000' });
    expect((await a.view(id)).votes!.countFor('p1')).toBe(0);
    await expect(a.execute(id, HOST, { type: 'turn:reset', presenter: 'p1' }, { turnsVersion: (await a.view(id)).state.turnsVersion })).rejects.toMatchObject({ code: 'invalid_transition' });
    expect((await a.view(id)).state.turns['p1']!.phase).toBe('scoring');
  });

  it('on news of another process’s commands reads only what they changed, in one or two statements, and then shows what a fresh load shows', async () => {
    const db = ctx.db;
    const id = await createContest(db, 'link-secret-for-tests', readContestFile(withAudienceVote(FILE)), 'system');
    const counter = statementCounter();
    const [a, b] = [new LiveContests(db), new LiveContests(db.withPlugin(counter))];
    await Promise.all([a.get(id), b.get(id)]);
    const onA = new AudienceVotes(db, a, 100);
    const hostOnA = async (command: Parameters<LiveContests['execute']>[2]) => a.execute(id, HOST, command, { turnsVersion: (await a.view(id)).state.turnsVersion });
    const sheet = (judge: string, presenter: string, n: number, points = '50') =>
      a.execute(id, { role: 'judge', judge }, { type: 'sheet:submit', presenter, judge, items: { ...items, content: Exact.parse(points) } }, { submissionId: `sheet-${judge}-${presenter}-${n}-000` });
    const newsToB = async () => {
      const before = { statements: counter.count, ...b.catchUps() };
      b.changedElsewhere(id, (await a.view(id)).state.version);
      await expect.poll(async () => (await b.view(id)).state.version).toBe((await a.view(id)).state.version);
      const after = b.catchUps();
      return { statements: counter.count - before.statements, whole: after.whole - before.whole, changes: after.changes - before.changes };
    };
    const fresh = async () => shown(await new LiveContests(db).view(id));

    // p1: scored by six judges (m1's sheet reopened and sent again), e3 excused (缺席), voted on, closed and revealed
    await hostOnA({ type: 'turn:start', presenter: 'p1' });
    await hostOnA({ type: 'turn:open-scoring', presenter: 'p1' });
    for (const judge of ['m1', 'm2', 'm3', 'm4', 'e1', 'e2']) await sheet(judge, 'p1', 1);
    await Promise.all([7, 9, 4].map((v, i) => onA.cast(id, `voter-${i}`, { presenter: 'p1', value: Exact.of(v), voteId: `vote-p1-${i}-000` })));
    const first = await newsToB();
    expect(shown(await b.view(id))).toEqual(await fresh());
    await hostOnA({ type: 'sheet:reopen', presenter: 'p1', judge: 'm1', reason: '笔误' });
    await sheet('m1', 'p1', 2, '55');
    await onA.cast(id, 'voter-0', { presenter: 'p1', value: Exact.of(10), voteId: 'vote-p1-0-001' });
    await hostOnA({ type: 'judge:excuse', presenter: 'p1', judge: 'e3', reason: '临时离场' });
    if ((await a.view(id)).state.turns['p1']!.phase === 'scoring') await hostOnA({ type: 'turn:close', presenter: 'p1' });
    await hostOnA({ type: 'turn:reveal', presenter: 'p1' });
    // p2: open, two sheets and a vote
    await hostOnA({ type: 'turn:start', presenter: 'p2' });
    await hostOnA({ type: 'turn:open-scoring', presenter: 'p2' });
    await sheet('m1', 'p2', 1);
    await sheet('e1', 'p2', 1, '40');
    await onA.cast(id, 'voter-5', { presenter: 'p2', value: Exact.of(3), voteId: 'vote-p2-5-000' });
    const second = await newsToB();
    expect(shown(await b.view(id))).toEqual(await fresh());
    expect((await b.view(id)).contest.presenters.find((p) => p.key === 'p1')!.absent).toEqual(['e3']);

    // a command on B decided on a copy A has moved past: B catches up by the changes too
    await hostOnA({ type: 'turn:close', presenter: 'p2' });
    await expect(b.execute(id, { role: 'judge', judge: 'm2' }, { type: 'sheet:submit', presenter: 'p2', judge: 'm2', items }, { submissionId: 'sheet-m2-p2-late-00' })).rejects.toMatchObject({ code: 'turn_not_open' });
    expect(shown(await b.view(id))).toEqual(await fresh());

    console.log(`news from another process, caught up by changes: ${first.statements} and ${second.statements} statements (a whole load: ${await statementsOfAWholeLoad(db, id)})`);
    expect([first, second].map((n) => [n.changes, n.whole])).toEqual([[1, 0], [1, 0]]);
    expect(b.catchUps().whole).toBe(0);
    expect([first.statements, second.statements].every((n) => n <= 2)).toBe(true);
  });
});

/** how many statements loading a contest from scratch takes, for comparison */
async function statementsOfAWholeLoad(db: Parameters<typeof createContest>[0], id: string): Promise<number> {
  const counter = statementCounter();
  await new LiveContests(db.withPlugin(counter)).get(id);
  return counter.count;
}
