/**
 * `npx tsx scripts/bench/match-diagnose.ts`: where do the devset's relevant achievements get lost
 * once many generated achievements are indexed beside them (issue 5 §8)? For each need it follows
 * every judged-relevant achievement through the three stages of `GET /v1/needs/{id}/matches`:
 *
 *   1. candidate condition: the rarest query terms that together select ≤ CANDIDATE_ROWS documents
 *      (term-stats.ts candidateTerms) — does the achievement match them at all?
 *   2. engine text order: its position among the 100 candidates the engine hands to the ranking;
 *   3. ranking (ranking.ts): its final position.
 *
 * Two indexes side by side in one database (engine namespaces): the devset alone, and the devset
 * among DIAG_DOCS (default 100,000) generated achievements. Both are kept between runs (indexing
 * takes minutes), in DIAG_DATABASE_URL (default: database techex_diag_match on DATABASE_URL's server,
 * or on 127.0.0.1:55432); DIAG_REINDEX=1 rebuilds them. DIAG_NEEDS=n prints details of n needs.
 * Uses the engine directly (not HTTP): quality only, no latency — bench-match measures that.
 */
import pg from 'pg';
import { generateDemo } from '../../src/modules/catalog/demo/demo-data.js';
import { CANDIDATE_ROWS, EmbeddedSearchEngine } from '../../src/modules/matching/embedded-engine.js';
import { TERM_STATS_SQL } from '../../src/modules/matching/embedded-sql.js';
import { matchAchievementsForNeed, salientTerms } from '../../src/modules/matching/ranking.js';
import { loadDefaultThesaurus } from '../../src/modules/matching/synonyms.js';
import { candidateTerms, termFrequency } from '../../src/modules/matching/term-stats.js';
import { warmUpSegmenter } from '../../src/modules/matching/text.js';
import { combine, termQueries } from '../../src/modules/matching/tsvector.js';
import { createDatabase, runMigrations } from '../../src/platform/db.js';
import { type Devset, type Grade, loadDevset, qrels } from '../data/match-devset/index.js';
import { achievementDocument, ndcgAt, needDocument, recallAt } from './match-quality.js';
import { topicGrades, topicOf } from './match-topic-judgments.js';

const DOCS = Number(process.env.DIAG_DOCS ?? 100_000);
const DETAIL = Number(process.env.DIAG_NEEDS ?? 8);
const SHOW = new Set((process.env.DIAG_SHOW ?? '').split(',').filter(Boolean));
/** ranking.ts CANDIDATES: how many of the engine's hits the ranking re-orders */
const CANDIDATES = 100;
const NOW = new Date();

async function databaseUrl(): Promise<string> {
  if (process.env.DIAG_DATABASE_URL) return process.env.DIAG_DATABASE_URL;
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres');
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'techex_diag_match'");
  if (!rowCount) await admin.query('CREATE DATABASE techex_diag_match');
  await admin.end();
  server.pathname = '/techex_diag_match';
  return server.toString();
}

const url = await databaseUrl();
const database = createDatabase(url);
await runMigrations(database.pool);
warmUpSegmenter();
const devset = loadDevset();
const judged = qrels(devset);

async function count(namespace: string): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM matching_documents WHERE namespace = $1 AND type = 'achievement'",
    [namespace],
  );
  return rows[0]!.n;
}

async function build(namespace: string, generated: number): Promise<EmbeddedSearchEngine> {
  const engine = new EmbeddedSearchEngine(database, { namespace });
  const want = devset.achievements.length + generated;
  if (process.env.DIAG_REINDEX !== '1' && (await count(namespace)) === want) return engine;
  await engine.reset();
  await database.pool.query('DELETE FROM matching_term_stats WHERE namespace = $1', [namespace]);
  await engine.upsert(
    devset.achievements.map((a) => achievementDocument(a, a.externalId, NOW.toISOString())),
  );
  for (let seed = 1, done = 0; done < generated; seed++) {
    const docs = generateDemo(seed)
      .achievements.slice(0, generated - done)
      .map((a, i) =>
        achievementDocument(
          a,
          `gen-${seed}-${a.externalId}`,
          new Date(NOW.getTime() - i * 3_600_000).toISOString(),
        ),
      );
    for (let i = 0; i < docs.length; i += 500) await engine.upsert(docs.slice(i, i + 500));
    done += docs.length;
    process.stdout.write(`\r${namespace}: ${done}/${generated} generated achievements indexed`);
  }
  if (generated > 0) console.log('');
  await database.pool.query('VACUUM ANALYZE matching_documents');
  return engine;
}

type Need = Devset['needs'][number];
interface Trace {
  /** relevant id → [matches the candidate condition, engine position (1-based) or 0, final position or 0] */
  stages: Map<string, [boolean, number, number]>;
  chosen: string[];
  selects: number;
  /** the rarest term left out of the candidate condition, with its document frequency */
  next?: string;
  final: string[];
  finalTitles: string[];
  ms: number;
}

async function trace(engine: EmbeddedSearchEngine, namespace: string, need: Need): Promise<Trace> {
  const doc = needDocument(need);
  const terms = termQueries(salientTerms(doc), loadDefaultThesaurus());
  const lexemes = ['', ...new Set(terms.flatMap((t) => t.lexemes))];
  const { rows } = await database.pool.query<{ lexeme: string; df: number }>(TERM_STATS_SQL, [
    namespace,
    'achievement',
    lexemes,
  ]);
  const df = new Map(rows.map((r) => [r.lexeme, r.df]));
  const stats = { docs: df.get('') ?? 0, df };
  const chosen = candidateTerms(terms, stats, CANDIDATE_ROWS);
  const relevant = [...(judged.get(need.externalId) ?? [])].filter(([, g]) => g >= 1).map(([id]) => id);
  const { rows: inCondition } = await database.pool.query<{ id: string }>(
    `SELECT id FROM matching_documents WHERE namespace = $1 AND type = 'achievement' AND id = ANY($2)
        AND tsv @@ $3::tsquery`,
    [namespace, relevant, combine(chosen, '|')],
  );
  const matched = new Set(inCondition.map((r) => r.id));
  const textOrder = await engine.search({
    type: 'achievement',
    terms: salientTerms(doc),
    match: 'any',
    limit: CANDIDATES,
    countTotal: false,
    highlight: false,
  });
  const t0 = performance.now();
  const ranked = await matchAchievementsForNeed(engine, doc, { limit: 50, now: NOW });
  const ms = performance.now() - t0;
  const textIds = textOrder.hits.map((h) => h.id);
  const finalIds = ranked.map((m) => m.id);
  const stages = new Map<string, [boolean, number, number]>(
    relevant.map((id) => [id, [matched.has(id), textIds.indexOf(id) + 1, finalIds.indexOf(id) + 1]]),
  );
  const selects = chosen.reduce((s, t) => s + termFrequency(t, stats), 0);
  const left = terms
    .filter((t) => !chosen.includes(t) && termFrequency(t, stats) > 0)
    .sort((x, y) => termFrequency(x, stats) - termFrequency(y, stats))[0];
  return {
    stages,
    chosen: chosen.map((t) => t.term),
    selects,
    next: left ? `${left.term} (${termFrequency(left, stats)})` : undefined,
    final: finalIds,
    finalTitles: ranked.map((m) => m.title),
    ms,
  };
}

const devOnly = await build('diag_devset', 0);
const mixed = await build('diag_mixed', DOCS);

// Generated titles are composed from a template topic's subject (src/modules/catalog/demo/templates):
// which topic a generated hit comes from, and how many generated achievements each topic has.
const topicSize = new Map<string, number>();
const { rows: generatedTitles } = await database.pool.query<{ title: string }>(
  "SELECT title FROM matching_documents WHERE namespace = 'diag_mixed' AND id LIKE 'gen-%'",
);
for (const { title } of generatedTitles)
  topicSize.set(topicOf(title), (topicSize.get(topicOf(title)) ?? 0) + 1);
const topicSummary: string[] = [];
const n = devset.needs.length;
const totals = { dev: { ndcg: 0, recall: 0 }, mix: { ndcg: 0, recall: 0 }, judgedOnly: 0, topics: 0 };
const rankMs: number[] = [];
// relevant (grade ≥ 1) achievements lost per stage, with the 100k
const lost = { condition: 0, engineTop100: 0, rankingTop10: 0, top10Dev: 0, relevant: 0 };
const generatedInTop10: number[] = [];
for (const [i, need] of devset.needs.entries()) {
  const grades = judged.get(need.externalId) ?? new Map<string, Grade>();
  const [a, b] = [await trace(devOnly, 'diag_devset', need), await trace(mixed, 'diag_mixed', need)];
  totals.dev.ndcg += ndcgAt(10, a.final, grades);
  totals.dev.recall += recallAt(20, a.final, grades);
  totals.mix.ndcg += ndcgAt(10, b.final, grades);
  totals.mix.recall += recallAt(20, b.final, grades);
  totals.judgedOnly += ndcgAt(
    10,
    b.final.filter((id) => !id.startsWith('gen-')),
    grades,
  );
  rankMs.push(b.ms);
  // generated achievements judged by topic: the top 10's own ids get the topic's grade; with ~1,400
  // variants per topic, the ideal top 10 is then full of grade-2 documents wherever a topic applies
  const titleOf = new Map(b.final.map((id, k) => [id, b.finalTitles[k]!]));
  const byTopic = new Map(grades);
  const topicOfId = (id: string) => (id.startsWith('gen-') ? topicOf(titleOf.get(id)!) : undefined);
  for (const [id, g] of topicGrades(need.externalId, b.final, topicOfId, topicSize)) byTopic.set(id, g);
  totals.topics += ndcgAt(10, b.final, byTopic);
  generatedInTop10.push(b.final.slice(0, 10).filter((id) => id.startsWith('gen-')).length);
  const topics = new Map<string, number>();
  b.final.slice(0, 10).forEach((id, k) => {
    if (id.startsWith('gen-'))
      topics.set(topicOf(b.finalTitles[k]!), (topics.get(topicOf(b.finalTitles[k]!)) ?? 0) + 1);
  });
  topicSummary.push(
    `  ${need.externalId} ${need.title.slice(0, 24).padEnd(24, '　')} ← ` +
      [...topics].map(([t, k]) => `${t}×${k} (of ${topicSize.get(t) ?? 0})`).join(', '),
  );
  for (const [id, [cond, text, final]] of b.stages) {
    lost.relevant++;
    if (!cond) lost.condition++;
    else if (!text) lost.engineTop100++;
    else if (!final || final > 10) lost.rankingTop10++;
    const devFinal = a.stages.get(id)![2];
    if (devFinal && devFinal <= 10) lost.top10Dev++;
  }
  const sampled = SHOW.size > 0 ? SHOW.has(need.externalId) : i % Math.max(1, Math.floor(n / DETAIL)) === 0;
  if (!sampled) continue;
  console.log(`\n${need.externalId} ${need.title}`);
  console.log(
    `  with ${DOCS}: candidate terms ${b.chosen.join(' ')} (select ≤ ${b.selects} rows; next rarest: ${b.next ?? '-'})`,
  );
  for (const [id, [cond, text, final]] of b.stages) {
    const [, dText, dFinal] = a.stages.get(id)!;
    const pos = (n: number) => (n ? String(n) : '-');
    console.log(
      `  ${id} g${grades.get(id)}  devset only: engine ${pos(dText)} → rank ${pos(dFinal)}   ` +
        `with ${DOCS}: condition ${cond ? 'yes' : 'NO'}, engine ${pos(text)} → rank ${pos(final)}`,
    );
  }
  console.log(`  top 5 with ${DOCS}: ${b.finalTitles.slice(0, 5).join(' | ')}`);
}
console.log("\ngenerated achievements in each need's top 10, by template topic (generated with that topic):");
for (const line of topicSummary) console.log(line);
const f = (x: number) => (x / n).toFixed(3);
console.log(`\ndevset only:            nDCG@10 ${f(totals.dev.ndcg)}  recall@20 ${f(totals.dev.recall)}`);
console.log(`devset among ${DOCS}: nDCG@10 ${f(totals.mix.ndcg)}  recall@20 ${f(totals.mix.recall)}`);
console.log(`  same, generated removed from the ranking: nDCG@10 ${f(totals.judgedOnly)}`);
console.log(`  same, generated judged by topic (match-topic-judgments.ts): nDCG@10 ${f(totals.topics)}`);
rankMs.sort((x, y) => x - y);
console.log(
  `matchAchievementsForNeed with ${DOCS} (in process, no HTTP, no providers): p50 ` +
    `${rankMs[Math.floor(n / 2)]!.toFixed(1)} ms, p95 ${rankMs[Math.ceil(0.95 * n) - 1]!.toFixed(1)} ms`,
);
console.log(
  `relevant (grade ≥ 1) pairs: ${lost.relevant}; in the top 10 with the devset alone: ${lost.top10Dev}; with ` +
    `${DOCS}: not matched by the candidate condition ${lost.condition}, matched but outside the engine's ` +
    `top ${CANDIDATES} ${lost.engineTop100}, in the top ${CANDIDATES} but ranked below 10 ${lost.rankingTop10}`,
);
console.log(
  `generated achievements in the top 10: mean ${(generatedInTop10.reduce((s, x) => s + x, 0) / n).toFixed(1)}`,
);
await database.close();
