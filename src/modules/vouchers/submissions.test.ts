import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxDispatcher, type OutboxDispatcher } from '../../platform/outbox.js';
import type { AnyWorker } from '../../platform/queue.js';
import { createActor, createClientActor, createOrganisation } from '../../test/actors.js';
import { buildTestApp, createTestContext, type TestContext } from '../../test/context.js';
import { voucherParts, voucherWorkers } from './jobs.js';
import { vouchersModule } from './module.js';
import { ISSUE_QUEUE } from './request.js';

// A partner exchange reports a completed data product transaction and gets its voucher.
let ctx: TestContext;
let app: FastifyInstance;
let worker: AnyWorker;
let outbox: OutboxDispatcher;

beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildTestApp(ctx, [vouchersModule.routes!]);
  for (const def of voucherWorkers(ctx)) {
    worker = ctx.queues.worker(def.queue as never, def.process, { concurrency: def.concurrency });
  }
  await worker.waitUntilReady();
  outbox = createOutboxDispatcher({
    db: ctx.database.db,
    queues: ctx.queues,
    logger: pino({ level: 'silent' }),
    sweepMs: 200,
    onlyQueues: [ISSUE_QUEUE],
  });
  outbox.start();
  voucherParts(ctx).issuer.start();
  voucherParts(ctx).sequencer.start();
});
afterAll(async () => {
  await worker?.close();
  await outbox?.stop();
  await voucherParts(ctx).issuer.stop();
  await voucherParts(ctx).sequencer.stop();
  await app?.close();
  await ctx?.close();
});

const submission = (externalId: string) => ({
  externalId,
  parties: [
    { role: 'seller', name: '江苏某数据科技有限公司', creditCode: '91350100M000100Y43' },
    { role: 'buyer', name: '南京某智能制造有限公司', creditCode: '91110108551385082Q' },
  ],
  subject: { title: '工业设备运行数据集（2026 年度）' },
  amounts: { contractValueFen: 12_000_000, transactionAmountFen: 12_000_000 },
  documentHashes: [{ name: 'contract', sha256: createHash('sha256').update(externalId).digest('hex') }],
});

describe('data product transactions from partner exchanges', () => {
  it('issues exactly one voucher per externalId and lets only the submitter read it', async () => {
    const partnerOrg = await createOrganisation(ctx, { verified: true });
    const partner = await createClientActor(ctx, partnerOrg, ['vouchers:write']);
    const externalId = `dx-${ctx.tag}`;
    const first = await app.inject({
      method: 'POST',
      url: '/v1/vouchers/transactions',
      headers: partner.headers,
      payload: submission(externalId),
    });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ externalId, created: true });
    const again = await app.inject({
      method: 'POST',
      url: '/v1/vouchers/transactions',
      headers: partner.headers,
      payload: submission(externalId),
    });
    expect(again.json()).toMatchObject({ transactionId: first.json().transactionId, created: false });

    const url = `/v1/vouchers/transactions/${first.json().transactionId}`;
    let status = first.json();
    for (let i = 0; i < 150 && status.status !== 'issued'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await app.inject({ url, headers: partner.headers })).json();
    }
    expect(status.status).toBe('issued');
    const voucher = (await app.inject(`/v1/vouchers/${status.voucherNumber}`)).json();
    expect(voucher.payload).toMatchObject({
      type: 'data_product',
      subject: { title: '工业设备运行数据集（2026 年度）' },
    });

    const stranger = await createClientActor(ctx, await createOrganisation(ctx, { verified: true }), [
      'vouchers:write',
    ]);
    expect((await app.inject({ url, headers: stranger.headers })).statusCode).toBe(404);
  });

  it('refuses unverified organisations, missing scope and malformed hashes', async () => {
    const unverified = await createClientActor(ctx, await createOrganisation(ctx), ['vouchers:write']);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/vouchers/transactions',
          headers: unverified.headers,
          payload: submission('x1'),
        })
      ).statusCode,
    ).toBe(403);
    const noScope = await createActor(ctx, {
      organisation: await createOrganisation(ctx, { verified: true }),
      scopes: ['catalog:read'],
    });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/vouchers/transactions',
          headers: noScope.headers,
          payload: submission('x2'),
        })
      ).statusCode,
    ).toBe(403);
    const partner = await createClientActor(ctx, await createOrganisation(ctx, { verified: true }), [
      'vouchers:write',
    ]);
    const bad = { ...submission('x3'), documentHashes: [{ name: 'contract', sha256: 'not-a-hash' }] };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/vouchers/transactions',
      headers: partner.headers,
      payload: bad,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toMatch(/documentHashes/);
  });
});
