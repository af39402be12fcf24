import { actorOf } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import { UnprocessableError, ValidationError } from '../../platform/errors.js';
import { bindOperations, type Handlers, type RequestOf, sendJson } from '../../platform/http/operations.js';
import { pickLang } from '../../platform/messages.js';
import type { ModuleRoutes } from '../../platform/module.js';
import { BATCH_MAX, type BatchResult, upsertBatch } from './batch.js';
import { type FeedType, readChanges } from './changes.js';
import * as directory from './directory.js';
import type { Duplicates } from './duplicates.js';
import { versionHandlers } from './history.js';
import { listListingsJson, type Render } from './list-json.js';
import {
  acceptNda,
  type CatalogDeps,
  createListing,
  getListing,
  mergeListing,
  ownerSubCentre,
  transitionListing,
  updateListing,
} from './listings.js';
import { type ListingKind, nulErrors } from './model.js';
import { reviewQueue } from './queries.js';
import { asAchievement, asNeed } from './views.js';
import './messages.js';

const lang = (req: Pick<RequestOf<'createAchievement'>, 'headers'>) =>
  pickLang(req.headers['accept-language']);

/** A list page's items, as the page schemas (AchievementPage, NeedPage) declare them. */
const ITEM_SCHEMAS: Record<ListingKind, { [key: string]: unknown }> = {
  achievement: { $ref: 'Achievement#' },
  need: { $ref: 'Need#' },
};

/** Room for 1,000 items of a few kilobytes each (Chinese text is 3 bytes a character). */
const BATCH_BODY_LIMIT = 32 * 1024 * 1024;

function noNul<T>(body: T): T {
  const errors = nulErrors(body);
  if (errors.length) throw new ValidationError(errors);
  return body;
}

export function summarise(results: BatchResult[]) {
  const summary = { created: 0, updated: 0, unchanged: 0, invalid: 0 };
  for (const r of results) summary[r.status]++;
  return { results, summary };
}

/** The parts of a listing request the shared steps read. */
type ListingRequest = Pick<RequestOf<'createAchievement'>, 'principal' | 'id' | 'headers'>;
const optsOf = (req: ListingRequest) => ({ lang: lang(req), requestId: req.id });

/** Batch upsert, shared by both kinds: the items are validated one by one by `upsertBatch`. */
async function batchUpsert(
  deps: CatalogDeps,
  kind: ListingKind,
  req: ListingRequest,
  body: { items: unknown[]; submit?: boolean },
) {
  const p = req.principal;
  const organisationId = p?.organisationId;
  if (!organisationId) throw new UnprocessableError('catalog-organisation-required');
  authorize(p, 'listing.create', { organisationId });
  const items = body.items.slice(0, BATCH_MAX);
  const results = await upsertBatch(deps.db, items, {
    kind,
    organisationId,
    subCentreId: await ownerSubCentre(deps.db, organisationId),
    actor: actorOf(p),
    lang: lang(req),
    submit: body.submit === true,
    requestId: req.id,
  });
  deps.outbox.kick();
  return summarise(results);
}

function achievementHandlers(deps: CatalogDeps): Handlers {
  const kind = 'achievement';
  return {
    listAchievements: async (req, reply) => {
      // Items come rendered by the route's own serializer (list-json.ts): the page is bytes.
      const render = reply.compileSerializationSchema(ITEM_SCHEMAS[kind], '200') as Render;
      return sendJson(reply, await listListingsJson(deps, req.principal, kind, req.query, render));
    },
    createAchievement: async (req, reply) => {
      const r = await createListing(deps, req.principal, kind, req.body, optsOf(req));
      return reply.code(201).send({ ...asAchievement(r.listing), ...duplicateMembers(r.duplicates) });
    },
    getAchievement: async (req) => asAchievement(await getListing(deps, req.principal, kind, req.params.id)),
    updateAchievement: async (req) => {
      const r = await updateListing(deps, req.principal, kind, req.params.id, req.body, optsOf(req));
      return { ...asAchievement(r.listing), ...duplicateMembers(r.duplicates) };
    },
    transitionAchievement: async (req) =>
      asAchievement(await transitionListing(deps, req.principal, kind, req.params.id, req.body, req.id)),
    acceptAchievementNda: (req) => acceptNda(deps, req.principal, kind, req.params.id, req.id),
    mergeAchievement: async (req) =>
      asAchievement(await mergeListing(deps, req.principal, kind, req.params.id, req.body.into, req.id)),
    batchUpsertAchievements: [
      (req) => batchUpsert(deps, kind, req, req.body),
      { route: { bodyLimit: BATCH_BODY_LIMIT } },
    ],
  };
}

function needHandlers(deps: CatalogDeps): Handlers {
  const kind = 'need';
  return {
    listNeeds: async (req, reply) => {
      // Items come rendered by the route's own serializer (list-json.ts): the page is bytes.
      const render = reply.compileSerializationSchema(ITEM_SCHEMAS[kind], '200') as Render;
      return sendJson(reply, await listListingsJson(deps, req.principal, kind, req.query, render));
    },
    createNeed: async (req, reply) => {
      const r = await createListing(deps, req.principal, kind, req.body, optsOf(req));
      return reply.code(201).send({ ...asNeed(r.listing), ...duplicateMembers(r.duplicates) });
    },
    getNeed: async (req) => asNeed(await getListing(deps, req.principal, kind, req.params.id)),
    updateNeed: async (req) => {
      const r = await updateListing(deps, req.principal, kind, req.params.id, req.body, optsOf(req));
      return { ...asNeed(r.listing), ...duplicateMembers(r.duplicates) };
    },
    transitionNeed: async (req) =>
      asNeed(await transitionListing(deps, req.principal, kind, req.params.id, req.body, req.id)),
    acceptNeedNda: (req) => acceptNda(deps, req.principal, kind, req.params.id, req.id),
    mergeNeed: async (req) =>
      asNeed(await mergeListing(deps, req.principal, kind, req.params.id, req.body.into, req.id)),
    batchUpsertNeeds: [
      (req) => batchUpsert(deps, kind, req, req.body),
      { route: { bodyLimit: BATCH_BODY_LIMIT } },
    ],
  };
}

export const catalogRoutes: ModuleRoutes = async (app, ctx) => {
  const deps: CatalogDeps = { db: ctx.database.db, outbox: ctx.outbox, cursors: ctx.cursors };
  bindOperations(app, {
    ...achievementHandlers(deps),
    ...needHandlers(deps),
    getCatalogReviewQueue: (req) => reviewQueue(deps, req.principal, req.query),
    listCatalogChanges: (req) =>
      readChanges(deps.db, deps.cursors, {
        cursor: req.query.cursor,
        // The contract's pattern admits only FEED_TYPES names.
        types: req.query.types?.split(',') as FeedType[] | undefined,
        limit: req.query.limit ?? 20,
        organisationId: req.principal?.organisationId,
      }),
    listExperts: (req) => directory.listExperts(deps, req.query),
    createExpert: async (req, reply) =>
      reply.code(201).send(await directory.createExpert(deps, req.principal, noNul(req.body))),
    getExpert: (req) => directory.getExpert(deps, req.params.id),
    listServiceInstitutions: (req) => directory.listInstitutions(deps, req.query),
    putServiceInstitution: (req) => directory.putInstitution(deps, req.principal, noNul(req.body)),
    getServiceInstitution: (req) => directory.getInstitution(deps, req.params.id),
    ...versionHandlers(deps),
  });
};

/** The answer's `warnings` (the few most telling) and, when there are any, `duplicateCount`. */
function duplicateMembers(d: Duplicates) {
  return d.count ? { warnings: d.warnings, duplicateCount: d.count } : { warnings: [] };
}
