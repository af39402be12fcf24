/**
 * Listings in negotiation (在洽谈) still take interests, so search and matches keep finding them,
 * saying their status; a transacted listing is no longer found (issue 18 item 17).
 */
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import {
  createMatchingWorld,
  indexListing,
  ownSearchNamespace,
  transitionListing,
} from '../../test/fixtures/matching.js';
import { catalogModule } from '../catalog/module.js';
import { matchingModule } from './module.js';

const fixture = useTestApp([catalogModule.routes!, matchingModule.routes!], { env: ownSearchNamespace() });
let ctx: TestContext;
let app: FastifyInstance;
let owner: TestActor;
let buyer: TestActor;
let achievementId: string;
let needId: string;

async function transition(kind: 'achievement' | 'need', id: string, action: string, by: TestActor) {
  await transitionListing(app, kind, id, action, by);
  await indexListing(ctx, kind, id);
}

const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const world = await createMatchingWorld(ctx, app);
  ({ university: owner, enterprise: buyer } = world);
  achievementId = await world.publish('achievement', owner, {
    title: '碳化硅功率模块银烧结封装技术',
    summary: '银烧结封装提高碳化硅功率模块的导热与可靠性',
    keywords: ['银烧结', '碳化硅'],
    field: '03',
  });
  needId = await world.publish('need', buyer, {
    title: '寻求碳化硅功率模块银烧结封装工艺',
    description: '新能源汽车电驱用碳化硅功率模块，需要银烧结封装工艺提升导热可靠性',
    field: '03',
  });
});

describe('listings in negotiation', () => {
  it('stay searchable and matchable with their status; once transacted they are gone', async () => {
    await transition('achievement', achievementId, 'negotiate', owner);
    await transition('need', needId, 'negotiate', buyer);
    const q = encodeURIComponent('银烧结');

    const found = await get(`/v1/search?q=${q}`);
    expect(found.items).toEqual([expect.objectContaining({ id: achievementId, status: 'in_negotiation' })]);
    const needs = await get(`/v1/search?type=need&q=${q}`);
    expect(needs.items).toEqual([expect.objectContaining({ id: needId, status: 'in_negotiation' })]);

    const forNeed = await get(`/v1/needs/${needId}/matches`);
    expect(forNeed.items).toContainEqual(
      expect.objectContaining({ id: achievementId, status: 'in_negotiation' }),
    );
    const forAchievement = await get(`/v1/achievements/${achievementId}/matches`);
    expect(forAchievement.items).toContainEqual(
      expect.objectContaining({ id: needId, status: 'in_negotiation' }),
    );

    await transition('achievement', achievementId, 'transact', owner);
    expect((await get(`/v1/search?q=${q}`)).items).toEqual([]);
    expect((await get(`/v1/needs/${needId}/matches`)).items.map((i: { id: string }) => i.id)).not.toContain(
      achievementId,
    );
  });
});
