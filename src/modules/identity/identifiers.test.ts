import { describe, expect, it } from 'vitest';
import {
  creditCodeCheckChar,
  isJiangsu,
  isValidPartyNatureCode,
  isValidRegionCode,
  JIANGSU_CITIES,
  maskEmail,
  maskPhone,
  maskResidentId,
  normalizeIdentifier,
  PARTY_NATURE_CODES,
  PROVINCE_CODES,
  partyNatureName,
  patentCheckChar,
  regionName,
  residentIdCheckChar,
  validateCreditCode,
  validatePatentNumber,
  validateResidentId,
} from './identifiers.js';

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const TODAY = new Date('2025-06-01T00:00:00Z');

const toFullWidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** Every string that differs from `valid` in exactly one position, over `alphabet`. */
function* substitutions(valid: string, alphabet: string): Generator<[string, number]> {
  for (let i = 0; i < valid.length; i++) {
    for (const c of alphabet) {
      if (c !== valid[i]) yield [valid.slice(0, i) + c + valid.slice(i + 1), i];
    }
  }
}

describe('unified social credit code', () => {
  const valid = ['91350100M000100Y43', '91110108551385082Q'];

  it.each(valid)('accepts %s and splits it', (code) => {
    const r = validateCreditCode(code);
    expect(r).toMatchObject({ ok: true, value: code });
    if (r.ok)
      expect(r.parts.department + r.parts.type + r.parts.region + r.parts.orgCode).toBe(code.slice(0, 17));
  });

  it('reports the parts of 91350100M000100Y43', () => {
    expect(validateCreditCode('91350100M000100Y43')).toEqual({
      ok: true,
      value: '91350100M000100Y43',
      parts: { department: '9', type: '1', region: '350100', orgCode: 'M000100Y4' },
    });
  });

  it.each(valid)('rejects every single-character substitution of %s', (code) => {
    let n = 0;
    for (const [bad] of substitutions(code, CREDIT_ALPHABET)) {
      expect(validateCreditCode(bad).ok, bad).toBe(false);
      n++;
    }
    expect(n).toBe(18 * 30);
  });

  it('names the check character it expected', () => {
    expect(validateCreditCode('91350100M000100Y44')).toEqual({
      ok: false,
      reason: 'check',
      position: 18,
      character: '4',
      expected: '3',
    });
  });

  it.each(['I', 'O', 'Z', 'S', 'V', '-', '中'])('reports %s at the position where it stands', (c) => {
    for (let i = 0; i < 18; i++) {
      const bad = valid[0]!.slice(0, i) + c + valid[0]!.slice(i + 1);
      expect(validateCreditCode(bad)).toEqual({
        ok: false,
        reason: 'character',
        position: i + 1,
        character: c,
      });
    }
  });

  it('rejects a wrong length and an unknown province, pointing at the region', () => {
    expect(validateCreditCode('91350100M000100Y4')).toEqual({ ok: false, reason: 'length' });
    const body = '91990100M000100Y4';
    expect(validateCreditCode(body + creditCodeCheckChar(body))).toMatchObject({
      reason: 'region',
      position: 3,
    });
    const letter = '9135A100M000100Y4';
    expect(validateCreditCode(letter + creditCodeCheckChar(letter))).toMatchObject({
      reason: 'region',
      position: 5,
      character: 'A',
    });
  });

  it('accepts the national-level region 100000', () => {
    const body = '12100000400000353';
    expect(validateCreditCode(body + creditCodeCheckChar(body)).ok).toBe(true);
  });

  it('normalises lower-case, full-width and surrounding spaces', () => {
    expect(validateCreditCode(' 91350100m000100y43\t')).toMatchObject({
      ok: true,
      value: '91350100M000100Y43',
    });
    expect(validateCreditCode(`\u3000${toFullWidth('91110108551385082q')}`)).toMatchObject({
      ok: true,
      value: '91110108551385082Q',
    });
    expect(normalizeIdentifier('ａｂｃ　')).toBe('ABC');
  });
});

describe('resident ID', () => {
  const valid = '11010519491231002X';

  it('accepts the example and decodes it', () => {
    expect(validateResidentId(valid, TODAY)).toEqual({
      ok: true,
      value: valid,
      parts: { region: '110105', birthDate: '1949-12-31', sequence: '002', sex: 'female' },
    });
    expect(validateResidentId('11010519491231002x', TODAY).ok).toBe(true);
    expect(validateResidentId(toFullWidth(valid), TODAY).ok).toBe(true);
  });

  it('rejects every single-character substitution', () => {
    let n = 0;
    for (const [bad] of substitutions(valid, '0123456789X')) {
      expect(validateResidentId(bad, TODAY).ok, bad).toBe(false);
      n++;
    }
    expect(n).toBe(18 * 10);
  });

  it('reports a letter in the first 17 positions and a wrong check', () => {
    expect(validateResidentId('1101051949123100XX', TODAY)).toEqual({
      ok: false,
      reason: 'character',
      position: 17,
      character: 'X',
    });
    expect(validateResidentId('110105194912310021', TODAY)).toMatchObject({ reason: 'check', expected: 'X' });
    expect(validateResidentId('110105491231002', TODAY)).toEqual({ ok: false, reason: 'length' });
  });

  const withCheck = (first17: string) => first17 + residentIdCheckChar(first17);

  it.each([
    ['11010519491331002', 11], // month 13
    ['11010520230229002', 13], // 2023 is not a leap year
    ['11010518791231002', 7], // too early
    ['11010520250602002', 7], // after TODAY
  ])('rejects the impossible birth date in %s', (first17, position) => {
    expect(validateResidentId(withCheck(first17), TODAY)).toMatchObject({
      ok: false,
      reason: 'birthdate',
      position,
    });
  });

  it('accepts a leap day and a birth "today" in China time', () => {
    expect(validateResidentId(withCheck('11010520000229002'), TODAY).ok).toBe(true);
    // 2025-06-01T00:00Z is already 08:00 on 1 June in China.
    expect(validateResidentId(withCheck('32010220250601001'), TODAY).ok).toBe(true);
  });

  it('rejects an unknown province', () => {
    expect(validateResidentId(withCheck('99010519491231002'), TODAY)).toMatchObject({ reason: 'region' });
  });
});

describe('masking', () => {
  it('masks a resident ID keeping region and last four', () => {
    expect(maskResidentId('11010519491231002x')).toBe('110105********002X');
    expect(maskResidentId('123')).toBe('****');
  });

  it('masks phones', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+86 138-1234-5678')).toBe('+86 138****5678');
    expect(maskPhone('025-83791234')).toBe('****1234');
    expect(maskPhone('110')).toBe('****');
  });

  it('masks e-mail without revealing the local part length', () => {
    expect(maskEmail('zhang.san@example.com')).toBe('z***@example.com');
    expect(maskEmail('a@example.com')).toBe('***@example.com');
    expect(maskEmail('not-an-email')).toBe('***');
  });
});

describe('patent application number', () => {
  it.each([
    ['201310699744.2', '201310699744.2', 'invention', 'post2003', 2013],
    ['CN201310699744.2', '201310699744.2', 'invention', 'post2003', 2013],
    ['ZL 2013 1069 9744.2', '201310699744.2', 'invention', 'post2003', 2013],
    ['2013106997442', '201310699744.2', 'invention', 'post2003', 2013],
    ['ｃｎ２０１３１０６９９７４４．２', '201310699744.2', 'invention', 'post2003', 2013],
    ['95115608.X', '95115608.X', 'invention', 'pre2004', 1995],
    ['zl95115608.x', '95115608.X', 'invention', 'pre2004', 1995],
  ])('accepts %s', (input, value, kind, format, year) => {
    expect(validatePatentNumber(input, TODAY)).toEqual({ ok: true, value, kind, format, year });
  });

  it.each([
    ['1', 'invention'],
    ['2', 'utility_model'],
    ['3', 'design'],
    ['8', 'pct_invention'],
    ['9', 'pct_utility_model'],
  ])('type digit %s is %s', (digit, kind) => {
    const body = `2020${digit}0012345`;
    expect(validatePatentNumber(`${body}.${patentCheckChar(body)}`, TODAY)).toMatchObject({ ok: true, kind });
  });

  it.each(['201310699744.2', '95115608.X'])('rejects every single-character substitution of %s', (valid) => {
    for (const [bad] of substitutions(valid, '0123456789X.')) {
      expect(validatePatentNumber(bad, TODAY).ok, bad).toBe(false);
    }
  });

  it('explains failures', () => {
    expect(validatePatentNumber('201310699744.3', TODAY)).toEqual({
      ok: false,
      reason: 'check',
      position: 14,
      character: '3',
      expected: '2',
    });
    expect(validatePatentNumber('2013106A9744.2', TODAY)).toMatchObject({
      reason: 'character',
      position: 8,
      character: 'A',
    });
    const badType = '201340699744';
    expect(validatePatentNumber(`${badType}.${patentCheckChar(badType)}`, TODAY)).toMatchObject({
      reason: 'type',
      position: 5,
    });
    const early = '200210699744';
    expect(validatePatentNumber(`${early}.${patentCheckChar(early)}`, TODAY)).toMatchObject({
      reason: 'year',
    });
    const future = '202610699744';
    expect(validatePatentNumber(`${future}.${patentCheckChar(future)}`, TODAY)).toMatchObject({
      reason: 'year',
    });
    expect(validatePatentNumber('2013106997.2', TODAY)).toEqual({ ok: false, reason: 'length' });
  });
});

describe('regions', () => {
  it('has the 34 provincial-level divisions and 13 Jiangsu cities', () => {
    expect(Object.keys(PROVINCE_CODES)).toHaveLength(34);
    expect(new Set(JIANGSU_CITIES.map((c) => c.code)).size).toBe(13);
    for (const c of JIANGSU_CITIES) expect(isJiangsu(c.code) && regionName(c.code) === c.zh).toBe(true);
  });

  it('validates structure and names Jiangsu codes', () => {
    expect(isValidRegionCode('320100')).toBe(true);
    expect(isValidRegionCode('820000')).toBe(true);
    expect(isValidRegionCode('990100')).toBe(false);
    expect(isValidRegionCode('32010')).toBe(false);
    expect(regionName('320505')).toBe('苏州市');
    expect(regionName('320700', 'en')).toBe('Lianyungang');
    expect(regionName('320000')).toBe('江苏省');
    expect(regionName('110105')).toBeUndefined();
    expect(isJiangsu('110105')).toBe(false);
  });
});

describe('party nature codes', () => {
  it('validates against the default or a configured table', () => {
    expect(partyNatureName('021')).toBe('科研机构');
    expect(partyNatureName('022')).toBe('高等院校');
    expect(partyNatureName('100')).toBe('内资企业');
    expect(isValidPartyNatureCode('999')).toBe(false);
    expect(isValidPartyNatureCode('21')).toBe(false);
    expect(isValidPartyNatureCode('toString')).toBe(false);
    expect(isValidPartyNatureCode('999', { ...PARTY_NATURE_CODES, '999': '测试' })).toBe(true);
  });
});
