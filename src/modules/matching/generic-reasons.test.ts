/**
 * Issue 13 item 4 on a real engine: a match resting only on words of general Chinese (服务, 科技)
 * is no match beside a need's telling words, and weak, never a keyword match, for a need of common
 * words only; in a small directory such a candidate is not listed at all;
 * technical words still show. The demo case of `npm start`: 徐州淮海科技成果转化服务中心 was recommended to a video-coding
 * need with 关键词匹配：服务、科技, both words being rare among the achievements. The embedded engine
 * always; Meilisearch when MEILI_URL is set.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { FILLER_TOPICS, FILLER_VARIANTS, topicAchievement } from '../../test/fixtures/matching.js';
import { EmbeddedSearchEngine } from './embedded-engine.js';
import type { SearchDocument, SearchEngine } from './engine.js';
import { MeiliSearchEngine } from './meili-engine.js';
import { recommendProviders } from './providers.js';
import { matchAchievementsForNeed, subjectQuery, subjectText } from './ranking.js';

const NOW = '2026-06-01T00:00:00Z';
const published = { status: 'published', updatedAt: NOW } as const;

const TOPICS = [...FILLER_TOPICS, '激光焊接熔池监测', '钢板表面缺陷识别'];
const VARIANTS = FILLER_VARIANTS.slice(0, 8);

/** 80 achievements: none says 服务 or 科技 but the one that says both (1.25 % of them). */
function achievements(): SearchDocument[] {
  const docs: SearchDocument[] = TOPICS.flatMap((topic, i) =>
    VARIANTS.map((variant, j) => topicAchievement(`a-${i}-${j}`, topic, variant, NOW)),
  );
  docs[0] = {
    id: 'a-platform',
    type: 'achievement',
    title: '中小企业科技服务平台',
    summary: '为园区中小企业提供科技服务与政策匹配。',
    ...published,
  };
  docs[1] = {
    id: 'a-video',
    type: 'achievement',
    title: '超高清视频编码感兴趣区域码率分配方法',
    summary: '8K视频实时编码，感兴趣区域码率分配与并行编码架构。',
    keywords: ['感兴趣区域码率分配', '并行编码架构', '视频质量评价'],
    fieldCode: '01',
    ...published,
  };
  return docs;
}

const institution = (id: string, title: string, body: string, extra: Partial<SearchDocument> = {}) =>
  ({ id, type: 'institution', title, body, ...published, ...extra }) as SearchDocument;

/** 16 institutions, as in the demo directory. */
const INSTITUTIONS: SearchDocument[] = [
  institution('huaihai', '徐州淮海科技成果转化服务中心有限公司', '技术转移；科技成果转化服务'),
  institution('codec-lab', '南京超清视频编码检测实验室', '视频编码、码率分配测试与编码器评测', {
    keywords: ['感兴趣区域码率分配'],
  }),
  institution('ip-nj', '南京知衡知识产权代理有限公司', '知识产权；专利申请代理'),
  institution('ip-wx', '无锡慧权专利代理事务所', '知识产权；专利检索'),
  institution('ip-cz', '常州创信知识产权运营有限公司', '知识产权运营'),
  institution('av-nj', '江苏中正资产评估有限公司', '资产评估'),
  institution('av-nt', '南通华诚资产评估事务所有限公司', '资产评估'),
  institution('vc-sz', '苏州启元创业投资管理有限公司', '投融资'),
  institution('vc-nj', '江苏紫金科创投资管理有限公司', '投融资'),
  institution('law-nj', '江苏明衡律师事务所', '法律'),
  institution('law-wx', '江苏澄明律师事务所', '法律'),
  institution('inc-cz', '常州科创孵化器管理有限公司', '孵化'),
  institution('inc-yc', '盐城新能源企业孵化器有限公司', '孵化'),
  institution('tt-nj', '江苏汇智技术转移中心有限公司', '技术转移'),
  institution('tt-sz', '苏州联创技术转移有限公司', '技术转移'),
  institution('tt-tz', '泰州医药城技术转移有限公司', '技术转移'),
];

const NEED: SearchDocument = {
  id: 'need-video',
  type: 'need',
  title: '云游戏超高清视频编码国产标准适配',
  body:
    '我公司主要从事影视科技相关产品的研发与生产，在服务8K电视直播客户时面临超高清视频带宽与存储成本高的问题。' +
    '现寻求超高清视频编码相关技术，重点解决感兴趣区域码率分配、并行编码架构等问题。',
  fieldCode: '01',
  ...published,
};

function reasonsOn(name: string, create: (ctx: TestContext) => SearchEngine) {
  describe(`match reasons on ${name}`, () => {
    let engine: SearchEngine;
    const fixture = useTestContext();
    beforeAll(async () => {
      engine = create(fixture.ctx);
      await engine.ensureSetup();
      await engine.upsert([...achievements(), ...INSTITUTIONS, NEED]);
    });
    afterAll(async () => {
      await engine.reset();
    });

    const reasonsOf = (list: { id: string; reasons: string[] }[], id: string) =>
      list.find((m) => m.id === id)?.reasons ?? [];

    it('does not list an institution sharing only 服务 and 科技 with the need', async () => {
      const terms = subjectQuery(NEED, await engine.thesaurus());
      const found = await recommendProviders(engine, 'institution', terms, NEED);
      // before: listed as 弱相关：仅共有常见词「服务」; a person expects evidence in the list
      expect(
        found.map((m) => m.id),
        JSON.stringify(found),
      ).not.toContain('huaihai');
      expect(found.flatMap((m) => m.reasons).join('|')).not.toContain('弱相关');
      // technical words still find and show
      expect(found.map((m) => m.id)).toContain('codec-lab');
      expect(reasonsOf(found, 'codec-lab')[0]).toMatch(/^关键词匹配：.*(编码|码率)/);
    });

    it('answers an empty list when every institution shares only generic words', async () => {
      const generic = subjectQuery({ title: '科技服务', body: '技术服务' }, await engine.thesaurus());
      expect(await recommendProviders(engine, 'institution', generic, NEED)).toEqual([]);
    });

    it('explains achievements by the same rule', async () => {
      const matches = await matchAchievementsForNeed(engine, NEED);
      // sharing only words of common language with a need that says telling ones is no match
      // (they weigh LexicalParams.generalWeight beside those; before: 弱相关：仅共有常见词「服务」)
      expect(
        matches.map((m) => m.id),
        JSON.stringify(matches),
      ).not.toContain('a-platform');
      expect(reasonsOf(matches, 'a-video')[0]).toMatch(/^关键词匹配：.*(编码|码率)/);
      // a need of common words only is taken as it is: the match shows as weak, never as a keyword match
      const plain = await matchAchievementsForNeed(engine, {
        ...NEED,
        id: 'need-plain',
        title: '找服务',
        body: '科技',
      });
      expect(reasonsOf(plain, 'a-platform').join('|'), JSON.stringify(plain)).toMatch(
        /^弱相关：仅共有常见词「(服务|科技)」/,
      );
    });

    it("shows the owner's keyword the need says whole, not the colloquial fragment 感兴趣", async () => {
      const matches = await matchAchievementsForNeed(engine, NEED);
      const video = matches.find((m) => m.id === 'a-video');
      const reason = video?.reasons[0] ?? '';
      // before: 关键词匹配：…感兴趣… (the keyword's words, 感兴趣 among them)
      expect(reason, JSON.stringify(video)).toMatch(/^关键词匹配：/);
      expect(reason.split(/[：、]/)).toContain('感兴趣区域码率分配');
      expect(reason.split(/[：、]/)).not.toContain('感兴趣');
      expect(video?.matchedTerms).toContain('感兴趣区域码率分配');
      expect(video?.matchedTerms).not.toContain('感兴趣');
      // 视频质量评价 is not in the need: it is not shown
      expect(reason).not.toContain('视频质量评价');
      // the same rule for a directory (institutions; experts go through the same code)
      const terms = subjectQuery(NEED, await engine.thesaurus());
      const found = await recommendProviders(engine, 'institution', terms, NEED, 5, subjectText(NEED));
      const lab = reasonsOf(found, 'codec-lab')[0] ?? '';
      expect(lab, JSON.stringify(found)).toMatch(/^关键词匹配：/);
      expect(lab.split(/[：、]/)).toContain('感兴趣区域码率分配');
      expect(lab.split(/[：、]/)).not.toContain('感兴趣');
    });
  });
}

reasonsOn(
  'embedded PostgreSQL',
  (ctx) => new EmbeddedSearchEngine(ctx.database, { namespace: `g${ctx.tag}` }),
);

const meiliUrl = inject('meiliUrl');
if (meiliUrl) {
  reasonsOn(
    'Meilisearch',
    (ctx) => new MeiliSearchEngine({ url: meiliUrl, apiKey: inject('meiliKey'), indexPrefix: `g${ctx.tag}` }),
  );
}
