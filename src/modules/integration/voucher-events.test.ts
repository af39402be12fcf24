import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientActor, createOrganisation } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import {
  type EventHarness,
  eventsOf,
  type Receiver,
  received,
  type Subscriber,
  startEventHarness,
  subscribe,
  typesDeliveredTo,
} from '../../test/fixtures/integration-events.js';
import { contractRequest } from '../../test/fixtures/vouchers.js';
import { randomCreditCode } from '../../test/ids.js';
import { eventually } from '../../test/wait.js';
import { vouchersModule } from '../vouchers/module.js';
import { requestRevocationInTx, requestVoucherInTx } from '../vouchers/request.js';
import { vouchers } from '../vouchers/schema.js';
import { webhookEndpoints } from './schema.js';

// Vouchers are issued by the batch worker; the issuing transaction records voucher.issued for the
// organisations of the parties (by credit code) and the partner that submitted the transaction.
let ctx: TestContext;
let app: FastifyInstance;
let harness: EventHarness;
let receiver: Receiver;
let partnerOrgId: string;
let partner: Awaited<ReturnType<typeof createClientActor>>;
let sellerCode: string;
let sellerName: string;
let partnerCode: string;
let partnerName: string;
let sellerSub: Subscriber;
let partnerSub: Subscriber;
let outsider: Subscriber;

beforeAll(async () => {
  harness = await startEventHarness([vouchersModule.routes!]);
  ({ ctx, app, receiver } = harness);

  // The submitting organisation must be a party to what it reports (vouchers/submissions.ts).
  partnerCode = randomCreditCode();
  const partnerOrg = await createOrganisation(ctx, { verified: true, creditCode: partnerCode });
  partnerOrgId = partnerOrg.id;
  partnerName = partnerOrg.name;
  partner = await createClientActor(ctx, partnerOrg, ['vouchers:write', 'webhooks:manage']);
  sellerCode = randomCreditCode('320100');
  const sellerOrg = await createOrganisation(ctx, { verified: true, creditCode: sellerCode });
  sellerName = sellerOrg.name;
  const hook = (org: typeof sellerOrg) => createClientActor(ctx, org, ['webhooks:manage']);
  sellerSub = await subscribe(app, receiver, await hook(sellerOrg), '/ok/seller', ['voucher.*']);
  partnerSub = await subscribe(app, receiver, partner, '/ok/partner', ['voucher.issued']);
  outsider = await subscribe(
    app,
    receiver,
    await hook(await createOrganisation(ctx, { verified: true })),
    '/ok/outsider',
    ['*'],
  );
});
afterAll(() => harness?.close());

const numberOf = (transactionId: string) =>
  eventually('the voucher', async () => {
    const [v] = await ctx.database.db
      .select({ number: vouchers.number })
      .from(vouchers)
      .where(eq(vouchers.transactionId, transactionId));
    return v?.number;
  });

describe('voucher events', () => {
  it('voucher.issued of a partner submission reaches the submitter and the known party only', async () => {
    const externalId = `dx-${ctx.tag}`;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/vouchers/transactions',
      headers: partner.headers,
      payload: {
        externalId,
        parties: [
          // The partner sells to a known, verified organisation (named as verified).
          { role: 'seller', name: partnerName, creditCode: partnerCode },
          { role: 'buyer', name: sellerName, creditCode: sellerCode },
        ],
        subject: { title: '工业设备运行数据集' },
        amounts: { contractValueFen: 12_000_000, transactionAmountFen: 12_000_000 },
        documentHashes: [{ name: 'contract', sha256: createHash('sha256').update(externalId).digest('hex') }],
      },
    });
    expect(res.statusCode, res.body).toBe(202);
    const { transactionId } = res.json() as { transactionId: string };
    const number = await numberOf(transactionId);
    for (const sub of [sellerSub, partnerSub]) {
      const e = await received(receiver, sub, 'voucher.issued', (d) => d.transactionId === transactionId);
      expect(e.data).toEqual({
        number,
        type: 'data_product',
        transactionId,
        source: { type: 'data_product', id: externalId },
        issuedAt: expect.any(String),
        status: 'active',
      });
    }
    expect(await typesDeliveredTo(ctx, outsider.id, number)).toEqual([]);
    const [event] = await eventsOf(ctx, number);
    expect(new Set(event!.organisationIds)).toEqual(new Set([partnerOrgId, (await orgOf(sellerSub)).id]));
  });

  it('a voucher issued already revoked sends both events; one with no known party reaches no one', async () => {
    const known = contractRequest({
      parties: [
        { role: 'seller', name: '卖方', creditCode: sellerCode },
        { role: 'buyer', name: '买方', creditCode: randomCreditCode('320100') },
      ],
    });
    const unknown = contractRequest({
      parties: [
        { role: 'seller', name: '卖方', creditCode: randomCreditCode('320100') },
        { role: 'buyer', name: '买方', creditCode: 'foreign:DE' },
      ],
    });
    const [a, b] = await ctx.database.db.transaction(async (tx) => {
      const first = await requestVoucherInTx(tx, known);
      // Cancelled before the worker got to it: issued already revoked.
      await requestRevocationInTx(tx, known.sourceType, known.sourceId, 'cancelled');
      return [first, await requestVoucherInTx(tx, unknown)];
    });
    ctx.outbox.kick();
    const number = await numberOf(a!.transactionId);
    const issued = await received(receiver, sellerSub, 'voucher.issued', (d) => d.number === number);
    expect(issued.data).toMatchObject({
      status: 'revoked',
      contractRegistrationNumber: known.contractRegistrationNumber,
    });
    await received(receiver, sellerSub, 'voucher.revoked', (d) => d.number === number);

    const lonely = await numberOf(b!.transactionId);
    const recorded = await eventually(
      'the event',
      async () => (await eventsOf(ctx, lonely)).length > 0 || undefined,
    );
    expect(recorded).toBe(true);
    // Recorded, restricted to nobody (never public): even a '*' endpoint gets no delivery.
    expect(await eventsOf(ctx, lonely)).toEqual([{ type: 'voucher.issued', organisationIds: [] }]);
    expect(await typesDeliveredTo(ctx, outsider.id, lonely)).toEqual([]);
    expect(await typesDeliveredTo(ctx, outsider.id, number)).toEqual([]);
  });

  it('revoking an issued voucher twice emits voucher.revoked once', async () => {
    const req = contractRequest({
      parties: [
        { role: 'seller', name: '卖方', creditCode: sellerCode },
        { role: 'buyer', name: '买方', creditCode: randomCreditCode('320100') },
      ],
    });
    const { transactionId } = await ctx.database.db.transaction((tx) => requestVoucherInTx(tx, req));
    ctx.outbox.kick();
    const number = await numberOf(transactionId);
    for (let i = 0; i < 2; i++) {
      const out = await ctx.database.db.transaction((tx) =>
        requestRevocationInTx(tx, req.sourceType, req.sourceId, 'cancelled'),
      );
      expect(out).toEqual({ found: true, voucherNumber: number });
    }
    await received(receiver, sellerSub, 'voucher.revoked', (d) => d.number === number);
    expect(await typesDeliveredTo(ctx, sellerSub.id, number)).toEqual(['voucher.issued', 'voucher.revoked']);
  });
});

async function orgOf(sub: Subscriber) {
  const [row] = await ctx.database.db
    .select({ id: webhookEndpoints.organisationId })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, sub.id));
  return { id: row!.id! };
}
