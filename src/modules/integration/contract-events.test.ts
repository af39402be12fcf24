import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientActor, createOrganisation } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import { application, createPoint, type Point } from '../../test/fixtures/contracts.js';
import {
  type EventHarness,
  type Receiver,
  received,
  type Subscriber,
  startEventHarness,
  subscribe,
  typesDeliveredTo,
} from '../../test/fixtures/integration-events.js';
import { randomCreditCode } from '../../test/ids.js';
import { contractRoutes } from '../contracts/routes.js';
import type { ContractInput } from '../contracts/validation.js';
import { findOrganisation, type Organisation } from '../identity/repository.js';

// The contract review flow tells the parties' partners what happened: contract.submitted,
// contract.refused and contract.registered, then voucher.issued and, on cancellation,
// voucher.revoked — to the seller's and the buyer's organisations, and nobody else.
let ctx: TestContext;
let app: FastifyInstance;
let harness: EventHarness;
let receiver: Receiver;
let point: Point;
let buyerCode: string;
let seller: Subscriber;
let buyer: Subscriber;
let outsider: Subscriber;

beforeAll(async () => {
  harness = await startEventHarness([contractRoutes]);
  ({ ctx, app, receiver } = harness);

  point = await createPoint(ctx);
  buyerCode = randomCreditCode('320500');
  const buyerOrg = await createOrganisation(ctx, { verified: true, creditCode: buyerCode });
  const otherOrg = await createOrganisation(ctx, { verified: true, creditCode: randomCreditCode('320100') });
  const sellerOrg = (await findOrganisation(ctx.database.db, point.applicant.organisationId!))!;
  const partnerOf = (org: Organisation) => createClientActor(ctx, org, ['webhooks:manage']);
  const types = ['contract.*', 'voucher.*'];
  seller = await subscribe(app, receiver, await partnerOf(sellerOrg), '/ok/s', types);
  buyer = await subscribe(app, receiver, await partnerOf(buyerOrg), '/ok/b', types);
  outsider = await subscribe(app, receiver, await partnerOf(otherOrg), '/ok/o', ['*']);
});
afterAll(() => harness?.close());

const call = async (who: { headers: Record<string, string> }, url: string, payload?: object) => {
  const res = await app.inject({ method: 'POST', url, headers: who.headers, payload: payload ?? {} });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as Record<string, unknown>;
};

async function submitted(over: Partial<ContractInput> = {}) {
  const created = await call(point.applicant, '/v1/contracts', application(point, over));
  const id = created.id as string;
  await call(point.applicant, `/v1/contracts/${id}/submit`);
  await call(point.registrar, `/v1/contracts/${id}/take`);
  return id;
}

const withBuyer = (code: string): Partial<ContractInput> => ({
  buyer: { ...application(point).buyer, creditCode: code },
});

describe('contract and voucher events', () => {
  it('submitted, registered, voucher issued and revoked reach both parties, signed, and no one else', async () => {
    const id = await submitted(withBuyer(buyerCode));
    for (const sub of [seller, buyer]) {
      const e = await received(receiver, sub, 'contract.submitted', (d) => d.id === id);
      expect(e.data).toEqual({ id, submittedAt: expect.any(String) });
    }

    const registered = await call(point.registrar, `/v1/contracts/${id}/register`);
    const number = registered.registrationNumber as string;
    for (const sub of [seller, buyer]) {
      const e = await received(receiver, sub, 'contract.registered', (d) => d.id === id);
      expect(e.data).toMatchObject({ id, registrationNumber: number });
    }

    const issued = await received(
      receiver,
      buyer,
      'voucher.issued',
      (d) => d.contractRegistrationNumber === number,
    );
    expect(issued.data).toMatchObject({
      type: 'technology_contract',
      status: 'active',
      source: { type: 'technology_contract', id },
      number: expect.stringMatching(/^\S+$/),
    });
    // Ids, numbers, dates and codes only: no party names or amounts in the payload.
    expect(JSON.stringify(issued.data)).not.toMatch(/测试|Fen/);
    await received(receiver, seller, 'voucher.issued', (d) => d.number === issued.data.number);

    await call(point.registrar, `/v1/contracts/${id}/cancel`, { reason: '双方协议解除' });
    for (const sub of [seller, buyer]) {
      const e = await received(receiver, sub, 'voucher.revoked', (d) => d.number === issued.data.number);
      expect(e.data).toMatchObject({
        transactionId: issued.data.transactionId,
        revokedAt: expect.any(String),
      });
      expect(JSON.stringify(e.data)).not.toContain('双方协议解除');
    }

    // Deliveries are made in the emitting transaction: the outsider's '*' endpoint has none.
    expect(await typesDeliveredTo(ctx, outsider.id, id)).toEqual([]);
    expect(await typesDeliveredTo(ctx, outsider.id, issued.data.number as string)).toEqual([]);
    expect(await typesDeliveredTo(ctx, buyer.id, id)).toEqual(['contract.registered', 'contract.submitted']);
    expect(await typesDeliveredTo(ctx, buyer.id, issued.data.number as string)).toEqual([
      'voucher.issued',
      'voucher.revoked',
    ]);
  });

  it('contract.refused carries the ground code, and skips an unverified holder of a party code', async () => {
    const squatterCode = randomCreditCode('320500');
    const squatterOrg = await createOrganisation(ctx, { creditCode: squatterCode });
    const squatter = await subscribe(
      app,
      receiver,
      await createClientActor(ctx, squatterOrg, ['webhooks:manage']),
      '/ok/unverified',
      ['*'],
    );
    const id = await submitted(withBuyer(squatterCode));
    await call(point.registrar, `/v1/contracts/${id}/refuse`, { ground: 'other', text: '材料不实' });
    const e = await received(receiver, seller, 'contract.refused', (d) => d.id === id);
    expect(e.data).toEqual({ id, refusedAt: expect.any(String), ground: 'other' });
    expect(await typesDeliveredTo(ctx, squatter.id, id)).toEqual([]);
    expect(await typesDeliveredTo(ctx, buyer.id, id)).toEqual([]);
    expect(await typesDeliveredTo(ctx, seller.id, id)).toEqual(['contract.refused', 'contract.submitted']);
  });
});
