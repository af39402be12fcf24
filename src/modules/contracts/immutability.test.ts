import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from '../../test/context.js';
import { useContractApp } from '../../test/fixtures/contract-app.js';
import { application, type Point } from '../../test/fixtures/contracts.js';
import { voucherTransactions } from '../vouchers/schema.js';
import { contractVersions } from './schema.js';

const fixture = useContractApp();
const { as } = fixture;
let ctx: TestContext;
let point: Point;

beforeAll(() => {
  ({ ctx, point } = fixture);
});

async function registered(): Promise<string> {
  const { id } = (await as(point.applicant, 'POST', '/v1/contracts', application(point))).json();
  await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`);
  await as(point.registrar, 'POST', `/v1/contracts/${id}/take`);
  const res = await as(point.registrar, 'POST', `/v1/contracts/${id}/register`, {
    determinedAmountFen: 900_000_00,
    determinationReason: '核减',
  });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

const rawUpdate = (id: string, set: ReturnType<typeof sql>) =>
  ctx.database.db.execute(sql`UPDATE technology_contracts SET ${set} WHERE id = ${id}`);
const voucherOf = async (sourceId: string) =>
  (
    await ctx.database.db
      .select()
      .from(voucherTransactions)
      .where(
        and(
          eq(voucherTransactions.sourceType, 'technology_contract'),
          eq(voucherTransactions.sourceId, sourceId),
        ),
      )
  )[0];

describe('after registration', () => {
  it('the service refuses edits and resubmission', async () => {
    const id = await registered();
    const put = await as(
      point.applicant,
      'PUT',
      `/v1/contracts/${id}`,
      application(point, { projectName: '改名' }),
    );
    expect(put.statusCode).toBe(409);
    expect((await as(point.applicant, 'POST', `/v1/contracts/${id}/submit`)).statusCode).toBe(409);
  });

  it('the database refuses content updates and deletion, whoever sends them', async () => {
    const id = await registered();
    const refused = { cause: expect.objectContaining({ code: '55000' }) };
    await expect(rawUpdate(id, sql`project_name = 'changed behind the service'`)).rejects.toMatchObject(
      refused,
    );
    await expect(rawUpdate(id, sql`determined_amount_fen = 1`)).rejects.toMatchObject(refused);
    await expect(rawUpdate(id, sql`registration_number = '2099320100999999'`)).rejects.toMatchObject(refused);
    // A cancellation that also slips in a content change is refused too.
    await expect(
      rawUpdate(id, sql`status = 'cancelled', cancelled_at = now(), contract_value_fen = 1`),
    ).rejects.toMatchObject(refused);
    await expect(
      ctx.database.db.execute(sql`DELETE FROM technology_contracts WHERE id = ${id}`),
    ).rejects.toMatchObject(refused);
    await expect(
      ctx.database.db.execute(sql`UPDATE contract_versions SET snapshot = '{}' WHERE contract_id = ${id}`),
    ).rejects.toMatchObject(refused);
    expect((await as(point.registrar, 'GET', `/v1/contracts/${id}`)).json()).toMatchObject({
      status: 'registered',
      determinedAmountFen: 900_000_00,
    });
  });

  it('an approved amendment makes a new version with its own voucher', async () => {
    const id = await registered();
    const before = (await as(point.registrar, 'GET', `/v1/contracts/${id}`)).json();
    const changes = { projectName: '钙钛矿电池工艺开发（二期）', contractValueFen: 1_200_000_00 };
    const bad = await as(point.applicant, 'POST', `/v1/contracts/${id}/amendments`, {
      changes: { type: 'consulting' },
      reason: 'x',
    });
    expect(bad.statusCode).toBe(400);
    const asked = await as(point.applicant, 'POST', `/v1/contracts/${id}/amendments`, {
      changes,
      reason: '补充协议增加开发内容',
    });
    expect(asked.statusCode, asked.body).toBe(201);
    const amendment = asked.json();
    expect(amendment).toMatchObject({ status: 'pending', fromVersion: 1 });
    expect(
      (await as(point.applicant, 'POST', `/v1/contracts/${id}/amendments`, { changes, reason: '再次' }))
        .statusCode,
    ).toBe(409);
    expect(
      (await as(point.applicant, 'POST', `/v1/contracts/${id}/amendments/${amendment.id}/approve`, {}))
        .statusCode,
    ).toBe(403);

    const approved = await as(
      point.registrar,
      'POST',
      `/v1/contracts/${id}/amendments/${amendment.id}/approve`,
      { note: '同意' },
    );
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({
      amendment: { status: 'approved' },
      contract: {
        version: 2,
        status: 'registered',
        projectName: changes.projectName,
        contractValueFen: 1_200_000_00,
        determinedAmountFen: null, // the determination was about the old amounts
        registrationNumber: before.registrationNumber,
      },
    });
    const versions = await ctx.database.db
      .select()
      .from(contractVersions)
      .where(eq(contractVersions.contractId, id));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    expect((await voucherOf(id))?.revocationRequestedAt).toBeInstanceOf(Date);
    expect((await voucherOf(`${id}:v2`))?.request).toMatchObject({
      amounts: { contractValueFen: 1_200_000_00 },
    });

    // The approved amendment cannot be replayed to slip another change past the trigger.
    await expect(
      ctx.database.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('techex.contract_amendment', ${amendment.id}, true)`);
        await tx.execute(
          sql`UPDATE technology_contracts SET project_name = 'x', version = version + 1 WHERE id = ${id}`,
        );
      }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '55000' }) });
    const list = (await as(point.applicant, 'GET', `/v1/contracts/${id}/amendments`)).json();
    expect(list.items).toHaveLength(1);
  });

  it('a rejected amendment changes nothing', async () => {
    const id = await registered();
    const { id: amendmentId } = (
      await as(point.applicant, 'POST', `/v1/contracts/${id}/amendments`, {
        changes: { projectName: '新名称' },
        reason: '更名',
      })
    ).json();
    const rejected = await as(
      point.registrar,
      'POST',
      `/v1/contracts/${id}/amendments/${amendmentId}/reject`,
      { note: '名称与内容不符' },
    );
    expect(rejected.json()).toMatchObject({ amendment: { status: 'rejected' }, contract: { version: 1 } });
    expect(
      (await as(point.registrar, 'POST', `/v1/contracts/${id}/amendments/${amendmentId}/approve`, {}))
        .statusCode,
    ).toBe(409);
  });

  it('cancellation revokes the voucher and freezes the contract for good', async () => {
    const id = await registered();
    expect(
      (await as(point.applicant, 'POST', `/v1/contracts/${id}/cancel`, { reason: '双方解除合同' }))
        .statusCode,
    ).toBe(403);
    const cancelled = await as(point.registrar, 'POST', `/v1/contracts/${id}/cancel`, {
      reason: '双方解除合同',
    });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancellationReason: '双方解除合同' });
    expect((await voucherOf(id))?.revocationReason).toBe('双方解除合同');
    expect(
      (await as(point.registrar, 'POST', `/v1/contracts/${id}/cancel`, { reason: 'again' })).statusCode,
    ).toBe(409);
    expect(
      (
        await as(point.applicant, 'POST', `/v1/contracts/${id}/amendments`, {
          changes: { projectName: 'x' },
          reason: 'x',
        })
      ).statusCode,
    ).toBe(409);
    await expect(rawUpdate(id, sql`status = 'registered'`)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '55000' }),
    });
  });
});
