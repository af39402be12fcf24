/**
 * Rules of the technology manager registry, kept as data: levels, the certificate number
 * format, and the policy list's set-aside for technology managers (DOMAIN.md: institutes may set
 * aside at least 2% of net transfer income to reward them).
 */
import type { FieldError } from '../../platform/errors.js';

/** junior 初级, intermediate 中级, senior 高级; the digit the certificate number carries for each. */
export const LEVELS = { junior: '1', intermediate: '2', senior: '3' } as const;
export type Level = keyof typeof LEVELS;

/**
 * Certificate number (证书编号) as techex records it: issuing province (2 letters, e.g. JS),
 * `TM`, year of issue (4 digits), level digit (1 初级, 2 中级, 3 高级), serial (6 digits),
 * e.g. `JSTM20242000123`. No national format is published; this one is checkable and
 * carries the level, so a number that contradicts the declared level is refused.
 */
const CERTIFICATE_RE = /^([A-Z]{2})TM(\d{4})([123])(\d{6})$/;

export const normalizeCertificateNo = (s: string) => s.replace(/[\s-]/g, '').toUpperCase();

export function certificateErrors(raw: string, level: Level, now = new Date()): FieldError[] {
  const field = 'body/certificateNo';
  const no = normalizeCertificateNo(raw);
  const m = CERTIFICATE_RE.exec(no);
  if (!m) {
    const bad = [...no].find((c) => !/[A-Z0-9]/.test(c));
    return [
      {
        field,
        code: 'format',
        message: bad
          ? `unexpected character '${bad}': expected e.g. JSTM20242000123`
          : 'expected province (2 letters), TM, year (4 digits), level digit (1-3), serial (6 digits)',
      },
    ];
  }
  const year = Number(m[2]);
  if (year < 2000 || year > now.getUTCFullYear())
    return [{ field, code: 'year', message: `year of issue ${year} is not between 2000 and this year` }];
  if (m[3] !== LEVELS[level])
    return [{ field, code: 'level', message: `level digit ${m[3]} does not match the level ${level}` }];
  return [];
}

export const SET_ASIDE = {
  /** 2%: the least share of net transfer income a university may set aside for its managers. */
  basisPoints: 200,
  /** Sellers it applies to by party nature: 022 university (高等院校), 021 research institute. */
  partyNatures: ['022', '021'],
  /** Contracts whose technology transaction amount counts as transfer income. */
  contractTypes: ['transfer', 'licensing'],
} as const;

/** The least set-aside, rounded up to the fen (≥ 2% means never below it). */
export const setAsideMinFen = (netFen: number) => Math.ceil((netFen * SET_ASIDE.basisPoints) / 10_000);
