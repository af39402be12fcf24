import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { achievementFixture, fixtureTitle } from '../../test/fixtures/catalog.js';
import { MAX_WARNINGS, similarTitles, TITLE_SIMILARITY, titleKey } from './duplicates.js';
import { catalogModule } from './module.js';

let ctx: TestContext;
let app: FastifyInstance;
let uni: TestActor;

const fixture = useTestApp([catalogModule.routes!]);
beforeAll(async () => {
  ({ ctx, app } = fixture);
  const sub = await createSubCentre(ctx);
  uni = await createActor(ctx, {
    organisation: await createOrganisation(ctx, { type: 'university', subCentre: sub }),
  });
});

const base = 3_100_000 + Math.floor(Math.random() * 1000) * 1000;
const post = (url: string, payload: object) =>
  app.inject({ method: 'POST', url, headers: uni.headers, payload });

describe('duplicate warnings', () => {
  it('are bounded: titles differing only by a serial get the most similar few and a count', async () => {
    const title = (k: number) => `高精度正极材料连续化制备技术${1000 + k}`;
    const first = await post('/v1/achievements/batch', {
      items: Array.from({ length: 30 }, (_, k) => achievementFixture(base + k, { title: title(k) })),
    });
    expect(first.statusCode, first.body).toBe(200);
    const second = await post('/v1/achievements/batch', {
      items: Array.from({ length: 10 }, (_, k) =>
        achievementFixture(base + 100 + k, { title: title(100 + k) }),
      ),
    });
    expect(second.statusCode).toBe(200);
    // What pg_trgm itself counts among the organisation's listings (the first batch's 30).
    const similarInDb = async (t: string, excluding: string[]) =>
      (
        await ctx.database.pool.query(
          `SELECT count(*)::int AS n FROM catalog_listings
            WHERE organisation_id = $1 AND NOT (id = ANY($3)) AND similarity(title_key, $2) >= $4`,
          [uni.organisationId, titleKey(t), excluding, TITLE_SIMILARITY],
        )
      ).rows[0].n as number;
    const secondIds = second.json().results.map((r: { id: string }) => r.id);
    for (const [k, r] of second.json().results.entries()) {
      expect(r.status).toBe('created');
      expect(r.warnings).toHaveLength(MAX_WARNINGS);
      expect(r.duplicateCount).toBe(await similarInDb(title(100 + k), secondIds));
      expect(r.duplicateCount).toBeGreaterThan(MAX_WARNINGS);
      const sims = r.warnings.map((w: { similarity: number }) => w.similarity);
      expect(sims).toEqual([...sims].sort((a, b) => b - a));
    }
    // The single-item endpoint answers the same way.
    const one = await post('/v1/achievements', achievementFixture(base + 200, { title: title(200) }));
    expect(one.statusCode).toBe(201);
    expect(one.json().warnings).toHaveLength(MAX_WARNINGS);
    expect(one.json().duplicateCount).toBe(await similarInDb(title(200), [one.json().id]));
  });

  it('finds exactly the pairs PostgreSQL similarity() puts at or above the threshold', async () => {
    // Near-duplicates of several kinds: serials, one character changed, added or dropped.
    const titles: string[] = [];
    for (let k = 0; k < 60; k++) {
      const t = fixtureTitle(base + (k % 12));
      titles.push(
        k % 4 === 0
          ? `${t}${k}`
          : k % 4 === 1
            ? `${t.slice(0, 3)}新${t.slice(4)}`
            : k % 4 === 2
              ? `${t}系统`
              : t.slice(1),
      );
    }
    const probes = titles.slice(0, 30).map(titleKey);
    const existing = titles.slice(30).map(titleKey);
    const { rows } = await ctx.database.pool.query<{ p: number; e: number; sim: number }>(
      `SELECT p.n::int - 1 AS p, e.n::int - 1 AS e, similarity(p.k, e.k)::float8 AS sim
         FROM unnest($1::text[]) WITH ORDINALITY AS p(k, n), unnest($2::text[]) WITH ORDINALITY AS e(k, n)
        WHERE similarity(p.k, e.k) >= $3`,
      [probes, existing, TITLE_SIMILARITY],
    );
    expect(rows.length).toBeGreaterThan(30);
    const byIndex = similarTitles(probes, existing, { keep: Number.POSITIVE_INFINITY }).flatMap((m, p) =>
      m.best.map((b) => [p, b.existing, b.similarity]),
    );
    const expected = rows.map((r) => [r.p, r.e, r.sim]);
    const order = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]!;
    expect(byIndex.sort(order).map(([p, e]) => [p, e])).toEqual(expected.sort(order).map(([p, e]) => [p, e]));
    for (const [i, m] of byIndex.entries()) expect(m[2]).toBeCloseTo(expected[i]![2]!, 5);
  });
});
