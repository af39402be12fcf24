import { describe, expect, it } from 'vitest';
import { loadDevset } from '../data/match-devset/index.js';
import { fold } from './match-fit.js';

describe('match-fit cross-validation folds', () => {
  it('splits every need of a set into two disjoint halves, each holding half of every run of ids', () => {
    const set = loadDevset();
    const [even, odd] = [fold(set, 0), fold(set, 1)];
    const ids = (s: typeof set) => s.needs.map((n) => n.externalId);
    expect(new Set([...ids(even), ...ids(odd)])).toEqual(new Set(ids(set)));
    expect(ids(even).filter((id) => ids(odd).includes(id))).toEqual([]);
    expect(Math.abs(even.needs.length - odd.needs.length)).toBeLessThanOrEqual(1);
    // achievements and judgments stay whole: a held-out need is ranked among the same catalog
    expect(even.achievements).toBe(set.achievements);
    expect(odd.judgments).toBe(set.judgments);
  });
});
