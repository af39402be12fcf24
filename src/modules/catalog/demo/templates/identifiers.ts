// Check characters for the identifiers the demo data carries (rules in DOMAIN.md).

/** GB 32100-2015 alphabet: digits and capitals without I O Z S V. */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The 18th character of a unified social credit code, given its first 17. */
export function creditCodeCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error(`need 17 characters, got ${first17.length}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_ALPHABET.indexOf(first17[i]!);
    if (v < 0) throw new Error(`character ${first17[i]} at position ${i + 1} is not allowed`);
    sum += v * CREDIT_CODE_WEIGHTS[i]!;
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/**
 * The 9th character of an organisation code (GB 11714, embedded at positions 9–17 of a credit code):
 * weights 3 7 9 10 5 8 4 2 over values 0–9, A=10 … Z=35; 11 − Σ mod 11, 10 → X, 11 → 0.
 */
export function organisationCodeCheckChar(first8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number.parseInt(first8[i]!, 36) * weights[i]!;
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/**
 * A credit code from department+type (e.g. '91' company, '12' public institution, '31' law firm),
 * a 6-digit region code and the 8-character body of the organisation code.
 */
export function buildCreditCode(kind: string, regionCode: string, orgBody8: string): string {
  const first17 = kind + regionCode + orgBody8 + organisationCodeCheckChar(orgBody8);
  return first17 + creditCodeCheckChar(first17);
}

/** The check character of a patent application number (post-2003 form, 12 digits before the dot). */
export function patentCheckChar(digits: string): string {
  const weights = [2, 3, 4, 5, 6, 7, 8, 9];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * weights[i % 8]!;
  const c = sum % 11;
  return c === 10 ? 'X' : String(c);
}

/** e.g. buildPatentNumber(2021, 1, 1234567) → '202111234567.X' style string with a correct check. */
export function buildPatentNumber(year: number, type: 1 | 2, serial: number): string {
  const digits = `${year}${type}${String(serial).padStart(7, '0')}`;
  return `${digits}.${patentCheckChar(digits)}`;
}
