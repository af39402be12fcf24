// Service offerings are documents of the search engine (issue 16): services API → outbox →
// `services.offering-changed` job → indexer worker → engine; `techex reindex` rebuilds them too.
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../platform/ids.js';
import { useOfferingIndex } from '../../test/fixtures/offering-index.js';
import { publishedOffering, type ServicesWorld } from '../../test/fixtures/services.js';
import { servicesModule } from '../services/module.js';
import type { SearchEngine, SearchQuery } from './engine.js';
import { searchEngineFor } from './engine-instance.js';
import { OFFERING_CHANGED_QUEUE, processOfferingChange } from './indexer.js';
import { reindex } from './reindex.js';
import { searchRoutes } from './routes.js';

const index = useOfferingIndex([servicesModule.routes!, searchRoutes]);
const { t, req, until } = index;
let engine: SearchEngine;
let w: ServicesWorld;

beforeAll(async () => {
  engine = await searchEngineFor(t.ctx);
  ({ w } = index);
});

const ids = async (q: Omit<SearchQuery, 'type'>) =>
  (await engine.search({ type: 'offering', ...q })).hits.map((h) => h.id);

describe('service offerings in the search index', () => {
  it('a published offering is findable; a withdrawn one is gone', async () => {
    const { id } = await publishedOffering(req, w, {
      title: `碳化硅功率器件可靠性检测${t.ctx.tag}`,
      kind: 'testing',
      qualification: { licenceNo: 'CMA 2024-1', validUntil: '2030-12-31' },
      regionCodes: ['320500'],
      fieldCodes: ['02', '03'],
    });
    await until('indexed', async () => (await ids({ q: '碳化硅功率器件' })).includes(id));
    // filters through the tags: any of its fields, the regions it serves, its kind
    expect(await ids({ q: '碳化硅', filters: { tags: [['field:03'], ['kind:testing']] } })).toContain(id);
    expect(await ids({ q: '碳化硅', filters: { tags: [['kind:legal']] } })).not.toContain(id);
    const withdraw = await req(w.institution, 'POST', `/v1/service-offerings/${id}/withdraw`, {});
    expect(withdraw.statusCode, withdraw.body).toBe(200);
    await until('removed', async () => !(await ids({ q: '碳化硅功率器件' })).includes(id));
  });

  it('a draft is never indexed; an edited and republished offering is found by its new text', async () => {
    const created = await req(w.institution, 'POST', '/v1/service-offerings', {
      kind: 'pilot_scale',
      title: '锂电正极材料中试放大',
      description: '提供百公斤级中试线。',
      priceModel: 'quote',
      turnaroundDays: 20,
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await req(w.institution, 'POST', `/v1/service-offerings/${id}/submit`, {})).statusCode).toBe(200);
    const reject = await req(w.registrarA, 'POST', `/v1/service-offerings/${id}/reject`, {
      reason: '补充说明',
    });
    expect(reject.statusCode, reject.body).toBe(200);
    const edit = await req(w.institution, 'PUT', `/v1/service-offerings/${id}`, {
      kind: 'pilot_scale',
      title: '钠离子电池负极硬碳中试放大',
      description: '提供百公斤级中试线与工艺验证。',
      priceModel: 'quote',
      turnaroundDays: 20,
    });
    expect(edit.statusCode, edit.body).toBe(200);
    // what the edit's job does: a rejected offering, edited, stays out of the index
    expect(await processOfferingChange(t.ctx, { data: { id } })).toEqual({ visible: false });
    expect(await ids({ q: '硬碳' })).not.toContain(id);
    expect((await req(w.institution, 'POST', `/v1/service-offerings/${id}/submit`, {})).statusCode).toBe(200);
    expect((await req(w.registrarA, 'POST', `/v1/service-offerings/${id}/publish`, {})).statusCode).toBe(200);
    await until('indexed with the new text', async () =>
      (await ids({ q: '钠离子电池负极硬碳' })).includes(id),
    );
    expect(await ids({ q: '锂电正极材料' })).not.toContain(id);
  });

  it('GET /v1/search?type=offering filters by kind, field and region served', async () => {
    const { id } = await publishedOffering(req, w, {
      title: `高校专利组合运营${t.ctx.tag}`,
      kind: 'ip_operation',
      description: '专利组合分级、许可谈判与作价入股方案。',
      qualification: undefined,
      regionCodes: ['320000'],
      fieldCodes: ['01'],
    });
    await until('indexed', async () => (await ids({ q: '专利组合运营' })).includes(id));
    const search = async (query: string) => {
      const res = await req(
        undefined,
        'GET',
        `/v1/search?type=offering&q=${encodeURIComponent('专利组合')}${query}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((x: { id: string }) => x.id);
    };
    expect(await search('&kind=ip_operation&field=01&region=320506')).toContain(id);
    expect(await search('&kind=legal')).not.toContain(id);
    expect(await search('&region=310000')).not.toContain(id);
    // the most regions the contract takes, each in another province: still a bounded, valid query
    const many = Array.from({ length: 20 }, (_, i) => `&region=${11 + i}0101`).join('');
    expect(await search(many)).toEqual([]);
    const wrong = await req(undefined, 'GET', '/v1/search?type=need&kind=legal');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
  });

  it('finds an institution for a need through its published offering', async () => {
    const title = `液态金属散热界面材料中试验证${t.ctx.tag}`;
    const { id } = await publishedOffering(req, w, {
      title,
      kind: 'pilot_scale',
      description: '液态金属导热界面材料的中试放大与可靠性验证。',
      qualification: undefined,
    });
    await until('indexed', async () => (await ids({ q: '液态金属散热' })).includes(id));
    // the institution's directory entry, as the indexer puts it: nothing in it matches the need
    const institutionId = newId();
    await engine.upsert([
      {
        id: institutionId,
        type: 'institution',
        title: `综合服务中心${t.ctx.tag}`,
        summary: '中试',
        organisationId: w.institutionOrg.id,
        status: 'published',
        updatedAt: new Date().toISOString(),
      },
    ]);
    const res = await req(undefined, 'POST', '/v1/matches/query', {
      text: '寻求液态金属散热界面材料的中试验证合作',
    });
    expect(res.statusCode, res.body).toBe(200);
    const found = res.json().institutions.find((i: { id: string }) => i.id === institutionId);
    expect(found, JSON.stringify(res.json().institutions)).toBeDefined();
    expect(found.reasons[0]).toBe(`服务产品：「${title}」`);
    // the stretch of the need the offering holds too, as one phrase (before: 液态, 金属, 散热…)
    expect(found.matchedTerms).toContain('液态金属散热界面材料');
    expect(found.matchedTerms).not.toContain('液态');
    const keyword = found.reasons.find((r: string) => r.startsWith('关键词匹配：')) ?? '';
    expect(keyword.split(/[：、]/u), JSON.stringify(found)).toContain('液态金属散热界面材料');
  });

  it('techex reindex rebuilds the offerings from the database', async () => {
    const { id } = await publishedOffering(req, w, {
      title: `概念验证中心服务${t.ctx.tag}`,
      kind: 'proof_of_concept',
      qualification: undefined,
    });
    await until('indexed', async () => (await ids({ q: '概念验证中心' })).includes(id));
    // every job of its steps done (a late one would index it again behind the removal below)
    await until('jobs done', async () => {
      const counts = await t.ctx.queues
        .queue(OFFERING_CHANGED_QUEUE)
        .getJobCounts('waiting', 'active', 'delayed');
      return Object.values(counts).every((n) => n === 0);
    });
    await engine.remove('offering', [id]);
    expect(await ids({ q: '概念验证中心' })).not.toContain(id);
    const summary = await reindex(
      { db: t.ctx.database.db, engine, namespace: t.ctx.config.queuePrefix },
      {
        types: ['offering'],
      },
    );
    expect(summary[0]).toMatchObject({ type: 'offering' });
    expect(summary[0]!.indexed).toBeGreaterThan(0);
    expect(await ids({ q: '概念验证中心' })).toContain(id);
  });
});
