import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import { pickLang } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import { registerPartnerClient } from './admin-clients.js';
import { addMember, changeMemberRole, listMembers, removeMember } from './members.js';
import './messages.js';
import {
  getOrganisation,
  listOrganisations,
  registerOrganisation,
  updateOrganisation,
} from './organisations.js';
import { getMe, signUp, updateMe } from './people.js';
import { applyForRealName, approveRealName, listRealNameApplications, rejectRealName } from './realname.js';
import { createSubCentre, grantUserRole, listSubCentres, listUserRoles, revokeUserRole } from './roles.js';
import { type Caller, identityDeps } from './service.js';
import {
  applyForVerification,
  approveVerification,
  getOrganisationVerification,
  listVerificationApplications,
  rejectVerification,
} from './verification.js';

const callerOf = (req: FastifyRequest): Caller => ({
  principal: req.principal,
  requestId: req.id,
  lang: pickLang(req.headers['accept-language']),
});

/** The identity REST API (the OpenID provider has its own routes under oidc/). */
export async function identityRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const deps = identityDeps(ctx);

  bindOperations(app, {
    listSubCentres: (req) => listSubCentres(deps, req.query),
    createSubCentre: async (req, reply) =>
      reply.code(201).send(await createSubCentre(deps, callerOf(req), req.body)),

    listOrganisations: (req) => listOrganisations(deps, callerOf(req), req.query),
    registerOrganisation: async (req, reply) =>
      reply.code(201).send(await registerOrganisation(deps, callerOf(req), req.body)),
    getOrganisation: (req) => getOrganisation(deps, callerOf(req), req.params.organisationId),
    updateOrganisation: (req) => updateOrganisation(deps, callerOf(req), req.params.organisationId, req.body),

    getOrganisationVerification: (req) =>
      getOrganisationVerification(deps, callerOf(req), req.params.organisationId),
    applyForVerification: async (req, reply) =>
      reply
        .code(201)
        .send(await applyForVerification(deps, callerOf(req), req.params.organisationId, req.body)),
    listVerificationApplications: (req) => listVerificationApplications(deps, callerOf(req), req.query),
    approveVerification: (req) =>
      approveVerification(deps, callerOf(req), req.params.applicationId, req.body),
    rejectVerification: (req) => rejectVerification(deps, callerOf(req), req.params.applicationId, req.body),

    listMembers: (req) => listMembers(deps, callerOf(req), req.params.organisationId, req.query),
    addMember: async (req, reply) =>
      reply.code(201).send(await addMember(deps, callerOf(req), req.params.organisationId, req.body)),
    changeMemberRole: (req) =>
      changeMemberRole(deps, callerOf(req), req.params.organisationId, req.params.userId, req.body),
    removeMember: async (req, reply) => {
      await removeMember(deps, callerOf(req), req.params.organisationId, req.params.userId);
      return reply.code(204).send();
    },

    signUp: async (req, reply) => reply.code(201).send(await signUp(deps, callerOf(req), req.body)),
    getMe: (req) => getMe(deps, callerOf(req)),
    updateMe: (req) => updateMe(deps, callerOf(req), req.body),
    applyForRealName: async (req, reply) =>
      reply.code(201).send(await applyForRealName(deps, callerOf(req), req.body)),
    listRealNameApplications: (req) => listRealNameApplications(deps, callerOf(req), req.query),
    approveRealName: (req) => approveRealName(deps, callerOf(req), req.params.applicationId, req.body),
    rejectRealName: (req) => rejectRealName(deps, callerOf(req), req.params.applicationId, req.body),

    listUserRoles: (req) => listUserRoles(deps, callerOf(req), req.params.userId),
    grantUserRole: async (req, reply) =>
      reply.code(201).send(await grantUserRole(deps, callerOf(req), req.params.userId, req.body)),
    revokeUserRole: async (req, reply) => {
      await revokeUserRole(deps, callerOf(req), req.params.userId, req.params.roleId);
      return reply.code(204).send();
    },

    registerPartnerClient: async (req, reply) =>
      reply.code(201).send(await registerPartnerClient(deps, callerOf(req), req.body)),
  });
}
