import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import { pickLang } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import type { MembershipRole } from '../../platform/principal.js';
import { registerPartnerClient } from './admin-clients.js';
import { addMember, changeMemberRole, listMembers, removeMember } from './members.js';
import './messages.js';
import {
  getOrganisation,
  listOrganisations,
  type OrganisationFilter,
  type OrganisationInput,
  type OrganisationPatch,
  registerOrganisation,
  updateOrganisation,
} from './organisations.js';
import { getMe, signUp, updateMe } from './people.js';
import { applyForRealName, approveRealName, listRealNameApplications, rejectRealName } from './realname.js';
import {
  createSubCentre,
  grantUserRole,
  listSubCentres,
  listUserRoles,
  type RoleGrant,
  revokeUserRole,
} from './roles.js';
import type { VerificationApplicationStatus } from './schema.js';
import { type Caller, identityDeps } from './service.js';
import {
  applyForVerification,
  approveVerification,
  getOrganisationVerification,
  listVerificationApplications,
  rejectVerification,
  type VerificationInput,
} from './verification.js';

/** The identity REST API (the OpenID provider has its own routes under oidc/). */
type Req<T extends { Params?: unknown; Querystring?: unknown; Body?: unknown } = object> = FastifyRequest<T>;
type Page = { cursor?: string; limit?: number };
type OrgParams = { organisationId: string };
type AppParams = { applicationId: string };

const callerOf = (req: FastifyRequest): Caller => ({
  principal: req.principal,
  requestId: req.id,
  lang: pickLang(req.headers['accept-language']),
});

const created = (reply: FastifyReply, body: unknown) => reply.code(201).send(body);

export async function identityRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps = identityDeps(ctx);

  bindOperations(app, {
    listSubCentres: (req: Req<{ Querystring: Page }>) => listSubCentres(deps, req.query),
    createSubCentre: async (
      req: Req<{ Body: { code: string; name: string; regionCodes?: string[] } }>,
      reply,
    ) => created(reply, await createSubCentre(deps, callerOf(req), req.body)),

    listOrganisations: (req: Req<{ Querystring: OrganisationFilter }>) =>
      listOrganisations(deps, callerOf(req), req.query),
    registerOrganisation: async (req: Req<{ Body: OrganisationInput }>, reply) =>
      created(reply, await registerOrganisation(deps, callerOf(req), req.body)),
    getOrganisation: (req: Req<{ Params: OrgParams }>) =>
      getOrganisation(deps, callerOf(req), req.params.organisationId),
    updateOrganisation: (req: Req<{ Params: OrgParams; Body: OrganisationPatch }>) =>
      updateOrganisation(deps, callerOf(req), req.params.organisationId, req.body),

    getOrganisationVerification: (req: Req<{ Params: OrgParams }>) =>
      getOrganisationVerification(deps, callerOf(req), req.params.organisationId),
    applyForVerification: async (req: Req<{ Params: OrgParams; Body: VerificationInput }>, reply) =>
      created(reply, await applyForVerification(deps, callerOf(req), req.params.organisationId, req.body)),
    listVerificationApplications: (
      req: Req<{ Querystring: Page & { status?: VerificationApplicationStatus } }>,
    ) => listVerificationApplications(deps, callerOf(req), req.query),
    approveVerification: (
      req: Req<{ Params: AppParams; Body: { level: string; creditCodeOverrideReason?: string } }>,
    ) => approveVerification(deps, callerOf(req), req.params.applicationId, req.body),
    rejectVerification: (req: Req<{ Params: AppParams; Body: { reason: string } }>) =>
      rejectVerification(deps, callerOf(req), req.params.applicationId, req.body),

    listMembers: (req: Req<{ Params: OrgParams; Querystring: Page }>) =>
      listMembers(deps, callerOf(req), req.params.organisationId, req.query),
    addMember: async (
      req: Req<{ Params: OrgParams; Body: { email: string; role?: MembershipRole } }>,
      reply,
    ) => created(reply, await addMember(deps, callerOf(req), req.params.organisationId, req.body)),
    changeMemberRole: (
      req: Req<{ Params: OrgParams & { userId: string }; Body: { role: MembershipRole } }>,
    ) => changeMemberRole(deps, callerOf(req), req.params.organisationId, req.params.userId, req.body),
    removeMember: async (req: Req<{ Params: OrgParams & { userId: string } }>, reply) => {
      await removeMember(deps, callerOf(req), req.params.organisationId, req.params.userId);
      return reply.code(204).send();
    },

    signUp: async (
      req: Req<{ Body: { email: string; password: string; displayName: string; mobile?: string } }>,
      reply,
    ) => created(reply, await signUp(deps, callerOf(req), req.body)),
    getMe: (req) => getMe(deps, callerOf(req)),
    updateMe: (req: Req<{ Body: { displayName?: string; mobile?: string | null } }>) =>
      updateMe(deps, callerOf(req), req.body),
    applyForRealName: async (req: Req<{ Body: { legalName: string; residentId: string } }>, reply) =>
      created(reply, await applyForRealName(deps, callerOf(req), req.body)),
    listRealNameApplications: (
      req: Req<{ Querystring: Page & { status?: VerificationApplicationStatus } }>,
    ) => listRealNameApplications(deps, callerOf(req), req.query),
    approveRealName: (req: Req<{ Params: AppParams; Body: { level: string } }>) =>
      approveRealName(deps, callerOf(req), req.params.applicationId, req.body),
    rejectRealName: (req: Req<{ Params: AppParams; Body: { reason: string } }>) =>
      rejectRealName(deps, callerOf(req), req.params.applicationId, req.body),

    listUserRoles: (req: Req<{ Params: { userId: string } }>) =>
      listUserRoles(deps, callerOf(req), req.params.userId),
    grantUserRole: async (req: Req<{ Params: { userId: string }; Body: RoleGrant }>, reply) =>
      created(reply, await grantUserRole(deps, callerOf(req), req.params.userId, req.body)),
    revokeUserRole: async (req: Req<{ Params: { userId: string; roleId: string } }>, reply) => {
      await revokeUserRole(deps, callerOf(req), req.params.userId, req.params.roleId);
      return reply.code(204).send();
    },

    registerPartnerClient: async (req: Req<{ Body: Parameters<typeof registerPartnerClient>[2] }>, reply) =>
      created(reply, await registerPartnerClient(deps, callerOf(req), req.body)),
  });
}
