// Queries on console_tokens. Only console/service.ts calls these.
import type { ConsoleTokensTable, Executor } from '../db/schema.ts';

export type ConsoleTokenRow = ConsoleTokensTable;

export const insertToken = (ex: Executor, row: ConsoleTokenRow) => ex.insertInto('console_tokens').values(row).execute();

/**
 * Marks the token used if it is unused and expires after `now`, in one statement so that two
 * concurrent redemptions cannot both succeed; returns its row, or undefined when nothing changed.
 */
export const consumeToken = (ex: Executor, hash: string, now: string) =>
  ex.updateTable('console_tokens').set({ used: 1 })
    .where('token_hash', '=', hash).where('used', '=', 0).where('expires_at', '>', now)
    .returning(['server_id', 'user_id', 'issuer_token_hash']).executeTakeFirst();

export const findToken = (ex: Executor, hash: string) =>
  ex.selectFrom('console_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();

export const purgeTokens = (ex: Executor, expiredBefore: string) =>
  ex.deleteFrom('console_tokens').where('expires_at', '<', expiredBefore).executeTakeFirst();
