/**
 * Who is calling: a person (signed in through the exchange's OpenID provider) or a partner
 * client (client credentials), as established from a verified access token. Defined in the
 * platform so every module can authorise without depending on how identity issues tokens.
 */
export type MembershipRole = 'org_admin' | 'org_member';
export type PlatformRole = 'operator' | 'registrar' | 'tech_manager';

export interface Principal {
  kind: 'user' | 'client';
  /** The user id, or the client id for a machine client. */
  id: string;
  /** For a user token: the client the user signed in through. */
  clientId?: string;
  /** The organisation the caller acts for (a user's membership, or the client's organisation). */
  organisationId?: string;
  orgRole?: MembershipRole;
  /** 一次认证: the organisation's verification, as carried in the token. */
  orgVerified: boolean;
  orgVerificationLevel?: string;
  roles: readonly PlatformRole[];
  /** Sub-centres the caller is a registrar of. */
  registrarSubCentres: readonly string[];
  scopes: ReadonlySet<string>;
  realNameLevel?: string;
}

/** The scopes an access token can carry (OAuth 2.0), besides the OpenID Connect ones. */
export const API_SCOPES = {
  'catalog:read': '读取成果、需求、专家、机构（含草稿） / read listings including own drafts',
  'catalog:write': '发布和维护成果、需求 / publish and maintain listings',
  'matching:read': '检索与撮合 / search and matching',
  'interests:write': '表达与处理合作意向 / express and answer interests',
  'services:write': '服务产品、服务需求、报价与服务订单 / offer, request, quote and order services',
  'contracts:read': '查看技术合同登记 / read contract registrations',
  'contracts:write': '申请技术合同登记 / apply for contract registration',
  'vouchers:write': '提交数据交易以签发凭证 / submit data transactions for vouchers',
  'changes:read': '同步变更流 / read the change feed',
  'webhooks:manage': '管理 Webhook 订阅 / manage webhook subscriptions',
  'identity:manage': '管理本机构成员与认证 / manage own organisation, members and verification',
  'account:manage':
    '管理本人账号、实名与登录会话 / manage own account, real-name verification and sign-in sessions',
  'notifications:read': '读取站内通知 / read own notifications',
  admin: '平台运营管理 / platform administration (operators only)',
} as const;
export type ApiScope = keyof typeof API_SCOPES;

export const isOperator = (p: Principal | undefined) => !!p?.roles.includes('operator');
export const isRegistrarOf = (p: Principal | undefined, subCentreId: string | null | undefined) =>
  !!p && !!subCentreId && p.roles.includes('registrar') && p.registrarSubCentres.includes(subCentreId);
export const actsFor = (p: Principal | undefined, organisationId: string | null | undefined) =>
  !!p && !!organisationId && p.organisationId === organisationId;
export const isOrgAdminOf = (p: Principal | undefined, organisationId: string | null | undefined) =>
  actsFor(p, organisationId) && (p?.kind === 'client' || p?.orgRole === 'org_admin');
export const hasScope = (p: Principal | undefined, scope: string) => !!p?.scopes.has(scope);
