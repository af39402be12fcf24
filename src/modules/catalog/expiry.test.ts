import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../platform/db.js';
import {
  createActor,
  createClientActor,
  createOrganisation,
  createSubCentre,
  type TestActor,
} from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture, needFixture } from '../../test/fixtures/catalog.js';
import type { Organisation } from '../identity/repository.js';
import { upsertBatch } from './batch.js';
import { createExpiryService, expireDueListings } from './expiry.js';
import { catalogModule } from './module.js';
import { today } from './transitions.js';
import { SYSTEM } from './views.js';

const fixture = useTestApp([catalogModule.routes!]);
let ctx: TestContext;
let app: FastifyInstance;
let uni: Organisation;
let owner: TestActor;
let registrar: TestActor;
let partner: TestActor;
let n = 0;

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const sub = await createSubCentre(ctx);
  uni = await createOrganisation(ctx, { type: 'university', subCentre: sub, verified: true });
  owner = await createActor(ctx, { organisation: uni });
  registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] });
  partner = await createClientActor(ctx, undefined, ['changes:read']);
});

const base = 700_000 + Math.floor(Math.random() * 1000) * 1000;
const req = (method: 'GET' | 'POST', url: string, actor?: TestActor, payload?: object) =>
  app.inject({ method, url, headers: actor?.headers ?? {}, ...(payload ? { payload } : {}) });
// Tests in other files share the database: every sweep here is limited to this file's owner.
const sweep = (db = ctx.database.db, batchSize?: number) =>
  expireDueListings(db, { organisationIds: [uni.id], batchSize });

/**
 * A published listing whose `validUntil` (or `deadline`) is `over`'s: a past date cannot be
 * posted, so the listing is published with a future one and the days then "pass" in the table.
 */
async function published(kind: 'achievements' | 'needs', over: Record<string, unknown>): Promise<string> {
  const id = await publishedAsPosted(kind, { ...over, ...futureOf(over) });
  const past = over.validUntil ?? over.deadline;
  if (typeof past === 'string' && past < today())
    await ctx.database.pool.query(
      `UPDATE catalog_listings SET valid_until = $2::date,
              content = jsonb_set(content, $3::text[], to_jsonb($2::text)) WHERE id = $1`,
      [id, past, over.validUntil ? '{validUntil}' : '{deadline}'],
    );
  return id;
}
const futureOf = (over: Record<string, unknown>) =>
  Object.fromEntries(
    (['validUntil', 'deadline'] as const).flatMap((f) =>
      typeof over[f] === 'string' && (over[f] as string) < today() ? [[f, '2099-12-31']] : [],
    ),
  );

async function publishedAsPosted(
  kind: 'achievements' | 'needs',
  over: Record<string, unknown>,
): Promise<string> {
  const body = kind === 'achievements' ? achievementFixture(base + ++n, over) : needFixture(base + ++n, over);
  const created = await req('POST', `/v1/${kind}`, owner, body);
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  expect((await req('POST', `/v1/${kind}/${id}/transitions`, owner, { action: 'submit' })).statusCode).toBe(
    200,
  );
  const approved = await req('POST', `/v1/${kind}/${id}/transitions`, registrar, { action: 'approve' });
  expect(approved.json().status).toBe('published');
  return id;
}

const statusOf = async (kind: 'achievements' | 'needs', id: string) =>
  (await req('GET', `/v1/${kind}/${id}`, owner)).json().status as string;

async function feedEnd(): Promise<string> {
  let cursor = '';
  for (;;) {
    const page = (await req('GET', `/v1/changes?limit=100&cursor=${cursor}`, partner)).json();
    cursor = encodeURIComponent(page.nextCursor);
    if (!page.items.length) return cursor;
  }
}

/** The feed's changes of `id` after `cursor`, waiting a little for older transactions to end. */
async function feedChanges(cursor: string, id: string, want: number): Promise<string[]> {
  const seen: string[] = [];
  for (let tries = 0; tries < 50 && seen.length < want; tries++) {
    const page = (await req('GET', `/v1/changes?limit=100&cursor=${cursor}`, partner)).json();
    cursor = encodeURIComponent(page.nextCursor);
    for (const item of page.items) if (item.id === id) seen.push(item.change);
    if (!page.items.length) await sleep(100);
  }
  return seen;
}

describe('automatic expiry', () => {
  it('expires published listings past their date, tells the owner, and renew brings them back', async () => {
    const due = await published('achievements', { validUntil: '2020-01-01' });
    const future = await published('achievements', { validUntil: '2099-12-31' });
    // A need without validUntil expires by its deadline.
    const need = await published('needs', { deadline: '2021-06-30' });
    // Mid-deal listings do not expire.
    const negotiating = await published('achievements', { validUntil: '2020-01-01' });
    await req('POST', `/v1/achievements/${negotiating}/transitions`, owner, { action: 'negotiate' });
    const cursor = await feedEnd();

    expect(await sweep()).toBe(2);
    expect(await statusOf('achievements', due)).toBe('expired');
    expect(await statusOf('needs', need)).toBe('expired');
    expect(await statusOf('achievements', future)).toBe('published');
    expect(await statusOf('achievements', negotiating)).toBe('in_negotiation');
    expect(await sweep()).toBe(0);

    expect(await feedChanges(cursor, due, 1)).toEqual(['expired']);
    const { rows: audit } = await ctx.database.pool.query(
      `SELECT actor_type, actor_id, before, after FROM audit_events
       WHERE object_id = $1 AND action = 'achievement.expire'`,
      [due],
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor_type: 'system',
        actor_id: 'catalog-expiry',
        before: { status: 'published' },
        after: { status: 'expired' },
      }),
    ]);
    const { rows: events } = await ctx.database.pool.query(
      'SELECT type FROM webhook_events WHERE subject_id = $1 ORDER BY id',
      [need],
    );
    expect(events.map((e) => e.type)).toEqual(['need.published', 'need.expired']);
    const { rows: notes } = await ctx.database.pool.query(
      `SELECT recipient_organisation_id AS org, title, data FROM notifications
       WHERE kind = 'listing.expired' AND data->>'id' = ANY($1)`,
      [[due, need, future, negotiating]],
    );
    expect(notes.map((x) => x.data.id).sort()).toEqual([due, need].sort());
    expect(notes.every((x) => x.org === uni.id && x.title.includes('续期'))).toBe(true);

    const renewed = await req('POST', `/v1/achievements/${due}/transitions`, owner, {
      action: 'renew',
      validUntil: '2099-01-01',
    });
    expect(renewed.json()).toMatchObject({ status: 'published', validUntil: '2099-01-01' });
    expect(await sweep()).toBe(0);
    expect(await statusOf('achievements', due)).toBe('published');
    expect(await feedChanges(cursor, due, 2)).toEqual(['expired', 'published']);
  });

  it('expires each listing once when several sweeps run at the same time', async () => {
    const items = Array.from({ length: 40 }, () =>
      achievementFixture(base + ++n, { validUntil: '2099-01-01' }),
    );
    const results = await upsertBatch(ctx.database.db, items, {
      kind: 'achievement',
      organisationId: uni.id,
      subCentreId: null,
      actor: SYSTEM,
      lang: 'en',
      publish: true,
    });
    const ids = results.map((r) => r.id!);
    // Their validity has since run out.
    await ctx.database.pool.query(
      `UPDATE catalog_listings SET valid_until = '2021-01-01' WHERE id = ANY($1)`,
      [ids],
    );
    // Three worker processes' sweeps on connections of their own, in small interleaved batches.
    const pools: Database[] = [1, 2, 3].map(() => createDatabase(ctx.config.databaseUrl!, { max: 2 }));
    try {
      const counts = await Promise.all(pools.map((p) => sweep(p.db, 3)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
      expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
    const { rows } = await ctx.database.pool.query(
      `SELECT listing_id, count(*)::int AS n FROM catalog_changes
       WHERE listing_id = ANY($1) AND change = 'expired' GROUP BY listing_id`,
      [ids],
    );
    expect(rows.length).toBe(40);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const { rows: notes } = await ctx.database.pool.query(
      `SELECT count(*)::int AS n FROM notifications WHERE kind = 'listing.expired' AND data->>'id' = ANY($1)`,
      [ids],
    );
    expect(notes[0].n).toBe(40);
  });

  it('runs periodically in worker processes', async () => {
    expect(catalogModule.services?.(ctx).map((s) => s.name)).toEqual(['catalog-expiry']);
    const service = createExpiryService({
      db: ctx.database.db,
      outbox: ctx.outbox,
      intervalMs: 100,
      organisationIds: [uni.id],
    });
    await service.start();
    try {
      // Due only after the service started: a later tick, not the one at start-up, expires it.
      await sleep(150);
      const id = await published('achievements', { validUntil: '2022-02-02' });
      let status = 'published';
      for (let k = 0; k < 100 && status === 'published'; k++) {
        await sleep(100);
        status = await statusOf('achievements', id);
      }
      expect(status).toBe('expired');
    } finally {
      await service.stop();
    }
  });
});
