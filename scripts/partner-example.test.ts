import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../src/modules/index.js';
import { signDelivery } from '../src/modules/integration/signing.js';
import { createClientActor, createOrganisation, type TestActor } from '../src/test/actors.js';
import { useTestApp } from '../src/test/app.js';
import type { TestContext } from '../src/test/context.js';
import { createTechexClient } from './client/index.js';
import {
  clientCredentialsToken,
  startWebhookReceiver,
  syncChanges,
  verifyVoucher,
} from './partner-example.js';

/** The partner example against a real techex server (its types are checked by `npm run typecheck`). */
let ctx: TestContext;
let app: FastifyInstance;
let baseUrl: string;
let partner: TestActor;

const fixture = useTestApp(MODULES.flatMap((m) => (m.routes ? [m.routes] : [])));
beforeAll(async () => {
  ({ ctx, app } = fixture);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  partner = await createClientActor(ctx, await createOrganisation(ctx), ['changes:read', 'webhooks:manage']);
});

describe('the partner example', () => {
  it('accepts only correctly signed webhooks, once per webhook-id', async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const events: unknown[] = [];
    const receiver = await startWebhookReceiver({ secret, onEvent: (e) => void events.push(e) });
    const url = `http://127.0.0.1:${receiver.port}/`;
    const body = JSON.stringify({
      id: 'evt-1',
      type: 'voucher.issued',
      timestamp: new Date().toISOString(),
      data: { n: 1 },
    });
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: payload,
      });
    try {
      const signed = signDelivery([secret], 'evt-1', new Date(), body);
      expect((await post({ ...signed })).status).toBe(204);
      expect((await post({ ...signed })).status).toBe(204); // a retry: acknowledged, not handled twice
      expect(events).toEqual([expect.objectContaining({ id: 'evt-1', type: 'voucher.issued' })]);
      expect((await post({ ...signed }, body.replace('"n":1', '"n":2'))).status).toBe(401);
      const stale = signDelivery([secret], 'evt-2', new Date(Date.now() - 3600_000), body);
      expect((await post({ ...stale })).status).toBe(401);
      const other = signDelivery(
        [`whsec_${Buffer.alloc(32, 8).toString('base64')}`],
        'evt-3',
        new Date(),
        body,
      );
      expect((await post({ ...other })).status).toBe(401);
    } finally {
      await receiver.close();
    }
  });

  it('calls the API through the typed client', async () => {
    const techex = createTechexClient(baseUrl, () => partner.token, { language: 'en' });
    const { data, response } = await techex.GET('/v1/webhooks/event-types');
    expect(response.status).toBe(200);
    expect(data?.items.map((t) => t.type)).toContain('voucher.issued');
    const mine = await techex.GET('/v1/webhooks/subscriptions', { params: { query: { limit: 10 } } });
    expect(mine.data?.items).toEqual([]);
    const anonymous = await createTechexClient(baseUrl).GET('/v1/webhooks/subscriptions');
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error).toMatchObject({ type: '/problems/unauthorized', status: 401 });
  });

  it('syncs the change feed or says it is not served', async () => {
    const techex = createTechexClient(baseUrl, () => partner.token);
    const result = await syncChanges(techex, { onChange: () => undefined, maxPages: 3 });
    if (result.status === 'synced') expect(typeof result.cursor).toBe('string');
    else expect(result.reason).toMatch(/change feed/);
  });

  it('reports voucher verification and sign-in outcomes honestly', async () => {
    const techex = createTechexClient(baseUrl);
    const report = await verifyVoucher(techex, 'not.a.voucher');
    expect(['checked', 'error', 'unavailable']).toContain(report.status);
    if (report.status === 'checked') expect(report.valid).toBe(false);
    await expect(
      clientCredentialsToken({ baseUrl, clientId: 'nobody', clientSecret: 'wrong', scope: 'changes:read' }),
    ).rejects.toThrow(/not served|refused/);
  });
});
