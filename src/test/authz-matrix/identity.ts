/** Identity rows: sub-centres, organisations (O1 verified, a hidden unverified one), members, people, roles. */

import { randomInt } from 'node:crypto';
import { findSubCentreByCode } from '../../modules/identity/repository.js';
import { randomResidentId } from '../ids.js';

import {
  hiddenOrganisation,
  person,
  realNameApplication,
  roleGrant,
  verificationApplication,
} from './objects.js';
import { anyone, cells, type MatrixRow, signedIn } from './types.js';
import type { World } from './world.js';

/** A region code no sub-centre has yet (outside Jiangsu's 32, which the test actors draw from). */
async function freeSubCentreCode(w: World) {
  for (;;) {
    const code = `34${String(randomInt(0, 10_000)).padStart(4, '0')}`;
    if (!(await findSubCentreByCode(w.ctx.database.db, code))) return { code };
  }
}
const noPerson = (status: number) => ({ client: status, clientNoScope: status });
const o1 = (_o: unknown, w: World) => ({ organisationId: w.o1.id });
/** Deciders of applications: the registrars (their own sub-centre for organisations) and operators. */
const staffOnly = (status: number) =>
  signedIn(403, { registrar: status, otherRegistrar: status, operator: status });
/** Changing O1 itself: only its admin (a person); O1 is verified, so others see it and get 403. */
const adminOfO1 = (status: number, named = {}) => signedIn(403, { orgAdmin: status, ...named });
/** Reading O1's inside: its members and client, S1's registrar, operators. */
const insiders = (status: number) =>
  signedIn(403, { member: status, orgAdmin: status, client: status, registrar: status, operator: status });

export const identityRows: MatrixRow[] = [
  { op: 'listSubCentres', query: () => 'limit=5', expect: anyone(200) },
  {
    op: 'createSubCentre',
    object: freeSubCentreCode,
    fresh: true,
    body: (o) => ({ code: o.code, name: '矩阵新分中心' }),
    expect: signedIn(403, { operator: 201 }),
    note: 'the client holds the admin scope but is no operator',
  },
  { op: 'listOrganisations', query: () => 'limit=5', expect: anyone(200) },
  {
    op: 'registerOrganisation',
    body: (_o, w) => ({ type: 'enterprise', name: w.secret('矩阵新机构'), regionCode: '320505' }),
    expect: signedIn(201, { client: 403 }),
    note: 'a person registers an organisation and becomes its admin; a machine client cannot',
  },
  { op: 'getOrganisation', variant: 'verified O1', params: o1, expect: anyone(200) },
  {
    op: 'getOrganisation',
    variant: 'unverified, in S1',
    object: (w) => w.once('hiddenOrganisation', () => hiddenOrganisation(w)),
    params: (o) => ({ organisationId: o.id! }),
    expect: cells(404, { registrar: 200, operator: 200 }),
  },
  {
    op: 'updateOrganisation',
    params: o1,
    body: (_o, w) => ({ name: w.o1.name }),
    expect: adminOfO1(200),
  },
  { op: 'getOrganisationVerification', params: o1, expect: insiders(200) },
  {
    op: 'applyForVerification',
    params: o1,
    body: (_o, w) => ({
      creditCode: w.o1.creditCode,
      legalRepresentative: '矩阵法人',
      licenceSha256: 'ab'.repeat(32),
    }),
    expect: adminOfO1(409),
    note: 'O1 is verified already: its admin gets 409, everyone else is refused first',
  },
  {
    op: 'getOrganisationVerification',
    variant: 'unverified, applying in S1',
    object: (w) => w.once('verificationApplication', () => verificationApplication(w)),
    params: (o) => ({ organisationId: o.organisationId! }),
    // Not verified yet, so invisible to outsiders (404), O1's people included.
    expect: cells(404, { anonymous: 401, clientNoScope: 403, registrar: 200, operator: 200 }),
  },
  {
    op: 'listMembers',
    variant: 'unverified, in S1',
    object: (w) => w.once('hiddenOrganisation', () => hiddenOrganisation(w)),
    params: (o) => ({ organisationId: o.id! }),
    expect: cells(404, { anonymous: 401, clientNoScope: 403, registrar: 200, operator: 200 }),
  },
  { op: 'listMembers', params: o1, query: () => 'limit=5', expect: insiders(200) },
  {
    op: 'addMember',
    object: (w) => person(w),
    fresh: true,
    params: o1,
    body: (o) => ({ email: o.email, role: 'org_member' }),
    expect: adminOfO1(201, { operator: 201 }),
  },
  {
    op: 'changeMemberRole',
    object: (w) => person(w, { member: true }),
    fresh: true,
    params: (o, w) => ({ organisationId: w.o1.id, userId: o.userId! }),
    body: () => ({ role: 'org_admin' }),
    expect: adminOfO1(200, { operator: 200 }),
  },
  {
    op: 'changeMemberRole',
    variant: 'not a member of O1',
    params: (_o, w) => ({ organisationId: w.o1.id, userId: w.users.stranger.userId }),
    body: () => ({ role: 'org_admin' }),
    // The organisation is visible (403 for outsiders); its managers learn only "no such member".
    expect: adminOfO1(404, { operator: 404 }),
  },
  {
    op: 'removeMember',
    object: (w) => person(w, { member: true }),
    fresh: true,
    params: (o, w) => ({ organisationId: w.o1.id, userId: o.userId! }),
    expect: adminOfO1(204, { operator: 204 }),
  },
  { op: 'listVerificationApplications', query: () => 'limit=5', expect: staffOnly(200) },
  {
    op: 'approveVerification',
    object: verificationApplication,
    fresh: true,
    params: (o) => ({ applicationId: o.id! }),
    body: () => ({ level: 'L2' }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 200,
      otherRegistrar: 403,
      operator: 403,
    }),
    note: 'only the registrar of the sub-centre it was filed with decides',
  },
  {
    op: 'rejectVerification',
    object: verificationApplication,
    fresh: true,
    params: (o) => ({ applicationId: o.id! }),
    body: () => ({ reason: '材料不全' }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 200,
      otherRegistrar: 403,
      operator: 403,
    }),
  },
  {
    op: 'signUp',
    body: (_o, w) => ({
      email: `${w.secret('signup').toLowerCase()}@example.com`,
      password: 'Matrix-pass-2026!',
      displayName: '矩阵新人',
    }),
    expect: anyone(201),
  },
  // A machine client is no person: /me does not exist for it (404). Reading /me needs no scope
  // (it says what the ID token says); changing the account needs account:manage.
  { op: 'getMe', expect: signedIn(200, noPerson(404), false) },
  {
    op: 'updateMe',
    body: () => ({ displayName: '矩阵改名' }),
    expect: signedIn(200, { client: 404 }),
  },
  {
    op: 'applyForRealName',
    body: () => ({ legalName: '矩阵实名', residentId: randomResidentId() }),
    expect: signedIn(201, { client: 404 }),
  },
  { op: 'listRealNameApplications', query: () => 'limit=5', expect: staffOnly(200) },
  {
    op: 'approveRealName',
    object: realNameApplication,
    fresh: true,
    params: (o) => ({ applicationId: o.id! }),
    body: () => ({ level: 'L2' }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 200,
      otherRegistrar: 200,
      operator: 200,
    }),
    note: 'people belong to no sub-centre: any registrar decides',
  },
  {
    op: 'rejectRealName',
    object: realNameApplication,
    fresh: true,
    params: (o) => ({ applicationId: o.id! }),
    body: () => ({ reason: '证件不清晰' }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 200,
      otherRegistrar: 200,
      operator: 200,
    }),
  },
  {
    op: 'listUserRoles',
    variant: "the member's",
    params: (_o, w) => ({ userId: w.users.member.userId }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      member: 200,
      registrar: 200,
      otherRegistrar: 200,
      operator: 200,
    }),
  },
  {
    op: 'grantUserRole',
    variant: 'technology manager',
    object: (w) => person(w),
    fresh: true,
    params: (o) => ({ userId: o.userId! }),
    body: () => ({ role: 'tech_manager', certificateNo: `TM${randomInt(1e6)}` }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 201,
      otherRegistrar: 201,
      operator: 201,
    }),
    note: 'registrars grant the technology manager role only',
  },
  {
    op: 'grantUserRole',
    variant: 'registrar role',
    object: (w) => person(w),
    fresh: true,
    params: (o) => ({ userId: o.userId! }),
    body: (_o, w) => ({ role: 'registrar', subCentreCode: w.s2.code }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 403,
      otherRegistrar: 403,
      operator: 201,
    }),
  },
  {
    op: 'revokeUserRole',
    variant: 'registrar role',
    object: (w) => roleGrant(w, 'registrar'),
    fresh: true,
    params: (o) => ({ userId: o.userId!, roleId: o.roleId! }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 403,
      otherRegistrar: 403,
      operator: 204,
    }),
  },
  {
    op: 'revokeUserRole',
    variant: 'technology manager',
    object: (w) => roleGrant(w),
    fresh: true,
    params: (o) => ({ userId: o.userId!, roleId: o.roleId! }),
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      registrar: 204,
      otherRegistrar: 204,
      operator: 204,
    }),
  },
  {
    op: 'registerPartnerClient',
    body: (_o, w) => ({
      name: '矩阵伙伴',
      grantTypes: ['client_credentials'],
      scopes: ['catalog:read'],
      organisationId: w.o1.id,
    }),
    expect: signedIn(403, { operator: 201 }),
  },
  // Sessions are people's: a machine client is told so (403 sessions-people-only).
  { op: 'listMySessions', expect: signedIn(200, { client: 403 }) },
  {
    op: 'revokeMySession',
    params: () => ({ sessionId: 'matrix-not-a-session-of-yours' }),
    expect: signedIn(404, { client: 403 }),
    note: "a session id that is not the caller's is 404 to every person alike",
  },
];
