import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture, needFixture } from '../../test/fixtures/catalog.js';
import { catalogModule } from './module.js';

const fixture = useTestApp([catalogModule.routes!]);
let ctx: TestContext;
let app: FastifyInstance;
let owner: TestActor;
let other: TestActor;
let registrar: TestActor;
const base = 800_000 + Math.floor(Math.random() * 1000) * 1000;
let n = 0;

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const sub = await createSubCentre(ctx);
  owner = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university', subCentre: sub, verified: true }),
  });
  other = await createActor(ctx, { organisation: await createOrganisation(ctx, { verified: true }) });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
});

const req = (method: 'GET' | 'POST' | 'PUT', url: string, actor?: TestActor, payload?: object) =>
  app.inject({ method, url, headers: actor?.headers ?? {}, ...(payload ? { payload } : {}) });

async function publish(kind: 'achievements' | 'needs', body: object): Promise<string> {
  const created = await req('POST', `/v1/${kind}`, owner, body);
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  await req('POST', `/v1/${kind}/${id}/transitions`, owner, { action: 'submit' });
  const approved = await req('POST', `/v1/${kind}/${id}/transitions`, registrar, { action: 'approve' });
  expect(approved.json().status).toBe('published');
  return id;
}

async function edit(kind: 'achievements' | 'needs', id: string, body: object) {
  const res = await req('PUT', `/v1/${kind}/${id}`, owner, body);
  expect(res.statusCode, res.body).toBe(200);
}

describe('version history', () => {
  it('lists the published versions newest first, with the fields each edit changed', async () => {
    const k = base + ++n;
    const v1 = achievementFixture(k);
    const id = await publish('achievements', v1);
    const v2 = achievementFixture(k, { summary: '循环寿命提升五成的连续化制备工艺' });
    await edit('achievements', id, v2);
    const v3 = { ...v2, title: `${v1.title}（第二版）`, priceFen: 88_000_000 };
    await edit('achievements', id, v3);

    const res = await req('GET', `/v1/achievements/${id}/versions`, owner);
    expect(res.statusCode, res.body).toBe(200);
    const { items, nextCursor } = res.json();
    expect(nextCursor).toBeNull();
    expect(items.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect(items.map((v: { changedFields: unknown }) => v.changedFields)).toEqual([
      ['priceFen', 'title'],
      ['summary'],
      null,
    ]);
    expect(items.map((v: { current: boolean }) => v.current)).toEqual([true, false, false]);
    expect(
      items.every((v: { actorType: string; createdAt: string }) => v.actorType === 'user' && v.createdAt),
    ).toBe(true);
    expect(items[2].content).toMatchObject({ title: v1.title, summary: v1.summary, priceFen: v1.priceFen });
    expect(items[0].content).toMatchObject({ title: v3.title, priceFen: 88_000_000 });
    // The owner sees the confidential part and the contacts as entered.
    expect(items[2].confidential).toEqual(v1.confidential);
    expect(items[2].content.contacts[0].phone).toBe('13812345678');
    expect(JSON.stringify(items)).not.toContain(owner.userId);

    // Pages of two, then the rest; the last of a page still knows what it changed.
    const first = (await req('GET', `/v1/achievements/${id}/versions?limit=2`, owner)).json();
    expect(first.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    expect(first.items[1].changedFields).toEqual(['summary']);
    const rest = (
      await req(
        'GET',
        `/v1/achievements/${id}/versions?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`,
        owner,
      )
    ).json();
    expect(rest.items.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(rest.nextCursor).toBeNull();
  });

  it('shows other organisations and anonymous callers the public part only', async () => {
    const k = base + ++n;
    const id = await publish('achievements', achievementFixture(k));
    await edit('achievements', id, achievementFixture(k, { confidential: { notes: '新的工艺窗口' } }));
    for (const caller of [other, undefined]) {
      const res = await req('GET', `/v1/achievements/${id}/versions`, caller);
      expect(res.statusCode, res.body).toBe(200);
      const { items } = res.json();
      expect(items.map((v: { changedFields: unknown }) => v.changedFields)).toEqual([['confidential'], null]);
      for (const v of items) {
        expect(v).not.toHaveProperty('confidential');
        expect(v.content.contacts[0].phone).not.toBe('13812345678');
        expect(JSON.stringify(v)).not.toContain('工艺窗口');
      }
    }
  });

  it("hides a draft's history from other organisations and shows its owner an empty one", async () => {
    const created = await req('POST', '/v1/needs', owner, needFixture(base + ++n));
    const id = created.json().id as string;
    expect((await req('GET', `/v1/needs/${id}/versions`, other)).statusCode).toBe(404);
    expect((await req('GET', `/v1/needs/${id}/versions`)).statusCode).toBe(404);
    const mine = await req('GET', `/v1/needs/${id}/versions`, owner);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json()).toEqual({ items: [], nextCursor: null });
    // The kinds do not mix: a need is not an achievement.
    expect((await req('GET', `/v1/achievements/${id}/versions`, owner)).statusCode).toBe(404);
  });

  it('names the actions a state allows when a transition is refused', async () => {
    const created = await req('POST', '/v1/achievements', owner, achievementFixture(base + ++n));
    const id = created.json().id as string;
    const res = await req('POST', `/v1/achievements/${id}/transitions`, owner, { action: 'renew' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      currentState: 'draft',
      action: 'renew',
      allowedActions: ['submit', 'withdraw'],
    });
  });

  it('returns a listing only with structured reasons (a code from the list, optional field and text)', async () => {
    const created = await req('POST', '/v1/achievements', owner, achievementFixture(base + ++n));
    const id = created.json().id as string;
    await req('POST', `/v1/achievements/${id}/transitions`, owner, { action: 'submit' });
    const back = (body: object) => req('POST', `/v1/achievements/${id}/transitions`, registrar, body);
    expect((await back({ action: 'return' })).statusCode).toBe(400);
    expect((await back({ action: 'return', reasons: [{ code: 'bad' }] })).statusCode).toBe(400);
    expect((await back({ action: 'return', reasons: ['请补充'] })).statusCode).toBe(400);
    const reason = { code: 'price-unclear', field: 'priceFen', message: '请说明定价依据' };
    const res = await back({ action: 'return', reasons: [reason] });
    expect(res.json()).toMatchObject({
      status: 'returned',
      review: { decision: 'return', reasons: [reason] },
    });
  });
});
