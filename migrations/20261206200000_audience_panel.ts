import { sql, type Kysely } from 'kysely';

/**
 * The audience panel (大众评审, DESIGN.md "Audience"): a panel's kind, and the audience panel's
 * vote scale and trim share. A judges' panel keeps kind 'judges' and leaves the audience columns
 * null; the audience panel leaves drop_highest/drop_lowest at 0. Frozen once landed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('panels')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('judges').check(sql`kind in ('judges', 'audience')`))
    .execute();
  await db.schema.alterTable('panels').addColumn('scale_min', 'numeric').execute();
  await db.schema.alterTable('panels').addColumn('scale_max', 'numeric').execute();
  await db.schema.alterTable('panels').addColumn('scale_step', 'numeric').execute();
  await db.schema.alterTable('panels').addColumn('trim_percent', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['trim_percent', 'scale_step', 'scale_max', 'scale_min', 'kind']) {
    await db.schema.alterTable('panels').dropColumn(column).execute();
  }
}
