// Image tables. Deleted images keep their row (status `deleted`) so that accounting can still
// name them; every query for users leaves them out.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../db/migrations.ts';

export const imagesMigration: Migration = {
  id: '0003-images',
  async up(db: Kysely<any>) {
    const statements = [
      sql`create table images (
        id text primary key,
        owner text not null,
        name text not null,
        status text not null,
        visibility text not null,
        disk_format text,
        container_format text,
        min_disk integer not null default 0,
        min_ram integer not null default 0,
        protected integer not null default 0,
        os_hidden integer not null default 0,
        tags text not null default '[]',
        properties text not null default '{}',
        file_container text,
        file_name text,
        size bigint,
        virtual_size bigint,
        checksum text,
        object_hash text,
        file_owned integer not null default 0,
        created_at text not null,
        updated_at text not null)`,
      sql`create index images_owner on images (owner)`,
      sql`create index images_visibility on images (visibility)`,
      sql`create table image_members (
        image_id text not null references images (id) on delete cascade,
        member text not null,
        status text not null,
        created_at text not null,
        updated_at text not null,
        primary key (image_id, member))`,
      sql`create index image_members_member on image_members (member)`,
    ];
    for (const statement of statements) await statement.execute(db);
  },
};
