import { and, eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor } from '../../test/actors.js';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import {
  application,
  createPoint,
  createTransferInstitution,
  type Point,
  principalOf,
  requiredDetails,
} from '../../test/fixtures/contracts.js';
import { findContract } from './repository.js';
import { refuseRegistration, registerContract, returnForCorrection, takeForReview } from './review.js';
import { CONTRACT_TYPES, type SubtypeRule } from './rules.js';
import { technologyContracts } from './schema.js';
import { type ContractDeps, createContract, submitContract } from './service.js';
import { type Caller, contractViewSql, toView } from './view.js';

// The take is one statement (review.ts, takeInOneStatement) whose audit row holds the
// contract's view built in SQL (view.ts, contractViewSql): the same view as toView's, on rows of
// every kind, and the same audit row the transaction path writes.
let ctx: TestContext;
let point: Point;
let deps: ContractDeps;
let applicant: Caller;
let registrar: Caller;

const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
  point = await createPoint(ctx);
  deps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
  applicant = { principal: await principalOf(ctx, point.applicant) };
  registrar = { principal: await principalOf(ctx, point.registrar), requestId: 'req-take-1' };
});

/** The view `contractViewSql` builds of each row, by id. */
async function sqlViews(ids: string[]): Promise<Map<string, unknown>> {
  const rows = await ctx.database.db
    .select({
      id: technologyContracts.id,
      view: sql<unknown>`${sql.raw(contractViewSql('technology_contracts'))}`,
    })
    .from(technologyContracts)
    .where(inArray(technologyContracts.id, ids));
  return new Map(rows.map((r) => [r.id, r.view]));
}

/** toView of the row as stored, as JSON would carry it (undefined keys dropped). */
const jsonView = async (id: string) =>
  JSON.parse(JSON.stringify(toView((await findContract(ctx.database.db, id))!)));

async function submitted(over = {}) {
  const c = await createContract(deps, applicant, application(point, over));
  await submitContract(deps, applicant, c.id);
  return c.id;
}

describe('the contract view in SQL', () => {
  it('is toView on rows of every subtype and state', async () => {
    const institution = await createTransferInstitution(ctx, point.subCentre);
    const details = requiredDetails({ transferInstitutionId: institution.id });
    const ids: string[] = [];
    for (const [type, t] of Object.entries(CONTRACT_TYPES))
      for (const [subtype, rule] of Object.entries(t.subtypes as Record<string, SubtypeRule>)) {
        const over = Object.assign({ type, subtype }, ...rule.required.map((f) => details[f] ?? {}));
        const c = await createContract(deps, applicant, application(point, over));
        ids.push(c.id);
      }
    // States: submitted, under review, returned, refused, registered with a determined amount.
    const inReview = await submitted();
    await takeForReview(deps, registrar, inReview);
    const returned = await submitted();
    await takeForReview(deps, registrar, returned);
    await returnForCorrection(deps, registrar, returned, [{ code: 'missing_material', message: '缺少附件' }]);
    const refused = await submitted();
    await takeForReview(deps, registrar, refused);
    await refuseRegistration(deps, registrar, refused, { ground: 'other', text: '非技术合同' });
    const registered = await submitted({ nonTechnicalCostsFen: 200_000_00 });
    await takeForReview(deps, registrar, registered);
    await registerContract(deps, registrar, registered, {
      determinedAmountFen: 700_000_00,
      determinationReason: '核减',
    });
    ids.push(inReview, returned, refused, registered);
    // A row written before the details had every key, and one with JSON nulls in them.
    const [sparse, nulls] = [ids[0]!, ids[1]!];
    await ctx.database.db.execute(
      sql`UPDATE technology_contracts SET details = '{}'::jsonb WHERE id = ${sparse}`,
    );
    await ctx.database.db.execute(
      sql`UPDATE technology_contracts SET details = '{"ipRegistrationNumbers": null, "relatedToTransferOrDevelopment": null, "licenceType": null}'::jsonb WHERE id = ${nulls}`,
    );

    const views = await sqlViews(ids);
    expect(views.size).toBe(ids.length);
    for (const id of ids) expect(views.get(id), id).toEqual(await jsonView(id));
  });
});

describe('the take in one statement', () => {
  it('writes the audit row the transaction path writes: the view before and after', async () => {
    const id = await submitted();
    const before = await jsonView(id);
    const view = await takeForReview(deps, registrar, id);
    expect(view).toMatchObject({ status: 'under_review', reviewerId: registrar.principal!.id });
    const after = await jsonView(id);
    expect(JSON.parse(JSON.stringify(view))).toEqual(after);
    const row = await findContract(ctx.database.db, id);
    expect(row?.reviewStartedAt).toBeInstanceOf(Date);
    const trail = await ctx.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.objectId, id), eq(auditEvents.action, 'contract.take')));
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      actorType: 'user',
      actorId: registrar.principal!.id,
      objectType: 'technology_contract',
      requestId: 'req-take-1',
      before,
      after,
    });
  });

  it('takes an application once when two registrars of the point take it at once', async () => {
    const other: Caller = {
      principal: await principalOf(
        ctx,
        await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: point.subCentre.id }] }),
      ),
    };
    const id = await submitted();
    const results = await Promise.allSettled([
      takeForReview(deps, registrar, id),
      takeForReview(deps, other, id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ status: 409 });
    const trail = await ctx.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.objectId, id), eq(auditEvents.action, 'contract.take')));
    expect(trail).toHaveLength(1);
  });

  it('leaves what it may not do to the transaction path: another point 404, a draft 409', async () => {
    const elsewhere = await createPoint(ctx);
    const stranger: Caller = { principal: await principalOf(ctx, elsewhere.registrar) };
    const id = await submitted();
    await expect(takeForReview(deps, stranger, id)).rejects.toMatchObject({ status: 404 });
    const draft = await createContract(deps, applicant, application(point));
    await expect(takeForReview(deps, registrar, draft.id)).rejects.toMatchObject({ status: 409 });
    expect((await findContract(ctx.database.db, id))?.status).toBe('submitted');
    expect((await findContract(ctx.database.db, draft.id))?.status).toBe('draft');
  });
});
