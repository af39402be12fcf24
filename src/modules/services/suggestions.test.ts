import { beforeAll, describe, expect, it } from 'vitest';
import { useOfferingIndex } from '../../test/fixtures/offering-index.js';
import { publishedOffering, type ServicesWorld } from '../../test/fixtures/services.js';
import { servicesModule } from './module.js';

/**
 * `GET /v1/service-requests/{id}/suggestions`: published offerings ranked by the search and
 * matching engine (issue 16), with the matching module's reasons.
 */
const index = useOfferingIndex([servicesModule.routes!]);
const { req, searchFinds: indexed } = index;
let w: ServicesWorld;
let patents: string;
let equipment: string;
let search: string;

beforeAll(async () => {
  ({ w } = index);
  // words and a field no other test file's offerings use (they share the index), so that what is
  // telling here is telling whatever else runs
  patents = (
    await publishedOffering(req, w, {
      title: 'CRISPR基因编辑专利价值评估',
      description: '为基因编辑专利许可出具资产评估报告。',
      fieldCodes: ['09'],
    })
  ).id;
  equipment = (
    await publishedOffering(req, w, {
      title: '机器设备与存货资产评估',
      description: '为企业并购提供机器设备、存货的资产评估报告。',
      fieldCodes: ['02'],
    })
  ).id;
  search = (
    await publishedOffering(req, w, {
      kind: 'ip_search',
      title: '专利检索与价值分析',
      description: '专利查新、侵权检索与专利价值分析报告。',
      qualification: undefined,
    })
  ).id;
  await indexed(patents, '基因编辑');
  await indexed(equipment, '机器设备');
  await indexed(search, '专利检索');
});

describe('suggestions for a service request', () => {
  it('ranks offerings of its kind by the text, with telling words and the structure that distinguishes', async () => {
    const created = await req(w.buyer, 'POST', '/v1/service-requests', {
      kind: 'asset_valuation',
      title: 'CRISPR基因编辑专利价值评估',
      description: '基因编辑专利许可前需要评估报告',
      fieldCodes: ['09'],
      regionCode: '320506',
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await req(w.buyer, 'GET', `/v1/service-requests/${created.json().id}/suggestions`);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as {
      offering: { id: string };
      score: number;
      reasons: string[];
      matchedTerms: string[];
      breakdown: { text: number; field: number };
    }[];
    const ids = items.map((i) => i.offering.id);
    // (test files share the database: other files' offerings may be suggested too, so only the
    // order of this file's offerings is asserted)
    // the patent valuation before the equipment one; the patent search is another kind, never suggested
    expect(ids).toContain(patents);
    expect(ids).not.toContain(search);
    const first = items.find((i) => i.offering.id === patents);
    // the stretch both texts share is shown whole (matching/reasons.ts): CRISPR基因编辑专利
    expect(first!.matchedTerms.some((t) => t.includes('基因编辑'))).toBe(true);
    expect(first!.reasons[0]).toMatch(/^关键词匹配：.*基因编辑/);
    expect(first!.reasons).toContain('领域一致');
    expect(first!.breakdown).toMatchObject({ field: 1 });
    // the equipment valuation shares only 评估 (and the kind): below, and no field reason
    const other = items.find((i) => i.offering.id === equipment);
    if (other) {
      expect(ids.indexOf(equipment)).toBeGreaterThan(ids.indexOf(patents));
      expect(other.score).toBeLessThan(first!.score);
      expect(other.reasons).not.toContain('领域一致');
    }
  });

  it('falls back to offerings of its kind, said so, when no offering shares its text', async () => {
    const created = await req(w.buyer, 'POST', '/v1/service-requests', {
      kind: 'ip_search',
      title: '船舶压载水处理',
      description: '远洋船舶压载水',
      regionCode: '320506',
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await req(w.buyer, 'GET', `/v1/service-requests/${created.json().id}/suggestions`);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as {
      offering: { id: string; kind: string };
      score: number;
      reasons: string[];
    }[];
    expect(items.map((i) => i.offering.id)).toContain(search);
    for (const item of items) {
      expect(item.offering.kind).toBe('ip_search');
      expect(item.score).toBeLessThan(0.1);
      expect(item.reasons[0]).toBe('服务类别相同（文本未匹配，按类别推荐）');
    }
  });
});
