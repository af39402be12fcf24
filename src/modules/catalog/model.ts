import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import type { FieldError } from '../../platform/errors.js';
import type { Lang } from '../../platform/messages.js';
import { isValidRegionCode, validatePatentNumber } from '../identity/index.js';

/**
 * The listing vocabulary and the one input validation shared by the single-item endpoints, the
 * batch endpoints and the spreadsheet import. Enums follow demo/demo-data.ts.
 */
export const FIELD_CODES = ['01', '02', '03', '04', '05', '06', '07', '08', '09'] as const;
/** 转化方式; the licence type (独占/排他/普通) is part of the mode. */
export const TRANSFER_MODES = [
  'transfer',
  'license_exclusive',
  'license_sole',
  'license_nonexclusive',
  'equity',
  'co_development',
  'use_first',
  'research_first',
] as const;
/** 交易方式: 协议转让, 挂牌, 拍卖, 招标, 竞价. */
export const DEAL_METHODS = ['negotiated', 'listed', 'auction', 'tender', 'bidding'] as const;
export const IP_KINDS = [
  'invention_patent',
  'utility_model',
  'design_patent',
  'software_copyright',
  'ic_layout',
  'plant_variety',
  'know_how',
  'other',
] as const;
const PATENT_KINDS = new Set(['invention_patent', 'utility_model', 'design_patent']);

export type ListingKind = 'achievement' | 'need';
export type FieldCode = (typeof FIELD_CODES)[number];

// PostgreSQL text cannot hold NUL: refused here as a field error rather than failing the insert.
const text = (max: number, min = 0) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((v) => !v.includes('\u0000'), { params: { code: 'nul' } });

/** Field errors for NUL characters anywhere in a JSON value (inputs not checked by `validateListing`). */
export function nulErrors(value: unknown, path = 'body'): { field: string; message: string; code: string }[] {
  if (typeof value === 'string')
    return value.includes('\u0000')
      ? [{ field: path, message: 'NUL character not allowed', code: 'nul' }]
      : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulErrors(v, `${path}/${i}`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nulErrors(v, `${path}/${k}`));
  return [];
}
const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max);
const region = z
  .string()
  .regex(/^\d{6}$/)
  .refine(isValidRegionCode, { params: { code: 'region' } });
const fen = z.int().min(0).max(1e15);

const contact = z.strictObject({
  name: text(50, 1),
  phone: text(30).optional(),
  email: z.email().max(100).optional(),
});
const document = z.strictObject({ name: text(200, 1), url: z.url().max(1000) });

export const achievementInput = z.strictObject({
  externalId: text(100, 1).optional(),
  sourceSystem: text(100, 1).optional(),
  title: text(200, 2),
  summary: text(300, 1),
  description: text(20_000).default(''),
  indicators: list(text(500, 1), 30).default([]),
  keywords: list(text(50, 1), 20).default([]),
  field: z.enum(FIELD_CODES),
  trl: z.int().min(1).max(9),
  ipItems: list(
    z.strictObject({ kind: z.enum(IP_KINDS), number: text(50, 1).optional(), title: text(200, 1) }),
    50,
  ).default([]),
  transferModes: list(z.enum(TRANSFER_MODES), 8).min(1),
  dealMethod: z.enum(DEAL_METHODS),
  /** null = 面议 (negotiable). */
  priceFen: fen.nullable().default(null),
  regionCode: region,
  team: list(text(50, 1), 50).default([]),
  contacts: list(contact, 5).default([]),
  completedOn: z.iso.date().optional(),
  validUntil: z.iso.date().optional(),
  confidential: z
    .strictObject({
      detailedIndicators: list(text(2000, 1), 50).optional(),
      documents: list(document, 20).optional(),
      notes: text(5000).optional(),
    })
    .optional(),
});
export type AchievementInput = z.output<typeof achievementInput>;

export const needInput = z.strictObject({
  externalId: text(100, 1).optional(),
  sourceSystem: text(100, 1).optional(),
  title: text(200, 2),
  description: text(20_000, 1),
  targetIndicators: list(text(500, 1), 30).default([]),
  keywords: list(text(50, 1), 20).default([]),
  field: z.enum(FIELD_CODES),
  budgetMinFen: fen.nullable().default(null),
  budgetMaxFen: fen.nullable().default(null),
  deadline: z.iso.date().optional(),
  preferredModes: list(z.enum(TRANSFER_MODES), 8).default([]),
  minTrl: z.int().min(1).max(9).optional(),
  regionCode: region,
  contacts: list(contact, 5).default([]),
  validUntil: z.iso.date().optional(),
  confidential: z
    .strictObject({ details: text(5000).optional(), documents: list(document, 20).optional() })
    .optional(),
});
export type NeedInput = z.output<typeof needInput>;

export type ListingInput = AchievementInput | NeedInput;
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const ZH: Record<string, (i: z.core.$ZodIssue) => string> = {
  invalid_type: (i) => ('expected' in i ? `类型应为 ${String(i.expected)}` : '类型不正确'),
  too_big: (i) => `不得超过 ${String((i as { maximum: unknown }).maximum)}`,
  too_small: (i) => `不得少于 ${String((i as { minimum: unknown }).minimum)}`,
  invalid_format: () => '格式不正确',
  invalid_value: (i) => `取值应为 ${((i as { values?: unknown[] }).values ?? []).join('、')} 之一`,
  unrecognized_keys: (i) => `不允许的字段 ${((i as { keys?: string[] }).keys ?? []).join('、')}`,
  custom: () => '取值不正确',
};

function issueToFieldError(i: z.core.$ZodIssue, lang: Lang): FieldError {
  const field = i.path.map(String).join('/');
  const message = lang === 'zh-CN' ? (ZH[i.code]?.(i) ?? i.message) : i.message;
  return { field, message, code: i.code };
}

/** Patent numbers by check digit; the message names the offending character and its position. */
function patentErrors(items: AchievementInput['ipItems'], lang: Lang): FieldError[] {
  const out: FieldError[] = [];
  items.forEach((item, k) => {
    if (!PATENT_KINDS.has(item.kind)) return;
    const field = `ipItems/${k}/number`;
    if (!item.number) {
      out.push({
        field,
        code: 'required',
        message: lang === 'en' ? 'a patent needs its number' : '专利须填写申请号',
      });
      return;
    }
    const r = validatePatentNumber(item.number);
    if (r.ok) {
      item.number = r.value;
      return;
    }
    const at = r.position !== undefined ? { pos: r.position, ch: r.character ?? '' } : undefined;
    const zh = at
      ? `专利申请号第 ${at.pos} 位字符「${at.ch}」有误${r.expected ? `，校验位应为 ${r.expected}` : ''}`
      : '专利申请号长度不正确';
    const en = at
      ? `patent number character ${at.pos} '${at.ch}' is wrong${r.expected ? `; the check digit should be ${r.expected}` : ''}`
      : 'patent number has the wrong length';
    out.push({ field, code: `patent-${r.reason}`, message: lang === 'en' ? en : zh });
  });
  return out;
}

export function validateListing(kind: 'achievement', raw: unknown, lang: Lang): Validated<AchievementInput>;
export function validateListing(kind: 'need', raw: unknown, lang: Lang): Validated<NeedInput>;
export function validateListing(kind: ListingKind, raw: unknown, lang: Lang): Validated<ListingInput>;
export function validateListing(kind: ListingKind, raw: unknown, lang: Lang): Validated<ListingInput> {
  const parsed = (kind === 'achievement' ? achievementInput : needInput).safeParse(raw);
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((i) => issueToFieldError(i, lang)) };
  const errors: FieldError[] = [...pastDateErrors(parsed.data, lang)];
  if (kind === 'achievement') {
    const a = parsed.data as AchievementInput;
    errors.push(...patentErrors(a.ipItems, lang));
  } else {
    const n = parsed.data as NeedInput;
    if (n.budgetMinFen !== null && n.budgetMaxFen !== null && n.budgetMinFen > n.budgetMaxFen)
      errors.push({
        field: 'budgetMaxFen',
        code: 'range',
        message: lang === 'en' ? 'must not be below budgetMinFen' : '预算上限不得低于下限',
      });
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: parsed.data };
}

/** Today on the exchange's calendar (China, UTC+8, no daylight saving): validity dates are China days. */
export function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * A listing is not created, imported or edited already out of date: `validUntil` (and a need's
 * `deadline`, its validity when it has no `validUntil`) may be today or later, never earlier
 * (the expiry sweep would take it down at once).
 */
function pastDateErrors(value: ListingInput, lang: Lang): FieldError[] {
  const today = chinaToday();
  const out: FieldError[] = [];
  for (const field of ['validUntil', 'deadline'] as const) {
    const date = (value as { validUntil?: string; deadline?: string })[field];
    if (date && date < today)
      out.push({
        field,
        code: 'past',
        message: lang === 'en' ? `must not be in the past (today is ${today})` : `不得早于今天（${today}）`,
      });
  }
  return out;
}

/** sha256 of the canonical JSON of the validated input: equal content, equal hash. */
export function contentHash(value: ListingInput): string {
  return createHash('sha256')
    .update(canonicalize(value) ?? '')
    .digest('hex');
}

export function patentNumbersOf(value: ListingInput): string[] {
  if (!('ipItems' in value)) return [];
  return [...new Set(value.ipItems.flatMap((i) => (PATENT_KINDS.has(i.kind) && i.number ? [i.number] : [])))];
}
