import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { notificationRoutes } from './routes.js';
import { notifyInTx } from './service.js';

/** The inbox: who sees what, deduplication, read state. */
const fixture = useTestApp([notificationRoutes]);
let ctx: TestContext;
let app: FastifyInstance;
let alice: TestActor; // member of org A
let bob: TestActor; // another member of org A
let carol: TestActor; // org B

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const orgA = await createOrganisation(ctx);
  alice = await createActor(ctx, { organisation: orgA });
  bob = await createActor(ctx, { organisation: orgA });
  carol = await createActor(ctx, { organisation: await createOrganisation(ctx) });
});

const inbox = async (a: TestActor, query = '') => {
  const res = await app.inject({ url: `/v1/notifications${query}`, headers: a.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    items: { id: string; kind: string; audience: string; readAt: string | null }[];
    unread: number;
  };
};

describe('notifications', () => {
  it('reach the person addressed and everyone acting for the organisation addressed, once per key', async () => {
    const db = ctx.database.db;
    const org = alice.organisationId!;
    expect(
      await notifyInTx(db, [
        {
          recipient: { userId: alice.userId },
          kind: 'test.personal',
          title: '给 Alice',
          data: {},
          dedupKey: `p-${org}`,
        },
        {
          recipient: { organisationId: org },
          kind: 'test.org',
          title: '给机构',
          data: { x: 1 },
          dedupKey: `o-${org}`,
        },
      ]),
    ).toBe(2);
    // the same occurrence again (a retried job): nothing new
    expect(
      await notifyInTx(db, [
        {
          recipient: { organisationId: org },
          kind: 'test.org',
          title: '给机构',
          data: { x: 1 },
          dedupKey: `o-${org}`,
        },
      ]),
    ).toBe(0);

    const a = await inbox(alice);
    expect(a.items.map((i) => i.kind).sort()).toEqual(['test.org', 'test.personal']);
    expect(a.unread).toBe(2);
    const b = await inbox(bob);
    expect(b.items.map((i) => i.kind)).toEqual(['test.org']);
    expect(b.items[0]!.audience).toBe('organisation');
    expect((await inbox(carol)).items).toEqual([]);
  });

  it('are marked read by their recipients only; another caller gets 404', async () => {
    const personal = (await inbox(alice)).items.find((i) => i.kind === 'test.personal')!;
    const denied = await app.inject({
      method: 'POST',
      url: `/v1/notifications/${personal.id}/read`,
      headers: carol.headers,
    });
    expect(denied.statusCode).toBe(404);
    expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
    const ok = await app.inject({
      method: 'POST',
      url: `/v1/notifications/${personal.id}/read`,
      headers: alice.headers,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().readAt).toBeTruthy();
    expect((await inbox(alice, '?unread=true')).items.map((i) => i.kind)).toEqual(['test.org']);

    const all = await app.inject({ method: 'POST', url: '/v1/notifications/read-all', headers: bob.headers });
    expect(all.json()).toEqual({ updated: 1 });
    expect((await inbox(alice)).unread).toBe(0);
  });

  it('require a signed-in caller', async () => {
    const res = await app.inject({ url: '/v1/notifications' });
    expect(res.statusCode).toBe(401);
  });
});
