// The shapes of the demo data (re-exported by ../demo-data.ts).
import type { ServiceKind } from './organisations.js';
import type { FieldCode } from './types.js';

export type { FieldCode, ServiceKind };

/** 分中心: one per Jiangsu prefecture city. */
export interface SubCentre {
  code: string;
  name: string;
  regionCode: string;
}

export type OrganisationType =
  | 'university'
  | 'institute'
  | 'enterprise'
  | 'transfer_institution'
  | 'service_institution';

export interface Organisation {
  key: string;
  type: OrganisationType;
  name: string;
  /** 统一社会信用代码, 18 characters with a valid check character */
  creditCode: string;
  /** GB/T 2260 county/district code (or city code) in Jiangsu */
  regionCode: string;
  subCentreCode: string;
  /** party nature code of the contract registration record: 022 university, 021 institute, 100 enterprise */
  partyNature: string;
  /** fields the organisation is active in (research organisations and enterprises) */
  fields?: FieldCode[];
  /** kind of service, for transfer and service institutions */
  serviceKind?: ServiceKind;
}

export type IpKind = 'invention_patent' | 'utility_model' | 'software_copyright' | 'know_how';

export interface IpItem {
  kind: IpKind;
  /** patent application number with check digit (e.g. 202110123456.7) or software registration number */
  number?: string;
  title: string;
}

/** 转化方式 */
export type TransferMode =
  | 'transfer'
  | 'license_exclusive'
  | 'license_sole'
  | 'license_nonexclusive'
  | 'equity'
  | 'co_development'
  | 'use_first'
  | 'research_first';

/** 交易方式: 协议转让, 挂牌, 拍卖, 招标, 竞价 */
export type DealMethod = 'negotiated' | 'listed' | 'auction' | 'tender' | 'bidding';

export interface Achievement {
  externalId: string;
  ownerKey: string;
  title: string;
  summary: string;
  description: string;
  indicators: string[];
  keywords: string[];
  field: FieldCode;
  trl: number;
  ipItems: IpItem[];
  transferModes: TransferMode[];
  dealMethod: DealMethod;
  /** null = 面议 (negotiable) */
  priceFen: number | null;
  regionCode: string;
  team: string[];
  contact: { name: string; phone: string; email: string };
  completedOn: string;
}

export interface Need {
  externalId: string;
  ownerKey: string;
  title: string;
  description: string;
  targetIndicators: string[];
  field: FieldCode;
  budgetMinFen: number;
  budgetMaxFen: number;
  deadline: string;
  preferredModes: TransferMode[];
  minTrl: number;
  regionCode: string;
}

export interface Expert {
  name: string;
  title: string;
  organisationKey: string;
  fields: FieldCode[];
  expertise: string[];
}

export interface DemoData {
  subCentres: SubCentre[];
  organisations: Organisation[];
  achievements: Achievement[];
  needs: Need[];
  experts: Expert[];
}

export const TRANSFER_MODE_NAMES: Readonly<Record<TransferMode, string>> = {
  transfer: '转让',
  license_exclusive: '独占许可',
  license_sole: '排他许可',
  license_nonexclusive: '普通许可',
  equity: '作价投资',
  co_development: '合作开发',
  use_first: '先用后转',
  research_first: '先研后付',
};
