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
let uni: TestActor;
let other: TestActor;
let operator: TestActor;
let registrar: TestActor;

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const sub = await createSubCentre(ctx);
  uni = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university', subCentre: sub }),
  });
  other = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university', subCentre: sub }),
  });
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
});

const post = (url: string, actor: TestActor, payload: object) =>
  app.inject({ method: 'POST', url, headers: actor.headers, payload });

describe('batch publishing', () => {
  it('answers per item, and one bad item never fails the others', async () => {
    const items = [
      achievementFixture(1),
      achievementFixture(2, { trl: 12 }),
      achievementFixture(3, {
        ipItems: [{ kind: 'invention_patent', number: '201310699744.X', title: 'x' }],
      }),
      achievementFixture(4, { externalId: undefined }),
      achievementFixture(5, { unknownField: 1 }),
      achievementFixture(6),
      achievementFixture(6, { title: '重复外部编号的另一项' }),
    ];
    const res = await post('/v1/achievements/batch', uni, { items });
    expect(res.statusCode, res.body).toBe(200);
    const { results, summary } = res.json();
    expect(results.map((r: { status: string }) => r.status)).toEqual([
      'created',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'created',
      'invalid',
    ]);
    expect(summary).toEqual({ created: 2, updated: 0, unchanged: 0, invalid: 5 });
    expect(results[1].errors[0]).toMatchObject({ field: 'trl' });
    expect(results[2].errors[0]).toMatchObject({ field: 'ipItems/0/number', code: 'patent-check' });
    expect(results[3].errors[0]).toMatchObject({ field: 'externalId' });
    expect(results[6].errors[0]).toMatchObject({ field: 'externalId', code: 'repeated' });
    const created = await app.inject({
      method: 'GET',
      url: `/v1/achievements/${results[0].id}`,
      headers: uni.headers,
    });
    expect(created.json().status).toBe('draft');
  });

  it('is idempotent: the same batch again is all unchanged; an edit is updated', async () => {
    const items = Array.from({ length: 20 }, (_, k) => achievementFixture(100 + k));
    const first = (await post('/v1/achievements/batch', uni, { items })).json();
    expect(first.summary).toMatchObject({ created: 20, invalid: 0 });
    const again = (await post('/v1/achievements/batch', uni, { items })).json();
    expect(again.summary).toEqual({ created: 0, updated: 0, unchanged: 20, invalid: 0 });
    expect(again.results.map((r: { id: string }) => r.id)).toEqual(
      first.results.map((r: { id: string }) => r.id),
    );
    const edited = items.map((it, k) => (k === 3 ? { ...it, summary: '修订后的一句话简介' } : it));
    const third = (await post('/v1/achievements/batch', uni, { items: edited })).json();
    expect(third.summary).toEqual({ created: 0, updated: 1, unchanged: 19, invalid: 0 });
    expect(third.results[3]).toMatchObject({ status: 'updated', id: first.results[3].id });
  });

  it('submits with the flag, and never publishes', async () => {
    const res = (
      await post('/v1/needs/batch', uni, { items: [needFixture(1), needFixture(2)], submit: true })
    ).json();
    expect(res.summary.created).toBe(2);
    for (const r of res.results) {
      const need = await app.inject({ method: 'GET', url: `/v1/needs/${r.id}`, headers: uni.headers });
      expect(need.json().status).toBe('submitted');
    }
    const queue = await app.inject({
      method: 'GET',
      url: '/v1/review-queue?kind=need&limit=100',
      headers: registrar.headers,
    });
    expect(queue.json().items.map((i: { id: string }) => i.id)).toEqual(
      expect.arrayContaining(res.results.map((r: { id: string }) => r.id)),
    );
  });
});

describe('duplicates', () => {
  it('flags the same patent number anywhere and a near-identical title in the organisation', async () => {
    const base = achievementFixture(500);
    const first = await post('/v1/achievements', uni, base);
    expect(first.statusCode).toBe(201);
    expect(first.json().warnings).toEqual([]);
    // Same patent at another organisation.
    const samePatent = await post(
      '/v1/achievements',
      other,
      achievementFixture(501, { ipItems: base.ipItems }),
    );
    expect(samePatent.json().warnings).toEqual([
      expect.objectContaining({ code: 'duplicate-patent', listingId: first.json().id }),
    ]);
    // Near-identical title (one character added) in the same organisation, through the batch.
    const batch = await post('/v1/achievements/batch', uni, {
      items: [achievementFixture(502, { title: `${base.title}。` })],
    });
    expect(batch.json().results[0].warnings).toEqual([
      expect.objectContaining({ code: 'similar-title', listingId: first.json().id }),
    ]);
    // The same title at another organisation is not a duplicate.
    const elsewhere = await post('/v1/achievements', other, achievementFixture(503, { title: base.title }));
    expect(elsewhere.json().warnings).toEqual([]);
  });

  it('lets an operator merge a duplicate into the listing kept', async () => {
    const keep = (await post('/v1/achievements', uni, achievementFixture(600))).json().id;
    const dup = (await post('/v1/achievements', uni, achievementFixture(601))).json().id;
    expect((await post(`/v1/achievements/${dup}/merge`, uni, { into: keep })).statusCode).toBe(403);
    const merged = await post(`/v1/achievements/${dup}/merge`, operator, { into: keep });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toMatchObject({ status: 'withdrawn', mergedInto: keep });
    expect((await post(`/v1/achievements/${keep}/merge`, operator, { into: dup })).statusCode).toBe(409);
    const { rows } = await ctx.database.pool.query(
      `SELECT actor_type FROM audit_events WHERE object_id = $1 AND action = 'achievement.merged'`,
      [dup],
    );
    expect(rows).toHaveLength(1);
  });
});
