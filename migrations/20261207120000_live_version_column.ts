import { sql, type Kysely } from 'kysely';

/**
 * From here on the live state's version is its column: a change that moves the version alone (a
 * judge's sheet that neither closes nor changes a turn) writes the column, not the state document
 * again, so the document's own `version` can be older. Nothing to change on the way up (every
 * document equals its column now); the comment says it to whoever reads the table. The migration
 * also marks the database: a server of an older version, which read the version from the
 * document, refuses to start on it (Kysely: "previously executed migration … is missing"). On the
 * way down (going back to such a version) every document is given its column's version, so the
 * older server reads the right one. Frozen once landed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`comment on column contest_live.version is 'the live state''s version; the state document''s own version may be older (a change of the version alone writes this column only)'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update contest_live set state = jsonb_set(state, '{version}', to_jsonb(version)) where state -> 'version' is distinct from to_jsonb(version)`.execute(db);
  await sql`comment on column contest_live.version is null`.execute(db);
}
