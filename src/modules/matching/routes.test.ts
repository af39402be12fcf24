import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../platform/ids.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import {
  createListing,
  expectExplained,
  ownSearchNamespace,
  publishListing,
} from '../../test/fixtures/matching.js';
import { catalogModule } from '../catalog/module.js';
import { searchEngineFor } from './engine-instance.js';
import { matchingModule } from './module.js';
import { MATCH_WEIGHTS } from './ranking.js';

const fixture = useTestApp([catalogModule.routes!, matchingModule.routes!], { env: ownSearchNamespace() });
let ctx: TestContext;
let app: FastifyInstance;
let university: TestActor;
let enterprise: TestActor;
let stranger: TestActor;
let operator: TestActor;
let scopeless: TestActor;
const ids: Record<string, string> = {};
const LISTING = Object.keys(MATCH_WEIGHTS);
const PROVIDER = ['text', 'field', 'region'];

beforeAll(async () => {
  ({ ctx, app } = fixture);
  university = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university' }),
  });
  const company = await createOrganisation(ctx);
  enterprise = await createActor(ctx, { organisation: company });
  stranger = await createActor(ctx, { organisation: await createOrganisation(ctx) });
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
  scopeless = await createActor(ctx, { organisation: company, scopes: ['catalog:read'] });
  const uni = { owner: university, reviewer: operator };
  ids.cathode = await publishListing(ctx, app, 'achievement', uni, {
    title: '高镍锂离子电池正极材料高温循环稳定化技术',
    summary: '正极材料表面包覆，高温循环衰减降低一半',
    description: '针对高镍正极材料在45℃下循环衰减快的问题，采用快离子导体包覆与体相掺杂。',
    keywords: ['正极材料', '高温循环', '包覆'],
    field: '03',
    trl: 7,
    priceFen: 80_000_000,
    regionCode: '320115',
    transferModes: ['license_nonexclusive', 'co_development'],
  });
  ids.separator = await publishListing(ctx, app, 'achievement', uni, {
    title: '锂电池隔膜陶瓷涂层技术',
    summary: '隔膜耐高温，热收缩小',
    description: '陶瓷涂层隔膜，提高锂电池安全性。',
    keywords: ['隔膜', '涂层'],
    field: '03',
    trl: 5,
    priceFen: 900_000_000,
    regionCode: '320505',
    transferModes: ['transfer'],
  });
  ids.agv = await publishListing(ctx, app, 'achievement', uni, {
    title: '自动导引车激光导航调度系统',
    summary: '仓储物流无人化搬运',
    description: '激光SLAM导航的AGV与多车调度。',
    keywords: ['移动机器人'],
    field: '02',
    trl: 6,
    regionCode: '320505',
    priceFen: null,
    transferModes: ['transfer'],
  });
  const ent = { owner: enterprise, reviewer: operator };
  ids.need = await publishListing(ctx, app, 'need', ent, {
    title: '锂电池正极材料高温循环衰减问题',
    description: '我司三元锂电池在夏天高温下循环寿命衰减快，希望寻求正极材料包覆改性技术。',
    targetIndicators: ['45℃循环1000次保持率≥85%'],
    keywords: ['正极材料'],
    field: '03',
    budgetMinFen: 50_000_000,
    budgetMaxFen: 100_000_000,
    preferredModes: ['co_development'],
    minTrl: 6,
    regionCode: '320106',
    confidential: { details: '客户为某整车厂，代号QQ7' },
  });
  ids.draftNeed = await createListing(app, 'need', enterprise, {
    title: '锂电池正极材料降本需求（草稿）',
    description: '寻求低成本正极材料。',
    field: '03',
  });
  ids.draftAchievement = await createListing(app, 'achievement', university, { title: '未发布的固态电解质' });
  // experts and institutions, as the indexer puts them into the index
  const engine = await searchEngineFor(ctx);
  const now = new Date().toISOString();
  ids.expert = newId();
  ids.farExpert = newId();
  ids.institution = newId();
  await engine.upsert([
    {
      id: ids.expert,
      type: 'expert',
      title: '王建国 教授',
      body: '锂离子电池正极材料、包覆改性、高温循环失效分析',
      keywords: ['正极材料', '锂电池'],
      fieldCode: '03',
      status: 'published',
      updatedAt: now,
    },
    {
      id: ids.farExpert,
      type: 'expert',
      title: '李华 研究员',
      body: '农业无人机植保',
      fieldCode: '08',
      status: 'published',
      updatedAt: now,
    },
    {
      id: ids.institution,
      type: 'institution',
      title: '南京新材料技术转移中心',
      body: '锂电池正极材料包覆改性中试、检验检测、技术转移',
      fieldCode: '03',
      regionCode: '320102',
      status: 'published',
      updatedAt: now,
    },
  ]);
});

const get = async (url: string, actor?: TestActor) => {
  const res = await app.inject({ method: 'GET', url, headers: actor?.headers ?? {} });
  return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
};
const post = async (url: string, payload: unknown, actor?: TestActor) => {
  const res = await app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers: actor?.headers ?? {},
  });
  return { status: res.statusCode, body: res.json() };
};
const idsOf = (items: { id: string }[]) => items.map((i) => i.id);

describe('GET /v1/needs/{id}/matches', () => {
  it('ranks achievements with breakdown, zh-CN reasons and matched terms on every match', async () => {
    const r = await get(`/v1/needs/${ids.need}/matches`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.subject).toEqual({ id: ids.need, type: 'need', title: '锂电池正极材料高温循环衰减问题' });
    expect(r.body.items[0].id).toBe(ids.cathode);
    expect(idsOf(r.body.items)).toContain(ids.separator);
    expect(idsOf(r.body.items)).not.toContain(ids.draftAchievement);
    expectExplained(r.body.items, LISTING);
    const best = r.body.items[0];
    // 高温循环, the achievement's keyword, is in the need's title whole, and the achievement's
    // title and summary hold the need's 正极材料高温循环 and 高温循环衰减: shown as those phrases,
    // not 高温 nor 高温循环
    expect(best.matchedTerms).toEqual(expect.arrayContaining(['正极材料高温循环', '高温循环衰减']));
    expect(best.matchedTerms).not.toContain('高温');
    expect(best.matchedTerms).not.toContain('高温循环');
    expect(best.reasons).toEqual(
      expect.arrayContaining(['领域一致', '技术成熟度 7 ≥ 需求 6', '预算内', '可合作开发', '同城']),
    );
    expect(best.reasons.some((x: string) => x.startsWith('关键词匹配：'))).toBe(true);
    expect(r.body.items[1].score).toBeLessThanOrEqual(best.score);
    // the need's confidential text is not what it is matched with
    expect(r.body.queryTerms).not.toContain('qq7');
    expect(r.body.queryTerms).toContain('正极材料');
  });

  it('recommends experts and service institutions, explained too', async () => {
    const r = await get(`/v1/needs/${ids.need}/matches`);
    expect(idsOf(r.body.experts)).toEqual([ids.expert]);
    expect(idsOf(r.body.institutions)).toEqual([ids.institution]);
    expectExplained([...r.body.experts, ...r.body.institutions], PROVIDER);
    expect(r.body.institutions[0].reasons).toEqual(expect.arrayContaining(['领域一致', '同城']));
  });

  it('pages through the ranked list with a cursor', async () => {
    const first = await get(`/v1/needs/${ids.need}/matches?limit=1`);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(
      `/v1/needs/${ids.need}/matches?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.status).toBe(200);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    // each item's rank continues across pages; the list names its ranking version
    expect(first.body.items[0].rank).toBe(1);
    expect(second.body.items[0].rank).toBe(2);
    expect(first.body.rankingVersion).toMatch(/^bm25f-/);
    expect(second.body.rankingVersion).toBe(first.body.rankingVersion);
    expect(first.body.experts.map((e: { rank: number }) => e.rank)).toEqual([1]);
    // a cursor belongs to one need
    const elsewhere = await get(
      `/v1/achievements/${ids.cathode}/matches?cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(elsewhere.status).toBe(400);
  });

  it('shows a draft need to its own organisation only; others get 404', async () => {
    expect((await get(`/v1/needs/${ids.draftNeed}/matches`, enterprise)).status).toBe(200);
    for (const actor of [stranger, university, undefined]) {
      const r = await get(`/v1/needs/${ids.draftNeed}/matches`, actor);
      expect(r.status).toBe(404);
      expect(r.type).toContain('application/problem+json');
    }
    expect((await get(`/v1/needs/${newId()}/matches`)).status).toBe(404);
    // an achievement id is not a need
    expect((await get(`/v1/needs/${ids.cathode}/matches`)).status).toBe(404);
  });

  it('refuses bad input and tokens without the matching scope', async () => {
    expect((await get('/v1/needs/not-a-uuid/matches')).status).toBe(400);
    expect((await get(`/v1/needs/${ids.need}/matches?limit=51`)).status).toBe(400);
    expect((await get(`/v1/needs/${ids.need}/matches?limit=0`)).status).toBe(400);
    expect((await get(`/v1/needs/${ids.need}/matches?cursor=forged.cursor`)).status).toBe(400);
    expect((await get(`/v1/needs/${ids.need}/matches`, scopeless)).status).toBe(403);
  });
});

describe('GET /v1/achievements/{id}/matches', () => {
  it('ranks needs for an achievement, each explained', async () => {
    const r = await get(`/v1/achievements/${ids.cathode}/matches`, stranger);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(idsOf(r.body.items)).toEqual([ids.need]);
    expectExplained(r.body.items, LISTING);
    expect(r.body.items[0].type).toBe('need');
    expect(r.body.experts).toBeUndefined();
    expect((await get(`/v1/achievements/${ids.draftAchievement}/matches`, stranger)).status).toBe(404);
    expect((await get(`/v1/achievements/${ids.draftAchievement}/matches`, university)).status).toBe(200);
  });
});

describe('POST /v1/matches/query', () => {
  it('ranks achievements for a text and constraints like a need', async () => {
    const r = await post('/v1/matches/query', {
      text: '需要AGV替代叉车，实现仓库无人化搬运',
      field: '02',
      minTrl: 5,
      budgetMaxFen: 50_000_000,
      modes: ['transfer'],
      region: '320500',
      limit: 5,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items[0].id).toBe(ids.agv);
    expect(r.body.items[0].reasons).toEqual(expect.arrayContaining(['领域一致', '同城', '价格面议']));
    expectExplained(r.body.items, LISTING);
    expectExplained([...r.body.experts, ...r.body.institutions], PROVIDER);
  });

  it('refuses bad bodies with field errors', async () => {
    for (const body of [
      {},
      { text: '' },
      { text: '长'.repeat(501) },
      { text: '正极材料', minTrl: 10 },
      { text: '正极材料', limit: 51 },
      { text: '正极材料', budgetMaxFen: -1 },
      { text: '正极材料', modes: ['gift'] },
      { text: '正极材料', region: '32' },
      { text: '正极材料', extra: true },
      { text: 12 },
    ]) {
      const r = await post('/v1/matches/query', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
  });
});
