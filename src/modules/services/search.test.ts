import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app.js';
import {
  createServicesWorld,
  injector,
  publishedOffering,
  type ServicesWorld,
} from '../../test/fixtures/services.js';
import { servicesModule } from './module.js';

/** `GET /v1/service-offerings?q=`: words in the title or description, with the matching engine's rule. */
const t = useTestApp([servicesModule.routes!]);
const req = injector(() => t.app);
let w: ServicesWorld;
let valuation: string;
let pilot: string;

beforeAll(async () => {
  w = await createServicesWorld(t.ctx);
  valuation = (await publishedOffering(req, w)).id;
  pilot = (
    await publishedOffering(req, w, {
      kind: 'pilot_scale',
      title: '中试熟化与工艺放大服务',
      description: '提供中试基地、工艺验证和小批量试制。',
      qualification: undefined,
    })
  ).id;
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

  it('refuses an over-long query (400)', async () => {
    const res = await req(undefined, 'GET', `/v1/service-offerings?q=${'长'.repeat(201)}`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
