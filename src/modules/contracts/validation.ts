/**
 * Domain validation of a registration application: the per-subtype required fields (rules.ts),
 * identifiers (credit codes, patent numbers, region and party nature codes), dates, amounts
 * and the payment schedule. Pure: returns the normalised input or field errors, never throws.
 */
import type { FieldError } from '../../platform/errors.js';
import {
  isValidPartyNatureCode,
  isValidRegionCode,
  normalizeIdentifier,
  validateCreditCode,
  validatePatentNumber,
} from '../identity/index.js';
import { textProblem } from '../vouchers/index.js';
import {
  type ContractType,
  LICENCE_TYPES,
  PAYMENT_METHODS,
  type RequirableField,
  ROYALTY_BASES,
  subtypeRule,
  TECHNOLOGY_FIELDS,
} from './rules.js';

export interface PartyInput {
  name: string;
  /** 统一社会信用代码; required for a domestic (CN) party. */
  creditCode?: string | null;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
  /** GB/T 2260; required for a domestic party. */
  regionCode?: string | null;
  /** 买卖方性质 code; required for a domestic party. */
  partyNature?: string | null;
}

export interface PaymentInput {
  method: (typeof PAYMENT_METHODS)[number];
  schedule?: { dueDate: string; amountFen: number }[];
  royaltyBasis?: (typeof ROYALTY_BASES)[number] | null;
  royaltyRateBasisPoints?: number | null;
  description?: string | null;
}

/** What the applicant states; the technology transaction amount is derived, never stated. */
export interface ContractInput {
  type: ContractType;
  subtype: string;
  projectName: string;
  signingDate: string;
  validFrom: string;
  validTo: string;
  technologyField: string;
  /** Imported technology: the domestic buyer applies. */
  imported?: boolean;
  disputed?: boolean;
  seller: PartyInput;
  buyer: PartyInput;
  achievementIds?: string[];
  patentNumbers?: string[];
  ipRegistrationNumbers?: string[];
  licenceType?: (typeof LICENCE_TYPES)[number] | null;
  licenceTermMonths?: number | null;
  investeeName?: string | null;
  /** Consulting / service bought together with a transfer or development (财税〔2016〕36号). */
  relatedToTransferOrDevelopment?: boolean;
  contractValueFen: number;
  nonTechnicalCostsFen: number;
  payment: PaymentInput;
  documentSha256: string;
  transferInstitutionId?: string | null;
  techManagerIds?: string[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (s: unknown): s is string =>
  typeof s === 'string' && ISO_DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
const isFen = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** ISO 3166-1 alpha-2, as far as the runtime's ICU knows the region. */
export function isCountryCode(code: unknown): boolean {
  if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code)) return false;
  try {
    return regionNames.of(code) !== undefined && code !== 'ZZ';
  } catch {
    return false;
  }
}

function present(input: ContractInput, field: RequirableField): boolean {
  const v = input[field];
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== '';
}

/**
 * A name or title that goes into the voucher as signed text: no control character and no
 * bidirectional formatting character (U+202E would show "‮学大京南" as "南京大学").
 */
function checkText(v: unknown, field: string, errors: FieldError[]): void {
  const problem = typeof v === 'string' && v.trim() !== '' ? textProblem(v) : undefined;
  if (problem) errors.push({ field, message: problem, code: 'text' });
}

/** Options of validateContract. */
export interface ValidationOptions {
  /**
   * Credit codes accepted although they fail the check character: the codes of verified
   * organisations whose registrar recorded an override (identity module).
   */
  overriddenCodes?: ReadonlySet<string>;
}

function validateParty(
  p: PartyInput | undefined,
  at: string,
  errors: FieldError[],
  opts: ValidationOptions,
): PartyInput | undefined {
  if (!p || typeof p !== 'object') {
    errors.push({ field: at, message: 'required', code: 'required' });
    return undefined;
  }
  const out: PartyInput = { ...p, name: (p.name ?? '').trim() };
  if (!out.name) errors.push({ field: `${at}/name`, message: 'required', code: 'required' });
  else checkText(out.name, `${at}/name`, errors);
  if (!isCountryCode(p.countryCode))
    errors.push({
      field: `${at}/countryCode`,
      message: 'not an ISO 3166-1 alpha-2 code',
      code: 'country-code',
    });
  const domestic = p.countryCode === 'CN';
  if (p.creditCode) {
    const r = validateCreditCode(p.creditCode);
    const normalised = normalizeIdentifier(p.creditCode);
    if (r.ok) out.creditCode = r.value;
    else if (opts.overriddenCodes?.has(normalised)) out.creditCode = normalised;
    else if (domestic)
      errors.push({
        field: `${at}/creditCode`,
        message: `invalid credit code (${r.reason}${r.position ? ` at ${r.position}: ${r.character}` : ''}${r.expected ? `, expected ${r.expected}` : ''})`,
        code: 'credit-code',
      });
  } else if (domestic) {
    errors.push({ field: `${at}/creditCode`, message: 'a domestic party needs one', code: 'required' });
  }
  if (domestic && !(p.regionCode && isValidRegionCode(p.regionCode)))
    errors.push({
      field: `${at}/regionCode`,
      message: 'a GB/T 2260 region code is required',
      code: 'region-code',
    });
  if (p.regionCode && !isValidRegionCode(p.regionCode) && !domestic)
    errors.push({ field: `${at}/regionCode`, message: 'not a GB/T 2260 code', code: 'region-code' });
  if (domestic ? !(p.partyNature && isValidPartyNatureCode(p.partyNature)) : false)
    errors.push({
      field: `${at}/partyNature`,
      message: 'a party nature code is required',
      code: 'party-nature',
    });
  if (!domestic && p.partyNature && !isValidPartyNatureCode(p.partyNature))
    errors.push({ field: `${at}/partyNature`, message: 'unknown party nature code', code: 'party-nature' });
  return out;
}

function validatePayment(input: ContractInput, errors: FieldError[]): void {
  const p = input.payment;
  const at = 'body/payment';
  if (!p || !(PAYMENT_METHODS as readonly string[]).includes(p.method)) {
    errors.push({ field: `${at}/method`, message: `one of ${PAYMENT_METHODS.join(', ')}`, code: 'payment' });
    return;
  }
  if (p.method === 'instalments') {
    const schedule = p.schedule ?? [];
    if (schedule.length < 2)
      errors.push({ field: `${at}/schedule`, message: 'instalments need at least two', code: 'payment' });
    let sum = 0;
    for (const [i, s] of schedule.entries()) {
      if (!isDate(s.dueDate))
        errors.push({ field: `${at}/schedule/${i}/dueDate`, message: 'YYYY-MM-DD', code: 'date' });
      if (!isFen(s.amountFen) || s.amountFen === 0)
        errors.push({
          field: `${at}/schedule/${i}/amountFen`,
          message: 'positive whole fen',
          code: 'amount',
        });
      else sum += s.amountFen;
    }
    if (schedule.length >= 2 && sum !== input.contractValueFen)
      errors.push({
        field: `${at}/schedule`,
        message: `instalments sum to ${sum} fen, the contract value is ${input.contractValueFen}`,
        code: 'schedule-sum',
      });
  }
  if (p.method === 'royalty') {
    if (!p.royaltyBasis || !(ROYALTY_BASES as readonly string[]).includes(p.royaltyBasis))
      errors.push({ field: `${at}/royaltyBasis`, message: 'sales or profit', code: 'payment' });
    if (!Number.isInteger(p.royaltyRateBasisPoints) || (p.royaltyRateBasisPoints ?? 0) <= 0)
      errors.push({ field: `${at}/royaltyRateBasisPoints`, message: 'required', code: 'payment' });
  }
  if (p.method === 'other' && !p.description?.trim())
    errors.push({ field: `${at}/description`, message: 'describe the payment', code: 'payment' });
}

/** Checks an application; on success returns it normalised (codes upper-cased, patent numbers canonical). */
export function validateContract(
  input: ContractInput,
  opts: ValidationOptions = {},
): { ok: true; value: ContractInput } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const value: ContractInput = { ...input };
  const rule = subtypeRule(input.type, input.subtype);
  if (!rule)
    errors.push({
      field: 'body/subtype',
      message: `no subtype ${input.subtype} of ${input.type}`,
      code: 'subtype',
    });
  for (const f of rule?.required ?? []) {
    if (!present(input, f))
      errors.push({
        field: `body/${f}`,
        message: `required for ${input.type}/${input.subtype}`,
        code: 'required-for-subtype',
      });
  }
  if (!input.projectName?.trim())
    errors.push({ field: 'body/projectName', message: 'required', code: 'required' });
  else checkText(input.projectName, 'body/projectName', errors);
  if (!Object.hasOwn(TECHNOLOGY_FIELDS, input.technologyField))
    errors.push({ field: 'body/technologyField', message: 'one of 01..09', code: 'technology-field' });
  for (const d of ['signingDate', 'validFrom', 'validTo'] as const)
    if (!isDate(input[d])) errors.push({ field: `body/${d}`, message: 'YYYY-MM-DD', code: 'date' });
  if (isDate(input.validFrom) && isDate(input.validTo) && input.validTo < input.validFrom)
    errors.push({ field: 'body/validTo', message: 'before validFrom', code: 'date' });
  if (isDate(input.signingDate) && isDate(input.validTo) && input.validTo < input.signingDate)
    errors.push({ field: 'body/validTo', message: 'before the signing date', code: 'date' });

  const seller = validateParty(input.seller, 'body/seller', errors, opts);
  const buyer = validateParty(input.buyer, 'body/buyer', errors, opts);
  if (seller) value.seller = seller;
  if (buyer) value.buyer = buyer;
  // The seller side applies where it is located; for imported technology, the domestic buyer.
  if (input.imported) {
    if (input.buyer?.countryCode !== 'CN')
      errors.push({
        field: 'body/buyer/countryCode',
        message: 'imported technology: the buyer is domestic',
        code: 'imported',
      });
    if (input.seller?.countryCode === 'CN')
      errors.push({
        field: 'body/seller/countryCode',
        message: 'imported technology: the seller is abroad',
        code: 'imported',
      });
  } else if (input.seller?.countryCode !== 'CN') {
    errors.push({
      field: 'body/seller/countryCode',
      message: 'the seller side applies; mark imported technology',
      code: 'imported',
    });
  }

  value.patentNumbers = (input.patentNumbers ?? []).map((n, i) => {
    const r = validatePatentNumber(n);
    if (r.ok) return r.value;
    errors.push({
      field: `body/patentNumbers/${i}`,
      message: `invalid patent number (${r.reason}${r.position ? ` at ${r.position}: ${r.character}` : ''}${r.expected ? `, expected ${r.expected}` : ''})`,
      code: 'patent-number',
    });
    return n;
  });
  if (input.licenceType != null && !(LICENCE_TYPES as readonly string[]).includes(input.licenceType))
    errors.push({ field: 'body/licenceType', message: LICENCE_TYPES.join(', '), code: 'licence-type' });
  if (
    input.licenceTermMonths != null &&
    !(Number.isInteger(input.licenceTermMonths) && input.licenceTermMonths > 0)
  )
    errors.push({ field: 'body/licenceTermMonths', message: 'positive whole months', code: 'licence-term' });

  // 技术交易额 = 合同成交额 − 非技术性费用: never negative, never above the value.
  if (!isFen(input.contractValueFen))
    errors.push({ field: 'body/contractValueFen', message: 'whole fen, not negative', code: 'amount' });
  if (!isFen(input.nonTechnicalCostsFen))
    errors.push({ field: 'body/nonTechnicalCostsFen', message: 'whole fen, not negative', code: 'amount' });
  else if (isFen(input.contractValueFen) && input.nonTechnicalCostsFen > input.contractValueFen)
    errors.push({
      field: 'body/nonTechnicalCostsFen',
      message: 'above the contract value: the transaction amount would be negative',
      code: 'amount',
    });
  validatePayment(input, errors);
  if (!/^[0-9a-f]{64}$/.test(input.documentSha256 ?? ''))
    errors.push({ field: 'body/documentSha256', message: 'lowercase hex SHA-256', code: 'sha256' });
  return errors.length ? { ok: false, errors } : { ok: true, value };
}

/** 技术交易额 as declared: contract value less non-technical costs. */
export const declaredTransactionAmount = (
  c: Pick<ContractInput, 'contractValueFen' | 'nonTechnicalCostsFen'>,
) => c.contractValueFen - c.nonTechnicalCostsFen;
