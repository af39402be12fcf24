import { describe, expect, it } from 'vitest';
import { loadDevset, qrels } from './index.js';

const MODES = new Set([
  'transfer',
  'license_exclusive',
  'license_sole',
  'license_nonexclusive',
  'equity',
  'co_development',
  'use_first',
  'research_first',
]);
const FIELDS = ['01', '02', '03', '04', '05', '06', '07', '08', '09'];

const devset = loadDevset();

describe('match devset', () => {
  it('has enough achievements and needs in every field', () => {
    expect(devset.achievements.length).toBeGreaterThanOrEqual(220);
    expect(devset.needs.length).toBeGreaterThanOrEqual(55);
    for (const f of FIELDS) {
      expect(devset.achievements.filter((a) => a.field === f).length, f).toBeGreaterThanOrEqual(20);
      expect(devset.needs.filter((n) => n.field === f).length, f).toBeGreaterThanOrEqual(5);
    }
  });

  it('has unique ids and titles', () => {
    const ids = devset.achievements.map((a) => a.externalId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(devset.achievements.map((a) => a.title)).size).toBe(ids.length);
    expect(new Set(devset.needs.map((n) => n.externalId)).size).toBe(devset.needs.length);
  });

  it('has well-formed records', () => {
    for (const a of devset.achievements) {
      expect(a.externalId).toMatch(/^DA-0\d-\d{3}$/);
      expect(a.externalId.slice(3, 5)).toBe(a.field);
      expect(a.trl).toBeGreaterThanOrEqual(1);
      expect(a.trl).toBeLessThanOrEqual(9);
      expect(a.regionCode).toMatch(/^32\d{4}$/);
      expect(a.summary.length).toBeGreaterThan(0);
      expect(a.description.length).toBeGreaterThan(a.summary.length);
      expect(a.keywords.length).toBeGreaterThan(0);
      expect(a.transferModes.every((m) => MODES.has(m))).toBe(true);
      if (a.priceFen !== null) {
        expect(Number.isInteger(a.priceFen)).toBe(true);
        expect(a.priceFen).toBeGreaterThanOrEqual(50_000 * 100);
        expect(a.priceFen).toBeLessThanOrEqual(50_000_000 * 100);
      }
    }
    for (const n of devset.needs) {
      expect(n.externalId).toMatch(/^DN-0\d-\d{2}$/);
      expect(n.externalId.slice(3, 5)).toBe(n.field);
      expect(n.regionCode).toMatch(/^32\d{4}$/);
      expect(n.budgetMinFen).toBeGreaterThan(0);
      expect(n.budgetMaxFen).toBeGreaterThanOrEqual(n.budgetMinFen);
      expect(n.minTrl).toBeGreaterThanOrEqual(1);
      expect(n.minTrl).toBeLessThanOrEqual(9);
      expect(n.preferredModes.every((m) => MODES.has(m))).toBe(true);
    }
  });

  it('judges every need with at least 3 relevant items and an explicit hard negative', () => {
    const rel = qrels(devset);
    const pairs = new Set(devset.judgments.map((j) => `${j.needId} ${j.achievementId}`));
    expect(pairs.size).toBe(devset.judgments.length);
    for (const n of devset.needs) {
      const grades = [...(rel.get(n.externalId)?.values() ?? [])];
      expect(grades.filter((g) => g >= 2).length, n.externalId).toBeGreaterThanOrEqual(3);
      expect(grades.filter((g) => g === 0).length, n.externalId).toBeGreaterThanOrEqual(1);
    }
    expect(devset.judgments.every((j) => [0, 1, 2, 3].includes(j.grade))).toBe(true);
  });
});
