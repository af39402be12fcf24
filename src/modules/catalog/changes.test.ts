import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../platform/db.js';
import { createClientActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture } from '../../test/fixtures/catalog.js';
import { upsertBatch } from './batch.js';
import { readChanges } from './changes.js';
import { catalogModule } from './module.js';
import { catalogChanges, catalogListings } from './schema.js';
import { applyTransition } from './transitions.js';
import { SYSTEM } from './views.js';

let ctx: TestContext;
let app: FastifyInstance;
let writers: Database;
const WRITERS = 25;
let partner: TestActor;
let organisationId: string;

// The reader polls as fast as it can for as long as the writers take: no rate limit in its way.
const fixture = useTestApp([catalogModule.routes!], { env: { RATE_LIMIT_MAX: '1000000' } });
beforeAll(async () => {
  ({ ctx, app } = fixture);
  writers = createDatabase(ctx.config.databaseUrl!, { max: WRITERS });
  const org = await createOrganisation(ctx, { type: 'university' });
  organisationId = org.id;
  partner = await createClientActor(ctx, undefined, ['changes:read']);
});
afterAll(async () => {
  await writers.close();
});

async function submitted(count: number, offset: number): Promise<string[]> {
  const items = Array.from({ length: count }, (_, k) => achievementFixture(offset + k));
  const results = await upsertBatch(ctx.database.db, items, {
    kind: 'achievement',
    organisationId,
    subCentreId: null,
    actor: SYSTEM,
    lang: 'en',
    submit: true,
  });
  return results.map((r) => r.id!);
}

/** Approve in its own transaction, holding it open a random while after writing the change. */
async function approveSlowly(id: string, maxDelayMs: number): Promise<void> {
  await writers.db.transaction(async (tx) => {
    const [row] = await tx.select().from(catalogListings).where(eq(catalogListings.id, id)).for('update');
    await applyTransition(tx, row!, { action: 'approve' }, SYSTEM);
    await sleep(randomInt(0, maxDelayMs));
  });
}

async function poll(cursor: string | undefined) {
  const url = `/v1/changes?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const res = await app.inject({ method: 'GET', url, headers: partner.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: { id: string; change: string; position: string }[]; nextCursor: string };
}

describe('the change feed', () => {
  it('needs the changes:read scope', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/changes' });
    expect(res.statusCode).toBe(401);
  });

  it('gives a polling reader every change exactly once while writers commit out of order', async () => {
    // A fresh range of external ids each run, so the test can be repeated against one database.
    const ids = await submitted(120, 100_000 + randomInt(0, 800) * 1000);
    // Start reading from the current end, so the check is about the concurrent changes only.
    let cursor: string | undefined;
    for (let page = await poll(undefined); ; page = await poll(cursor)) {
      cursor = page.nextCursor;
      if (!page.items.length) break;
    }
    const mine = new Set(ids);
    // Every sighting with the poll that produced it, to diagnose a duplicate or a gap.
    const seen: { id: string; change: string; position: string; by: string; asked: string }[] = [];
    let polls = 0;
    const read = async (by: string) => {
      const asked = cursor ?? '';
      const page = await poll(cursor);
      polls++;
      cursor = page.nextCursor;
      for (const item of page.items)
        if (mine.has(item.id)) seen.push({ ...item, by: `${by}#${polls}`, asked: asked.slice(0, 40) });
      return page.items.length;
    };
    let done = false;
    const reader = (async () => {
      while (!done) {
        await read('reader');
        await sleep(5);
      }
    })();
    // 120 transactions on 25 connections, each committing after a random delay: commit
    // order differs from the order in which the changes were written. At most 25 at once, so
    // none waits for a connection (the pool gives up after 10 s: a failure on a loaded machine).
    const queue = [...ids];
    try {
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          for (let id = queue.shift(); id; id = queue.shift()) await approveSlowly(id, 60);
        }),
      );
      await sleep(50);
    } finally {
      done = true;
      await reader;
    }
    // Drain what committed after the reader's last poll. The feed shows a row once every older
    // transaction of the whole server has ended, and other files' transactions run on the same
    // server: so the condition is every change of ours seen, not one empty page.
    const published = () => new Set(seen.filter((x) => x.change === 'published').map((x) => x.id));
    await vi
      .waitFor(
        async () => {
          while (await read('drain'));
          if (published().size < ids.length) throw new Error('the feed has not shown every change yet');
        },
        { timeout: 60_000, interval: 100 },
      )
      .catch(() => undefined); // a gap is reported below, with the feed rows that explain it
    const keys = seen.map((x) => `${x.id} ${x.change}`);
    const dup = new Set(keys.filter((k, i) => keys.indexOf(k) !== i).map((k) => k.split(' ')[0]!));
    const missing = ids.filter((id) => !keys.includes(`${id} published`));
    if (dup.size || missing.length) {
      const { rows } = await ctx.database.pool.query(
        `SELECT listing_id, seq, txid::text AS txid, change, occurred_at FROM catalog_changes
         WHERE listing_id = ANY($1) ORDER BY txid, seq`,
        [[...dup, ...missing]],
      );
      console.log(
        JSON.stringify(
          { polls, duplicated: seen.filter((x) => dup.has(x.id)), missing, feedRows: rows },
          null,
          1,
        ),
      );
    }
    expect(missing).toEqual([]);
    expect(keys.sort()).toEqual(ids.map((id) => `${id} published`).sort());
  }, 180_000); // 120 listings submitted and approved concurrently: slow on a loaded machine

  it('pages in transaction-id order as numbers, across a digit boundary (9 → 10)', async () => {
    // Positions are (txid, seq) compared as numbers. Ordered as text, 10 sorts before 9: a page
    // then ends at 9, and the next one (after 9) shows 10 again, or one ending at 10 skips 9.
    // Rows with explicit small transaction ids (below any real one), in a transaction rolled back.
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const pages: string[][] = [];
    await ctx.database.db
      .transaction(async (tx) => {
        for (const [i, txid] of ['9', '10', '11'].entries())
          await tx.insert(catalogChanges).values({
            txid,
            kind: 'achievement',
            listingId: ids[i]!,
            change: 'published',
            version: 1,
          });
        let cursor = ctx.cursors.encode('catalog.changes', ['8', 0]);
        for (let n = 0; n < 3; n++) {
          const page = await readChanges(tx, ctx.cursors, { cursor, limit: 1 });
          pages.push(page.items.map((item) => item.id));
          cursor = page.nextCursor;
        }
        throw new RollBack();
      })
      .catch((err) => {
        if (!(err instanceof RollBack)) throw err;
      });
    expect(pages).toEqual([[ids[0]], [ids[1]], [ids[2]]]);
  });

  it('carries only public changes, each with a catalog.changed job of a deterministic id', async () => {
    const [id] = await submitted(1, 2_000_000 + randomInt(0, 100_000));
    const { rows: before } = await ctx.database.pool.query(
      'SELECT 1 FROM catalog_changes WHERE listing_id = $1',
      [id],
    );
    expect(before).toEqual([]);
    await approveSlowly(id!, 1);
    const { rows } = await ctx.database.pool.query(
      `SELECT c.seq, o.job_id, o.payload FROM catalog_changes c
       JOIN outbox_jobs o ON o.job_id = 'catalog-changed-' || c.seq
       WHERE c.listing_id = $1`,
      [id],
    );
    expect(rows).toEqual([
      expect.objectContaining({ payload: { type: 'achievement', id, change: 'published', version: 1 } }),
    ]);
  });
});

class RollBack extends Error {}
