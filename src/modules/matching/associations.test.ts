// Term associations learned from the catalog (issue #13, item 3): listings that say one word and
// are filed under a keyword teach the ranker that bridge; a job rebuilds them as the catalog changes.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { ownSearchNamespace, publishListing } from '../../test/fixtures/matching.js';
import { catalogModule } from '../catalog/module.js';
import {
  ASSOCIATIONS_DEBOUNCE_MS,
  ASSOCIATIONS_QUEUE,
  readAssociations,
  rebuildAssociations,
  scheduleRebuild,
} from './association-store.js';
import {
  ASSOCIATIONS_IN_USE,
  AssociationTable,
  associationTerms,
  learnAssociations,
  listingUnits,
} from './associations.js';
import { searchEngineFor } from './engine-instance.js';
import { matchingWorkers, processListingChange } from './indexer.js';
import { lexicalQuery, lexicalScore } from './lexical.js';
import { matchingModule } from './module.js';
import { RANKING_PARAMS, textCandidates } from './ranking.js';
import { loadDefaultThesaurus } from './synonyms.js';

// made-up words, so the assertions hold whatever else the catalog holds
const PLANT = 'gritline';
const ACADEMIC = 'tribometry';
const OTHER = 'xylophage';
// a small catalog: every share of it is large, so no word is excluded as too common here
const SMALL = { minSupport: 2, maxShare: 1, perTerm: 5, minStrength: 0.1 };

describe('term associations (pure)', () => {
  const catalog = [
    { title: `${PLANT} 表面 处理 工艺`, keywords: [ACADEMIC] },
    { title: `${PLANT} 涂层 磨损 研究`, keywords: [ACADEMIC, '涂层'] },
    { title: `${ACADEMIC} 测试 平台`, keywords: [ACADEMIC] },
    { title: `${OTHER} 木材 防护`, keywords: ['木材'] },
    { title: `${OTHER} 木材 检测`, keywords: ['木材'] },
  ];

  it('bridges a need word to a keyword the listings that use it are filed under', () => {
    const associations = learnAssociations(catalog.map(listingUnits), SMALL);
    const bridge = associations.find((a) => a.term === PLANT && a.associate === ACADEMIC);
    expect(bridge?.support).toBe(2);
    expect(bridge!.strength).toBeGreaterThan(0.1);
    // a word never seen with a keyword is not associated with it
    expect(associations.some((a) => a.term === PLANT && a.associate === '木材')).toBe(false);

    // the need says only the plant word; the third listing says only the academic one
    const query = lexicalQuery({ title: PLANT }, loadDefaultThesaurus());
    const expansion = associationTerms(query, new AssociationTable(associations), { weight: 0.3, terms: 10 });
    expect(expansion.map((t) => t.term)).toEqual([ACADEMIC]);
    expect(expansion[0]!.weight).toBeGreaterThan(0);
    expect(expansion[0]!.weight).toBeLessThanOrEqual(0.3);
    const third = { tf: new Map([[ACADEMIC, [1, 1, 0, 0]]]), lengths: [3, 1, 0, 0] };
    const stats = { docs: 5, df: new Map([[ACADEMIC, 3]]), avgLengths: [3, 1, 0, 0] };
    expect(lexicalScore(query, stats, third).score).toBe(0);
    expect(lexicalScore([...query, ...expansion], stats, third).score).toBeGreaterThan(0);
  });

  it('learns nothing from one listing alone, and nothing from a word every listing holds', () => {
    const once = learnAssociations([listingUnits({ title: PLANT, keywords: [ACADEMIC] })], SMALL);
    expect(once).toEqual([]);
    const common = learnAssociations(
      catalog.map((c) => listingUnits({ ...c, title: `${c.title} 通用` })),
      { ...SMALL, maxShare: 0.5 },
    );
    expect(common.some((a) => a.term === '通用')).toBe(false);
  });
});

const fixture = useTestApp([catalogModule.routes!, matchingModule.routes!], { env: ownSearchNamespace() });
let ctx: TestContext;
let app: FastifyInstance;
let actors: { owner: TestActor; reviewer: TestActor };

beforeAll(async () => {
  ({ ctx, app } = fixture);
  const sub = await createSubCentre(ctx);
  const uni = await createOrganisation(ctx, { type: 'university', subCentre: sub, verified: true });
  actors = {
    owner: await createActor(ctx, { organisation: uni, orgRole: 'org_admin' }),
    reviewer: await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] }),
  };
});

describe('term associations (stored, rebuilt from the catalog)', () => {
  const plant = () => `${PLANT}${ctx.tag}`;
  const academic = () => `${ACADEMIC}${ctx.tag}`;

  it('are rebuilt from the public listings, and bridge a need to an achievement that never says its word', async () => {
    const namespace = ctx.config.queuePrefix;
    // this file's catalog is a handful of listings: at the default share every keyword is "common"
    await rebuildAssociations(ctx.database.db, namespace, SMALL);
    const before = await readAssociations(ctx.database.db, namespace);
    expect(before.some((a) => a.term === plant())).toBe(false);

    // two listings say the plant word and are filed under the academic keyword; one says only the latter
    for (const title of ['涂层磨损在线监测装置', '耐磨涂层寿命评估方法']) {
      await publishListing(ctx, app, 'achievement', actors, {
        title,
        summary: `现场称为 ${plant()} 的问题`,
        keywords: [academic()],
      });
    }
    const bridged = await publishListing(ctx, app, 'achievement', actors, {
      title: '摩擦学试验平台',
      summary: '摩擦副磨损量的精密测量',
      keywords: [academic()],
    });
    // and one listing about something else: a keyword on every listing would tell nothing
    await publishListing(ctx, app, 'achievement', actors, { title: '木材防腐处理', keywords: ['木材防腐'] });
    const result = await rebuildAssociations(ctx.database.db, namespace, SMALL);
    expect(result.associations).toBeGreaterThan(0);
    const after = await readAssociations(ctx.database.db, namespace);
    expect(after.find((a) => a.term === plant() && a.associate === academic())?.support).toBe(2);

    // ranked through the embedded engine: the bridged achievement scores higher with the bridge
    const engine = await searchEngineFor(ctx);
    const query = lexicalQuery({ title: `${plant()} 磨损` }, await engine.thesaurus());
    const scoreOf = async (weight: number) => {
      const params = { ...RANKING_PARAMS, associations: { weight, terms: 10 } };
      const { scored } = await textCandidates(
        engine,
        'achievement',
        query,
        undefined,
        params,
        new AssociationTable(after),
      );
      return scored.find((s) => s.candidate.hit.id === bridged)?.text ?? 0;
    };
    expect(await scoreOf(0.3)).toBeGreaterThan(await scoreOf(0));
  });

  it('an indexed catalog change schedules the rebuild job (when in use), whose worker learns from the catalog', async () => {
    const id = await publishListing(ctx, app, 'achievement', actors, { title: '焊缝超声检测装置' });
    const namespace = ctx.config.queuePrefix;
    const window = Math.floor(Date.now() / ASSOCIATIONS_DEBOUNCE_MS);
    await processListingChange(ctx, { data: { type: 'achievement', id, change: 'published' } });
    const queue = ctx.queues.queue(ASSOCIATIONS_QUEUE);
    // the window may have turned between the two clock readings
    const job =
      (await queue.getJob(`associations-${namespace}-${window}`)) ??
      (await queue.getJob(`associations-${namespace}-${window + 1}`));
    // while the fitted expansion weight is 0 the ranking does not use them, and nothing is scheduled
    if (ASSOCIATIONS_IN_USE) expect(job?.data).toEqual({ namespace });
    else expect(job).toBeUndefined();
    // the module's worker for that queue, run on a job due now (the scheduled one is due later)
    const def = matchingWorkers(ctx).find((w) => w.queue === ASSOCIATIONS_QUEUE)!;
    const worker = ctx.queues.worker(def.queue as never, def.process, { concurrency: 1 });
    try {
      const done = new Promise<unknown>((resolve) =>
        worker.on('completed', (_job, result) => resolve(result)),
      );
      await queue.add(ASSOCIATIONS_QUEUE, { namespace }, { jobId: `associations-${namespace}-now` });
      const rebuilt = (await done) as { listings: number };
      // every public listing of the catalog is read (this file published five)
      expect(rebuilt.listings).toBeGreaterThanOrEqual(5);
    } finally {
      await worker.close();
    }
  });

  it('a catalog change schedules one debounced rebuild job per window', async () => {
    const queue = ctx.queues.queue(ASSOCIATIONS_QUEUE);
    const namespace = `assoc${ctx.tag}`;
    const now = Date.now();
    await scheduleRebuild(queue, namespace, now);
    await scheduleRebuild(queue, namespace, now + 1);
    const window = Math.floor(now / ASSOCIATIONS_DEBOUNCE_MS);
    const job = await queue.getJob(`associations-${namespace}-${window}`);
    expect(job?.data).toEqual({ namespace });
    const counts = await queue.getJobCounts('delayed', 'waiting');
    expect((counts.delayed ?? 0) + (counts.waiting ?? 0)).toBeGreaterThanOrEqual(1);
    // the next window is a new job
    await scheduleRebuild(queue, namespace, (window + 1) * ASSOCIATIONS_DEBOUNCE_MS);
    expect(await queue.getJob(`associations-${namespace}-${window + 1}`)).toBeDefined();
  });
});
