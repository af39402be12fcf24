import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { requireReason } from './reasons.js';

const fieldOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err.errors?.map((e) => e.field);
    throw err;
  }
  return 'no error';
};

describe('a required step reason', () => {
  it('is returned when given, with a text where the code is "other"', () => {
    expect(requireReason({ code: 'price' })).toEqual({ code: 'price' });
    expect(requireReason({ code: 'other', text: '预算取消' })).toEqual({ code: 'other', text: '预算取消' });
  });

  it('is a 400 naming the missing field otherwise', () => {
    expect(fieldOf(() => requireReason(undefined))).toEqual(['body/reason']);
    expect(fieldOf(() => requireReason({ code: 'other' }))).toEqual(['body/reason/text']);
    expect(fieldOf(() => requireReason({ code: 'other', text: '  ' }))).toEqual(['body/reason/text']);
  });
});
