import type { PagePosition } from '../db/queries/newest-first';
import { InvalidField } from './errors';

export type { PagePosition };

/**
 * The opaque `cursor` of a newest-first list: the created_at and id of the last item of a page. Rows
 * sharing a creation time are still ordered, by id.
 */
export const encodePageCursor = (row: { created_at: string; id: string }): string =>
  Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');

export function decodePageCursor(cursor: string): PagePosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through
  }
  throw new InvalidField('cursor', 'not a cursor returned by this API');
}
