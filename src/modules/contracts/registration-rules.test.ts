// Domain rules of registration found by checking from outside (issue 18, items 1, 2, 4, 5, 13):
// override-verified credit codes, duplicate applications, registrars reviewing their own
// applications, the voucher number of a registered contract, and text in names and titles.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import { useContractApp } from '../../test/fixtures/contract-app.js';
import { application, createPoint, type Point } from '../../test/fixtures/contracts.js';
import { sha256hex } from '../../test/hashes.js';
import { randomCreditCode } from '../../test/ids.js';
import { creditCodeCheckChar } from '../identity/identifiers.js';
import { grantRole } from '../identity/repository.js';
import { organisations } from '../identity/schema.js';
import { voucherParts } from '../vouchers/jobs.js';
import type { ContractInput } from './validation.js';

const fixture = useContractApp();
const { as } = fixture;
let ctx: TestContext;
let point: Point;

beforeAll(() => {
  ({ ctx, point } = fixture);
});

async function create(
  over: Partial<ContractInput> = {},
  p: Pick<Point, 'sellerCode' | 'subCentre' | 'applicant'> = point,
) {
  const res = await as(p.applicant, 'POST', '/v1/contracts', application(p, over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

async function register(id: string, p: Pick<Point, 'applicant' | 'registrar'> = point) {
  expect((await as(p.applicant, 'POST', `/v1/contracts/${id}/submit`)).statusCode).toBe(200);
  expect((await as(p.registrar, 'POST', `/v1/contracts/${id}/take`)).statusCode).toBe(200);
  const res = await as(p.registrar, 'POST', `/v1/contracts/${id}/register`, {});
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** A code whose check character is wrong (as some codes issued around 1998–2015 are). */
function codeFailingItsCheck(region = '320100'): string {
  const good = randomCreditCode(region);
  const body = good.slice(0, 17);
  const wrong = '0123456789ABCDEFGHJKLMNPQRTUWXY'.split('').find((c) => c !== creditCodeCheckChar(body))!;
  return body + wrong;
}

/**
 * A verified organisation whose code fails its check character, accepted by a registrar's
 * override with a reason (the state identity's approveVerification leaves it in).
 */
async function overrideVerified(type: 'university' | 'enterprise', subCentre = point.subCentre) {
  const code = codeFailingItsCheck(subCentre.code);
  const org = await createOrganisation(ctx, { type, subCentre, verified: true, creditCode: code });
  await ctx.database.db
    .update(organisations)
    .set({
      creditCodeOverride: {
        code,
        reason: '1998 年颁发的代码，校验位由发证机关确认有误',
        registrarId: point.registrar.userId,
        at: new Date().toISOString(),
      },
    })
    .where(eq(organisations.id, org.id));
  return { org, code };
}

describe("a credit code verified by the registrar's override", () => {
  it('is accepted as the seller of its own organisation, and as the buyer', async () => {
    const { org, code } = await overrideVerified('university');
    const applicant = await createActor(ctx, { organisation: org });
    const seller = { ...point, sellerCode: code, applicant };
    const { id } = await create({}, seller);
    expect((await as(applicant, 'GET', `/v1/contracts/${id}`)).json().seller.creditCode).toBe(code);

    const buyer = await overrideVerified('enterprise');
    const base = application(point);
    const res = await as(point.applicant, 'POST', '/v1/contracts', {
      ...base,
      buyer: { ...base.buyer, creditCode: buyer.code.toLowerCase() },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().buyer.creditCode).toBe(buyer.code);
  });

  it('is no licence for other codes failing the check, nor for unverified holders', async () => {
    const base = application(point);
    const typo = await as(point.applicant, 'POST', '/v1/contracts', {
      ...base,
      buyer: { ...base.buyer, creditCode: codeFailingItsCheck() },
    });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().errors[0].field).toBe('body/buyer/creditCode');
    // The same kind of code held by an organisation that is not verified: still refused.
    const code = codeFailingItsCheck();
    await createOrganisation(ctx, { creditCode: code });
    const unverified = await as(point.applicant, 'POST', '/v1/contracts', {
      ...base,
      buyer: { ...base.buyer, creditCode: code },
    });
    expect(unverified.statusCode).toBe(400);
  });
});

describe('duplicate applications', () => {
  it('refuses the same document twice with 409 naming the existing application', async () => {
    const doc = sha256hex(`dup-doc-${ctx.tag}`);
    const { id } = await create({ documentSha256: doc });
    const again = await as(
      point.applicant,
      'POST',
      '/v1/contracts',
      application(point, { documentSha256: doc }),
    );
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      type: '/problems/contract-duplicate',
      matchedOn: 'documentSha256',
      existing: { id, status: 'draft', registrationNumber: null },
    });
    // The refused application left nothing behind: no second row, no audit row of its creation
    // (the insert's statement is its transaction's last, sent with the COMMIT).
    const left = await ctx.database.pool.query<{ contracts: number; audited: number }>(
      `SELECT (SELECT count(*) FROM technology_contracts WHERE document_sha256 = $1)::int AS contracts,
              (SELECT count(*) FROM audit_events WHERE action = 'contract.create' AND after->>'documentSha256' = $1)::int AS audited`,
      [doc],
    );
    expect(left.rows[0]).toEqual({ contracts: 1, audited: 1 });
  });

  it('refuses the same parties, type, project and amounts with another document', async () => {
    const base = application(point, { projectName: `重复申请检测 ${ctx.tag}` });
    const { id } = await create(base);
    const registered = await register(id);
    const again = await as(point.applicant, 'POST', '/v1/contracts', {
      ...base,
      documentSha256: sha256hex(`rescanned ${ctx.tag}`),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      matchedOn: 'content',
      existing: { id, status: 'registered', registrationNumber: registered.registrationNumber },
    });
    // A genuinely distinct contract between the same parties is accepted.
    const distinct = await as(point.applicant, 'POST', '/v1/contracts', {
      ...base,
      contractValueFen: base.contractValueFen + 100_00,
      documentSha256: sha256hex(`second contract ${ctx.tag}`),
    });
    expect(distinct.statusCode, distinct.body).toBe(201);
  });

  it('refuses an update that turns a draft into a copy of another application, and allows a refused one again', async () => {
    const first = application(point, { projectName: `更正后重复 ${ctx.tag}` });
    await create(first);
    const second = await create({ projectName: `另一个项目 ${ctx.tag}`, buyer: first.buyer });
    const update = await as(point.applicant, 'PUT', `/v1/contracts/${second.id}`, {
      ...first,
      documentSha256: sha256hex(`other scan ${ctx.tag}`),
    });
    expect(update.statusCode).toBe(409);
    expect(update.json().matchedOn).toBe('content');

    const refusedDoc = sha256hex(`refused ${ctx.tag}`);
    const { id } = await create({ documentSha256: refusedDoc });
    await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`);
    await as(point.registrar, 'POST', `/v1/contracts/${id}/take`);
    const refused = await as(point.registrar, 'POST', `/v1/contracts/${id}/refuse`, {
      ground: 'other',
      text: '材料不全',
    });
    expect(refused.statusCode).toBe(200);
    expect(
      (await as(point.applicant, 'POST', '/v1/contracts', application(point, { documentSha256: refusedDoc })))
        .statusCode,
    ).toBe(201);
  });

  it("does not name another organisation's application", async () => {
    const doc = sha256hex(`cross-org ${ctx.tag}`);
    await create({ documentSha256: doc });
    const other = await createPoint(ctx);
    const res = await as(
      other.applicant,
      'POST',
      '/v1/contracts',
      application(other, { documentSha256: doc }),
    );
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ matchedOn: 'documentSha256', existing: null });
  });
});

describe('a registrar who applied', () => {
  it('may neither take nor register his own application; another registrar of the point may', async () => {
    // A registrar of the point who is also a member of the applying organisation.
    const seller = (
      await ctx.database.db.select().from(organisations).where(eq(organisations.creditCode, point.sellerCode))
    )[0]!;
    const both = await createActor(ctx, {
      organisation: seller,
      roles: [{ role: 'registrar', subCentreId: point.subCentre.id }],
    });
    const { id } = await create({}, { ...point, applicant: both });
    expect((await as(both, 'POST', `/v1/contracts/${id}/submit`)).statusCode).toBe(200);
    const take = await as(both, 'POST', `/v1/contracts/${id}/take`);
    expect(take.statusCode).toBe(403);
    expect(take.json().type).toBe('/problems/contract-reviewer-is-applicant');
    expect((await as(point.registrar, 'POST', `/v1/contracts/${id}/take`)).statusCode).toBe(200);
    const reg = await as(both, 'POST', `/v1/contracts/${id}/register`, {});
    expect(reg.statusCode).toBe(403);
    expect((await as(point.registrar, 'GET', `/v1/contracts/${id}`)).json().status).toBe('under_review');
    expect((await as(point.registrar, 'POST', `/v1/contracts/${id}/register`, {})).statusCode).toBe(200);
  });

  it('is recognised by who created the application, also when signed in for no organisation', async () => {
    const seller = (
      await ctx.database.db.select().from(organisations).where(eq(organisations.creditCode, point.sellerCode))
    )[0]!;
    const applicant = await createActor(ctx, { organisation: seller });
    await grantRole(ctx.database.db, applicant.userId, 'registrar', { subCentreId: point.subCentre.id });
    const { id } = await create({}, { ...point, applicant });
    expect((await as(applicant, 'POST', `/v1/contracts/${id}/submit`)).statusCode).toBe(200);
    // The same person, signed in as a registrar only (no organisation in the token).
    const token = await ctx.identity.tokens.issueForUser(applicant.userId, {
      clientId: 'techex-test',
      scopes: ['contracts:read', 'contracts:write'],
    });
    const registrarOnly = { headers: { authorization: `Bearer ${token}` } };
    const take = await as(registrarOnly, 'POST', `/v1/contracts/${id}/take`);
    expect(take.statusCode, take.body).toBe(403);
    expect(take.json().type).toBe('/problems/contract-reviewer-is-applicant');
  });
});

describe('the voucher of a registered contract', () => {
  it('shows its number once issued, in the contract and in the list', async () => {
    const { id } = await create();
    const registered = await register(id);
    expect(registered).toMatchObject({ status: 'registered', voucherNumber: null });
    const parts = voucherParts(ctx);
    await parts.keyring.ensure();
    await parts.issuer.sweep(5000);
    const view = (await as(point.applicant, 'GET', `/v1/contracts/${id}`)).json();
    expect(view.voucherNumber).toMatch(/^TXV-\d{4}-[0-9A-Z]{10}-[0-9A-Z]$/);
    const list = (await as(point.registrar, 'GET', '/v1/contracts?status=registered&limit=100')).json();
    expect(list.items.find((c: { id: string }) => c.id === id)?.voucherNumber).toBe(view.voucherNumber);
    const draft = await create();
    expect((await as(point.applicant, 'GET', `/v1/contracts/${draft.id}`)).json().voucherNumber).toBeNull();
  });
});

describe('names and titles that go into the voucher', () => {
  it('refuses control characters with a precise message, and bidirectional overrides', async () => {
    const base = application(point);
    const bell = await as(point.applicant, 'POST', '/v1/contracts', {
      ...base,
      projectName: '项目\u0007名称',
    });
    expect(bell.statusCode).toBe(400);
    expect(bell.json().errors).toContainEqual(
      expect.objectContaining({
        field: 'body/projectName',
        message: 'contains the control character U+0007 at position 3',
      }),
    );
    const rlo = await as(point.applicant, 'POST', '/v1/contracts', {
      ...base,
      buyer: { ...base.buyer, name: '测试\u202e司公限有' },
    });
    expect(rlo.statusCode).toBe(400);
    expect(rlo.json().errors).toContainEqual(
      expect.objectContaining({
        field: 'body/buyer/name',
        message: 'contains the bidirectional formatting character U+202E at position 3',
      }),
    );
  });
});
