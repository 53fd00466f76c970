/**
 * Run as its own process by pglite-template.ts: migrates a new embedded database in the folder
 * given as argument (data/) and writes its snapshot (snapshot.tar) beside it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrator.ts';

const work = process.argv[2]!;
const handle = await openDatabase({ databaseUrl: null, dataDir: join(work, 'data'), durable: false });
await migrateToLatest(handle.db);
await handle.close();
const pglite = new PGlite({ dataDir: join(work, 'data') });
await pglite.waitReady;
const dump = await pglite.dumpDataDir('none');
await pglite.close();
writeFileSync(join(work, 'snapshot.tar'), Buffer.from(await dump.arrayBuffer()));
