// Compute tables: flavors (with access lists for private ones), key pairs, servers. Deleted
// servers keep their row (vm_state `deleted`) so that `changes-since` can report them.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../db/migrations.ts';
import { hostnameFor } from './server-personality.ts';

/** The default flavors of a new cloud; the smallest one boots oceanos-tiny. */
export const DEFAULT_FLAVORS = [
  { id: '1', name: 'm1.nano', vcpus: 1, ram: 128, disk: 1 },
  { id: '2', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
  { id: '3', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
  { id: '4', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
  { id: '5', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 },
];

export const computeMigration: Migration = {
  id: '0005-compute',
  async up(db: Kysely<any>) {
    const statements = [
      sql`create table flavors (
        id text primary key,
        name text not null unique,
        vcpus integer not null,
        ram integer not null,
        disk integer not null,
        is_public integer not null default 1,
        description text,
        extra_specs text not null default '{}',
        created_at text not null)`,
      sql`create table flavor_access (
        flavor_id text not null references flavors (id) on delete cascade,
        project_id text not null,
        primary key (flavor_id, project_id))`,
      sql`create table keypairs (
        user_id text not null,
        name text not null,
        public_key text not null,
        fingerprint text not null,
        type text not null,
        created_at text not null,
        primary key (user_id, name))`,
      sql`create table servers (
        id text primary key,
        name text not null,
        user_id text not null,
        project_id text not null,
        image_id text not null,
        flavor_id text not null,
        vcpus integer not null,
        ram integer not null,
        disk integer not null,
        vm_state text not null,
        task_state text,
        power_state integer not null default 0,
        key_name text,
        metadata text not null default '{}',
        tags text not null default '[]',
        fault text,
        backend text not null,
        charged text not null default '{}',
        progress integer not null default 0,
        launched_at text,
        created_at text not null,
        updated_at text not null,
        deleted_at text)`,
      sql`create index servers_user on servers (user_id, vm_state)`,
      sql`create index servers_project on servers (project_id)`,
      sql`create index servers_updated on servers (updated_at)`,
    ];
    for (const statement of statements) await statement.execute(db);
    const now = new Date().toISOString();
    for (const f of DEFAULT_FLAVORS) {
      await sql`insert into flavors (id, name, vcpus, ram, disk, is_public, created_at)
        values (${f.id}, ${f.name}, ${f.vcpus}, ${f.ram}, ${f.disk}, 1, ${now})`.execute(db);
    }
  },
};

/** A resize waits for confirmation (VERIFY_RESIZE) remembering the flavor and state to revert to. */
export const computeResizeMigration: Migration = {
  id: '0013-compute-resize',
  async up(db: Kysely<any>) {
    await sql`alter table servers add column resize_from text`.execute(db);
  },
};

/**
 * Cyclades' integer ids (kamaki refuses any other) next to the UUIDs, and Nova's fields a
 * server keeps from its create or update: description, access IPs, hostname, and the flavor
 * name it was made with (Nova's `original_name`). Serials come from `compute_serials`, one
 * counter row per kind, so that two processes on PostgreSQL never hand out the same one.
 */
export const computeSerialsMigration: Migration = {
  id: '0015-compute-serials',
  async up(db: Kysely<any>) {
    const statements = [
      sql`create table compute_serials (kind text primary key, value bigint not null)`,
      sql`alter table servers add column serial bigint`,
      sql`alter table servers add column description text`,
      sql`alter table servers add column access_ipv4 text not null default ''`,
      sql`alter table servers add column access_ipv6 text not null default ''`,
      sql`alter table servers add column hostname text not null default ''`,
      sql`alter table servers add column flavor_name text not null default ''`,
      sql`alter table flavors add column serial bigint`,
    ];
    for (const statement of statements) await statement.execute(db);
    await sql`update servers set flavor_name = coalesce((select name from flavors where flavors.id = servers.flavor_id), servers.flavor_id)`.execute(db);
    const servers = await db.selectFrom('servers').select(['id', 'name']).orderBy('created_at').orderBy('id').execute();
    let n = 0;
    for (const s of servers) {
      await db.updateTable('servers').set({ serial: ++n, hostname: hostnameFor(s.name as string, s.id as string) }).where('id', '=', s.id).execute();
    }
    await db.insertInto('compute_serials').values({ kind: 'server', value: n }).execute();
    // A flavor whose id is an integer keeps it; the others get the next free ones.
    const flavors = await db.selectFrom('flavors').select('id').orderBy('created_at').orderBy('id').execute();
    const taken = new Set(flavors.map((f) => f.id as string).filter(isSerial).map(Number));
    let next = Math.max(0, ...taken);
    for (const f of flavors) {
      const serial = isSerial(f.id as string) ? Number(f.id) : ++next;
      await db.updateTable('flavors').set({ serial }).where('id', '=', f.id).execute();
    }
    await db.insertInto('compute_serials').values({ kind: 'flavor', value: next }).execute();
    await sql`create unique index servers_serial on servers (serial)`.execute(db);
    await sql`create unique index flavors_serial on flavors (serial)`.execute(db);
  },
};

/** A canonical positive integer, as kamaki sends ids. */
export const isSerial = (ref: string) => /^[1-9][0-9]{0,14}$/.test(ref);

/** Server lists page in the database, newest first (Nova) or by integer id (Cyclades). */
export const serverPagingMigration: Migration = {
  id: '0017-server-paging',
  async up(db: Kysely<any>) {
    for (const statement of [
      sql`create index servers_user_created on servers (user_id, created_at, id)`,
      sql`create index servers_created on servers (created_at, id)`,
      sql`create index servers_user_serial on servers (user_id, serial)`,
    ]) await statement.execute(db);
  },
};
