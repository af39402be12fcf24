/**
 * Test and benchmark fixtures: valid identifiers, a registration point with its applicant,
 * registrar and operator, and a valid application of every subtype. Real rows through the
 * identity module's repository (no fakes).
 */

import { randomInt, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import type { Principal } from '../../platform/principal.js';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import { sha256hex } from '../../test/hashes.js';
import { randomCreditCode, randomPatentNumber } from '../../test/ids.js';

/** Kept for the tests written against the contracts fixtures before the shared test kit. */
export const makeCreditCode = randomCreditCode;
export const sha256 = sha256hex;

import type { SubCentre } from '../identity/repository.js';
import { grantRole } from '../identity/repository.js';
import type { ContractInput } from './validation.js';

export interface Point {
  subCentre: SubCentre;
  sellerCode: string;
  /** Member of the verified seller organisation. */
  applicant: TestActor;
  registrar: TestActor;
}

export async function createPoint(ctx: TestContext): Promise<Point> {
  const subCentre = await createSubCentre(ctx, '技术合同登记点');
  const sellerCode = randomCreditCode(subCentre.code);
  const seller = await createOrganisation(ctx, {
    type: 'university',
    subCentre,
    verified: true,
    creditCode: sellerCode,
  });
  const applicant = await createActor(ctx, { organisation: seller });
  const registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: subCentre.id }] });
  return { subCentre, sellerCode, applicant, registrar };
}

export async function createTransferInstitution(ctx: TestContext, subCentre?: SubCentre) {
  return createOrganisation(ctx, {
    type: 'transfer_institution',
    subCentre,
    verified: true,
    creditCode: randomCreditCode('320100'),
  });
}

export async function createTechManager(ctx: TestContext): Promise<string> {
  const a = await createActor(ctx, { name: '技术经理人' });
  await grantRole(ctx.database.db, a.userId, 'tech_manager', { certificateNo: `TM${randomInt(1e6)}` });
  return a.userId;
}

/** A valid lump-sum development contract of the point's seller; override what a test needs. */
export function application(
  point: Pick<Point, 'sellerCode' | 'subCentre'>,
  over: Partial<ContractInput> = {},
): ContractInput {
  return {
    type: 'development',
    subtype: 'commissioned',
    projectName: '高效钙钛矿太阳能电池制备工艺开发',
    signingDate: '2026-03-02',
    validFrom: '2026-03-02',
    validTo: '2027-03-01',
    technologyField: '06',
    seller: {
      name: '测试大学',
      creditCode: point.sellerCode,
      countryCode: 'CN',
      regionCode: point.subCentre.code,
      partyNature: '022',
    },
    buyer: {
      name: '测试新能源有限公司',
      creditCode: randomCreditCode('320500'),
      countryCode: 'CN',
      regionCode: '320500',
      partyNature: '150',
    },
    contractValueFen: 1_000_000_00,
    nonTechnicalCostsFen: 0,
    payment: { method: 'lump_sum' },
    // A document of its own: the same document twice is a duplicate application (409).
    documentSha256: sha256hex(`contract document ${randomUUID()}`),
    ...over,
  };
}

/** The detail fields each subtype requires, filled with valid values. */
export function requiredDetails(ctxIds: {
  transferInstitutionId: string;
}): Record<string, Partial<ContractInput>> {
  return {
    patentNumbers: { patentNumbers: [randomPatentNumber()] },
    ipRegistrationNumbers: { ipRegistrationNumbers: ['2023SR0123456'] },
    licenceType: { licenceType: 'non_exclusive' },
    licenceTermMonths: { licenceTermMonths: 60 },
    investeeName: { investeeName: '苏州新材科技有限公司' },
    transferInstitutionId: { transferInstitutionId: ctxIds.transferInstitutionId },
  };
}

/** The principal behind a test actor's token, for calling service functions directly. */
export async function principalOf(ctx: TestContext, actor: TestActor): Promise<Principal> {
  return ctx.authenticator.principalFromClaims(decodeJwt(actor.token) as Record<string, unknown>);
}

export type Method = 'GET' | 'POST' | 'PUT';

/** `app.inject` as one caller: the request helper the contracts API tests share. */
export function injectAs(
  app: FastifyInstance,
  who: { headers: Record<string, string> },
  method: Method,
  url: string,
  payload?: unknown,
) {
  return app.inject({
    method,
    url,
    headers: who.headers,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}
