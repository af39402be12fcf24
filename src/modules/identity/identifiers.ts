/**
 * Validation of the Chinese identifiers the exchange handles, pure and dependency-free.
 *
 * Conventions (shared by every validator):
 * - Input is normalised first: trimmed, full-width ASCII (U+FF01–FF5E, U+3000) folded to half-width,
 *   upper-cased. `value` in a success is the normalised form, so it is what to store and hash.
 * - `position` is 1-based (as a person counts: "第 3 位") and refers to the normalised string.
 * - A failure never throws: the API layer turns it into a field error showing the offending character.
 */

export type IdentifierReason = 'length' | 'character' | 'check' | 'region';

export interface IdentifierError<R extends string = IdentifierReason> {
  readonly ok: false;
  readonly reason: R;
  /** 1-based position of the offending character in the normalised input. */
  readonly position?: number;
  readonly character?: string;
  /** For `check`: the check character the other characters call for. */
  readonly expected?: string;
}

export function normalizeIdentifier(input: string): string {
  const halfWidth = input.replace(/[\uFF01-\uFF5E\u3000]/g, (c) =>
    c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
  return halfWidth.trim().toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// GB/T 2260 administrative division codes

/** The 34 provincial-level divisions (GB/T 2260 first two digits), incl. Taiwan, Hong Kong, Macao. */
// biome-ignore format: grouped by GB/T 2260 region (华北, 东北, 华东 …), one group per line
export const PROVINCE_CODES: Readonly<Record<string, string>> = {
  '11': '北京', '12': '天津', '13': '河北', '14': '山西', '15': '内蒙古',
  '21': '辽宁', '22': '吉林', '23': '黑龙江',
  '31': '上海', '32': '江苏', '33': '浙江', '34': '安徽', '35': '福建', '36': '江西', '37': '山东',
  '41': '河南', '42': '湖北', '43': '湖南', '44': '广东', '45': '广西', '46': '海南',
  '50': '重庆', '51': '四川', '52': '贵州', '53': '云南', '54': '西藏',
  '61': '陕西', '62': '甘肃', '63': '青海', '64': '宁夏', '65': '新疆',
  '71': '台湾', '81': '香港', '82': '澳门',
};

/**
 * Structural check only (6 digits, a real provincial prefix): the full GB/T 2260 list changes
 * every year as counties merge, and old codes stay on issued credit codes and IDs forever.
 */
export function isValidRegionCode(code: string): boolean {
  return /^\d{6}$/.test(code) && code.slice(0, 2) in PROVINCE_CODES;
}

export interface RegionEntry {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
}

/** The 13 prefecture-level cities of Jiangsu, where the exchange's sub-centres sit. */
export const JIANGSU_CITIES: readonly RegionEntry[] = [
  { code: '320100', zh: '南京市', en: 'Nanjing' },
  { code: '320200', zh: '无锡市', en: 'Wuxi' },
  { code: '320300', zh: '徐州市', en: 'Xuzhou' },
  { code: '320400', zh: '常州市', en: 'Changzhou' },
  { code: '320500', zh: '苏州市', en: 'Suzhou' },
  { code: '320600', zh: '南通市', en: 'Nantong' },
  { code: '320700', zh: '连云港市', en: 'Lianyungang' },
  { code: '320800', zh: '淮安市', en: "Huai'an" },
  { code: '320900', zh: '盐城市', en: 'Yancheng' },
  { code: '321000', zh: '扬州市', en: 'Yangzhou' },
  { code: '321100', zh: '镇江市', en: 'Zhenjiang' },
  { code: '321200', zh: '泰州市', en: 'Taizhou' },
  { code: '321300', zh: '宿迁市', en: 'Suqian' },
];

const JIANGSU_BY_CODE = new Map(JIANGSU_CITIES.map((c) => [c.code, c]));

/**
 * Name of a Jiangsu city, or of the city a district/county code belongs to (320505 → 苏州市);
 * undefined for anything else (only Jiangsu is tabulated).
 */
export function regionName(code: string, lang: 'zh' | 'en' = 'zh'): string | undefined {
  if (!isValidRegionCode(code)) return undefined;
  if (code === '320000') return lang === 'zh' ? '江苏省' : 'Jiangsu';
  return JIANGSU_BY_CODE.get(`${code.slice(0, 4)}00`)?.[lang];
}

export function isJiangsu(code: string): boolean {
  return isValidRegionCode(code) && code.startsWith('32');
}

// ---------------------------------------------------------------------------------------------
// Unified social credit code, GB 32100-2015

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type CreditCodeResult =
  | {
      readonly ok: true;
      readonly value: string;
      readonly parts: { department: string; type: string; region: string; orgCode: string };
    }
  | IdentifierError;

/** Check character for the first 17 characters (which must already be in the alphabet). */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_ALPHABET.indexOf(first17[i] ?? '') * CREDIT_WEIGHTS[i]!;
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31]!;
}

export function validateCreditCode(input: string): CreditCodeResult {
  const value = normalizeIdentifier(input);
  if (value.length !== 18) return { ok: false, reason: 'length' };
  const bad = firstOutside(value, CREDIT_ALPHABET);
  if (bad) return bad;
  const region = value.slice(2, 8);
  // 100000 is not in GB/T 2260 but is what national-level bodies carry (e.g. 12100000…).
  if (region !== '100000' && !isValidRegionCode(region)) return regionError(value, 2);
  const expected = creditCodeCheckChar(value);
  if (value[17] !== expected)
    return { ok: false, reason: 'check', position: 18, character: value[17], expected };
  return {
    ok: true,
    value,
    parts: { department: value[0]!, type: value[1]!, region, orgCode: value.slice(8, 17) },
  };
}

function firstOutside(
  value: string,
  alphabet: string,
  upTo = value.length,
): IdentifierError<'character'> | undefined {
  for (let i = 0; i < upTo; i++) {
    if (!alphabet.includes(value[i]!))
      return { ok: false, reason: 'character', position: i + 1, character: value[i] };
  }
  return undefined;
}

/** Points at the first non-digit of the region, else at its (unknown) province prefix. */
function regionError(value: string, offset: number): IdentifierError {
  for (let i = offset; i < offset + 6; i++) {
    if (!/\d/.test(value[i]!)) return { ok: false, reason: 'region', position: i + 1, character: value[i] };
  }
  return { ok: false, reason: 'region', position: offset + 1, character: value[offset] };
}

// ---------------------------------------------------------------------------------------------
// Resident identity card number, GB 11643-1999

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
/** Earliest birth year accepted: no living person (or any issued 18-digit number) predates it. */
const EARLIEST_BIRTH_YEAR = 1880;

export type ResidentIdResult =
  | {
      readonly ok: true;
      readonly value: string;
      readonly parts: { region: string; birthDate: string; sequence: string; sex: 'male' | 'female' };
    }
  | IdentifierError<IdentifierReason | 'birthdate'>;

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/**
 * Validates an 18-digit ID (15-digit first-generation numbers were retired in 2013: `length`).
 * `today` is injectable so "born in the future" is testable; it is compared as a China date.
 */
export function validateResidentId(input: string, today: Date = new Date()): ResidentIdResult {
  const value = normalizeIdentifier(input);
  if (value.length !== 18) return { ok: false, reason: 'length' };
  const bad = firstOutside(value, '0123456789', 17) ?? firstOutside(value, '0123456789X');
  if (bad) return bad;
  if (!isValidRegionCode(value.slice(0, 6))) return regionError(value, 0);
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  const birth = new Date(0);
  birth.setUTCFullYear(y, m - 1, d); // unlike Date.UTC, no 0–99 → 1900+ remapping
  const real = birth.getUTCFullYear() === y && birth.getUTCMonth() === m - 1 && birth.getUTCDate() === d;
  // China is UTC+8 all year: shifting the instant gives the China calendar date in UTC fields.
  const todayChina = new Date(today.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (!real || y < EARLIEST_BIRTH_YEAR || birthDate > todayChina) {
    // Point at the part that is wrong: month, day, else the year (too early or in the future).
    const at = m < 1 || m > 12 ? 10 : !real ? 12 : 6;
    return { ok: false, reason: 'birthdate', position: at + 1, character: value[at] };
  }
  const expected = residentIdCheckChar(value);
  if (value[17] !== expected)
    return { ok: false, reason: 'check', position: 18, character: value[17], expected };
  const sequence = value.slice(14, 17);
  return {
    ok: true,
    value,
    parts: {
      region: value.slice(0, 6),
      birthDate,
      sequence,
      sex: Number(sequence) % 2 === 1 ? 'male' : 'female',
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Masking for display (PIPL: personal data is shown only masked). Star counts are fixed so the
// mask does not leak the length of what it hides.

/** Keeps the region (first 6) and the last 4; hides the birth date: 110105********002X. */
export function maskResidentId(input: string): string {
  const v = normalizeIdentifier(input);
  return v.length === 18 ? `${v.slice(0, 6)}********${v.slice(14)}` : '*'.repeat(Math.max(v.length, 4));
}

/** Mainland mobile: 138****5678 (a +86 prefix is kept); other numbers keep only the last 4. */
export function maskPhone(input: string): string {
  const compact = normalizeIdentifier(input).replace(/[\s\-()]/g, '');
  const m = /^(\+?86)?(1\d{10})$/.exec(compact);
  if (m) return `${m[1] ? '+86 ' : ''}${m[2]!.slice(0, 3)}****${m[2]!.slice(7)}`;
  return compact.length >= 7 ? `****${compact.slice(-4)}` : '****';
}

/** First character of the local part and the whole domain: z***@example.com. */
export function maskEmail(input: string): string {
  const v = input.trim();
  const at = v.lastIndexOf('@');
  if (at < 1 || at === v.length - 1) return '***';
  return `${at > 1 ? v[0] : ''}***${v.slice(at)}`;
}

/** A contact person as shown to someone without the right to reach them: name kept, phone and e-mail masked. */
export function maskContact<T extends { name: string; phone?: string; email?: string }>(
  c: T,
): { name: string; phone?: string; email?: string } {
  return {
    name: c.name,
    ...(c.phone ? { phone: maskPhone(c.phone) } : {}),
    ...(c.email ? { email: maskEmail(c.email) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// CNIPA patent application numbers

export type PatentKind = 'invention' | 'utility_model' | 'design' | 'pct_invention' | 'pct_utility_model';
const PATENT_KINDS: Readonly<Record<string, PatentKind>> = {
  '1': 'invention',
  '2': 'utility_model',
  '3': 'design',
  '8': 'pct_invention',
  '9': 'pct_utility_model',
};

export type PatentNumberResult =
  | {
      readonly ok: true;
      /** Canonical form without prefix (the application number proper): 201310699744.2 */
      readonly value: string;
      readonly kind: PatentKind;
      readonly format: 'post2003' | 'pre2004';
      /** Four-digit filing year (the pre-2004 form carries two). */
      readonly year: number;
    }
  | IdentifierError<'length' | 'character' | 'check' | 'type' | 'year'>;

/** Σ digit × weight (2..9 repeating), mod 11, 10 → X. */
export function patentCheckChar(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * (2 + (i % 8));
  const r = sum % 11;
  return r === 10 ? 'X' : String(r);
}

/**
 * Accepts an optional CN or ZL prefix, inner spaces, and a missing dot (the lengths 12+1 and 8+1
 * are unambiguous). Positions refer to the canonical form (prefix and spaces removed, dot present).
 */
export function validatePatentNumber(input: string, today: Date = new Date()): PatentNumberResult {
  let v = normalizeIdentifier(input.replace(/\u3002/g, '.')).replace(/\s+/g, '');
  if (v.startsWith('CN') || v.startsWith('ZL')) v = v.slice(2);
  const dot = v.indexOf('.');
  const body = dot === -1 ? v.slice(0, -1) : v.slice(0, dot);
  const check = dot === -1 ? v.slice(-1) : v.slice(dot + 1);
  if ((body.length !== 12 && body.length !== 8) || check.length !== 1) return { ok: false, reason: 'length' };
  const bad = firstOutside(body, '0123456789');
  if (bad) return bad;
  if (!/[0-9X]/.test(check))
    return { ok: false, reason: 'character', position: body.length + 2, character: check };
  const long = body.length === 12;
  const yy = Number(body.slice(0, long ? 4 : 2));
  // Patent Law in force 1985-04-01; 12-digit numbers from 2003-10-01, 8-digit ones until then.
  const year = long ? yy : yy >= 85 ? 1900 + yy : 2000 + yy;
  const thisYear = new Date(today.getTime() + 8 * 3600_000).getUTCFullYear();
  if (long ? year < 2003 || year > thisYear : year > 2003) {
    return { ok: false, reason: 'year', position: 1, character: body[0] };
  }
  const typeIndex = long ? 4 : 2;
  const kind = PATENT_KINDS[body[typeIndex]!];
  if (!kind) return { ok: false, reason: 'type', position: typeIndex + 1, character: body[typeIndex] };
  const expected = patentCheckChar(body);
  if (check !== expected) {
    return { ok: false, reason: 'check', position: body.length + 2, character: check, expected };
  }
  return { ok: true, value: `${body}.${check}`, kind, format: long ? 'post2003' : 'pre2004', year };
}

// ---------------------------------------------------------------------------------------------
// Party nature codes (买卖方性质) for technology contract registration

/**
 * The usual 3-digit list of the national technology contract registration system's form
 * (legal-person type; enterprises by SAIC registration type). Configurable: the official list
 * was read only from secondary copies of the form's instructions, and the 400 entry's wording
 * was cut off there (330 is filled in from the SAIC registration types the form refers to), so
 * deployments may pass their own table to the functions below.
 */
// biome-ignore format: one line per legal-person group, as on the registration form
export const PARTY_NATURE_CODES: Readonly<Record<string, string>> = {
  '010': '机关法人', '011': '国家级行政机关', '012': '省级行政机关', '013': '市级行政机关', '014': '县级及以下行政机关',
  '020': '事业法人', '021': '科研机构', '022': '高等院校', '023': '医疗、卫生', '024': '其他事业法人',
  '030': '社团法人',
  '100': '内资企业', '110': '国有企业', '120': '集体企业', '130': '股份合作企业', '140': '联营企业',
  '150': '有限责任公司', '160': '股份有限公司', '170': '私营企业', '180': '其他企业',
  '200': '港澳台商投资企业', '210': '合资经营企业（港澳台资）', '220': '合作经营企业（港澳台资）',
  '230': '港澳台商独资经营企业', '240': '港澳台商投资股份有限公司',
  '300': '外商投资企业', '310': '中外合资经营企业', '320': '中外合作经营企业', '330': '外资企业',
  '340': '外商投资股份有限公司',
  '400': '个人',
};

export function isValidPartyNatureCode(code: string, table = PARTY_NATURE_CODES): boolean {
  return /^\d{3}$/.test(code) && Object.hasOwn(table, code);
}

export function partyNatureName(code: string, table = PARTY_NATURE_CODES): string | undefined {
  return isValidPartyNatureCode(code, table) ? table[code] : undefined;
}
