// Schema migrations, in order. Each runs inside the migration transaction (DDL is
// transactional on both SQLite and PostgreSQL), so a migration applies whole or not at all.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { computeMigration, computeResizeMigration, computeSerialsMigration, serverPagingMigration } from '../compute/migration.ts';
import { consoleIssuerMigration, consoleMigration } from '../console/migration.ts';
import { loginThrottleMigration, loginThrottleUsersMigration } from '../identity/throttle-migration.ts';
import { imagesMigration } from '../images/migration.ts';
import { jobsMigration } from '../jobs/migration.ts';
import { pithosHardeningMigration, pithosCountersMigration, pithosMigration } from '../storage/migration.ts';
import type { Dialect } from './database.ts';

export interface Migration {
  id: string;
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

export const migrations: Migration[] = [
  {
    id: '0001-identity-and-quotas',
    async up(db, dialect) {
      await db.schema.createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text')
        .addColumn('display_name', 'text')
        .addColumn('description', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('is_system', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema.createTable('roles')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .execute();
      await db.insertInto('roles').values([
        { id: randomUUID().replaceAll('-', ''), name: 'admin' },
        { id: randomUUID().replaceAll('-', ''), name: 'member' },
      ]).execute();

      await db.schema.createTable('role_assignments')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('role_assignments_pk', ['user_id', 'project_id', 'role_id'])
        .execute();
      await db.schema.createIndex('role_assignments_project').on('role_assignments').column('project_id').execute();

      await db.schema.createTable('tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('project_id', 'text', (c) => c.references('projects.id').onDelete('cascade'))
        .addColumn('methods', 'text', (c) => c.notNull())
        .addColumn('audit_id', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();
      await db.schema.createIndex('tokens_expires').on('tokens').column('expires_at').execute();

      await db.schema.createTable('resources')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('unit', 'text')
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('system_default', 'bigint', (c) => c.notNull())
        .addColumn('project_default', 'bigint', (c) => c.notNull())
        .addColumn('allow_in_projects', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('ui_visible', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('api_visible', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();

      await db.schema.createTable('holdings')
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull().references('resources.name').onDelete('cascade'))
        .addColumn('capacity', 'bigint')
        .addColumn('usage_min', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('usage_max', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('holdings_pk', ['holder', 'source', 'resource'])
        .execute();

      await db.schema.createTable('commissions')
        .addColumn('serial', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('issue_time', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .execute();
      await db.schema.createIndex('commissions_pending').on('commissions').columns(['issuer', 'state']).execute();

      await db.schema.createTable('provisions')
        .addColumn('serial', 'bigint', (c) => c.notNull().references('commissions.serial').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('quantity', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('provisions_pk', ['serial', 'position'])
        .execute();
    },
  },
  pithosMigration,
  imagesMigration,
  jobsMigration,
  computeMigration,
  consoleMigration,
  pithosHardeningMigration,
  loginThrottleMigration,
  consoleIssuerMigration,
  computeResizeMigration,
  loginThrottleUsersMigration,
  computeSerialsMigration,
  pithosCountersMigration,
  serverPagingMigration,
];
