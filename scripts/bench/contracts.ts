/**
 * Contract registration throughput: submit → take → register (gap-free number, audit rows,
 * voucher request) per contract, through the service layer, beside a baseline of the same
 * number of transactions doing a plain INSERT + UPDATE through pg, in the same run.
 * Wire it in scripts/bench.ts: `contractsScenario(runtime.ctx)`.
 */

import { randomInt } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { application } from '../../src/modules/contracts/fixtures.js';
import { registerContract, takeForReview } from '../../src/modules/contracts/review.js';
import { type ContractDeps, createContract, submitContract } from '../../src/modules/contracts/service.js';
import {
  insertOrganisation,
  insertSubCentre,
  type SubCentre,
} from '../../src/modules/identity/repository.js';
import { organisations } from '../../src/modules/identity/schema.js';
import type { ModuleContext } from '../../src/platform/http/app.js';
import { newId } from '../../src/platform/ids.js';
import type { Principal } from '../../src/platform/principal.js';
import { randomCreditCode } from '../../src/test/ids.js';
import { CONNECTIONS, DURATION, type LoadResult, type Row } from './harness.js';

interface Scenario {
  name: string;
  target?: number;
  run(): Promise<Row>;
}

/** Runs `cycle` from `concurrency` loops for `seconds`; cycles per second and latencies. */
async function measure(
  seconds: number,
  concurrency: number,
  cycle: () => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        try {
          await cycle();
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { requestsPerSec: latencies.length / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99), errors, non2xx: 0 };
}

async function benchPoint(
  ctx: ModuleContext,
): Promise<{ subCentre: SubCentre; sellerCode: string; applicant: Principal; registrar: Principal }> {
  const db = ctx.database.db;
  let subCentre: SubCentre | undefined;
  while (!subCentre) {
    try {
      subCentre = await insertSubCentre(db, { code: `32${9000 + randomInt(1000)}`, name: '基准测试登记点' });
    } catch {
      // code taken: draw another
    }
  }
  const creditCode = randomCreditCode(subCentre.code);
  const org = await insertOrganisation(db, {
    type: 'university',
    name: '基准测试大学',
    creditCode,
    regionCode: subCentre.code,
    subCentreId: subCentre.id,
    partyNature: '022',
  });
  await db
    .update(organisations)
    .set({ verificationStatus: 'verified', verifiedAt: new Date() })
    .where(eq(organisations.id, org.id));
  const base = {
    kind: 'user' as const,
    orgVerified: true,
    scopes: new Set(['contracts:read', 'contracts:write']),
  };
  return {
    subCentre,
    sellerCode: creditCode,
    applicant: {
      ...base,
      id: newId(),
      organisationId: org.id,
      orgRole: 'org_member',
      roles: [],
      registrarSubCentres: [],
    },
    registrar: { ...base, id: newId(), roles: ['registrar'], registrarSubCentres: [subCentre.id] },
  };
}

export function contractsScenario(ctx: ModuleContext): Scenario {
  return {
    name: 'contract submit+take+register vs pg INSERT+UPDATE',
    async run() {
      const deps: ContractDeps = { db: ctx.database.db, cursors: ctx.cursors, outbox: ctx.outbox };
      const { subCentre, sellerCode, applicant, registrar } = await benchPoint(ctx);
      const input = application({ subCentre, sellerCode });
      const concurrency = Math.min(CONNECTIONS, 8);
      const subject = await measure(DURATION, concurrency, async () => {
        // Creating the draft is the applicant's earlier work; it is included to keep the loop simple.
        const c = await createContract(deps, { principal: applicant }, input);
        await submitContract(deps, { principal: applicant }, c.id);
        await takeForReview(deps, { principal: registrar }, c.id);
        await registerContract(deps, { principal: registrar }, c.id, {});
      });
      const pool = ctx.database.pool;
      await pool.query(
        'CREATE UNLOGGED TABLE IF NOT EXISTS bench_contracts_baseline (id uuid PRIMARY KEY, status text, n int)',
      );
      try {
        const baseline = await measure(DURATION, concurrency, async () => {
          // The same number of round trips and transactions, without the rules: 1 insert + 3 updates.
          const id = newId();
          await pool.query(`INSERT INTO bench_contracts_baseline VALUES ($1, 'draft', 0)`, [id]);
          for (const status of ['submitted', 'under_review', 'registered'])
            await pool.query('UPDATE bench_contracts_baseline SET status = $2, n = n + 1 WHERE id = $1', [
              id,
              status,
            ]);
        });
        return { scenario: this.name, subject, baseline, target: this.target };
      } finally {
        await pool.query('DROP TABLE IF EXISTS bench_contracts_baseline');
      }
    },
  };
}
