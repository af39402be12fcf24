import { describe, expect, it } from 'vitest';
import { BadRequestError } from './errors.js';
import { clampLimit, createCursorCodec, paginate } from './pagination.js';

const codec = createCursorCodec('secret-for-tests-secret-for-tests');

describe('cursor pagination', () => {
  it('round-trips a keyset position for the same list', () => {
    const c = codec.encode('achievements', ['2026-01-01T00:00:00Z', 'abc']);
    expect(codec.decode('achievements', c)).toEqual(['2026-01-01T00:00:00Z', 'abc']);
  });

  it('rejects forged, corrupt and foreign cursors', () => {
    const c = codec.encode('achievements', [1, 'a']);
    expect(() => codec.decode('needs', c)).toThrow(BadRequestError);
    expect(() => codec.decode('achievements', `${c}x`)).toThrow(BadRequestError);
    expect(() => codec.decode('achievements', 'garbage')).toThrow(BadRequestError);
    const [body] = c.split('.');
    const forged = `${Buffer.from(JSON.stringify(['achievements', [0, 'a']])).toString('base64url')}.${c.split('.')[1]}`;
    expect(body).not.toBe(forged.split('.')[0]);
    expect(() => codec.decode('achievements', forged)).toThrow(BadRequestError);
    expect(() => createCursorCodec('another-secret-another-secret').decode('achievements', c)).toThrow(
      BadRequestError,
    );
  });

  it('bounds the page size', () => {
    expect(clampLimit(undefined)).toBe(20);
    expect(clampLimit(0)).toBe(20);
    expect(clampLimit(5)).toBe(5);
    expect(clampLimit(10_000)).toBe(100);
  });

  it('walks a list page by page without skipping or repeating', async () => {
    const rows = Array.from({ length: 53 }, (_, i) => ({ id: i }));
    const seen: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const after = codec.decode('n', cursor)?.[0] as number | undefined;
      const page = await paginate(
        codec,
        'n',
        10,
        async (n) => rows.filter((r) => after === undefined || r.id > after).slice(0, n),
        (r) => [r.id],
      );
      seen.push(...page.items.map((r) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(rows.map((r) => r.id));
  });
});
