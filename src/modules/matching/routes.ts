import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { searchEngineFor } from './engine-instance.js';
import {
  achievementMatches,
  adHocMatches,
  type MatchDeps,
  type MatchQueryBody,
  needMatches,
  type PageParams,
} from './match-service.js';
import { type SearchParams, searchDocuments } from './search-service.js';

type ByIdReq = FastifyRequest<{ Params: { id: string }; Querystring: PageParams }>;

/** Search and match endpoints (GET /v1/search, …/matches, POST /v1/matches/query). */
export async function searchRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  // the engine is set up on first use, so an unreachable Meilisearch fails requests, not start-up
  const engine = () => searchEngineFor(ctx);
  const deps = async (): Promise<MatchDeps> => ({
    engine: await engine(),
    catalog: { db: ctx.database.db, outbox: ctx.outbox, cursors: ctx.cursors },
    cursors: ctx.cursors,
  });
  bindOperations(app, {
    search: async (req: FastifyRequest<{ Querystring: SearchParams }>) =>
      searchDocuments(await engine(), ctx.cursors, req.query),
    getNeedMatches: async (req: ByIdReq) =>
      needMatches(await deps(), req.principal, req.params.id, req.query),
    getAchievementMatches: async (req: ByIdReq) =>
      achievementMatches(await deps(), req.principal, req.params.id, req.query),
    queryMatches: async (req: FastifyRequest<{ Body: MatchQueryBody }>) =>
      adHocMatches(await deps(), req.body),
  });
}
