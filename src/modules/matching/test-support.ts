/**
 * Test helpers of the matching module: listings created and published through the catalog's HTTP
 * API, then put into the search index by the indexer's own code.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { TestActor } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import type { ListingKind } from '../catalog/service.js';
import { achievementFixture, needFixture } from '../catalog/test-fixtures.js';
import { searchEngineFor } from './engine-instance.js';
import { applyListing } from './index-apply.js';

/** A search namespace of the test file's own, so files never see each other's documents. */
export const ownSearchNamespace = () => ({ QUEUE_PREFIX: `tm${randomBytes(4).toString('hex')}` });

let n = Math.floor(Date.now() % 1e6) * 10;

export async function createListing(
  app: FastifyInstance,
  kind: ListingKind,
  owner: TestActor,
  over: Record<string, unknown>,
): Promise<string> {
  // no patent numbers: duplicate warnings across test runs are not what these tests look at
  const fixture =
    kind === 'achievement' ? achievementFixture(++n, { ipItems: [], ...over }) : needFixture(++n, over);
  const res = await app.inject({
    method: 'POST',
    url: `/v1/${kind}s`,
    headers: owner.headers,
    payload: fixture,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** Created, submitted by its owner and approved by `reviewer`, then indexed. */
export async function publishListing(
  ctx: TestContext,
  app: FastifyInstance,
  kind: ListingKind,
  actors: { owner: TestActor; reviewer: TestActor },
  over: Record<string, unknown>,
): Promise<string> {
  const id = await createListing(app, kind, actors.owner, over);
  for (const [action, by] of [
    ['submit', actors.owner],
    ['approve', actors.reviewer],
  ] as const) {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/${kind}s/${id}/transitions`,
      headers: by.headers,
      payload: { action },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  await indexListing(ctx, kind, id);
  return id;
}

/** Indexes a listing as the indexer does on `catalog.changed` (its workers do not run in tests). */
export async function indexListing(ctx: TestContext, kind: ListingKind, id: string): Promise<void> {
  const engine = await searchEngineFor(ctx);
  const applied = await applyListing(ctx.database.db, engine, { type: kind, id, change: 'published' });
  expect(applied?.visible, `${kind} ${id} is indexed`).toBe(true);
}

/** Every match carries a score, the full breakdown and at least one zh-CN reason. */
export function expectExplained(items: Record<string, unknown>[], components: string[]): void {
  for (const item of items) {
    expect(typeof item.score).toBe('number');
    const breakdown = item.breakdown as Record<string, number>;
    expect(Object.keys(breakdown).sort()).toEqual([...components].sort());
    for (const value of Object.values(breakdown)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    const reasons = item.reasons as string[];
    expect(reasons.length, JSON.stringify(item)).toBeGreaterThan(0);
    for (const r of reasons) expect(r).toMatch(/\p{Script=Han}/u);
    expect(Array.isArray(item.matchedTerms)).toBe(true);
  }
}
