import { describe, expect, it } from 'vitest';
import { FIELD_CODES, FIELDS, generateDemo } from './demo-data.js';

// The checks below are written again from DOMAIN.md on purpose, independent of the generator's helpers.

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

function validCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NP-RTUW-Y]{18}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(code[i]!) * USCC_WEIGHTS[i]!;
  return code[17] === USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

function validPatentNumber(number: string): boolean {
  const m = /^(\d{4})([12389])(\d{7})\.([0-9X])$/.exec(number);
  if (!m) return false;
  const digits = m[1]! + m[2]! + m[3]!;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * ((i % 8) + 2);
  const check = sum % 11;
  return m[4] === (check === 10 ? 'X' : String(check));
}

const JIANGSU_CITY_CODES = [
  '320100',
  '320200',
  '320300',
  '320400',
  '320500',
  '320600',
  '320700',
  '320800',
  '320900',
  '321000',
  '321100',
  '321200',
  '321300',
];

const demo = generateDemo();

describe('identifier checks used by this test', () => {
  it('accept the examples from DOMAIN.md and reject a changed character', () => {
    expect(validCreditCode('91350100M000100Y43')).toBe(true);
    expect(validCreditCode('91110108551385082Q')).toBe(true);
    expect(validCreditCode('91110108551385082R')).toBe(false);
    expect(validPatentNumber('201310699744.2')).toBe(true);
    expect(validPatentNumber('201310699744.3')).toBe(false);
  });
});

describe('generateDemo', () => {
  it('has the expected counts', () => {
    expect(demo.subCentres).toHaveLength(13);
    const byType = (t: string) => demo.organisations.filter((o) => o.type === t).length;
    expect(byType('university') + byType('institute')).toBeGreaterThanOrEqual(38);
    expect(byType('enterprise')).toBeGreaterThanOrEqual(55);
    expect(byType('transfer_institution') + byType('service_institution')).toBeGreaterThanOrEqual(14);
    expect(demo.achievements.length).toBeGreaterThanOrEqual(500);
    expect(demo.needs.length).toBeGreaterThanOrEqual(150);
    expect(demo.experts.length).toBeGreaterThanOrEqual(75);
  });

  it('has one sub-centre per Jiangsu prefecture city', () => {
    expect(demo.subCentres.map((s) => s.code).sort()).toEqual(JIANGSU_CITY_CODES);
    for (const s of demo.subCentres) expect(s.name).toMatch(/^江苏省技术产权交易市场.+分中心$/);
  });

  it('covers every field with at least 30 achievements and 10 needs', () => {
    expect(FIELDS.map((f) => f.code)).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09']);
    expect(FIELDS[0]!.name).toBe('新一代信息技术');
    expect(FIELDS[8]!.name).toBe('相关服务业');
    for (const code of FIELD_CODES) {
      expect(demo.achievements.filter((a) => a.field === code).length, code).toBeGreaterThanOrEqual(30);
      expect(demo.needs.filter((n) => n.field === code).length, code).toBeGreaterThanOrEqual(10);
    }
  });

  it('gives organisations valid, unique credit codes and Jiangsu regions', () => {
    const codes = new Set<string>();
    const keys = new Set<string>();
    for (const o of demo.organisations) {
      expect(validCreditCode(o.creditCode), `${o.name} ${o.creditCode}`).toBe(true);
      expect(o.creditCode.slice(2, 8)).toBe(o.regionCode);
      expect(o.regionCode).toMatch(/^32\d{4}$/);
      expect(JIANGSU_CITY_CODES).toContain(o.subCentreCode);
      expect(o.subCentreCode.slice(0, 4)).toBe(o.regionCode.slice(0, 4));
      codes.add(o.creditCode);
      keys.add(o.key);
    }
    expect(codes.size).toBe(demo.organisations.length);
    expect(keys.size).toBe(demo.organisations.length);
    for (const o of demo.organisations) {
      if (o.type === 'university') expect(o.partyNature).toBe('022');
      if (o.type === 'institute') expect(o.partyNature).toBe('021');
      if (o.type === 'enterprise') expect(o.partyNature).toBe('100');
    }
  });

  it('gives achievements valid patent numbers, owners and values', () => {
    const orgs = new Map(demo.organisations.map((o) => [o.key, o]));
    let patents = 0;
    for (const a of demo.achievements) {
      const owner = orgs.get(a.ownerKey);
      expect(owner?.type === 'university' || owner?.type === 'institute', a.ownerKey).toBe(true);
      expect(a.trl).toBeGreaterThanOrEqual(1);
      expect(a.trl).toBeLessThanOrEqual(9);
      expect(a.completedOn).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(a.summary).not.toContain('\n');
      const sentences = a.description.split('。').filter(Boolean).length;
      expect(sentences).toBeGreaterThanOrEqual(3);
      expect(sentences).toBeLessThanOrEqual(6);
      expect(a.indicators.every((i) => /\d/.test(i))).toBe(true);
      expect(a.transferModes.length).toBeGreaterThan(0);
      expect(a.team.length).toBeGreaterThanOrEqual(3);
      expect(a.contact.phone).toMatch(/^1\d{10}$/);
      if (a.priceFen !== null) {
        expect(Number.isInteger(a.priceFen)).toBe(true);
        expect(a.priceFen).toBeGreaterThanOrEqual(50_000 * 100);
        expect(a.priceFen).toBeLessThanOrEqual(50_000_000 * 100);
      } else {
        expect(a.dealMethod).toBe('negotiated');
      }
      for (const ip of a.ipItems) {
        if (ip.kind === 'invention_patent' || ip.kind === 'utility_model') {
          patents++;
          expect(validPatentNumber(ip.number ?? ''), ip.number).toBe(true);
          expect(ip.number!.slice(4, 5)).toBe(ip.kind === 'invention_patent' ? '1' : '2');
        }
      }
    }
    expect(patents).toBeGreaterThan(300);
  });

  it('has unique external ids and no duplicate titles within an owner', () => {
    expect(new Set(demo.achievements.map((a) => a.externalId)).size).toBe(demo.achievements.length);
    expect(new Set(demo.needs.map((n) => n.externalId)).size).toBe(demo.needs.length);
    const seen = new Set<string>();
    for (const a of demo.achievements) {
      const k = `${a.ownerKey}\u0000${a.title}`;
      expect(seen.has(k), a.title).toBe(false);
      seen.add(k);
    }
  });

  it('has needs posted by enterprises with coherent budgets', () => {
    const orgs = new Map(demo.organisations.map((o) => [o.key, o]));
    for (const n of demo.needs) {
      expect(orgs.get(n.ownerKey)?.type).toBe('enterprise');
      expect(n.regionCode).toBe(orgs.get(n.ownerKey)?.regionCode);
      expect(n.budgetMinFen).toBeGreaterThan(0);
      expect(n.budgetMaxFen).toBeGreaterThanOrEqual(n.budgetMinFen);
      expect(n.minTrl).toBeGreaterThanOrEqual(1);
      expect(n.minTrl).toBeLessThanOrEqual(9);
      expect(n.deadline).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(n.targetIndicators.length).toBeGreaterThan(0);
      expect(n.preferredModes.length).toBeGreaterThan(0);
    }
  });

  it('links experts to research organisations or enterprises', () => {
    const orgs = new Map(demo.organisations.map((o) => [o.key, o]));
    expect(new Set(demo.experts.map((e) => e.name)).size).toBe(demo.experts.length);
    for (const e of demo.experts) {
      expect(orgs.has(e.organisationKey)).toBe(true);
      expect(e.fields.length).toBeGreaterThan(0);
      expect(e.expertise.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('is deterministic for a seed and varies with it', () => {
    expect(generateDemo(1)).toEqual(demo);
    expect(generateDemo(7)).toEqual(generateDemo(7));
    expect(generateDemo(7).achievements[0]).not.toEqual(demo.achievements[0]);
  });
});
