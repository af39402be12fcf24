import { randomBytes, randomInt } from 'node:crypto';
import { creditCodeCheckChar, patentCheckChar, residentIdCheckChar } from '../modules/identity/index.js';

/**
 * Identifiers for tests: fresh on every call (so test files never collide) and valid by the
 * rules in DOMAIN.md (check characters included).
 */

const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A short random tag for names, queue prefixes and namespaces of one test file. */
export const uniqueTag = (): string => randomBytes(4).toString('hex');

/** A valid unified social credit code (统一社会信用代码) of an enterprise in `region`. */
export function randomCreditCode(region = '320500'): string {
  let first17 = `91${region}`;
  for (let i = 0; i < 9; i++) first17 += CREDIT_CODE_ALPHABET[randomInt(CREDIT_CODE_ALPHABET.length)];
  return first17 + creditCodeCheckChar(first17);
}

/** A valid resident ID (born in Nanjing, 1960–1999) with a random birth date and sequence. */
export function randomResidentId(): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const birth = `${randomInt(1960, 2000)}${pad(randomInt(1, 13), 2)}${pad(randomInt(1, 29), 2)}`;
  const first17 = `320102${birth}${pad(randomInt(1000), 3)}`;
  return first17 + residentIdCheckChar(first17);
}

/** A post-2003 invention patent application number with a correct check character. */
export function randomPatentNumber(year = 2022): string {
  const body = `${year}1${String(randomInt(10_000_000)).padStart(7, '0')}`;
  return `${body}.${patentCheckChar(body)}`;
}
