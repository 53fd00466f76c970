import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { readContestFile } from '../../server/contest-file/contest-file.ts';
import { findLiveState } from '../../server/db/live-state.repository.ts';
import { Exact } from '../../server/domain/exact.ts';
import type { Actor, LiveCommand } from '../../server/domain/live/commands.ts';
import { createContest, updateContest } from '../../server/services/contests.service.ts';
import { LiveContests } from '../../server/services/live-contests.service.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

/**
 * A judge's sheet that neither closes nor changes a turn (most of them) moves the contest's
 * version and nothing else of its live state: the stored row gets the new version alone, not the
 * whole state document again. Whatever reads the row (a restart, another server process catching
 * up, the admin's contest list) must still read the state memory holds, version included: a
 * version read back older than the one the pages were shown would have them ignore what follows.
 */

const FILE = readFileSync(new URL('../fixtures/small-contest.json', import.meta.url), 'utf8');
const HOST: Actor = { role: 'host' };
const items = { content: Exact.parse('50'), delivery: Exact.parse('30.5') };

describeEachDatabase('the live state stored after each change', (ctx) => {
  /** the row as stored: the version column and the document's text */
  const row = async (id: string) =>
    (await sql<{ version: number; document: string }>`select version, state::text as document from contest_live where contest_id = ${id}`.execute(ctx.db)).rows[0]!;

  it('a sheet that changes no turn writes the version alone; a fresh load, a catch-up elsewhere and a direct read all see the state held', async () => {
    const id = await createContest(ctx.db, 'link-secret-for-tests', readContestFile(FILE), 'system');
    const here = new LiveContests(ctx.db);
    const elsewhere = new LiveContests(ctx.db);
    await elsewhere.get(id);
    let sheetNo = 0;
    const run = async (actor: Actor, command: LiveCommand) => {
      const { state } = await here.view(id);
      const options = actor.role === 'host' ? { turnsVersion: state.turnsVersion } : { submissionId: `storage-sheet-${String(++sheetNo).padStart(4, '0')}` };
      const before = await row(id);
      const answer = await here.execute(id, actor, command, options);
      const after = await row(id);
      const held = (await here.view(id)).state;
      expect(after.version).toBe(held.version);
      expect(answer.version).toBe(held.version);
      expect(await findLiveState(ctx.db, id)).toEqual(held);
      expect((await new LiveContests(ctx.db).view(id)).state).toEqual(held);
      elsewhere.changedElsewhere(id, held.version);
      await expect.poll(async () => (await elsewhere.view(id)).state).toEqual(held);
      return { documentWritten: after.document !== before.document };
    };
    const judge = (key: string): [Actor, LiveCommand] => [{ role: 'judge', judge: key }, { type: 'sheet:submit', presenter: 'p1', judge: key, items }];

    expect(await run(HOST, { type: 'turn:start', presenter: 'p1' })).toEqual({ documentWritten: true });
    expect(await run(HOST, { type: 'turn:open-scoring', presenter: 'p1' })).toEqual({ documentWritten: true });
    // p1 is scored by m1–m4 and e1–e3: the first six sheets leave the turn open
    for (const key of ['m1', 'm2', 'm3', 'm4', 'e1', 'e2']) expect(await run(...judge(key))).toEqual({ documentWritten: false });
    // the seventh closes it: the turn changed, the document is written
    expect(await run(...judge('e3'))).toEqual({ documentWritten: true });
    expect((await here.view(id)).state.turns['p1']!.phase).toBe('closed');
    expect(await run(HOST, { type: 'turn:reveal', presenter: 'p1' })).toEqual({ documentWritten: true });
  });

  it('an admin edit after sheets moves the version on from the stored one, never back', async () => {
    const id = await createContest(ctx.db, 'link-secret-for-tests', readContestFile(FILE), 'system');
    const live = new LiveContests(ctx.db);
    await live.execute(id, HOST, { type: 'turn:start', presenter: 'p1' }, { turnsVersion: 0 });
    await live.execute(id, HOST, { type: 'turn:open-scoring', presenter: 'p1' }, { turnsVersion: (await live.view(id)).state.turnsVersion });
    for (const key of ['m1', 'm2', 'm3']) await live.execute(id, { role: 'judge', judge: key }, { type: 'sheet:submit', presenter: 'p1', judge: key, items }, { submissionId: `edit-sheet-${key}-000` });
    const held = (await live.view(id)).state.version;
    const file = JSON.parse(FILE) as { title: string };
    await updateContest(ctx.db, 'link-secret-for-tests', id, { ...file, title: `${file.title}（改）` }, 'admin');
    const stored = await findLiveState(ctx.db, id);
    expect(stored!.version).toBe(held + 1);
    expect(stored!.turns['p1']!.phase).toBe('scoring');
  });
});
