import { definePolicies, type PolicyResult } from '../../platform/authz.js';
import {
  actsFor,
  isOperator,
  isOrgAdminOf,
  isRegistrarOf,
  type PlatformRole,
  type Principal,
} from '../../platform/principal.js';

/**
 * Object-level rules of the identity module. An organisation that is not verified is invisible
 * to outsiders (404), so its existence does not leak; a verified one has a public profile, so
 * refusing a change to it is a plain 403.
 */
export interface OrgObject {
  id: string;
  subCentreId: string | null;
  verificationStatus: string;
}

/** Members, the registrars of its sub-centre and operators see everything. */
const insider = (p: Principal | undefined, o: OrgObject) =>
  isOperator(p) || actsFor(p, o.id) || isRegistrarOf(p, o.subCentreId);
const visible = (p: Principal | undefined, o: OrgObject) =>
  insider(p, o) || o.verificationStatus === 'verified';
const refuse = (p: Principal | undefined, o: OrgObject): PolicyResult => (visible(p, o) ? 'deny' : 'hide');
/** Org admins acting as themselves (a machine client of the organisation manages no people). */
const orgAdmin = (p: Principal | undefined, o: OrgObject) => p?.kind === 'user' && isOrgAdminOf(p, o.id);
const isRegistrar = (p: Principal | undefined) => !!p?.roles.includes('registrar');

export const identityPolicies = definePolicies({
  'organisation.register': (p: Principal | undefined, _: null) => p?.kind === 'user',
  'organisation.read': (p: Principal | undefined, o: OrgObject) => (visible(p, o) ? 'allow' : 'hide'),
  'organisation.read_full': (p: Principal | undefined, o: OrgObject) => insider(p, o),
  'organisation.update': (p: Principal | undefined, o: OrgObject) =>
    orgAdmin(p, o) ? 'allow' : refuse(p, o),
  'organisation.verification.apply': (p: Principal | undefined, o: OrgObject) =>
    orgAdmin(p, o) ? 'allow' : refuse(p, o),
  'organisation.verification.read': (p: Principal | undefined, o: OrgObject) =>
    insider(p, o) ? 'allow' : refuse(p, o),
  'organisation.members.read': (p: Principal | undefined, o: OrgObject) =>
    insider(p, o) ? 'allow' : refuse(p, o),
  'organisation.members.manage': (p: Principal | undefined, o: OrgObject) =>
    orgAdmin(p, o) || isOperator(p) ? 'allow' : refuse(p, o),
  /** Only a registrar of the sub-centre the application was filed with decides it. */
  'verification.decide': (p: Principal | undefined, a: { subCentreId: string }) =>
    isRegistrarOf(p, a.subCentreId) ? 'allow' : isRegistrar(p) || isOperator(p) ? 'deny' : 'hide',
  'verification.list': (p: Principal | undefined, _: null) => isRegistrar(p) || isOperator(p),
  'realname.decide': (p: Principal | undefined, _: { userId: string }) =>
    isRegistrar(p) || isOperator(p) ? 'allow' : 'hide',
  'realname.list': (p: Principal | undefined, _: null) => isRegistrar(p) || isOperator(p),
  'user.roles.read': (p: Principal | undefined, u: { id: string }) =>
    isOperator(p) || isRegistrar(p) || (p?.kind === 'user' && p.id === u.id) ? 'allow' : 'hide',
  /** Operators grant any role; registrars only the technology manager role (技术经理人). */
  'user.roles.grant': (p: Principal | undefined, g: { role: PlatformRole }) =>
    isOperator(p) || (isRegistrar(p) && g.role === 'tech_manager')
      ? 'allow'
      : isRegistrar(p)
        ? 'deny'
        : 'hide',
  'subcentre.create': (p: Principal | undefined, _: null) => isOperator(p),
  'client.register': (p: Principal | undefined, _: null) => isOperator(p),
});
