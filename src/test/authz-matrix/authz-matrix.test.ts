/**
 * The authorisation matrix (issue 8, section 5): every operation of openapi/openapi.yaml ×
 * every kind of caller → the answer expected, run against the real app with all modules.
 *
 * Adding an operation: add a row to the module's table (catalog.ts, identity.ts, …; a new
 * module gets its own file, listed in TABLES below). A row names the operationId, how to build
 * its request against a fixture object (objects.ts makes them through the real API; share
 * read-only ones with `w.once`, set `fresh: true` when the call changes its object), and the
 * outcome per caller (types.ts: `cells`, `anyone`, `publicScoped`, `signedIn`, `ownerSide`).
 * Operations that are not object-scoped platform endpoints go in EXCLUDED with a reason. The
 * completeness test fails until every operation of the spec is in a table or excluded.
 */
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../modules/index.js';
import { listOperations, type Operation } from '../../platform/openapi.js';
import { useTestApp } from '../app.js';
import type { TestContext } from '../context.js';
import { assessmentRows } from './assessments.js';
import { catalogRows } from './catalog.js';
import { contractRows } from './contracts.js';
import { financingRows } from './financing.js';
import { identityRows } from './identity.js';
import { integrationRows } from './integration.js';
import { interestRows } from './interests.js';
import { listLeakChecks } from './lists.js';
import { managerRows } from './managers.js';
import { matchingRows } from './matching.js';
import { noticeRows } from './notices.js';
import { notificationRows } from './notifications.js';
import { runRow } from './run.js';
import { serviceRows } from './services.js';
import type { MatrixRow } from './types.js';
import { voucherRows } from './vouchers.js';
import { createWorld, type World } from './world.js';

const TABLES: Record<string, MatrixRow[]> = {
  identity: identityRows,
  catalog: catalogRows,
  contracts: contractRows,
  matching: matchingRows,
  interests: interestRows,
  vouchers: voucherRows,
  integration: integrationRows,
  notifications: notificationRows,
  notices: noticeRows,
  managers: managerRows,
  financing: financingRows,
  services: serviceRows,
  assessments: assessmentRows,
};

/** Not object-scoped, the same for every caller by design; nothing to authorise. */
const EXCLUDED: Record<string, string> = {
  getHealth: 'liveness probe, public',
  getReadiness: 'readiness probe, public',
  getMetrics: 'Prometheus scrape endpoint (network-restricted in deployment)',
  getOpenApiDocument: 'the published contract',
  getProblemType: 'documentation of problem types',
};

const operations = new Map(listOperations().map((o) => [o.operationId, o]));
let ctx: TestContext;
let app: FastifyInstance;
let world: World;

const fixture = useTestApp(
  MODULES.flatMap((m) => (m.routes ? [m.routes] : [])),
  { env: { RATE_LIMIT_MAX: '1000000', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } },
);
beforeAll(async () => {
  ({ ctx, app } = fixture);
  world = await createWorld(ctx, app);
});

describe('every operation is in the matrix', () => {
  it('has a row (or a reasoned exclusion) for each operationId of the spec', () => {
    const covered = new Set(Object.values(TABLES).flatMap((rows) => rows.map((r) => r.op)));
    const missing = [...operations.keys()].filter((id) => !covered.has(id) && !(id in EXCLUDED));
    expect(missing).toEqual([]);
    const unknown = [...covered, ...Object.keys(EXCLUDED)].filter((id) => !operations.has(id));
    expect(unknown).toEqual([]);
  });
});

for (const [module, rows] of Object.entries(TABLES)) {
  // Rows share only memoised, read-only fixtures, so they run concurrently. Not the webhook rows:
  // making a fixture fans an event out to O1's subscriptions, which a concurrent delete row would
  // remove mid-transaction (emitEventInTx then fails on the foreign key; reported separately).
  (module === 'integration' ? describe : describe.concurrent)(`${module}`, () => {
    for (const row of rows) {
      it(`${row.op}${row.variant ? ` (${row.variant})` : ''}`, async ({ expect }) => {
        const op = operations.get(row.op) as Operation;
        expect(op, `${row.op} is not in openapi.yaml`).toBeDefined();
        expect(await runRow(world, row, op)).toEqual([]);
      });
    }
  });
}

describe('lists and reads leak nothing', () => listLeakChecks(() => world));
