import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createOrganisation } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import { useContractApp } from '../../test/fixtures/contract-app.js';
import { randomCreditCode, randomPatentNumber } from '../../test/ids.js';
import { createListing, transitionListing } from '../catalog/listings.js';
import { voucherTransactions } from '../vouchers/schema.js';
import '../catalog/policies.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { application, type Point, principalOf } from '../../test/fixtures/contracts.js';
import { REFUSAL_GROUNDS } from './rules.js';
import type { ContractInput } from './validation.js';

const fixture = useContractApp();
const { as } = fixture;
let ctx: TestContext;
let point: Point;

beforeAll(() => {
  ({ ctx, point } = fixture);
});

async function create(over: Partial<ContractInput> = {}) {
  const res = await as(point.applicant, 'POST', '/v1/contracts', application(point, over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; status: string };
}

async function underReview(over: Partial<ContractInput> = {}) {
  const { id } = await create(over);
  expect((await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`)).statusCode).toBe(200);
  expect((await as(point.registrar, 'POST', `/v1/contracts/${id}/take`)).statusCode).toBe(200);
  return id;
}

describe('the review cycle', () => {
  it('draft → submitted → under review → returned → corrected → resubmitted → registered', async () => {
    const { id, status } = await create();
    expect(status).toBe('draft');
    const submitted = await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`);
    expect(submitted.json()).toMatchObject({
      status: 'submitted',
      reviewWorkingDays: 15,
      dueDate: expect.any(String),
    });
    expect((await as(point.applicant, 'POST', `/v1/contracts/${id}/take`)).statusCode).toBe(403);
    expect((await as(point.registrar, 'POST', `/v1/contracts/${id}/take`)).json()).toMatchObject({
      status: 'under_review',
      reviewerId: point.registrar.userId,
    });
    const reasons = [{ code: 'missing_material', field: 'documentSha256', message: '请补充合同原件扫描件' }];
    const returned = await as(point.registrar, 'POST', `/v1/contracts/${id}/return`, { reasons });
    expect(returned.json()).toMatchObject({ status: 'returned', returnReasons: reasons, dueDate: null });

    const corrected = await as(
      point.applicant,
      'PUT',
      `/v1/contracts/${id}`,
      application(point, { projectName: '更正后的项目名称' }),
    );
    expect(corrected.json()).toMatchObject({ status: 'returned', projectName: '更正后的项目名称' });
    const first = submitted.json().submittedAt as string;
    const again = (await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`)).json();
    expect(again.status).toBe('submitted');
    expect(Date.parse(again.submittedAt)).toBeGreaterThan(Date.parse(first)); // the clock restarts
    await as(point.registrar, 'POST', `/v1/contracts/${id}/take`);

    const registered = await as(point.registrar, 'POST', `/v1/contracts/${id}/register`, {
      determinedAmountFen: 800_000_00,
      determinationReason: '扣除设备购置费 20 万元',
    });
    expect(registered.statusCode, registered.body).toBe(200);
    const c = registered.json();
    const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
    expect(c).toMatchObject({
      status: 'registered',
      transactionAmountFen: 1_000_000_00,
      determinedAmountFen: 800_000_00,
      effectiveTransactionAmountFen: 800_000_00,
      registrationNumber: `${year}${point.subCentre.code}000001`,
    });

    const [voucher] = await ctx.database.db
      .select()
      .from(voucherTransactions)
      .where(
        and(eq(voucherTransactions.sourceType, 'technology_contract'), eq(voucherTransactions.sourceId, id)),
      );
    expect(voucher?.request).toMatchObject({
      contractRegistrationNumber: c.registrationNumber,
      amounts: { contractValueFen: 1_000_000_00, transactionAmountFen: 800_000_00 },
      issuingSubCentre: { code: point.subCentre.code },
      documentHashes: [{ name: 'contract', sha256: c.documentSha256 }],
    });

    const trail = await ctx.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.objectId, id))
      .orderBy(asc(auditEvents.occurredAt), asc(auditEvents.id));
    expect(trail.map((e) => e.action)).toEqual([
      'contract.create',
      'contract.submit',
      'contract.take',
      'contract.return',
      'contract.update',
      'contract.submit',
      'contract.take',
      'contract.register',
    ]);
  });

  it('a large or disputed contract gets 30 working days', async () => {
    const large = await create({ contractValueFen: 5_000_000_00 });
    expect(
      (await as(point.applicant, 'POST', `/v1/contracts/${large.id}/submit`)).json().reviewWorkingDays,
    ).toBe(30);
    const disputed = await create({ disputed: true });
    expect(
      (await as(point.applicant, 'POST', `/v1/contracts/${disputed.id}/submit`)).json().reviewWorkingDays,
    ).toBe(30);
    const justBelow = await create({ contractValueFen: 5_000_000_00, nonTechnicalCostsFen: 1 });
    expect(
      (await as(point.applicant, 'POST', `/v1/contracts/${justBelow.id}/submit`)).json().reviewWorkingDays,
    ).toBe(15);
  });

  it('refuses invalid transitions with 409', async () => {
    const { id } = await create();
    const draftRegister = await as(point.registrar, 'POST', `/v1/contracts/${id}/register`, {});
    expect(draftRegister.statusCode).toBe(409);
    expect(draftRegister.json()).toMatchObject({ currentState: 'draft', action: 'register' });
    expect((await as(point.registrar, 'POST', `/v1/contracts/${id}/take`)).statusCode).toBe(409);
    await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`);
    expect((await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`)).statusCode).toBe(409);
    await as(point.registrar, 'POST', `/v1/contracts/${id}/take`);
    expect((await as(point.registrar, 'POST', `/v1/contracts/${id}/take`)).statusCode).toBe(409);
    expect((await as(point.applicant, 'PUT', `/v1/contracts/${id}`, application(point))).statusCode).toBe(
      409,
    );
  });

  it('a determined amount needs a reason and stays within the contract value', async () => {
    const id = await underReview();
    const above = await as(point.registrar, 'POST', `/v1/contracts/${id}/register`, {
      determinedAmountFen: 1_000_000_01,
      determinationReason: 'x',
    });
    expect(above.statusCode).toBe(400);
    const noReason = await as(point.registrar, 'POST', `/v1/contracts/${id}/register`, {
      determinedAmountFen: 5,
    });
    expect(noReason.statusCode).toBe(400);
    expect((await as(point.registrar, 'GET', `/v1/contracts/${id}`)).json().status).toBe('under_review');
  });
});

describe('refusal', () => {
  for (const ground of Object.keys(REFUSAL_GROUNDS)) {
    it(`on the ground ${ground}`, async () => {
      const id = await underReview();
      const text = ground === 'other' ? '合同标的为设备买卖' : undefined;
      const res = await as(point.registrar, 'POST', `/v1/contracts/${id}/refuse`, {
        ground,
        ...(text ? { text } : {}),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'refused', refusal: { ground, text: text ?? null } });
      expect((await as(point.registrar, 'POST', `/v1/contracts/${id}/register`, {})).statusCode).toBe(409);
    });
  }

  it('`other` needs a text; unknown grounds are refused', async () => {
    const id = await underReview();
    expect(
      (await as(point.registrar, 'POST', `/v1/contracts/${id}/refuse`, { ground: 'other' })).statusCode,
    ).toBe(400);
    expect(
      (await as(point.registrar, 'POST', `/v1/contracts/${id}/refuse`, { ground: 'bored' })).statusCode,
    ).toBe(400);
  });
});

describe('application checks over HTTP', () => {
  it('names the missing subtype field and the bad patent number', async () => {
    const missing = await as(
      point.applicant,
      'POST',
      '/v1/contracts',
      application(point, { type: 'transfer', subtype: 'patent_right' }),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([
      expect.objectContaining({ field: 'body/patentNumbers', code: 'required-for-subtype' }),
    ]);
    const good = randomPatentNumber();
    const bad = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    const res = await as(
      point.applicant,
      'POST',
      '/v1/contracts',
      application(point, { type: 'transfer', subtype: 'patent_right', patentNumbers: [bad] }),
    );
    expect(res.json().errors).toEqual([
      expect.objectContaining({ field: 'body/patentNumbers/0', code: 'patent-number' }),
    ]);
  });

  it('the applicant must be the seller (or the buyer of imported technology)', async () => {
    const notParty = await as(
      point.applicant,
      'POST',
      '/v1/contracts',
      application({ ...point, sellerCode: randomCreditCode('320100') }),
    );
    expect(notParty.statusCode).toBe(422);
    const imported = application(point, {
      imported: true,
      seller: { name: 'Fraunhofer', countryCode: 'DE' },
      buyer: {
        name: '测试大学',
        creditCode: point.sellerCode,
        countryCode: 'CN',
        regionCode: point.subCentre.code,
        partyNature: '022',
      },
    });
    expect((await as(point.applicant, 'POST', '/v1/contracts', imported)).statusCode).toBe(201);
  });

  it('an unverified organisation cannot apply', async () => {
    const code = randomCreditCode(point.subCentre.code);
    const org = await createOrganisation(ctx, { subCentre: point.subCentre, creditCode: code });
    const member = await createActor(ctx, { organisation: org });
    const res = await as(member, 'POST', '/v1/contracts', application({ ...point, sellerCode: code }));
    expect(res.statusCode).toBe(403);
  });

  it('transfer institutions and technology managers must be what they claim', async () => {
    const notInstitution = await createOrganisation(ctx, { creditCode: randomCreditCode('320100') });
    const stranger = await createActor(ctx);
    const res = await as(
      point.applicant,
      'POST',
      '/v1/contracts',
      application(point, {
        transferInstitutionId: notInstitution.id,
        techManagerIds: [stranger.userId],
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body/techManagerIds/0', 'body/transferInstitutionId']);
  });

  it('linked achievements must be published in the catalogue', async () => {
    const deps = { db: ctx.database.db, outbox: ctx.outbox, cursors: ctx.cursors };
    const owner = await principalOf(ctx, point.applicant);
    const operator = await principalOf(ctx, await createActor(ctx, { roles: [{ role: 'operator' }] }));
    const n = Number.parseInt(ctx.tag, 16) % 100_000;
    const make = async (i: number) =>
      (
        await createListing(
          deps,
          owner,
          'achievement',
          achievementFixture(n * 10 + i, { externalId: `C-${ctx.tag}-${i}` }),
          { lang: 'zh-CN' },
        )
      ).listing.id as string;
    const published = await make(1);
    await transitionListing(deps, owner, 'achievement', published, { action: 'submit' });
    await transitionListing(deps, operator, 'achievement', published, { action: 'approve' });
    const draft = await make(2);
    const ok = await as(
      point.applicant,
      'POST',
      '/v1/contracts',
      application(point, { achievementIds: [published] }),
    );
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().achievementIds).toEqual([published]);
    const bad = await as(
      point.applicant,
      'POST',
      '/v1/contracts',
      application(point, { achievementIds: [published, draft] }),
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      expect.objectContaining({ field: 'body/achievementIds/1', code: 'achievement' }),
    ]);
  });
});
