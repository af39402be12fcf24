/**
 * The duplicate check of a contract application (src/modules/contracts/duplicates.ts,
 * `duplicateText`) on a table of BENCH_DUP_CONTRACTS contracts (default 50,000): EXPLAIN ANALYZE
 * of the statement the code sends, with its indexes (migration 0036) and, alternating in the same
 * run, with technology_contracts_duplicate_idx dropped inside a transaction that is rolled back
 * (the table as it was before 0036). Each round prints the median execution time of
 * BENCH_DUP_REPEAT runs of each, and the load average; the generic plan's shape is printed once.
 *
 *   npx tsx scripts/bench/contracts-duplicate.ts
 *
 * A throw-away embedded PostgreSQL (BENCH_DUP_PORT, else a free port) in a temporary folder.
 */
import { randomUUID } from 'node:crypto';
import { duplicateText } from '../../src/modules/contracts/duplicates.js';
import type { ContractInput } from '../../src/modules/contracts/validation.js';
import { runMigrations } from '../../src/platform/db.js';
import { application } from '../../src/test/fixtures/contracts.js';
import { sha256hex } from '../../src/test/hashes.js';
import { randomCreditCode } from '../../src/test/ids.js';
import { loadAverage, startBenchPostgres } from './bench-postgres.js';

const CONTRACTS = Number(process.env.BENCH_DUP_CONTRACTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_DUP_ROUNDS ?? 3);
const REPEAT = Number(process.env.BENCH_DUP_REPEAT ?? 21);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const pgBench = await startBenchPostgres({
  prefix: 'techex-bench-dup-',
  database: 'techex_bench_dup',
  poolMax: 2,
  ...(process.env.BENCH_DUP_PORT ? { port: Number(process.env.BENCH_DUP_PORT) } : {}),
});
const { database } = pgBench;

try {
  await runMigrations(database.pool);
  const client = await database.pool.connect();
  try {
    // Contracts of 2,000 sellers with 10,000 buyers (one in ten abroad: country and name), one
    // in ten refused or cancelled. The rows skip the foreign keys' and the triggers' checks
    // (session_replication_role): the bench is about the duplicate check's reads.
    const started = Date.now();
    await client.query('SET session_replication_role = replica');
    await client.query(
      `INSERT INTO technology_contracts (id, organisation_id, sub_centre_id, status, type, subtype,
         project_name, signing_date, valid_from, valid_to, technology_field, seller, buyer,
         contract_value_fen, non_technical_costs_fen, payment, document_sha256, created_by,
         registration_number, registered_at)
       SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
         (ARRAY['draft','submitted','under_review','returned','registered','registered','registered',
                'registered','refused','cancelled'])[1 + i % 10],
         'development', 'commissioned', '项目 ' || i, '2026-03-02', '2026-03-02', '2027-03-01', '06',
         jsonb_build_object('name', '卖方 ' || i % 2000, 'creditCode', 'S' || lpad((i % 2000)::text, 17, '0'),
           'countryCode', 'CN'),
         CASE WHEN i % 10 = 3
           THEN jsonb_build_object('name', 'Buyer ' || i % 10000, 'countryCode', 'DE')
           ELSE jsonb_build_object('name', '买方 ' || i % 10000, 'creditCode', 'B' || lpad((i % 10000)::text, 17, '0'),
             'countryCode', 'CN') END,
         (1 + i % 500) * 1000000, 0, '{"method":"lump_sum"}', md5(i::text) || md5('doc' || i), 'bench',
         CASE WHEN i % 10 IN (4, 5, 6, 7, 9) THEN '2026320500' || lpad(i::text, 6, '0') END,
         CASE WHEN i % 10 IN (4, 5, 6, 7, 9) THEN now() END
       FROM generate_series(1, $1::int) i`,
      [CONTRACTS],
    );
    await client.query('SET session_replication_role = origin');
    await client.query('VACUUM ANALYZE technology_contracts');
    console.log(`${CONTRACTS} contracts in ${Date.now() - started} ms`);

    // A new application of a seller with 25 contracts in the table, to a new buyer: nothing
    // matches, so the check looks at everything it has to.
    const value: ContractInput = application(
      { sellerCode: `S${'7'.padStart(17, '0')}`, subCentre: { code: '320500' } as never },
      { documentSha256: sha256hex(`bench ${randomUUID()}`) },
    );
    value.buyer = { ...value.buyer, creditCode: randomCreditCode('320500') };
    const t = duplicateText(value);
    let sql = t.chunks[0]!;
    for (let i = 1; i < t.chunks.length; i++) sql += `$${i}${t.chunks[i]}`;

    async function measure(): Promise<{ ms: number; plan: string }> {
      const times: number[] = [];
      let plan = '';
      for (let i = 0; i < REPEAT; i++) {
        const res = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, t.values as unknown[]);
        const out = res.rows[0]['QUERY PLAN'][0] as {
          Plan: Record<string, unknown>;
          'Execution Time': number;
        };
        times.push(out['Execution Time']);
        plan = nodes(out.Plan).join(' > ');
      }
      return { ms: median(times), plan };
    }
    const nodes = (n: Record<string, unknown>): string[] => [
      `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}`,
      ...((n.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(nodes),
    ];

    // A named prepared statement may switch to a generic plan (the same for any values).
    const generic = await client.query(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${sql}`);
    console.log(`generic plan: ${nodes(generic.rows[0]['QUERY PLAN'][0].Plan).join(' > ')}`);
    for (let round = 1; round <= ROUNDS; round++) {
      const withIndex = await measure();
      await client.query('BEGIN');
      await client.query('DROP INDEX technology_contracts_duplicate_idx');
      const without = await measure();
      await client.query('ROLLBACK');
      console.log(
        `round ${round} (load ${loadAverage()}): with the index ${withIndex.ms.toFixed(3)} ms [${withIndex.plan}]; ` +
          `without ${without.ms.toFixed(3)} ms [${without.plan}]; ratio ${(without.ms / withIndex.ms).toFixed(0)}`,
      );
    }
  } finally {
    client.release();
  }
} finally {
  await pgBench.close();
}
