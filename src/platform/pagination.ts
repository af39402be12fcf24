import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from './errors.js';

/**
 * Opaque keyset cursors. A cursor carries the sort key of the last row seen plus the list it
 * belongs to, and is signed so a client cannot forge positions or carry a cursor across lists.
 */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type CursorKey = (string | number | null)[];

export interface CursorCodec {
  encode(list: string, key: CursorKey): string;
  decode(list: string, cursor: string | undefined): CursorKey | undefined;
}

export function createCursorCodec(secret: string): CursorCodec {
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest().subarray(0, 12);
  return {
    encode(list, key) {
      const body = Buffer.from(JSON.stringify([list, key])).toString('base64url');
      return `${body}.${mac(body).toString('base64url')}`;
    },
    decode(list, cursor) {
      if (cursor === undefined || cursor === '') return undefined;
      const [body, sig] = cursor.split('.');
      if (!body || !sig) throw new BadRequestError('invalid-cursor');
      // Compare the encoded text: base64url decoding is lenient about trailing characters.
      const expected = Buffer.from(mac(body).toString('base64url'));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new BadRequestError('invalid-cursor');
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw new BadRequestError('invalid-cursor');
      }
      if (!Array.isArray(parsed) || parsed[0] !== list || !Array.isArray(parsed[1]))
        throw new BadRequestError('invalid-cursor');
      return parsed[1] as CursorKey;
    },
  };
}

export function clampLimit(limit: number | undefined): number {
  if (!limit || limit < 1) return DEFAULT_LIMIT;
  return Math.min(limit, MAX_LIMIT);
}

/**
 * Fetch `limit + 1` rows with the caller's keyset query, return `limit` of them and a cursor
 * built from the last one when more exist.
 */
export async function paginate<T>(
  codec: CursorCodec,
  list: string,
  limit: number,
  fetch: (limitPlusOne: number) => Promise<T[]>,
  keyOf: (row: T) => CursorKey,
): Promise<Page<T>> {
  const rows = await fetch(limit + 1);
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last !== undefined ? codec.encode(list, keyOf(last)) : null };
}

/**
 * The common list shape: newest first by a time-ordered (UUIDv7) id. Decodes the cursor,
 * bounds the limit, and hands `fetch` the id to continue below (undefined on the first page).
 */
export function pageByIdDesc<T>(
  codec: CursorCodec,
  list: string,
  q: { cursor?: string; limit?: number },
  fetch: (beforeId: string | undefined, limitPlusOne: number) => Promise<T[]>,
  idOf: (row: T) => string,
): Promise<Page<T>> {
  const after = codec.decode(list, q.cursor);
  const beforeId = after ? String(after[0]) : undefined;
  return paginate(
    codec,
    list,
    clampLimit(q.limit),
    (n) => fetch(beforeId, n),
    (r) => [idOf(r)],
  );
}
