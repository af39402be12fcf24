import type { FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import { UnprocessableError, ValidationError } from '../../platform/errors.js';
import {
  bindUntypedOperations,
  type OperationOptions,
  type UntypedHandler,
} from '../../platform/http/operations.js';
import { pickLang } from '../../platform/messages.js';
import type { ModuleRoutes } from '../../platform/module.js';
import { BATCH_MAX, type BatchResult, upsertBatch } from './batch.js';
import { readChanges } from './changes.js';
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
import { type ListQuery, reviewQueue } from './queries.js';
import type { TransitionInput } from './transitions.js';
import './messages.js';

/** The union of this module's query parameters (each route's schema has validated its own). */
type Query = ListQuery & { kind?: ListingKind; types?: string; cursor?: string; limit?: number };
type Req = FastifyRequest<{ Params: { id: string }; Querystring: Query; Body: Record<string, unknown> }>;
const lang = (req: Req) => pickLang(req.headers['accept-language']);

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

function listingHandlers(deps: CatalogDeps, kind: ListingKind, Kind: string) {
  const handlers: Record<string, UntypedHandler | [UntypedHandler, OperationOptions]> = {
    [`list${Kind}s`]: async (req: Req, reply: FastifyReply) => {
      // Items come rendered by the route's own serializer (list-json.ts): the page is bytes.
      const render = reply.compileSerializationSchema(ITEM_SCHEMAS[kind], '200') as Render;
      const json = await listListingsJson(deps, req.principal, kind, req.query, render);
      return reply.type('application/json; charset=utf-8').send(json);
    },
    [`create${Kind}`]: async (req: Req, reply: FastifyReply) => {
      const r = await createListing(deps, req.principal, kind, req.body, {
        lang: lang(req),
        requestId: req.id,
      });
      return reply.code(201).send({ ...r.listing, ...duplicateMembers(r.duplicates) });
    },
    [`get${Kind}`]: (req: Req) => getListing(deps, req.principal, kind, req.params.id),
    [`update${Kind}`]: async (req: Req) => {
      const r = await updateListing(deps, req.principal, kind, req.params.id, req.body, {
        lang: lang(req),
        requestId: req.id,
      });
      return { ...r.listing, ...duplicateMembers(r.duplicates) };
    },
    [`transition${Kind}`]: (req: Req) =>
      transitionListing(
        deps,
        req.principal,
        kind,
        req.params.id,
        req.body as unknown as TransitionInput,
        req.id,
      ),
    [`accept${Kind}Nda`]: (req: Req) => acceptNda(deps, req.principal, kind, req.params.id, req.id),
    [`merge${Kind}`]: (req: Req) =>
      mergeListing(deps, req.principal, kind, req.params.id, req.body.into as string, req.id),
    [`batchUpsert${Kind}s`]: [
      async (req: Req) => {
        const p = req.principal;
        const organisationId = p?.organisationId;
        if (!organisationId) throw new UnprocessableError('catalog-organisation-required');
        authorize(p, 'listing.create', { organisationId });
        const items = (req.body.items as unknown[]).slice(0, BATCH_MAX);
        const results = await upsertBatch(deps.db, items, {
          kind,
          organisationId,
          subCentreId: await ownerSubCentre(deps.db, organisationId),
          actor: actorOf(p),
          lang: lang(req),
          submit: req.body.submit === true,
          requestId: req.id,
        });
        deps.outbox.kick();
        return summarise(results);
      },
      { route: { bodyLimit: BATCH_BODY_LIMIT } },
    ],
  };
  return handlers;
}

export const catalogRoutes: ModuleRoutes = async (app, ctx) => {
  const deps: CatalogDeps = { db: ctx.database.db, outbox: ctx.outbox, cursors: ctx.cursors };
  bindUntypedOperations(app, {
    ...listingHandlers(deps, 'achievement', 'Achievement'),
    ...listingHandlers(deps, 'need', 'Need'),
    getCatalogReviewQueue: (req: Req) => reviewQueue(deps, req.principal, req.query),
    listCatalogChanges: (req: Req) =>
      readChanges(deps.db, deps.cursors, {
        cursor: req.query.cursor,
        types: req.query.types?.split(',') as ListingKind[] | undefined,
        limit: req.query.limit ?? 20,
      }),
    listExperts: (req: Req) => directory.listExperts(deps, req.query),
    createExpert: async (req: Req, reply: FastifyReply) =>
      reply
        .code(201)
        .send(
          await directory.createExpert(
            deps,
            req.principal,
            noNul(req.body) as unknown as directory.ExpertInput,
          ),
        ),
    getExpert: (req: Req) => directory.getExpert(deps, req.params.id),
    listServiceInstitutions: (req: Req) =>
      directory.listInstitutions(deps, { ...req.query, kind: req.query.kind as string | undefined }),
    putServiceInstitution: (req: Req) =>
      directory.putInstitution(deps, req.principal, noNul(req.body) as unknown as directory.InstitutionInput),
    getServiceInstitution: (req: Req) => directory.getInstitution(deps, req.params.id),
  });
  bindUntypedOperations(app, versionHandlers(deps));
};

/** The answer's `warnings` (the few most telling) and, when there are any, `duplicateCount`. */
function duplicateMembers(d: Duplicates) {
  return d.count ? { warnings: d.warnings, duplicateCount: d.count } : { warnings: [] };
}
