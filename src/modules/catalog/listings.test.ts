import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture, needFixture } from '../../test/fixtures/catalog.js';
import type { Organisation, SubCentre } from '../identity/repository.js';
import { catalogModule } from './module.js';

const fixture = useTestApp([catalogModule.routes!], { env: { LOG_LEVEL: process.env.DBG_LOG ?? 'silent' } });
let ctx: TestContext;
let app: FastifyInstance;
let subA: SubCentre;
let subB: SubCentre;
let uni: Organisation;
let owner: TestActor;
let otherOrg: TestActor;
let unverified: TestActor;
let registrarA: TestActor;
let registrarB: TestActor;
let operator: TestActor;
let n = 0;

beforeAll(async () => {
  ({ ctx, app } = fixture);
  subA = await createSubCentre(ctx);
  subB = await createSubCentre(ctx);
  uni = await createOrganisation(ctx, { type: 'university', subCentre: subA, verified: true });
  owner = await createActor(ctx, { organisation: uni });
  otherOrg = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { subCentre: subB, verified: true }),
  });
  unverified = await createActor(ctx, { organisation: await createOrganisation(ctx, { subCentre: subB }) });
  registrarA = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: subA.id }] });
  registrarB = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: subB.id }] });
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
});

const req = (method: 'GET' | 'POST' | 'PUT', url: string, actor?: TestActor, payload?: object) =>
  app.inject({ method, url, headers: actor?.headers ?? {}, ...(payload ? { payload } : {}) });
const act = (id: string, actor: TestActor, action: string, extra: object = {}) =>
  req('POST', `/v1/achievements/${id}/transitions`, actor, { action, ...extra });

async function draft(over: Record<string, unknown> = {}, by = owner): Promise<string> {
  const res = await req('POST', '/v1/achievements', by, achievementFixture(++n + (Date.now() % 1e6), over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}
async function published(by = owner): Promise<string> {
  const id = await draft({}, by);
  expect((await act(id, by, 'submit')).statusCode).toBe(200);
  expect((await act(id, registrarA, 'approve')).statusCode).toBe(200);
  return id;
}

describe('achievement lifecycle', () => {
  it('goes draft → submitted → returned → submitted → published → in negotiation → transacted', async () => {
    const id = await draft();
    expect((await act(id, owner, 'submit')).json().status).toBe('submitted');
    const returned = await act(id, registrarA, 'return', {
      reasons: [{ code: 'incomplete', field: 'description', message: '请补充应用场景' }],
    });
    expect(returned.json()).toMatchObject({ status: 'returned', review: { decision: 'return' } });
    expect((await act(id, owner, 'submit')).json().status).toBe('submitted');
    expect((await act(id, registrarA, 'approve')).json().status).toBe('published');
    expect((await act(id, owner, 'negotiate')).json().status).toBe('in_negotiation');
    expect((await act(id, owner, 'transact')).json().status).toBe('transacted');
    const { rows } = await ctx.database.pool.query(
      'SELECT action, actor_type FROM audit_events WHERE object_id = $1 ORDER BY occurred_at, id',
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual([
      'achievement.created',
      'achievement.submit',
      'achievement.return',
      'achievement.submit',
      'achievement.approve',
      'achievement.negotiate',
      'achievement.transact',
    ]);
  });

  it('refuses transitions the state does not allow with a 409 problem', async () => {
    const id = await draft();
    const res = await act(id, registrarA, 'approve');
    // A registrar cannot even see a draft: it is hidden, then refused once it is submitted.
    expect(res.statusCode).toBe(404);
    const early = await act(id, owner, 'transact');
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ type: '/problems/invalid-transition', currentState: 'draft' });
    await act(id, owner, 'submit');
    expect((await act(id, owner, 'submit')).statusCode).toBe(409);
    expect((await act(id, registrarA, 'reject')).statusCode).toBe(400); // reasons required
    expect(
      (await act(id, registrarA, 'reject', { reasons: [{ code: 'not-technology' }] })).json().status,
    ).toBe('rejected');
    expect((await act(id, registrarA, 'approve')).statusCode).toBe(409);
  });

  it('lets only a registrar of the owner sub-centre review', async () => {
    const id = await draft();
    await act(id, owner, 'submit');
    expect((await act(id, registrarB, 'approve')).statusCode).toBe(404);
    expect((await act(id, owner, 'approve')).statusCode).toBe(403);
    const queueB = await req('GET', '/v1/review-queue', registrarB);
    expect(queueB.json().items.map((i: { id: string }) => i.id)).not.toContain(id);
    const queueA = await req('GET', '/v1/review-queue?kind=achievement&limit=100', registrarA);
    expect(queueA.statusCode, queueA.body).toBe(200);
    expect(queueA.json().items.map((i: { id: string }) => i.id)).toContain(id);
    expect((await act(id, registrarA, 'approve')).json().status).toBe('published');
  });

  it('expires and renews, and withdraws', async () => {
    const id = await published();
    expect((await act(id, owner, 'expire')).statusCode).toBe(403);
    expect((await act(id, operator, 'expire')).json().status).toBe('expired');
    expect((await act(id, owner, 'renew', { validUntil: '2020-01-01' })).statusCode).toBe(400);
    expect((await act(id, owner, 'renew', { validUntil: '2099-01-01' })).json().status).toBe('published');
    expect((await act(id, owner, 'withdraw')).json().status).toBe('withdrawn');
    expect((await act(id, owner, 'renew', { validUntil: '2099-01-01' })).statusCode).toBe(409);
  });
});

describe('validity dates', () => {
  const yesterday = new Date(Date.now() + 8 * 3600_000 - 86_400_000).toISOString().slice(0, 10);
  const todayChina = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

  it("refuses a past validUntil (and a need's past deadline) on create, edit and batch", async () => {
    const created = await req(
      'POST',
      '/v1/achievements',
      owner,
      achievementFixture(++n, { validUntil: yesterday }),
    );
    expect(created.statusCode).toBe(400);
    expect(created.json().errors).toEqual([
      expect.objectContaining({ field: 'body/validUntil', code: 'past' }),
    ]);
    const need = await req('POST', '/v1/needs', owner, needFixture(++n, { deadline: '2020-06-30' }));
    expect(need.statusCode).toBe(400);
    expect(need.json().errors).toEqual([expect.objectContaining({ field: 'body/deadline', code: 'past' })]);
    // Today is still valid (the sweep expires the day after).
    const id = await draft({ validUntil: todayChina });
    const edited = await req(
      'PUT',
      `/v1/achievements/${id}`,
      owner,
      achievementFixture(++n, { validUntil: yesterday }),
    );
    expect(edited.statusCode).toBe(400);
    const batch = await req('POST', '/v1/achievements/batch', owner, {
      items: [achievementFixture(++n + 9_000_000, { validUntil: yesterday })],
    });
    expect(batch.json().results[0]).toMatchObject({
      status: 'invalid',
      errors: [expect.objectContaining({ field: 'validUntil', code: 'past' })],
    });
  });

  it('refuses to approve a listing whose validUntil passed while it waited for review', async () => {
    const id = await draft({ validUntil: '2099-01-01' });
    expect((await act(id, owner, 'submit')).statusCode).toBe(200);
    await ctx.database.pool.query(`UPDATE catalog_listings SET valid_until = $2 WHERE id = $1`, [
      id,
      yesterday,
    ]);
    const approved = await act(id, registrarA, 'approve');
    expect(approved.statusCode).toBe(400);
    expect(approved.json().errors).toEqual([expect.objectContaining({ field: 'validUntil', code: 'past' })]);
    expect((await req('GET', `/v1/achievements/${id}`, owner)).json().status).toBe('submitted');
    // The registrar returns it; the owner sets a new date and it can be approved.
    expect((await act(id, registrarA, 'return', { reasons: [{ code: 'other' }] })).statusCode).toBe(200);
  });
});

describe('drafts are private to their organisation', () => {
  it('another organisation and anonymous callers get 404 for a draft, and cannot edit it', async () => {
    const id = await draft();
    expect((await req('GET', `/v1/achievements/${id}`, otherOrg)).statusCode).toBe(404);
    expect((await req('GET', `/v1/achievements/${id}`)).statusCode).toBe(404);
    expect((await req('PUT', `/v1/achievements/${id}`, otherOrg, achievementFixture(1))).statusCode).toBe(
      404,
    );
    expect((await req('GET', `/v1/achievements/${id}`, owner)).statusCode).toBe(200);
    const list = await req('GET', `/v1/achievements?organisationId=${uni.id}&limit=100`, otherOrg);
    expect(list.json().items.map((i: { id: string }) => i.id)).not.toContain(id);
    const mine = await req('GET', `/v1/achievements?organisationId=${uni.id}&status=draft&limit=100`, owner);
    expect(mine.json().items.map((i: { id: string }) => i.id)).toContain(id);
  });

  it('another organisation cannot edit a published listing (403)', async () => {
    const id = await published();
    expect((await req('PUT', `/v1/achievements/${id}`, otherOrg, achievementFixture(2))).statusCode).toBe(
      403,
    );
  });
});

describe('confidential details', () => {
  it('are absent for anonymous, unverified and non-NDA callers, present after a verified NDA', async () => {
    const id = await published();
    for (const actor of [undefined, unverified, otherOrg]) {
      const res = await req('GET', `/v1/achievements/${id}`, actor);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).not.toHaveProperty('confidential');
      expect(body.hasConfidential).toBe(true);
      expect(body.contacts[0].phone).toBe('138****5678');
      expect(res.body).not.toContain('13812345678');
      expect(res.body).not.toContain('烧结温度 720'); // the confidential text (a bare '720' can occur in a UUID)
    }
    expect((await req('POST', `/v1/achievements/${id}/nda`, unverified)).statusCode).toBe(403);
    const nda = await req('POST', `/v1/achievements/${id}/nda`, otherOrg);
    expect(nda.statusCode).toBe(200);
    const seen = (await req('GET', `/v1/achievements/${id}`, otherOrg)).json();
    expect(seen.ndaAccepted).toBe(true);
    expect(seen.confidential.detailedIndicators[0]).toContain('720');
    expect(seen.contacts[0].phone).toBe('13812345678');
    // Lists never carry the confidential part.
    const list = await req('GET', `/v1/achievements?organisationId=${uni.id}&limit=100`, otherOrg);
    expect(list.body).not.toContain('720 ℃');
    const { rows } = await ctx.database.pool.query(
      `SELECT 1 FROM audit_events WHERE object_id = $1 AND action = 'achievement.nda-accepted'`,
      [id],
    );
    expect(rows).toHaveLength(1);
  });
});

describe('editing a published listing', () => {
  it('keeps it published, bumps the version, keeps the old content and feeds an update', async () => {
    const id = await published();
    const before = (await req('GET', `/v1/achievements/${id}`, owner)).json();
    const res = await req(
      'PUT',
      `/v1/achievements/${id}`,
      owner,
      achievementFixture(999_999, { externalId: before.externalId, title: `${before.title}（修订）` }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'published', version: 2 });
    const { rows } = await ctx.database.pool.query(
      'SELECT version, snapshot FROM catalog_listing_versions WHERE listing_id = $1',
      [id],
    );
    expect(rows).toEqual([expect.objectContaining({ version: 1 })]);
    expect(rows[0].snapshot.content.title).toBe(before.title);
    const changes = await ctx.database.pool.query(
      'SELECT change FROM catalog_changes WHERE listing_id = $1 ORDER BY seq',
      [id],
    );
    expect(changes.rows.map((r) => r.change)).toEqual(['published', 'updated']);
  });

  it('reports only a clash of external ids as external-id-taken, not any other unique violation', async () => {
    const id = await published();
    const before = (await req('GET', `/v1/achievements/${id}`, owner)).json();
    const edit = (externalId: string) =>
      req(
        'PUT',
        `/v1/achievements/${id}`,
        owner,
        achievementFixture(999_998, { externalId, title: `${before.title}（再版）` }),
      );
    // Another listing of the organisation holds the external id: that is the caller's conflict.
    const other = (await req('GET', `/v1/achievements/${await published()}`, owner)).json();
    const clash = await edit(other.externalId);
    expect(clash.statusCode, clash.body).toBe(409);
    expect(clash.json().type).toContain('catalog-external-id-taken');
    // The version this edit would keep already exists: a fault of ours, not an external-id clash.
    await ctx.database.pool.query(
      'INSERT INTO catalog_listing_versions (listing_id, version, snapshot) VALUES ($1, $2, $3)',
      [id, before.version, '{}'],
    );
    const fault = await edit(before.externalId);
    expect(fault.statusCode, fault.body).toBe(500);
    expect(fault.json().type).not.toContain('catalog-external-id-taken');
  });

  it('names the offending character of a bad patent number', async () => {
    const res = await req(
      'POST',
      '/v1/achievements',
      owner,
      achievementFixture(77, {
        ipItems: [{ kind: 'invention_patent', number: '201310699744.3', title: 'x' }],
      }),
    );
    expect(res.statusCode).toBe(400);
    const err = res.json().errors[0];
    expect(err.field).toBe('body/ipItems/0/number');
    expect(err.message).toContain('「3」');
    expect(err.message).toContain('2');
  });
});

describe('queries', () => {
  it('filters by field, TRL and price and sorts by price with a stable cursor', async () => {
    const org = await createOrganisation(ctx, { type: 'university', subCentre: subA });
    const member = await createActor(ctx, { organisation: org });
    const ids = [await published(member), await published(member), await published(member)];
    const page1 = await req(
      'GET',
      `/v1/achievements?organisationId=${org.id}&field=03&trlMin=6&trlMax=6&sort=price&limit=2`,
    );
    expect(page1.statusCode, page1.body).toBe(200);
    const first = page1.json();
    expect(first.items).toHaveLength(2);
    const page2 = await req(
      'GET',
      `/v1/achievements?organisationId=${org.id}&field=03&trlMin=6&trlMax=6&sort=price&limit=2&cursor=${encodeURIComponent(first.nextCursor)}`,
    );
    const all = [...first.items, ...page2.json().items];
    const prices = all.map((i: { priceFen: number }) => i.priceFen);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    for (const id of ids) expect(all.map((i: { id: string }) => i.id)).toContain(id);
    expect(all.every((i: { status: string }) => i.status === 'published')).toBe(true);
    const none = await req('GET', `/v1/achievements?organisationId=${org.id}&field=01`);
    expect(none.json().items).toEqual([]);
  });
});
