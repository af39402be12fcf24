/**
 * The kinds of service on offer: stable English codes, with the zh-CN label users see. A kind
 * may need a qualification (资质) before its offerings can be published.
 */
export const SERVICE_KINDS = {
  asset_valuation: '资产评估',
  achievement_evaluation: '成果评价',
  ip_search: '知识产权检索',
  ip_drafting: '专利撰写',
  ip_filing: '知识产权申请',
  ip_operation: '知识产权运营',
  incubation: '创业孵化',
  financing: '投融资',
  proof_of_concept: '概念验证',
  pilot_scale: '中试',
  testing: '检验检测',
  legal: '法律',
  brokerage: '技术经纪',
} as const;
export type ServiceKind = keyof typeof SERVICE_KINDS;
export const KIND_CODES = Object.keys(SERVICE_KINDS) as ServiceKind[];

/**
 * Kinds that need a licence number and its validity: 资产评估 (资产评估机构备案), 检验检测
 * (CMA 资质认定) and 法律 (律师事务所执业许可证).
 */
export const LICENSED_KINDS: ReadonlySet<string> = new Set(['asset_valuation', 'testing', 'legal']);

export interface Qualification {
  licenceNo: string;
  /** China date (YYYY-MM-DD), the last day the licence is valid. */
  validUntil: string;
}

/** Today in China (UTC+8), as YYYY-MM-DD. */
export function chinaToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Why the qualification does not allow the kind today, or undefined when it does. */
export function qualificationProblem(
  kind: string,
  q: Qualification | null | undefined,
  now: Date = new Date(),
): 'missing' | 'expired' | undefined {
  if (!LICENSED_KINDS.has(kind)) return undefined;
  if (!q?.licenceNo?.trim() || !q.validUntil) return 'missing';
  return q.validUntil < chinaToday(now) ? 'expired' : undefined;
}
