import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { openDatabase } from '../../server/db/connection.ts';
import { findLiveState } from '../../server/db/live-state.repository.ts';
import { Exact, sum } from '../../server/domain/exact.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/app.ts';
import { adminFetch, createContestOverApi, recountFile, tokenOf } from '../helpers/contest-driver.ts';
import { databaseKinds, serverStorage } from '../helpers/databases.ts';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.ts';
import { sleep, stream, StormHost, StormJudge, type AckedSheet, type SentSheet } from './storm-clients.ts';

/**
 * The promise "an acknowledged sheet is never lost and never counted twice, whatever fails",
 * under a storm of SIGKILLs: the demo-sized contest (22 presenters, 7 main + 15 evaluation judges,
 * two recusals) is run by a host console and 22 judge phones that retry like the real judge page,
 * while the server process is SIGKILLed KILLS times, at moments of every kind spread over the contest, and
 * started again on the same database (same port: the clients reconnect by themselves). Afterwards
 * the database itself is read: every acknowledged sheet is there exactly once, nothing else is,
 * every total is the sum of its items, the audit log and the turns agree, and the results equal a
 * run without faults. The seed is in the test's name; on success one summary line per kind.
 *
 * KILL_STORM_SEED=<n> replays a schedule (kill moments, judges' delays, host pacing, items);
 * KILL_STORM_KILLS=<n> changes how many kills (default 10).
 */

const KILLS = Number(process.env.KILL_STORM_KILLS ?? 10);
const SEED = process.env.KILL_STORM_SEED ? Number(process.env.KILL_STORM_SEED) : randomInt(2 ** 31);

interface ContestFile {
  rules: { criteria: Array<{ key: string; max: number; step: number }>; panels: Array<{ key: string; weight: number; dropHighest?: number; dropLowest?: number }> };
  presenters: Array<{ key: string; recused?: string[] }>;
  judges: Array<{ key: string; panel: string }>;
  scores?: Array<{ presenter: string; judge: string; items: Record<string, number> }>;
}

const DEMO: ContestFile = JSON.parse(readFileSync(join(ROOT, 'contests/demo-wangcheng-2023.json'), 'utf8'));

/** Deterministic items per (presenter, judge) for this seed: each criterion between 55 % of max and max, on its step. */
function itemsFor(presenter: string, judge: string): Record<string, string> {
  const rand = stream(SEED, `items/${presenter}/${judge}`);
  return Object.fromEntries(
    DEMO.rules.criteria.map((c) => {
      const steps = Exact.parse(String(c.max)).div(Exact.parse(String(c.step)));
      const top = Number(steps.toString());
      const low = Math.ceil(top * 0.55);
      const n = low + Math.floor(rand() * (top - low + 1));
      return [c.key, Exact.parse(String(c.step)).mul(Exact.of(n)).toString()];
    }),
  );
}

const sheetTotalOf = (items: Record<string, string>): Exact => sum(Object.values(items).map((v) => Exact.parse(v)));
const sameItems = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] !== undefined && Exact.parse(String(b[k])).eq(Exact.parse(String(v))));

/** A port outside the ephemeral range, so no outgoing connection takes it while the server is down. */
async function stablePort(): Promise<number> {
  for (;;) {
    const port = 20000 + randomInt(10000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

type Recounted = { presenter: string; rank: number | null; final: string | null; complete: boolean };

/** What the server left in the database, read once it is stopped (the embedded database is one process's). */
async function readDatabase(options: { databaseUrl: string | null; dataDir: string | null }, contestId: string) {
  const handle = await openDatabase(options);
  try {
    return {
      rows: await handle.db.selectFrom('score_sheets').selectAll().where('contest_id', '=', contestId).orderBy('id').execute(),
      audit: await handle.db.selectFrom('audit_log').select(['action', 'presenter_key', 'judge_key', 'detail']).where('contest_id', '=', contestId).execute(),
      live: await findLiveState(handle.db, contestId),
    };
  } finally {
    await handle.close();
  }
}

// The two databases' storms run at the same time (each its own server, port and database): the
// storm's time is mostly waiting for a killed server to start again.
for (const kind of databaseKinds()) {
  describe.concurrent(`a contest under a storm of SIGKILLs [${kind}]`, () => {
    const cleanups: Array<() => Promise<unknown> | unknown> = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it(`loses no acknowledged sheet and counts none twice across ${KILLS}+ kills (seed ${SEED})`, async ({ expect }) => {
      const started = Date.now();
      const work = mkdtempSync(join(tmpdir(), 'leitai-kill-storm-'));
      cleanups.push(() => rmSync(work, { recursive: true, force: true }));
      const storage = await serverStorage(kind, 'leitai-kill-storm-data-');
      cleanups.push(() => storage.remove());
      // the same port every time: the clients reconnect to the address they know
      const env = { ...storage.env, PORT: String(await stablePort()), ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOAD_DEMO: 'false' };

      // ------------------------------------------------------------ the contest and its expected results
      const panelOf = new Map(DEMO.judges.map((j) => [j.key, j.panel]));
      expect(DEMO.presenters).toHaveLength(22);
      expect(DEMO.rules.panels.map((p) => [p.key, p.weight, p.dropHighest, p.dropLowest])).toEqual([
        ['main', 0.7, 1, 1],
        ['eval', 0.3, 1, 1],
      ]);
      expect([...panelOf.values()].filter((p) => p === 'main')).toHaveLength(7);
      expect([...panelOf.values()].filter((p) => p === 'eval')).toHaveLength(15);
      expect(DEMO.presenters.flatMap((p) => p.recused ?? [])).toHaveLength(2);
      const expectedPairs = DEMO.presenters.flatMap((p) => DEMO.judges.filter((j) => !(p.recused ?? []).includes(j.key)).map((j) => ({ presenter: p.key, judge: j.key })));
      const expectedFile = join(work, 'expected.json');
      writeFileSync(
        expectedFile,
        JSON.stringify({
          ...DEMO,
          scores: expectedPairs.map(({ presenter, judge }) => ({
            presenter,
            judge,
            items: Object.fromEntries(Object.entries(itemsFor(presenter, judge)).map(([k, v]) => [k, Number(v)])),
          })),
        }),
      );
      const expectedResults = recountFile<Recounted>(expectedFile);
      expectedResults.catch(() => undefined); // awaited at the end; not an unhandled rejection meanwhile

      // ------------------------------------------------------------ server, contest, clients
      let server: ServerProcess = await startServer(env);
      cleanups.push(() => server.stop('SIGKILL'));
      const firstStartMs = Date.now() - started;
      const contest = await createContestOverApi(server.url, DEMO);

      const host = new StormHost(server.url, tokenOf(contest.hostUrl), stream(SEED, 'host'));
      const judges = contest.judges.map((j) => new StormJudge(server.url, tokenOf(j.url), j.key, stream(SEED, `judge/${j.key}`), (p) => itemsFor(p, j.key)));
      cleanups.push(() => {
        host.close();
        for (const j of judges) j.close();
      });
      const explain = () => {
        const turns = host.latest?.turns.filter((t) => t.phase !== 'revealed' && t.phase !== 'waiting').map((t) => `${t.presenter}:${t.phase}`) ?? [];
        const waitingFor = judges.filter((j) => j.unacknowledged().length > 0).map((j) => `${j.key}→${j.unacknowledged().join(',')}`);
        const problems = [...host.problems, ...judges.flatMap((j) => j.problems)];
        return `open turns [${turns.join(' ')}]; unacknowledged sheets [${waitingFor.join(' ')}]; problems: ${problems.join(' | ') || 'none'}; seed ${SEED}`;
      };

      // ------------------------------------------------------------ the storm
      const contestStarted = Date.now();
      let done = false;
      const contestRun = host.run({ stallMs: 60_000, explain, failed: () => judges.some((j) => j.problems.length > 0) }).finally(() => (done = true));
      const contestEnded = contestRun.then(
        () => undefined,
        () => undefined,
      );
      // Kills are spread over the whole contest by its progress: the live version moves on once per
      // committed change (each sheet, each host step), so kill k comes in the k-th of KILLS equal
      // slices. Each aims at one kind of moment, in turn (aims below): once its slice has begun, it
      // waits (until the slice ends, at most) for the clients to be at that moment, then comes within
      // a random few ms, wherever the server is by then (receiving, in a transaction, between commit
      // and ack, broadcasting). Most of a contest's commits are sheets (482 of 548): 20 kills at
      // random versions mostly hit scoring, and some runs missed a short moment altogether (a turn
      // presenting or closed, a host command on its way); aimed, fewer kills reach every kind.
      const finalVersion = expectedPairs.length + 3 * DEMO.presenters.length;
      const lastTarget = finalVersion - 30; // leave the last turn to be hit, not raced
      const killer = stream(SEED, 'killer');
      const phaseOnStage = () => host.latest?.turns.find((t) => t.presenter === host.latest?.board.current)?.phase ?? 'before the first turn';
      const clientsUp = () => [host, ...judges].filter((c) => c.connected).length;
      // Every other kill aims at the sheets, the promise's own moment: while a turn's sheets are being
      // stored (the host sees some, others are still unanswered), killed up to 40 ms later, so that
      // some are received, some in a transaction, some stored and not yet acknowledged; or at once
      // when the host has been sent a sheet its judge has no answer for yet (its ack on its way).
      const storing = () => {
        const current = host.latest?.board.current;
        return judges.filter((j) => j.inFlight > 0).length >= 2 && (host.latest?.sheets.some((s) => s.presenter === current) ?? false);
      };
      const sheetsInFlight = { moment: 'sheets in flight', now: storing, withinMs: 40 };
      const ackOnItsWay = {
        moment: 'stored, not acknowledged',
        now: () => {
          const stored = new Set(host.latest?.sheets.map((s) => `${s.presenter}/${s.judge}`));
          return judges.some((j) => j.unanswered().some((s) => stored.has(`${s.presenter}/${s.judge}`)));
        },
        withinMs: 0,
      };
      const aims: Array<{ moment: string; now: () => boolean; afterRestart?: true; withinMs?: number }> = [
        sheetsInFlight,
        { moment: 'presenting', now: () => phaseOnStage() === 'presenting' },
        ackOnItsWay,
        // a start or an open scoring (the reveal comes with the closed turn, below)
        { moment: 'a host command in flight', now: () => host.commanding && phaseOnStage() !== 'closed', withinMs: 0 },
        sheetsInFlight,
        { moment: 'closed', now: () => phaseOnStage() === 'closed' },
        ackOnItsWay,
        // right after a restart: some clients are back (re-sending what was not answered), others not yet
        { moment: 'reconnecting', now: () => clientsUp() > 0 && clientsUp() <= judges.length, afterRestart: true },
        sheetsInFlight,
        { moment: 'revealed', now: () => phaseOnStage() === 'revealed' },
      ];
      let kills = 0;
      let downMs = 0;
      /** each kill's moment as the clients saw it (the phase on stage, and what was under way), and the sheets sent and not answered then */
      const killedAt: Array<{ moment: string; unanswered: string[] }> = [];
      let aimsHit = 0;
      while (kills < KILLS && !done) {
        const aim = aims[kills % aims.length]!;
        const [sliceStart, sliceEnd] = [kills, kills + 1].map((k) => Math.floor((k * lastTarget) / KILLS));
        const version = () => host.latest?.version ?? 0;
        const restartedAt = Date.now();
        if (!aim.afterRestart) while (!done && version() < sliceStart!) await Promise.race([sleep(10), contestEnded]);
        const until = aim.afterRestart ? () => Date.now() - restartedAt > 3000 : () => version() >= sliceEnd!;
        while (!done && !aim.now() && !until()) await Promise.race([sleep(2), contestEnded]);
        await Promise.race([sleep(Math.floor(killer() * (aim.withinMs ?? 20))), contestEnded]);
        if (done) break;
        if (aim.now()) aimsHit++;
        const moment = [
          phaseOnStage(),
          judges.some((j) => j.inFlight > 0) && 'sheets in flight',
          host.commanding && 'a host command in flight',
          clientsUp() <= judges.length && 'reconnecting',
        ].filter(Boolean).join(' + ');
        killedAt.push({ moment, unanswered: judges.flatMap((j) => j.unanswered().map((s) => s.submissionId)) });
        const stoppedAt = Date.now();
        await server.stop('SIGKILL');
        kills++;
        server = await startServer(env);
        downMs += Date.now() - stoppedAt;
      }
      await contestRun;
      const contestMs = Date.now() - contestStarted;

      // every sheet a judge made is acknowledged in the end (a retry after the last kill may still be on its way)
      const deadline = Date.now() + 30_000;
      while (judges.some((j) => j.unacknowledged().length > 0) && Date.now() < deadline) await sleep(50);
      expect(judges.flatMap((j) => j.unacknowledged().map((p) => `${j.key}/${p}`))).toEqual([]);
      expect([...host.problems, ...judges.flatMap((j) => j.problems)]).toEqual([]);
      expect(kills, `the contest ended after ${kills} kills; seed ${SEED}`).toBeGreaterThanOrEqual(KILLS);

      const exported = await adminFetch(server.url, `/api/contests/${contest.id}/export`);
      expect(exported.status).toBe(200);
      const exportFile = join(work, 'export.json');
      writeFileSync(exportFile, await exported.text());
      host.close();
      for (const j of judges) j.close();
      // the last stop is a kill too; the database is read as the server left it
      await server.stop('SIGKILL');

      // ------------------------------------------------------------ the database, read directly
      const sent = new Map<string, SentSheet>(judges.flatMap((j) => [...j.sent.values()].map((s) => [s.submissionId, s] as const)));
      const acked: AckedSheet[] = judges.flatMap((j) => [...j.acked.values()]);
      const { rows, audit, live } = await readDatabase(
        'DATABASE_URL' in storage.env ? { databaseUrl: storage.env.DATABASE_URL, dataDir: null } : { databaseUrl: null, dataDir: storage.env.DATA_DIR },
        contest.id,
      );

      // one row per (presenter, judge), each with a unique submission id the judge really sent, whole
      expect(rows).toHaveLength(expectedPairs.length);
      expect(new Set(rows.map((r) => r.submission_id)).size).toBe(rows.length);
      expect(new Set(rows.map((r) => `${r.presenter_key}/${r.judge_key}`)).size).toBe(rows.length);
      const badRows = rows.flatMap((r) => {
        const s = sent.get(r.submission_id);
        const problems: string[] = [];
        if (!s) problems.push('a submission no client sent');
        else if (s.presenter !== r.presenter_key || s.judge !== r.judge_key || !sameItems(s.items, r.items)) problems.push('not the sheet its client sent');
        if (!Exact.parse(r.total).eq(sheetTotalOf(r.items))) problems.push(`total ${r.total} is not the sum of its items`);
        if (Object.keys(r.items).length !== DEMO.rules.criteria.length) problems.push('items missing');
        if (r.supersedes_id !== null || r.entered_by !== 'judge') problems.push('not a first sheet by its judge');
        return problems.map((p) => `row ${r.id} (${r.presenter_key}/${r.judge_key}, ${r.submission_id}): ${p}`);
      });
      expect(badRows).toEqual([]);

      // every acknowledged sheet is there, once, as acknowledged
      expect(acked).toHaveLength(expectedPairs.length);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const lost = acked.flatMap((a) => {
        const row = byId.get(a.sheetId);
        if (!row) return [`${a.judge}/${a.presenter}: acknowledged as sheet ${a.sheetId} (${a.submissionId}), no such row`];
        if (row.submission_id !== a.submissionId || !sameItems(a.items, row.items) || !Exact.parse(row.total).eq(Exact.parse(a.total))) {
          return [`${a.judge}/${a.presenter}: sheet ${a.sheetId} is not what was acknowledged`];
        }
        return [];
      });
      expect(lost).toEqual([]);

      // the audit log has one sheet:submit per row, with its submission id; each host step happened once
      const count = (action: string) => audit.filter((e) => e.action === action).length;
      expect(count('sheet:submit'), 'sheet:submit entries in the audit log').toBe(rows.length);
      expect(new Set(audit.filter((e) => e.action === 'sheet:submit').map((e) => e.detail.submissionId)).size).toBe(rows.length);
      expect(audit.filter((e) => e.action === 'sheet:submit' && !sent.has(String(e.detail.submissionId)))).toEqual([]);
      expect({
        start: count('turn:start'),
        openScoring: count('turn:open-scoring'),
        close: count('turn:close'),
        reveal: count('turn:reveal'),
        reReveal: count('turn:re-reveal'),
        correct: count('sheet:correct'),
      }).toEqual({ start: 22, openScoring: 22, close: 22, reveal: 22, reReveal: 0, correct: 0 });

      // every turn revealed once, showing exactly the rows of its presenter; one version per committed change
      expect(live).not.toBeNull();
      expect(live!.version).toBe(finalVersion);
      for (const p of DEMO.presenters) {
        const turn = live!.turns[p.key]!;
        expect(turn.phase, p.key).toBe('revealed');
        expect(turn.revealed?.count, p.key).toBe(1);
        const shown = Object.entries(turn.revealed!.sheetIds).sort();
        const stored = rows.filter((r) => r.presenter_key === p.key).map((r) => [r.judge_key, r.id]).sort();
        expect(shown, p.key).toEqual(stored);
      }

      // ------------------------------------------------------------ the results equal a run without faults
      const [want, got] = await Promise.all([expectedResults, recountFile<Recounted>(exportFile)]);
      const exportedScores = (JSON.parse(readFileSync(exportFile, 'utf8')) as ContestFile).scores ?? [];
      expect(exportedScores).toHaveLength(expectedPairs.length);
      const line = (r: Recounted) => ({ presenter: r.presenter, rank: r.rank, final: r.final, complete: r.complete });
      expect(want.results.filter((r) => r.complete)).toHaveLength(22);
      expect(got.results.map(line)).toEqual(want.results.map(line));

      const retries = judges.reduce((n, j) => n + j.retries, 0);
      const duplicates = acked.filter((a) => a.duplicate).length;
      const refusals = Object.entries(host.stats.refusals).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
      // a sheet unanswered at a kill and answered as a duplicate later was stored before the kill and
      // its acknowledgement lost: counted at the last kill it was unanswered at
      const lostAcks = new Set(acked.filter((a) => a.duplicate).map((a) => a.submissionId));
      for (const kill of [...killedAt].reverse()) {
        const stored = kill.unanswered.filter((id) => lostAcks.delete(id));
        if (stored.length > 0) kill.moment += ' + stored, not acknowledged';
      }
      const moments = new Map<string, number>();
      for (const { moment } of killedAt) moments.set(moment, (moments.get(moment) ?? 0) + 1);
      console.log(
        `kill-storm [${kind}] seed ${SEED}: ${kills} kills, ${aimsHit} at the moment aimed at; ${moments.size} kinds of moment: ${[...moments].map(([m, n]) => `${m} ${n}`).join(', ')}; ${rows.length} sheets, ` +
          `${retries} re-sends, ${duplicates} acked as duplicate, host ${host.stats.commands} commands (${host.stats.unanswered} unanswered, ${host.stats.resent} sent again; refusals: ${refusals}); ` +
          `first start ${(firstStartMs / 1000).toFixed(1)} s, contest ${(contestMs / 1000).toFixed(1)} s (down ${(downMs / 1000).toFixed(1)} s), total ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }, 360_000);
  });
}
