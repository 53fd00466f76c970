import { sql, type Kysely } from 'kysely';

/**
 * The table @socket.io/postgres-adapter (server/realtime/cluster.ts) keeps the messages between
 * server processes in that are too large for a NOTIFY (over 8,000 bytes): the NOTIFY then carries
 * only the row's id. Its shape is the adapter's (its README's CREATE TABLE); the adapter deletes
 * rows older than 30 s. Made here rather than by the adapter, so the schema has one owner. Unused
 * (and empty) on the embedded database and with CLUSTER=0. Frozen once landed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('socket_io_attachments')
    .addColumn('id', 'bigserial', (c) => c.unique())
    .addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`))
    .addColumn('payload', 'bytea')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('socket_io_attachments').execute();
}
