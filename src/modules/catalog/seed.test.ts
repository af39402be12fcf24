import { beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { seedDemo } from './seed.js';

let ctx: TestContext;
const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
});

describe('demo seeding', () => {
  it('loads the demo exchange through the services, published by the system, and is idempotent', async () => {
    const first = await seedDemo(ctx.database.db, { force: true });
    expect(first.invalid).toBe(0);
    expect(first.organisations).toBe(116);
    expect(first.experts).toBe(80);
    expect(first.institutions).toBeGreaterThan(5);
    const { rows } = await ctx.database.pool.query(
      `SELECT kind, count(*)::int AS n FROM catalog_listings WHERE source_system = 'demo' AND status = 'published'
       GROUP BY kind ORDER BY kind`,
    );
    expect(rows[0]).toMatchObject({ kind: 'achievement' });
    expect(rows[0].n).toBeGreaterThanOrEqual(500);
    expect(rows[1]).toMatchObject({ kind: 'need' });
    expect(rows[1].n).toBeGreaterThanOrEqual(150);
    const audit = await ctx.database.pool.query(
      `SELECT DISTINCT actor_type FROM audit_events a JOIN catalog_listings l ON l.id::text = a.object_id
       WHERE l.source_system = 'demo'`,
    );
    expect(audit.rows).toEqual([{ actor_type: 'system' }]);
    // Not empty any more: a second start seeds nothing.
    expect((await seedDemo(ctx.database.db)).skipped).toBe(true);
  }, 300_000); // some 700 listings through the services: minutes on a loaded machine
});
