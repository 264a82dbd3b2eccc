// Pithos+ tables. Object and container names compare byte by byte (UTF-8 order, as Swift
// lists): SQLite's default collation already does; PostgreSQL needs COLLATE "C", or a
// locale collation would reorder listings and break marker paging.
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Migration } from '../db/migrations.ts';

export const pithosMigration: Migration = {
  id: '0002-pithos',
  async up(db: Kysely<any>, dialect: Dialect) {
    const name = sql.raw(dialect === 'postgres' ? 'text collate "C"' : 'text');
    const serial = sql.raw(dialect === 'postgres' ? 'bigserial primary key' : 'integer primary key autoincrement');
    const statements = [
      sql`create table pithos_accounts (
        account text primary key,
        metadata text not null default '{}',
        modified_at text not null)`,
      sql`create table pithos_groups (
        account text not null,
        name ${name} not null,
        member text not null,
        primary key (account, name, member))`,
      sql`create index pithos_groups_member on pithos_groups (member)`,
      sql`create table pithos_containers (
        account text not null,
        name ${name} not null,
        versioning text not null default 'auto',
        quota bigint not null default 0,
        metadata text not null default '{}',
        created_at text not null,
        modified_at text not null,
        primary key (account, name))`,
      sql`create table pithos_versions (
        serial ${serial},
        account text not null,
        container ${name} not null,
        name ${name} not null,
        uuid text not null,
        cluster integer not null,
        size bigint not null,
        hashes text not null,
        object_hash text not null,
        md5 text,
        content_type text not null,
        metadata text not null default '{}',
        manifest text,
        modified_at text not null,
        modified_by text not null)`,
      // At most one current version per name: two writers racing cannot both win.
      sql`create unique index pithos_versions_current on pithos_versions (account, container, name) where cluster = 0`,
      sql`create index pithos_versions_path on pithos_versions (account, container, name, serial)`,
      sql`create index pithos_versions_uuid on pithos_versions (uuid)`,
      sql`create index pithos_versions_content on pithos_versions (object_hash, size)`,
      sql`create table pithos_grants (
        account text not null,
        container ${name} not null,
        name ${name} not null,
        grantee text not null,
        can_write integer not null,
        primary key (account, container, name, grantee))`,
      sql`create index pithos_grants_grantee on pithos_grants (grantee, account)`,
      sql`create table pithos_public (
        token text primary key,
        account text not null,
        container ${name} not null,
        name ${name} not null,
        created_at text not null)`,
      sql`create unique index pithos_public_path on pithos_public (account, container, name)`,
    ];
    for (const statement of statements) await statement.execute(db);
  },
};

/**
 * Closing the leaks of the first store. Grants remember when they were made, so that history
 * written before a share stays private (existing grants: as of this migration). Each account's
 * references to blocks are counted (what it possesses; what the collector keeps), uploads in
 * flight hold their blocks, and deletion records, whose content nobody could read, are dropped:
 * a deletion now removes the name with its history.
 */
export const pithosHardeningMigration: Migration = {
  id: '0010-pithos-hardening',
  async up(db: Kysely<any>) {
    const statements = [
      sql`alter table pithos_grants add column granted_serial bigint not null default 0`,
      sql`update pithos_grants set granted_serial = coalesce((select max(serial) from pithos_versions), 0)`,
      sql`delete from pithos_versions where cluster = 2`,
      sql`create table pithos_refs (
        account text not null,
        hash text not null,
        refs bigint not null,
        primary key (account, hash))`,
      sql`create index pithos_refs_hash on pithos_refs (hash)`,
      sql`create table pithos_uploads (
        id text primary key,
        account text not null,
        owner text,
        expires_at text not null,
        serials text not null default '')`,
      sql`create index pithos_uploads_account on pithos_uploads (account)`,
      sql`create index pithos_uploads_expires on pithos_uploads (expires_at)`,
      sql`create table pithos_held_blocks (
        upload_id text not null,
        hash text not null,
        bytes bigint not null,
        serial bigint,
        primary key (upload_id, hash))`,
      sql`create index pithos_held_blocks_hash on pithos_held_blocks (hash)`,
    ];
    for (const statement of statements) await statement.execute(db);
    await countReferences(db);
  },
};

/** Fills pithos_refs from the versions, one account at a time. */
async function countReferences(db: Kysely<any>): Promise<void> {
  const accounts = (await sql<{ account: string }>`select distinct account from pithos_versions`.execute(db)).rows;
  for (const { account } of accounts) {
    const counts = new Map<string, number>();
    const rows = (await sql<{ hashes: string }>`select hashes from pithos_versions where account = ${account}`.execute(db)).rows;
    for (const { hashes } of rows) {
      for (let i = 0; i < hashes.length; i += 64) {
        const hash = hashes.slice(i, i + 64);
        counts.set(hash, (counts.get(hash) ?? 0) + 1);
      }
    }
    const entries = [...counts];
    for (let i = 0; i < entries.length; i += 500) {
      const values = entries.slice(i, i + 500).map(([hash, refs]) => sql`(${account}, ${hash}, ${refs})`);
      await sql`insert into pithos_refs (account, hash, refs) values ${sql.join(values)}`.execute(db);
    }
  }
}

/**
 * Running counters of each container's current objects and their bytes, kept by the
 * transactions that change them, so that a container HEAD or listing does not recount and
 * sum the container's rows (Swift keeps the same counters).
 */
export const pithosCountersMigration: Migration = {
  id: '0016-pithos-container-counters',
  async up(db: Kysely<any>) {
    await sql`alter table pithos_containers add column object_count bigint not null default 0`.execute(db);
    await sql`alter table pithos_containers add column bytes_used bigint not null default 0`.execute(db);
    await sql`update pithos_containers set
      object_count = (select count(*) from pithos_versions v
        where v.account = pithos_containers.account and v.container = pithos_containers.name and v.cluster = 0),
      bytes_used = (select coalesce(sum(v.size), 0) from pithos_versions v
        where v.account = pithos_containers.account and v.container = pithos_containers.name and v.cluster = 0)`.execute(db);
  },
};
