/**
 * One contract, every engine: the embedded PostgreSQL engine always, Meilisearch when MEILI_URL is
 * set (reported as skipped tests otherwise). Each engine gets a namespace of its own (this file's
 * tag), so runs never collide, and removes it afterwards.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { EmbeddedSearchEngine } from './embedded-engine.js';
import type { SearchDocument, SearchEngine } from './engine.js';
import { MeiliSearchEngine } from './meili-engine.js';

interface EngineFactory {
  /** known while tests are collected, before any engine exists (see `SearchEngine.infixMatching`) */
  infixMatching: boolean;
  create(ctx: TestContext): SearchEngine;
  /** removes whatever the engine created for this namespace */
  drop(engine: SearchEngine): Promise<void>;
}

const ORG_A = '0192a6c0-0000-7000-8000-00000000000a';
const ORG_B = '0192a6c0-0000-7000-8000-00000000000b';

function achievement(id: string, title: string, extra: Partial<SearchDocument> = {}): SearchDocument {
  return {
    id,
    type: 'achievement',
    title,
    status: 'published',
    updatedAt: '2026-06-01T00:00:00Z',
    fieldCode: '06',
    regionCode: '320106',
    trl: 6,
    transferModes: ['transfer'],
    priceFen: 100_000_00,
    organisationId: ORG_A,
    ...extra,
  };
}

/** A catalog listing as the catalog will hold it: its confidential part never reaches the engine. */
const listing = {
  id: 'ach-secret',
  title: '高盐有机废水电催化氧化处理装置',
  summary: '电催化氧化降解难降解有机物，COD去除率90%以上。',
  indicators: ['COD去除率≥90%', '吨水电耗≤8千瓦时'],
  confidential: '催化涂层采用钌铱钽三元配方，烧结温度为四百八十度',
};

function publicDocument(l: typeof listing): SearchDocument {
  return achievement(l.id, l.title, {
    summary: l.summary,
    body: l.indicators.join('；'),
    fieldCode: '07',
  });
}

const DOCS: SearchDocument[] = [
  achievement('ach-battery', '高能量密度锂离子电池热管理系统', {
    summary: '液冷板与相变材料复合的电池包热管理方案。',
    keywords: ['热管理', '动力电池'],
    fieldCode: '05',
    trl: 7,
    transferModes: ['license_nonexclusive', 'transfer'],
  }),
  achievement('ach-agv', '重载自动导引车集群调度系统', {
    body: '基于激光SLAM导航，支持百台车辆协同调度。',
    fieldCode: '02',
    regionCode: '320211',
    trl: 8,
    priceFen: 500_000_00,
    organisationId: ORG_B,
  }),
  achievement('ach-water', '工业废水待处理池液位与水质在线监测', {
    fieldCode: '07',
    regionCode: '320506',
    trl: 4,
    transferModes: ['co_development'],
    priceFen: null,
  }),
  achievement('ach-solar', '钙钛矿太阳能电池封装工艺', { fieldCode: '06', trl: 5 }),
  achievement('ach-withdrawn', '锂离子电池正极材料回收工艺', { status: 'withdrawn' }),
  publicDocument(listing),
  { ...achievement('need-battery', '寻求锂电池热失控预警技术'), type: 'need', minTrl: 6, priceFen: null },
];

function searchEngineContract(name: string, factory: EngineFactory, skip = false): void {
  describe.skipIf(skip)(`SearchEngine contract: ${name}`, () => {
    let ctx: TestContext;
    let engine: SearchEngine;
    const ids = async (q: string, extra: Partial<Parameters<SearchEngine['search']>[0]> = {}) =>
      (await engine.search({ type: 'achievement', q, ...extra })).hits.map((h) => h.id).sort();

    const fixture = useTestContext();
    beforeAll(async () => {
      ({ ctx } = fixture);
      engine = factory.create(ctx);
      expect(engine.infixMatching).toBe(factory.infixMatching);
      await engine.ensureSetup();
      await engine.reset();
      await engine.upsert(DOCS);
    });
    afterAll(async () => {
      if (engine) await factory.drop(engine);
    });

    it('finds a document by a synonym or an abbreviation of its words', async () => {
      expect(await ids('锂电')).toEqual(['ach-battery']);
      expect(await ids('AGV')).toEqual(['ach-agv']);
      expect(await ids('agv 调度')).toEqual(['ach-agv']);
    });

    it('finds a word inside a longer word where the engine says so (处理 → 待处理; Meilisearch matches prefixes only)', async () => {
      if (factory.infixMatching) expect(await ids('处理')).toContain('ach-water');
      else expect(await ids('处理')).not.toContain('ach-water');
      // a prefix of a segmented word is found by both
      expect(await ids('待处')).toContain('ach-water');
    });

    it('requires every term, and falls back to any term when no document has them all', async () => {
      expect(await ids('电池 热管理')).toEqual(['ach-battery']);
      expect((await engine.search({ type: 'achievement', q: '电池 热管理' })).matched).toBe('all');
      const fallback = await engine.search({ type: 'achievement', q: '热管理 封装' });
      expect(fallback.hits.map((h) => h.id).sort()).toEqual(['ach-battery', 'ach-solar']);
      expect(fallback.matched).toBe('any');
      // asked for explicitly, each mode keeps to itself
      expect(await ids('热管理 封装', { match: 'all' })).toEqual([]);
      expect(await ids('电池 热管理', { match: 'any' })).toEqual(['ach-battery', 'ach-solar']);
    });

    it('filters by field, region, readiness, modes, price, organisation and status', async () => {
      const all = { q: '' };
      expect(await ids(all.q, { filters: { fieldCodes: ['02'] } })).toEqual(['ach-agv']);
      // a city code matches its districts
      expect(await ids('', { filters: { regionCodes: ['320200'] } })).toEqual(['ach-agv']);
      expect(await ids('', { filters: { trlMin: 7 } })).toEqual(['ach-agv', 'ach-battery']);
      expect(await ids('', { filters: { trlMax: 4 } })).toEqual(['ach-water']);
      expect(
        await ids('', { filters: { transferModes: ['license_nonexclusive', 'co_development'] } }),
      ).toEqual(['ach-battery', 'ach-water']);
      expect(await ids('', { filters: { priceMinFen: 200_000_00 } })).toEqual(['ach-agv', 'ach-water']);
      expect(await ids('', { filters: { priceMinFen: 200_000_00, includeNegotiable: false } })).toEqual([
        'ach-agv',
      ]);
      expect(await ids('', { filters: { organisationId: ORG_B } })).toEqual(['ach-agv']);
      expect(await ids('锂离子电池')).toEqual(['ach-battery']);
      expect(await ids('锂离子电池', { filters: { statuses: ['withdrawn'] } })).toEqual(['ach-withdrawn']);
      expect(await engine.search({ type: 'need', q: '锂电池' })).toMatchObject({
        hits: [{ id: 'need-battery' }],
      });
    });

    it('restricts a search to given ids (one listing against a saved search), bounded', async () => {
      const only = { ids: ['ach-agv', 'ach-battery', 'ach-withdrawn'] };
      expect(await ids('', { filters: only })).toEqual(['ach-agv', 'ach-battery']);
      expect(await ids('锂电', { filters: only, match: 'all' })).toEqual(['ach-battery']);
      expect(await ids('锂电', { filters: { ...only, fieldCodes: ['02'] }, match: 'all' })).toEqual([]);
      expect(await ids('', { filters: { ids: [] } })).toEqual([]);
      const tooMany = Array.from({ length: 1001 }, (_, i) => `id-${i}`);
      await expect(engine.search({ type: 'achievement', filters: { ids: tooMany } })).rejects.toThrow();
    });

    it('counts facets by field, region and mode over all matches', async () => {
      const result = await engine.search({ type: 'achievement', q: '', facets: ['field', 'region', 'mode'] });
      expect(result.total).toBe(5);
      expect(result.facets.field).toMatchObject({ '05': 1, '02': 1, '07': 2, '06': 1 });
      expect(result.facets.region).toMatchObject({ '320100': 3, '320200': 1, '320500': 1 });
      expect(result.facets.mode).toMatchObject({ transfer: 4, license_nonexclusive: 1, co_development: 1 });
    });

    it('returns matched terms and a highlighted title', async () => {
      const [hit] = (await engine.search({ type: 'achievement', q: '锂电 热管理' })).hits;
      expect(hit?.id).toBe('ach-battery');
      // the query as segmented, each term reported as typed even when a synonym matched
      expect(hit?.matchedTerms).toContain('锂电');
      expect(hit?.matchedTerms.length).toBeGreaterThanOrEqual(2);
      expect(hit?.highlightedTitle).toContain('<em>锂离子电池</em>');
      expect(hit?.highlightedTitle).toMatch(/管理<\/em>/);
    });

    it('pages with bounded offset and limit', async () => {
      const first = await engine.search({ type: 'achievement', q: '', limit: 4 });
      expect(first.hits).toHaveLength(4);
      expect(first.nextOffset).toBe(4);
      const second = await engine.search({ type: 'achievement', q: '', limit: 4, offset: 4 });
      expect(second.hits).toHaveLength(1);
      expect(second.nextOffset).toBeNull();
      await expect(engine.search({ type: 'achievement', q: '', limit: 101 })).rejects.toThrow();
      await expect(engine.search({ type: 'achievement', q: '', offset: 100_000 })).rejects.toThrow();
    });

    it('finds listings in negotiation by default, with their status, but not transacted ones', async () => {
      await engine.upsert([
        achievement('ach-talks', '氮化镓射频芯片封装工艺', { status: 'in_negotiation' }),
        achievement('ach-sold', '氮化镓外延片生长工艺', { status: 'transacted' }),
      ]);
      const found = await engine.search({ type: 'achievement', q: '氮化镓' });
      expect(found.hits.map((h) => [h.id, h.status])).toEqual([['ach-talks', 'in_negotiation']]);
      expect(await ids('氮化镓', { filters: { statuses: ['transacted'] } })).toEqual(['ach-sold']);
      await engine.remove('achievement', ['ach-talks', 'ach-sold']);
      expect(await ids('氮化镓', { filters: { statuses: ['in_negotiation', 'transacted'] } })).toEqual([]);
    });

    it('makes a removed document vanish', async () => {
      await engine.upsert([achievement('ach-temp', '石墨烯导热膜量产工艺')]);
      expect(await ids('石墨烯')).toEqual(['ach-temp']);
      await engine.remove('achievement', ['ach-temp']);
      expect(await ids('石墨烯')).toEqual([]);
    });

    it('never finds confidential text, which is not part of the indexed body', async () => {
      expect(await ids('电催化氧化')).toEqual(['ach-secret']);
      expect(await ids('钌铱钽')).toEqual([]);
      expect(await ids('四百八十度')).toEqual([]);
    });

    it('finds service offerings and filters them by their tags (kind, any field, region served)', async () => {
      const offering = (id: string, title: string, tags: string[]): SearchDocument => ({
        id,
        type: 'offering',
        title,
        summary: '检验检测',
        body: '第三方检测机构，出具CMA报告。',
        tags,
        organisationId: ORG_B,
        status: 'published',
        updatedAt: '2026-06-01T00:00:00Z',
      });
      await engine.upsert([
        offering('off-sic', '碳化硅功率模块可靠性检测', [
          'kind:testing',
          'field:02',
          'field:03',
          'region:320500',
        ]),
        offering('off-any', '功率器件失效分析', ['kind:testing', 'field:02', 'region:any']),
        offering('off-legal', '功率半导体专利侵权分析', ['kind:legal', 'region:320000']),
      ]);
      const found = async (q: string, tags: string[][] = []) =>
        (await engine.search({ type: 'offering', q, filters: { tags } })).hits.map((h) => h.id).sort();
      expect(await found('碳化硅')).toEqual(['off-sic']);
      // offerings are their own type: not found among achievements
      expect(await ids('碳化硅')).toEqual([]);
      expect(await found('', [['field:03']])).toEqual(['off-sic']);
      expect(await found('', [['kind:testing'], ['field:02']])).toEqual(['off-any', 'off-sic']);
      // serving Suzhou (320506): listing the city, the province, or no region
      const suzhou = ['region:any', 'region:320506', 'region:320500', 'region:320000'];
      expect(await found('', [suzhou])).toEqual(['off-any', 'off-legal', 'off-sic']);
      expect(await found('', [['region:any', 'region:310000']])).toEqual(['off-any']);
      await engine.remove('offering', ['off-sic']);
      expect(await found('碳化硅')).toEqual([]);
      await engine.remove('offering', ['off-any', 'off-legal']);
    });

    it('applies an operator-edited thesaurus', async () => {
      expect(await ids('光储一体')).toEqual([]);
      const before = await engine.getSynonyms();
      await engine.setSynonyms([...before, { id: 'test-1', terms: ['光储一体', '钙钛矿'] }]);
      expect(await ids('光储一体')).toEqual(['ach-solar']);
      await engine.setSynonyms(before);
    });
  });
}

searchEngineContract('embedded PostgreSQL', {
  infixMatching: true,
  create: (ctx) => new EmbeddedSearchEngine(ctx.database, { namespace: `t${ctx.tag}` }),
  drop: (engine) => engine.reset(),
});

// Without MEILI_URL every Meilisearch test is reported as skipped (set MEILI_URL and
// MEILI_MASTER_KEY to run them, as the third pass of .ci/run does).
const meiliUrl = inject('meiliUrl');
searchEngineContract(
  'Meilisearch',
  {
    infixMatching: false,
    create: (ctx) =>
      new MeiliSearchEngine({ url: meiliUrl ?? '', apiKey: inject('meiliKey'), indexPrefix: `t${ctx.tag}` }),
    drop: async (engine) => {
      const meili = engine as MeiliSearchEngine;
      await meili.dropIndexes();
      // the adapter leaves nothing of this namespace behind
      expect(await meili.indexNames()).toEqual([]);
    },
  },
  !meiliUrl,
);
