/**
 * The rules of technology contract registration (技术合同认定登记) as data: contract types and
 * subtypes with the fields each requires, payment methods, return reasons, refusal grounds and
 * the numeric parameters (settings.json). Validation (validation.ts) reads these tables; a rule
 * change is a data change here, not a code change there.
 */
import settingsData from './settings.json' with { type: 'json' };

/** The details a subtype may require (besides the fields every contract has). */
export type RequirableField =
  | 'patentNumbers'
  | 'ipRegistrationNumbers'
  | 'licenceType'
  | 'licenceTermMonths'
  | 'investeeName'
  | 'transferInstitutionId';

export interface SubtypeRule {
  /** 中文名 as on the registration form. */
  readonly name: string;
  readonly required: readonly RequirableField[];
}

/** 民法典 862–863, 技术合同认定规则: five types and their subtypes. */
export const CONTRACT_TYPES = {
  development: {
    name: '技术开发',
    subtypes: {
      commissioned: { name: '委托开发', required: [] },
      cooperative: { name: '合作开发', required: [] },
    },
  },
  transfer: {
    name: '技术转让',
    subtypes: {
      patent_right: { name: '专利权转让', required: ['patentNumbers'] },
      patent_application_right: { name: '专利申请权转让', required: ['patentNumbers'] },
      technical_secret: { name: '技术秘密转让', required: [] },
      software_copyright: { name: '计算机软件著作权转让', required: ['ipRegistrationNumbers'] },
      layout_design: { name: '集成电路布图设计权转让', required: ['ipRegistrationNumbers'] },
      plant_variety: { name: '植物新品种权转让', required: ['ipRegistrationNumbers'] },
      biomedical_variety: { name: '生物医药新品种权转让', required: ['ipRegistrationNumbers'] },
      // Technology contributed as equity (技术入股) is registered as a transfer.
      equity_contribution: { name: '技术作价投资', required: ['investeeName'] },
    },
  },
  licensing: {
    name: '技术许可',
    subtypes: {
      patent_licence: {
        name: '专利实施许可',
        required: ['patentNumbers', 'licenceType', 'licenceTermMonths'],
      },
      technical_secret_licence: { name: '技术秘密使用许可', required: ['licenceType', 'licenceTermMonths'] },
    },
  },
  consulting: {
    name: '技术咨询',
    subtypes: { consulting: { name: '技术咨询', required: [] } },
  },
  service: {
    name: '技术服务',
    subtypes: {
      technical_service: { name: '技术服务', required: [] },
      training: { name: '技术培训', required: [] },
      // 技术中介: the broker (a transfer institution) is the point of the contract.
      intermediary: { name: '技术中介', required: ['transferInstitutionId'] },
    },
  },
} as const satisfies Record<string, { name: string; subtypes: Record<string, SubtypeRule> }>;

export type ContractType = keyof typeof CONTRACT_TYPES;
export const CONTRACT_TYPE_NAMES = Object.keys(CONTRACT_TYPES) as ContractType[];
export const ALL_SUBTYPES = CONTRACT_TYPE_NAMES.flatMap((t) => Object.keys(CONTRACT_TYPES[t].subtypes));

export function subtypeRule(type: string, subtype: string): SubtypeRule | undefined {
  const t = (CONTRACT_TYPES as Record<string, { subtypes: Record<string, SubtypeRule> }>)[type];
  return t && Object.hasOwn(t.subtypes, subtype) ? t.subtypes[subtype] : undefined;
}

/** 独占 exclusive / 排他 sole / 普通 non-exclusive. */
export const LICENCE_TYPES = ['exclusive', 'sole', 'non_exclusive'] as const;
export const PAYMENT_METHODS = ['lump_sum', 'instalments', 'royalty', 'other'] as const;
export const ROYALTY_BASES = ['sales', 'profit'] as const;

/** 战略性新兴产业分类 (2018) top-level fields, '01' 新一代信息技术 … '09' 相关服务业. */
export const TECHNOLOGY_FIELDS: Readonly<Record<string, string>> = {
  '01': '新一代信息技术产业',
  '02': '高端装备制造产业',
  '03': '新材料产业',
  '04': '生物产业',
  '05': '新能源汽车产业',
  '06': '新能源产业',
  '07': '节能环保产业',
  '08': '数字创意产业',
  '09': '相关服务业',
};

/** Structured reasons a registrar returns an application for correction (补正). */
export const RETURN_REASONS = [
  'missing_material',
  'incorrect_information',
  'amount_unclear',
  'party_information',
  'document_mismatch',
  'other',
] as const;

/** Grounds to refuse registration (不予登记), 技术合同认定登记管理办法 and the 2022 guide. */
export const REFUSAL_GROUNDS = {
  invalid_or_not_effective: '合同无效或者尚未生效',
  not_technology_contract: '不属于技术合同',
  parties_subject_price_unclear: '当事人、标的或者价款约定不明确',
  approval_missing: '应当办理批准手续而未办理',
  name_mismatch_not_corrected: '合同名称与内容不符且未更正',
  illegal_monopoly_clauses: '含有非法垄断技术、妨碍技术进步的条款',
  certificates_missing: '未提交应当提交的权属证明文件',
  seals_incomplete: '签章不全或者与当事人不符',
  other: '其他（需说明）',
} as const;
export type RefusalGround = keyof typeof REFUSAL_GROUNDS;

export const CONTRACT_STATUSES = [
  'draft',
  'submitted',
  'under_review',
  'returned',
  'registered',
  'refused',
  'cancelled',
] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export interface ContractSettings {
  review: { workingDays: number; extendedWorkingDays: number; largeAmountFen: number };
  rewards: { rateBasisPoints: number; capFenPerYear: number };
  tax: { transferIncomeLineFen: number; licenceMinTermMonths: number };
  serialDigits: number;
}

export const SETTINGS: ContractSettings = Object.freeze(settingsData as ContractSettings);

/** Review period in working days: longer for large or disputed contracts (expert review). */
export function reviewWorkingDays(transactionAmountFen: number, disputed: boolean, s = SETTINGS): number {
  return disputed || transactionAmountFen >= s.review.largeAmountFen
    ? s.review.extendedWorkingDays
    : s.review.workingDays;
}

/** The reward for a year's brokered transaction amount: floor(rate × basis), capped. */
export function rewardFen(basisFen: number, s = SETTINGS): { rewardFen: number; capped: boolean } {
  const raw = Math.floor((basisFen * s.rewards.rateBasisPoints) / 10_000);
  return raw > s.rewards.capFenPerYear
    ? { rewardFen: s.rewards.capFenPerYear, capped: true }
    : { rewardFen: raw, capped: false };
}
