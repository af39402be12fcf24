import { beforeAll, describe, expect, it } from 'vitest';
import { useOfferingIndex } from '../../test/fixtures/offering-index.js';
import { publishedOffering, type ServicesWorld } from '../../test/fixtures/services.js';
import { servicesModule } from './module.js';

/**
 * `GET /v1/service-offerings?q=`: published offerings are documents of the search engine (issue
 * 16), indexed by the matching module's worker; every word (or a synonym) must match, best first.
 */
const index = useOfferingIndex([servicesModule.routes!]);
const { req, searchFinds: indexed } = index;
let w: ServicesWorld;
let valuation: string;
let pilot: string;

beforeAll(async () => {
  ({ w } = index);
  valuation = (await publishedOffering(req, w)).id;
  pilot = (
    await publishedOffering(req, w, {
      kind: 'pilot_scale',
      title: '中试熟化与工艺放大服务',
      description: '提供中试基地、工艺验证和小批量试制。',
      qualification: undefined,
    })
  ).id;
  await indexed(valuation, '无形资产评估');
  await indexed(pilot, '工艺放大');
});

const search = async (q: string, extra = '') => {
  const res = await req(
    undefined,
    'GET',
    `/v1/service-offerings?organisationId=${w.institutionOrg.id}&q=${encodeURIComponent(q)}${extra}`,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items.map((x: { id: string }) => x.id);
};

describe('searching offerings', () => {
  it('finds the words of the title or description, all of them', async () => {
    expect(await search('专利')).toEqual([valuation]);
    expect(await search('工艺放大')).toEqual([pilot]);
    expect(await search('评估 报告')).toEqual([valuation]);
    expect(await search('专利 中试')).toEqual([]);
    expect(await search('评估', '&kind=pilot_scale')).toEqual([]);
    // Without q the filters alone answer both, newest first.
    const all = await req(undefined, 'GET', `/v1/service-offerings?organisationId=${w.institutionOrg.id}`);
    expect(all.json().items.map((x: { id: string }) => x.id)).toEqual([pilot, valuation]);
  });

  it('pages through the matches with a cursor', async () => {
    const first = await req(
      undefined,
      'GET',
      `/v1/service-offerings?organisationId=${w.institutionOrg.id}&q=${encodeURIComponent('提供')}&limit=1`,
    );
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().items.map((x: { id: string }) => x.id)).toEqual([pilot]);
    const next = await req(
      undefined,
      'GET',
      `/v1/service-offerings?organisationId=${w.institutionOrg.id}&q=${encodeURIComponent('提供')}&limit=1&cursor=${first.json().nextCursor}`,
    );
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json().items.map((x: { id: string }) => x.id)).toEqual([valuation]);
  });

  it('ranks by relevance, not by date: a title match before a newer description-only match', async () => {
    const newer = (
      await publishedOffering(req, w, {
        kind: 'ip_search',
        title: '科技查新与文献检索',
        description: '查新报告，可附带专利检索。',
        qualification: undefined,
      })
    ).id;
    await indexed(newer, '科技查新');
    expect(await search('专利')).toEqual([valuation, newer]);
    // withdrawn: out of the results at once (the page checks the state), then out of the index
    expect((await req(w.institution, 'POST', `/v1/service-offerings/${newer}/withdraw`, {})).statusCode).toBe(
      200,
    );
    expect(await search('专利')).toEqual([valuation]);
  });

  it('refuses an over-long query (400)', async () => {
    const res = await req(undefined, 'GET', `/v1/service-offerings?q=${'长'.repeat(201)}`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
