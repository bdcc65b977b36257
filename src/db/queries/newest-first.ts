import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** Where a newest-first page ended: the last item's creation time and id. */
export interface PagePosition {
  createdAt: string;
  id: string;
}

/**
 * The rows after `before` in newest-first order (created_at desc, id desc): keyset pagination that stays
 * exact when several rows share a creation time. For tables with `created_at` and text `id` columns.
 */
export const olderThan = (before: PagePosition): RawBuilder<SqlBool> =>
  sql<SqlBool>`(created_at < ${before.createdAt} or (created_at = ${before.createdAt} and id < ${before.id}))`;
