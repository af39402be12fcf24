/**
 * Issue 13 item 4 through the HTTP API: a stretch the need and a candidate share is shown as one
 * phrase, not as the words jieba cut it into, when neither owner filed it as a keyword; and a
 * keyword reason that most of a list shares says what in each candidate the words are part of, so
 * no reason string is on more than half of a need's experts.
 */
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../platform/ids.js';
import type { TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import {
  createMatchingWorld,
  FILLER_TOPICS,
  FILLER_VARIANTS,
  ownSearchNamespace,
  topicAchievement,
} from '../../test/fixtures/matching.js';
import { catalogModule } from '../catalog/module.js';
import type { SearchDocument } from './engine.js';
import { searchEngineFor } from './engine-instance.js';
import { matchingModule } from './module.js';

const fixture = useTestApp([catalogModule.routes!, matchingModule.routes!], { env: ownSearchNamespace() });
let ctx: TestContext;
let app: FastifyInstance;
const ids: Record<string, string> = {};
const TOPICS = [...FILLER_TOPICS, '食品冷链保鲜', '中药提取纯化'];
const EXPERT_KEYWORDS = ['碳化硅衬底抛光', '碳化硅衬底外延', '碳化硅衬底切割', '碳化硅衬底减薄'];

/** An expert as the indexer puts one into the index: a name, what they work on, one keyword. */
const expert = (
  id: string,
  title: string,
  body: string,
  keyword: string,
  updatedAt: string,
): SearchDocument => ({
  id,
  type: 'expert',
  title,
  body,
  keywords: [keyword],
  status: 'published',
  updatedAt,
});

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const world = await createMatchingWorld(ctx, app);
  ids.inspection = await world.publish('achievement', world.university, {
    title: '宽禁带半导体晶圆缺陷光学检测装备',
    summary: '面向碳化硅衬底的微管与位错缺陷在线识别',
    description: '暗场散射成像结合深度学习分类，识别碳化硅衬底表面与亚表面缺陷。',
    // neither side files 碳化硅衬底 as a keyword
    keywords: ['缺陷检测', '暗场散射'],
    field: '01',
    trl: 6,
    transferModes: ['license_nonexclusive'],
  });
  ids.need = await world.publish('need', world.enterprise, {
    title: '碳化硅衬底缺陷快速识别',
    description: '我司生产六英寸碳化硅衬底，希望寻求微管和位错缺陷的快速识别方法。',
    keywords: ['晶圆质量'],
    field: '01',
  });
  // four experts of the same specialty among a hundred others, as the indexer puts them into the
  // index; and a hundred achievements on other topics (in a handful of documents, no word tells)
  const engine = await searchEngineFor(ctx);
  const now = new Date().toISOString();
  const others = TOPICS.flatMap((topic, i) =>
    FILLER_VARIANTS.map((variant, j) => ({ topic, variant, n: `${i}-${j}` })),
  );
  await engine.upsert(
    others.flatMap(({ topic, variant, n }) => [
      expert(newId(), `研究员${n}`, `长期从事${topic}${variant}研究`, `${topic}${variant}`, now),
      topicAchievement(newId(), topic, variant, now),
    ]),
  );
  await engine.upsert(
    EXPERT_KEYWORDS.map((keyword, i) => {
      ids[`expert${i}`] = newId();
      return expert(ids[`expert${i}`]!, `专家${i}`, `长期从事碳化硅衬底方向研究：${keyword}`, keyword, now);
    }),
  );
});

const get = async (url: string, actor?: TestActor) => {
  const res = await app.inject({ method: 'GET', url, headers: actor?.headers ?? {} });
  return { status: res.statusCode, body: res.json() };
};
const termsOf = (reason: string) =>
  reason
    .replace(/（.*$/u, '')
    .split(/[：、]/u)
    .slice(1);

describe('reasons of GET /v1/needs/{id}/matches', () => {
  it('shows a stretch both texts hold as one phrase, not as its jieba pieces', async () => {
    const r = await get(`/v1/needs/${ids.need}/matches`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const match = r.body.items.find((m: { id: string }) => m.id === ids.inspection);
    const reason: string = match?.reasons.find((x: string) => x.startsWith('关键词匹配：')) ?? '';
    // before: 关键词匹配：碳化硅、衬底、… (jieba's pieces of the need's 碳化硅衬底)
    expect(termsOf(reason), JSON.stringify(match)).toContain('碳化硅衬底');
    expect(termsOf(reason)).not.toContain('衬底');
    expect(termsOf(reason)).not.toContain('碳化硅');
    expect(match.matchedTerms).toContain('碳化硅衬底');
    expect(match.matchedTerms).not.toContain('衬底');
  });

  it('says what in each expert the shared words are part of, so no reason is on most of the list', async () => {
    const r = await get(`/v1/needs/${ids.need}/matches`);
    const experts: { id: string; reasons: string[] }[] = r.body.experts;
    expect(experts.length, JSON.stringify(experts)).toBe(EXPERT_KEYWORDS.length);
    const counts = new Map<string, number>();
    for (const e of experts) for (const x of new Set(e.reasons)) counts.set(x, (counts.get(x) ?? 0) + 1);
    // before: 关键词匹配：碳化硅、衬底 on all four
    for (const [reason, n] of counts) expect(n, reason).toBeLessThanOrEqual(experts.length / 2);
    EXPERT_KEYWORDS.forEach((keyword, i) => {
      const reasons = experts.find((e) => e.id === ids[`expert${i}`])?.reasons ?? [];
      expect(reasons[0], JSON.stringify(reasons)).toMatch(/^关键词匹配：/u);
      expect(reasons[0]).toContain(`「${keyword}」`);
    });
  });
});
