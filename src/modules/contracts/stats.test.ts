import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import {
  application,
  createPoint,
  createTransferInstitution,
  type Point,
  principalOf,
} from '../../test/fixtures/contracts.js';
import { randomPatentNumber } from '../../test/ids.js';
import { cancelRegistration } from './amendments.js';
import { type RegisterBody, registerContract, takeForReview } from './review.js';
import { contractRoutes } from './routes.js';
import { type ContractDeps, createContract, submitContract } from './service.js';
import type { ContractInput } from './validation.js';

// A fixed set of contracts in this file's own registration points, registered in 2031 (and one
// in 2030), with every figure below computed by hand from them.
const fixture = useTestApp([contractRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
let A: Point;
let B: Point;
let T1: string;
let T2: string;
let operator: { headers: Record<string, string> };
const ids: Record<string, string> = {};

const at = (iso: string): ContractDeps => ({
  db: ctx.database.db,
  cursors: ctx.cursors,
  outbox: ctx.outbox,
  now: () => new Date(iso),
});

async function register(point: Point, when: string, input: ContractInput, body: RegisterBody = {}) {
  const applicant = { principal: await principalOf(ctx, point.applicant) };
  const registrar = { principal: await principalOf(ctx, point.registrar) };
  const c = await createContract(at(when), applicant, input);
  await submitContract(at(when), applicant, c.id);
  await takeForReview(at(when), registrar, c.id);
  await registerContract(at(when), registrar, c.id, body);
  return c.id;
}

beforeAll(async () => {
  ({ ctx, app } = fixture);
  A = await createPoint(ctx);
  B = await createPoint(ctx);
  T1 = (await createTransferInstitution(ctx)).id;
  T2 = (await createTransferInstitution(ctx)).id;
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
  const a = (over: Partial<ContractInput>) => application(A, over);
  ids.c1 = await register(
    A,
    '2031-03-10T02:00:00Z',
    a({ contractValueFen: 100_000_000, transferInstitutionId: T1 }),
  );
  ids.c2 = await register(
    A,
    '2031-03-20T02:00:00Z',
    a({
      type: 'transfer',
      subtype: 'patent_right',
      patentNumbers: [randomPatentNumber()],
      technologyField: '01',
      contractValueFen: 200_000_000,
      nonTechnicalCostsFen: 20_000_000,
      transferInstitutionId: T1,
    }),
    { determinedAmountFen: 150_000_000, determinationReason: '扣除样机费用' },
  );
  ids.c3 = await register(
    A,
    '2031-04-05T02:00:00Z',
    a({
      type: 'licensing',
      subtype: 'patent_licence',
      patentNumbers: [randomPatentNumber()],
      licenceType: 'non_exclusive',
      licenceTermMonths: 60,
      technologyField: '01',
      contractValueFen: 400_000_000,
      transferInstitutionId: T2,
    }),
  );
  ids.c4 = await register(
    A,
    '2031-04-06T02:00:00Z',
    a({
      type: 'consulting',
      subtype: 'consulting',
      technologyField: '09',
      contractValueFen: 5_000_000,
      relatedToTransferOrDevelopment: true,
    }),
  );
  ids.c5 = await register(
    A,
    '2031-04-07T02:00:00Z',
    a({ type: 'service', subtype: 'technical_service', technologyField: '09', contractValueFen: 8_000_000 }),
  );
  // Not counted: cancelled, and registered in 2030 (23:00 on 31 December, China time).
  ids.c7 = await register(
    A,
    '2031-04-08T02:00:00Z',
    a({
      type: 'transfer',
      subtype: 'technical_secret',
      contractValueFen: 100_000_000,
      transferInstitutionId: T1,
    }),
  );
  await cancelRegistration(
    at('2031-04-09T02:00:00Z'),
    { principal: await principalOf(ctx, A.registrar) },
    ids.c7,
    '合同解除',
  );
  ids.c8 = await register(
    A,
    '2030-12-31T15:00:00Z',
    a({ contractValueFen: 10_000_000, transferInstitutionId: T1 }),
  );
  ids.c9 = await register(
    B,
    '2031-05-01T02:00:00Z',
    application(B, {
      type: 'transfer',
      subtype: 'software_copyright',
      ipRegistrationNumbers: ['2030SR0000001'],
      technologyField: '01',
      contractValueFen: 3_000_000_000,
      transferInstitutionId: T2,
      seller: { ...application(B).seller, partyNature: '021' },
      buyer: { name: 'Acme Inc.', countryCode: 'US' },
    }),
  );
}, 120_000);
const get = (who: { headers: Record<string, string> }, url: string) =>
  app.inject({ method: 'GET', url, headers: who.headers });
const row = (key: string, count: number, contractValueFen: number, transactionAmountFen: number) => ({
  key,
  count,
  contractValueFen,
  transactionAmountFen,
});

describe('statistics', () => {
  it('match the hand-computed figures of point A in 2031', async () => {
    const res = await get(operator, `/v1/contracts/statistics?year=2031&subCentreId=${A.subCentre.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s.total).toEqual(row('total', 5, 713_000_000, 663_000_000));
    expect(s.byDimension.type).toEqual([
      row('consulting', 1, 5_000_000, 5_000_000),
      row('development', 1, 100_000_000, 100_000_000),
      row('licensing', 1, 400_000_000, 400_000_000),
      row('service', 1, 8_000_000, 8_000_000),
      row('transfer', 1, 200_000_000, 150_000_000),
    ]);
    expect(s.byDimension.field).toEqual([
      row('01', 2, 600_000_000, 550_000_000),
      row('06', 1, 100_000_000, 100_000_000),
      row('09', 2, 13_000_000, 13_000_000),
    ]);
    expect(s.byDimension.month).toEqual([
      row('2031-03', 2, 300_000_000, 250_000_000),
      row('2031-04', 3, 413_000_000, 413_000_000),
    ]);
    expect(s.byDimension.region).toEqual([row(A.subCentre.code, 5, 713_000_000, 663_000_000)]);
    expect(s.byDimension.sellerPartyNature).toEqual([row('022', 5, 713_000_000, 663_000_000)]);
    expect(s.byDimension.buyerPartyNature).toEqual([row('150', 5, 713_000_000, 663_000_000)]);
    expect(s.byDimension.subCentre).toEqual([row(A.subCentre.id, 5, 713_000_000, 663_000_000)]);
  });

  it('registrars get their own point; another point is refused', async () => {
    const own = (await get(B.registrar, '/v1/contracts/statistics?year=2031')).json();
    expect(own.total).toEqual(row('total', 1, 3_000_000_000, 3_000_000_000));
    expect(own.byDimension.buyerPartyNature).toEqual([row('foreign', 1, 3_000_000_000, 3_000_000_000)]);
    expect(own.byDimension.sellerPartyNature).toEqual([row('021', 1, 3_000_000_000, 3_000_000_000)]);
    expect(
      (await get(B.registrar, `/v1/contracts/statistics?year=2031&subCentreId=${A.subCentre.id}`)).statusCode,
    ).toBe(403);
    expect((await get(A.applicant, '/v1/contracts/statistics?year=2031')).statusCode).toBe(403);
    const y2030 = (await get(A.registrar, '/v1/contracts/statistics?year=2030')).json();
    expect(y2030.total).toEqual(row('total', 1, 10_000_000, 10_000_000));
  });

  it('export the same figures as CSV', async () => {
    const res = await get(
      operator,
      `/v1/contracts/statistics/export?year=2031&subCentreId=${A.subCentre.id}`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('dimension,key,label,count,contract_value_fen,transaction_amount_fen');
    expect(lines).toContain('total,total,合计,5,713000000,663000000');
    expect(lines).toContain('type,transfer,技术转让,1,200000000,150000000');
    expect(lines).toContain('field,01,新一代信息技术产业,2,600000000,550000000');
    expect(lines).toContain('sellerPartyNature,022,高等院校,5,713000000,663000000');
  });

  it('tax view: VAT-exempt candidates and transfer income against the 5,000,000-yuan line', async () => {
    const res = await get(operator, `/v1/contracts/tax-view?year=2031&subCentreId=${A.subCentre.id}`);
    expect(res.json()).toEqual({
      year: 2031,
      transferIncomeLineFen: 500_000_000,
      items: [
        {
          sellerCreditCode: A.sellerCode,
          sellerName: '测试大学',
          contracts: 5,
          vatExemptCandidates: 4,
          vatExemptContractValueFen: 705_000_000,
          transferIncomeFen: 550_000_000,
          exceedsLine: true,
          exemptIncomeFen: 500_000_000,
          halfRateIncomeFen: 50_000_000,
        },
      ],
      nextCursor: null,
    });
  });
});

describe('policy rewards', () => {
  it('3% of the brokered transaction amount, capped at 1,000,000 yuan, with the contracts behind it', async () => {
    const items: { institutionId: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { institutionId: string }[]; nextCursor: string | null } = (
        await get(operator, `/v1/contracts/rewards?year=2031&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const t1 = items.find((i) => i.institutionId === T1);
    const t2 = items.find((i) => i.institutionId === T2);
    expect(t1).toMatchObject({
      contractCount: 2,
      basisFen: 250_000_000,
      rewardFen: 7_500_000,
      capped: false,
      contractsTruncated: false,
    });
    expect(
      (t1 as unknown as { contracts: { id: string; transactionAmountFen: number }[] }).contracts
        .map((c) => [c.id, c.transactionAmountFen])
        .sort(),
    ).toEqual(
      [
        [ids.c1, 100_000_000],
        [ids.c2, 150_000_000],
      ].sort(),
    );
    expect(t2).toMatchObject({
      contractCount: 2,
      basisFen: 3_400_000_000,
      rewardFen: 100_000_000,
      capped: true,
    });
    expect((await get(A.registrar, '/v1/contracts/rewards?year=2031')).statusCode).toBe(403);
  });
});
