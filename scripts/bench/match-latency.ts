/**
 * `npx tsx scripts/bench/match-latency.ts`: the latency part of `bench-match.ts` alone, without
 * the API, for profiling (`node --cpu-prof --import tsx …`) and for checking that a change of the
 * matching code leaves the ranking as it was. It ranks the devset's needs (achievements, experts,
 * institutions: what `GET /v1/needs/{id}/matches` computes) among BENCH_MATCH_DOCS generated
 * achievements (default 100,000) plus the devset's, prints p50/p95 and the CPU per request (node
 * and PostgreSQL) with the load average, and with LAT_OUT writes every ranked list (ids and
 * scores) to that file, to diff two runs.
 *
 * LAT_DIR keeps the embedded PostgreSQL's data folder between runs (indexing 100,000 documents
 * takes minutes); the documents are indexed only when the namespace holds fewer than wanted.
 * BENCH_MATCH_ROUNDS: rounds over the needs (default 4). LAT_TEXTS=1: the shown candidates' texts
 * are given to the reasons (the shared stretches, reasons.ts `sharedPhrases`), from memory (the
 * documents indexed, regenerated), as the endpoints give them from the catalog.
 * MEILI_URL (and MEILI_MASTER_KEY) set: the same on Meilisearch (index prefix `latency`, kept between
 * runs like LAT_DIR's data; PostgreSQL CPU is then only the bench's own counting). MEILI_PID, the
 * process id of that Meilisearch when it runs on this machine, adds its CPU per request.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { generateDemo } from '../../src/modules/catalog/demo/demo-data.js';
import type { CandidateTexts } from '../../src/modules/matching/candidate-texts.js';
import { EmbeddedSearchEngine } from '../../src/modules/matching/embedded-engine.js';
import type { SearchDocument, SearchEngine } from '../../src/modules/matching/engine.js';
import { MeiliSearchEngine } from '../../src/modules/matching/meili-engine.js';
import { recommendProviders } from '../../src/modules/matching/providers.js';
import { rankAchievementsForNeed, subjectQuery, subjectText } from '../../src/modules/matching/ranking.js';
import { warmUpSegmenter } from '../../src/modules/matching/text.js';
import { runMigrations } from '../../src/platform/db.js';
import { loadDevset } from '../data/match-devset/index.js';
import { loadAverage, startBenchPostgres } from './bench-postgres.js';
import { achievementDocument, needDocument, percentile } from './match-quality.js';

const TOTAL_DOCS = Number(process.env.BENCH_MATCH_DOCS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_MATCH_ROUNDS ?? 4);
const OUT = process.env.LAT_OUT;
const TEXTS = process.env.LAT_TEXTS === '1';
// a fixed instant, so freshness (and so the ranking) is the same in every run on one data folder
const NOW = new Date('2026-12-01T00:00:00Z');

const pgBench = await startBenchPostgres({
  ...(process.env.LAT_DIR ? { dir: process.env.LAT_DIR } : {}),
  prefix: 'techex-match-latency-',
  database: 'techex_match_latency',
  settings: { shared_buffers: '256MB' },
});
const { database } = pgBench;

/** CPU time (ms) of a process of this machine, from /proc. */
async function processCpu(pid: number): Promise<number> {
  const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const MEILI_PID = process.env.MEILI_PID ? Number(process.env.MEILI_PID) : undefined;

/** CPU time (ms) of the PostgreSQL backends of our database, from /proc (as bench-match.ts). */
async function backendCpu(): Promise<number> {
  const { rows } = await database.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
  );
  let total = 0;
  for (const { pid } of rows) {
    const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return total;
}

try {
  warmUpSegmenter();
  await runMigrations(database.pool);
  const meili = process.env.MEILI_URL;
  const engine: SearchEngine = meili
    ? new MeiliSearchEngine({ url: meili, apiKey: process.env.MEILI_MASTER_KEY, indexPrefix: 'latency' })
    : new EmbeddedSearchEngine(database, { namespace: 'latency' });
  await engine.ensureSetup();
  const devset = loadDevset();
  const indexed = async () => {
    if (meili) return (await engine.corpusStats('achievement', [])).docs;
    const { rows } = await database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM matching_documents WHERE namespace = 'latency' AND type = 'achievement'`,
    );
    return rows[0]?.n ?? 0;
  };
  if ((await indexed()) < TOTAL_DOCS + devset.achievements.length) {
    const started = Date.now();
    await engine.upsert(devset.achievements.map((a) => achievementDocument(a)));
    let indexed = 0;
    for (let seed = 1; indexed < TOTAL_DOCS; seed++) {
      const docs = generateDemo(seed)
        .achievements.slice(0, TOTAL_DOCS - indexed)
        .map((a, i) =>
          achievementDocument(
            a,
            `gen-${seed}-${a.externalId}`,
            new Date(NOW.getTime() - i * 3_600_000).toISOString(),
          ),
        );
      let inFlight: Promise<void> = Promise.resolve();
      for (let i = 0; i < docs.length; i += 500) {
        const next = engine.upsert(docs.slice(i, i + 500));
        await inFlight;
        inFlight = next;
      }
      await inFlight;
      indexed += docs.length;
      process.stdout.write(`\rindexing: ${indexed}/${TOTAL_DOCS}`);
    }
    await engine.upsert(
      generateDemo(1).experts.map((e, i) => ({
        id: `gen-expert-${i}`,
        type: 'expert' as const,
        title: e.name,
        summary: e.title,
        keywords: e.expertise,
        fieldCode: e.fields[0] ?? null,
        status: 'published',
        updatedAt: NOW.toISOString(),
      })),
    );
    if (!meili) await database.pool.query('VACUUM ANALYZE matching_documents');
    console.log(` (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const needs = devset.needs.map((n) => needDocument(n));
  // the indexed documents' texts, regenerated as indexed above (LAT_TEXTS=1)
  const byId = new Map<string, string>();
  if (TEXTS) {
    const keep = (doc: SearchDocument) => byId.set(doc.id, subjectText(doc));
    for (const a of devset.achievements) keep(achievementDocument(a));
    for (let seed = 1, n = 0; n < TOTAL_DOCS; seed++) {
      for (const a of generateDemo(seed).achievements.slice(0, TOTAL_DOCS - n)) {
        keep(achievementDocument(a, `gen-${seed}-${a.externalId}`));
        n++;
      }
    }
    generateDemo(1).experts.forEach((e, i) => {
      keep({
        id: `gen-expert-${i}`,
        type: 'expert',
        title: e.name,
        summary: e.title,
        keywords: e.expertise,
        status: 'published',
        updatedAt: NOW,
      });
    });
  }
  const texts: CandidateTexts | undefined = TEXTS
    ? async (_, ids) => new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id)!] as const] : [])))
    : undefined;
  /** What GET /v1/needs/{id}/matches computes for a need (match-service.ts needMatches). */
  const matchNeed = async (need: (typeof needs)[number]) => {
    const terms = subjectQuery(need, await engine.thesaurus());
    const [ranked, experts, institutions] = await Promise.all([
      rankAchievementsForNeed(engine, need, { limit: 21, now: NOW, texts }),
      recommendProviders(engine, 'expert', terms, need, 5, subjectText(need), texts),
      recommendProviders(engine, 'institution', terms, need, 5, subjectText(need), texts),
    ]);
    return { ranked, experts, institutions };
  };
  const lists: Record<string, unknown> = {};
  for (const need of needs) {
    const { ranked, experts, institutions } = await matchNeed(need); // warm-up, and the lists compared
    lists[need.id] = {
      matches: ranked.matches.map((m) => [m.id, m.score, m.reasons.join('|'), m.matchedTerms.join(',')]),
      queryTerms: ranked.queryTerms,
      experts: experts.map((m) => [m.id, m.score, m.reasons.join('|')]),
      institutions: institutions.map((m) => [m.id, m.score, m.reasons.join('|')]),
    };
  }
  if (OUT) await fs.writeFile(OUT, `${JSON.stringify(lists, null, 1)}\n`);
  const times: number[] = [];
  const loadBefore = loadAverage();
  const cpuBefore = process.cpuUsage();
  const pgBefore = await backendCpu();
  const meiliBefore = MEILI_PID ? await processCpu(MEILI_PID) : 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const need of needs) {
      const t0 = performance.now();
      await matchNeed(need);
      times.push(performance.now() - t0);
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  const pgMs = (await backendCpu()) - pgBefore;
  const meiliMs = MEILI_PID ? (await processCpu(MEILI_PID)) - meiliBefore : 0;
  const nodeMs = (cpu.user + cpu.system) / 1000;
  times.sort((a, b) => a - b);
  const per = (ms: number) => `${(ms / times.length).toFixed(1)} ms/request`;
  console.log(
    `${meili ? 'Meilisearch: ' : ''}${needs.length} needs × ${ROUNDS} among ${TOTAL_DOCS} + ${devset.achievements.length} achievements, ` +
      `in process: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms; ` +
      `CPU node ${per(nodeMs)}, PostgreSQL ${per(pgMs)}, ${MEILI_PID ? `Meilisearch ${per(meiliMs)}, ` : ''}` +
      `total ${per(nodeMs + pgMs + meiliMs)}; ` +
      `load average ${loadBefore} before, ${loadAverage()} after, on ${os.cpus().length} CPUs`,
  );
} finally {
  await pgBench.close();
}
