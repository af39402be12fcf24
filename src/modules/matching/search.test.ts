import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { createListing, createMatchingWorld, ownSearchNamespace } from '../../test/fixtures/matching.js';
import { catalogModule } from '../catalog/module.js';
import { searchEngineFor } from './engine-instance.js';
import { matchingModule } from './module.js';

const fixture = useTestApp([catalogModule.routes!, matchingModule.routes!], { env: ownSearchNamespace() });
let ctx: TestContext;
let app: FastifyInstance;
let owner: TestActor;
let operator: TestActor;
let otherOwner: TestActor;
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const world = await createMatchingWorld(ctx, app);
  ({ university: owner, enterprise: otherOwner, operator } = world);
  ids.battery = await world.publish('achievement', owner, {
    title: '高镍锂离子电池正极材料连续化制备技术',
    summary: '正极材料批次一致性好、成本低',
    keywords: ['正极材料'],
    field: '03',
    trl: 7,
    priceFen: 50_000_000,
    regionCode: '320115',
    transferModes: ['transfer'],
    // confidential text and contacts must never be findable
    confidential: { notes: '核心配方代号ZQX9，烧结助剂为氟化锶' },
    contacts: [{ name: '张老师', phone: '13912345678' }],
  });
  ids.agv = await world.publish('achievement', owner, {
    title: '自动导引车激光SLAM导航与调度系统',
    summary: '仓储物流无人化搬运',
    keywords: ['移动机器人'],
    field: '02',
    trl: 5,
    priceFen: 200_000_000,
    regionCode: '320505',
    transferModes: ['license_nonexclusive', 'co_development'],
  });
  ids.wastewater = await world.publish('achievement', owner, {
    title: '工业待处理废液在线监测系统',
    summary: '废液成分实时监测',
    keywords: ['在线监测'],
    field: '07',
    trl: 4,
    priceFen: null,
    regionCode: '320205',
    transferModes: ['license_exclusive'],
  });
  ids.otherBattery = await world.publish('achievement', otherOwner, {
    title: '锂电池隔膜陶瓷涂层技术',
    summary: '隔膜耐高温',
    keywords: ['隔膜'],
    field: '03',
    trl: 6,
    priceFen: 300_000_000,
    regionCode: '320102',
    transferModes: ['equity'],
  });
  // a draft is never in the index, whatever it says
  ids.draft = await createListing(app, 'achievement', owner, { title: '草稿锂离子电池负极硅碳材料' });
});

const search = async (query: string, actor?: TestActor) => {
  const res = await app.inject({ method: 'GET', url: `/v1/search?${query}`, headers: actor?.headers ?? {} });
  return { status: res.statusCode, body: res.json() };
};
const idsOf = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

describe('GET /v1/search', () => {
  it('finds an achievement by a synonym and highlights the matched words, anonymously', async () => {
    const r = await search(`q=${encodeURIComponent('锂电')}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(idsOf(r.body)).toEqual(expect.arrayContaining([ids.battery, ids.otherBattery]));
    expect(idsOf(r.body)).not.toContain(ids.draft);
    const hit = r.body.items.find((i: { id: string }) => i.id === ids.battery);
    expect(hit.highlights.title).toContain('<em>锂离子电池</em>');
    expect(hit.matchedTerms).toEqual(['锂电']);
    expect(hit).toMatchObject({ type: 'achievement', fieldCode: '03', trl: 7, priceFen: 50_000_000 });
    expect(r.body.matched).toBe('all');
  });

  it('expands abbreviations (AGV → 自动导引车) and matches inside words (处理 → 待处理) where the engine does', async () => {
    const agv = await search('q=AGV&sort=relevance');
    expect(idsOf(agv.body)).toEqual([ids.agv]);
    expect(agv.body.items[0].highlights.title).toContain('<em>自动导引车</em>');
    const infix = await search(`q=${encodeURIComponent('处理')}`);
    // the embedded engine matches inside words; Meilisearch words and prefixes only (README)
    const infixMatching = (await searchEngineFor(ctx)).infixMatching;
    expect(idsOf(infix.body)).toEqual(infixMatching ? [ids.wastewater] : []);
    expect(idsOf((await search(`q=${encodeURIComponent('待处理')}`)).body)).toEqual([ids.wastewater]);
  });

  it('filters by field, region, TRL, mode, price and organisation', async () => {
    const q = `q=${encodeURIComponent('锂电池')}`;
    const both = [ids.battery, ids.otherBattery].sort();
    expect(idsOf((await search(`${q}&field=03&region=320100`)).body).sort()).toEqual(both);
    expect(idsOf((await search(`${q}&region=320115`)).body)).toEqual([ids.battery]);
    expect(idsOf((await search(`${q}&field=02&field=07`)).body)).toEqual([]);
    expect(idsOf((await search(`${q}&trlMin=7&trlMax=9`)).body)).toEqual([ids.battery]);
    expect(idsOf((await search(`${q}&mode=equity`)).body)).toEqual([ids.otherBattery]);
    expect(idsOf((await search(`${q}&priceMax=60000000`)).body)).toEqual([ids.battery]);
    expect(idsOf((await search(`${q}&priceMin=100000000`)).body)).toEqual([ids.otherBattery]);
    const org = otherOwner.organisationId!;
    expect(idsOf((await search(`${q}&organisationId=${org}`)).body)).toEqual([ids.otherBattery]);
  });

  it('counts facets over every match, not only the page', async () => {
    const r = await search('facets=field&facets=region&facets=mode&limit=1');
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(1);
    expect(r.body.total).toBe(4);
    expect(r.body.matched).toBe('none');
    expect(r.body.facets.field).toEqual({ '02': 1, '03': 2, '07': 1 });
    expect(r.body.facets.region).toEqual({ '320100': 2, '320500': 1, '320200': 1 });
    expect(r.body.facets.mode).toMatchObject({ transfer: 1, equity: 1, license_exclusive: 1 });
  });

  it('pages with signed cursors bound to the query, and sorts by freshness', async () => {
    const first = await search('limit=2&sort=freshness');
    expect(first.body.items).toHaveLength(2);
    // newest first: the last one published comes first
    expect(first.body.items[0].id).toBe(ids.otherBattery);
    const cursor = encodeURIComponent(first.body.nextCursor);
    const second = await search(`limit=2&sort=freshness&cursor=${cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    const all = [...idsOf(first.body), ...idsOf(second.body)];
    expect(new Set(all).size).toBe(4);
    expect(all.at(-1)).toBe(ids.battery);
    // the cursor of one query is refused for another, and a forged one too
    const other = await search(`limit=2&sort=relevance&cursor=${cursor}`);
    expect(other.status).toBe(400);
    expect(other.body.type).toBe('/problems/invalid-cursor');
    expect((await search('cursor=abc.def')).status).toBe(400);
  });

  it('never finds confidential text, contact details or drafts', async () => {
    for (const q of ['ZQX9', '氟化锶', '13912345678', '硅碳']) {
      const r = await search(`q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(200);
      expect(idsOf(r.body), q).toEqual([]);
    }
    const r = await search('q=ZQX9', operator);
    expect(idsOf(r.body)).toEqual([]);
  });

  it('refuses bad input with field errors (400 problem+json)', async () => {
    for (const query of [
      'limit=101',
      'limit=0',
      'trlMin=10',
      'type=contract',
      'field=10',
      'region=abc',
      'priceMin=-1',
      'facets=price',
      'sort=random',
      `q=${'长'.repeat(201)}`,
      `organisationId=not-a-uuid`,
    ]) {
      const res = await app.inject({ method: 'GET', url: `/v1/search?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors?.length, query).toBeGreaterThan(0);
    }
    const range = await search('trlMin=7&trlMax=3&priceMin=5&priceMax=1');
    expect(range.status).toBe(400);
    expect(range.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'query/trlMin',
      'query/priceMin',
    ]);
    const tooMany = await search(Array.from({ length: 21 }, () => 'region=320100').join('&'));
    expect(tooMany.status).toBe(400);
  });
});
