/**
 * Loads the labelled matching devset into a running techex through its HTTP API, as a partner
 * would: batch-publish the achievements (a university) and the needs (an enterprise) with
 * `submit: true`, approve each through the lifecycle endpoint as an operator, then wait for the
 * indexer (catalog.changed jobs) to put them into the search index.
 */
import { randomBytes } from 'node:crypto';
import { getPublicListing, type ListingKind } from '../../src/modules/catalog/service.js';
import { createIdentityCore } from '../../src/modules/identity/index.js';
import { grantRole, insertOrganisation, insertUser } from '../../src/modules/identity/repository.js';
import { searchEngineFor } from '../../src/modules/matching/engine-instance.js';
import { listingDocument } from '../../src/modules/matching/projection.js';
import type { ModuleContext } from '../../src/platform/module.js';
import type { Devset } from '../data/match-devset/index.js';
import type { Ranker } from './match-quality.js';

export interface LoadedDevset {
  /** listing id → devset externalId */
  externalIdOf: Map<string, string>;
  /** need externalId → listing id */
  needIdOf: Map<string, string>;
  /** how the listings reached the index */
  indexedBy: string;
}

const INDEX_WAIT_MS = 180_000;

async function call(base: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
  return json;
}

const achievementInput = (a: Devset['achievements'][number]) => ({
  externalId: a.externalId,
  title: a.title,
  summary: a.summary,
  ...(a.description ? { description: a.description } : {}),
  keywords: a.keywords,
  field: a.field,
  trl: a.trl,
  transferModes: a.transferModes,
  dealMethod: 'negotiated',
  priceFen: a.priceFen,
  regionCode: a.regionCode,
});

const needInput = (n: Devset['needs'][number]) => ({
  externalId: n.externalId,
  title: n.title,
  description: n.description,
  field: n.field,
  budgetMinFen: n.budgetMinFen,
  budgetMaxFen: n.budgetMaxFen,
  // the shared set's needs state no readiness
  ...(n.minTrl ? { minTrl: n.minTrl } : {}),
  preferredModes: n.preferredModes,
  regionCode: n.regionCode,
});

/** Runs `fn` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

export async function loadDevsetThroughApi(
  ctx: ModuleContext,
  base: string,
  devset: Devset,
): Promise<LoadedDevset> {
  const db = ctx.database.db;
  const stamp = randomBytes(3).toString('hex');
  const identity = createIdentityCore(db, ctx.config, ctx.secrets.appSecret);
  const university = await insertOrganisation(db, { type: 'university', name: `评测大学-${stamp}` });
  const enterprise = await insertOrganisation(db, { type: 'enterprise', name: `评测企业-${stamp}` });
  const operator = await insertUser(db, { displayName: '评测运营' });
  await grantRole(db, operator.id, 'operator');
  const scopes = ['catalog:read', 'catalog:write'];
  const publisher = (org: { id: string }) =>
    identity.tokens.issueForClient(`bench-match-${org.id}`, { organisationId: org.id, scopes });
  const operatorToken = await identity.tokens.issueForUser(operator.id, { clientId: 'bench-match', scopes });

  const externalIdOf = new Map<string, string>();
  const needIdOf = new Map<string, string>();
  const batches: [ListingKind, { id: string }, Record<string, unknown>[]][] = [
    ['achievement', university, devset.achievements.map(achievementInput)],
    ['need', enterprise, devset.needs.map(needInput)],
  ];
  const toApprove: [ListingKind, string][] = [];
  for (const [kind, org, items] of batches) {
    const token = await publisher(org);
    const res = await call(base, token, 'POST', `/v1/${kind}s/batch`, { items, submit: true });
    const results = res.results as { externalId: string; id?: string; status: string; errors?: unknown }[];
    const invalid = results.filter((r) => r.status === 'invalid');
    if (invalid.length > 0) throw new Error(`invalid ${kind}s: ${JSON.stringify(invalid.slice(0, 3))}`);
    for (const r of results) {
      externalIdOf.set(r.id!, r.externalId);
      if (kind === 'need') needIdOf.set(r.externalId, r.id!);
      toApprove.push([kind, r.id!]);
    }
  }
  await inParallel(toApprove, 8, async ([kind, id]) => {
    await call(base, operatorToken, 'POST', `/v1/${kind}s/${id}/transitions`, { action: 'approve' });
  });
  const indexedBy = await waitForIndex(ctx, university.id, enterprise.id, devset);
  return { externalIdOf, needIdOf, indexedBy };
}

/** Until the indexer has indexed every listing; projects and upserts them itself past the wait. */
async function waitForIndex(
  ctx: ModuleContext,
  universityId: string,
  enterpriseId: string,
  devset: Devset,
): Promise<string> {
  const engine = await searchEngineFor(ctx);
  const count = async (type: ListingKind, organisationId: string) =>
    (await engine.search({ type, filters: { organisationId }, limit: 1 })).total;
  const started = Date.now();
  while (Date.now() - started < INDEX_WAIT_MS) {
    const [a, n] = await Promise.all([count('achievement', universityId), count('need', enterpriseId)]);
    if (a === devset.achievements.length && n === devset.needs.length) {
      return `the indexer (catalog.changed jobs), ${((Date.now() - started) / 1000).toFixed(1)} s after the last approval`;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // no indexer running (or it fell behind): project the public views and upsert them here
  const db = ctx.database.db;
  const { rows } = await ctx.database.pool.query<{ id: string; kind: ListingKind }>(
    'SELECT id, kind FROM catalog_listings WHERE organisation_id = ANY($1::uuid[])',
    [[universityId, enterpriseId]],
  );
  for (const row of rows) {
    const view = await getPublicListing(db, row.kind, row.id);
    if (view) await engine.upsert([listingDocument(row.kind, view)]);
  }
  return 'projection + engine.upsert by this script (the indexer did not index them within 180 s)';
}

/** The ranking as the API serves it: achievements' listing ids mapped back to devset ids. */
export const apiRanker =
  (loaded: LoadedDevset, get: (url: string) => Promise<{ items: { id: string }[] }>, limit = 20): Ranker =>
  async (need) => {
    const body = await get(`/v1/needs/${loaded.needIdOf.get(need.externalId)}/matches?limit=${limit}`);
    return body.items.map((m) => loaded.externalIdOf.get(m.id) ?? m.id);
  };
