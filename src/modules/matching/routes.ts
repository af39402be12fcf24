import type { FastifyInstance } from 'fastify';
import { bindOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { associationsFor } from './association-store.js';
import { ASSOCIATIONS_IN_USE } from './associations.js';
import { searchEngineFor } from './engine-instance.js';
import { achievementMatches, adHocMatches, type MatchDeps, needMatches } from './match-service.js';
import { searchDocuments } from './search-service.js';
import { semanticIndexFor } from './semantic.js';

/** Search and match endpoints (GET /v1/search, …/matches, POST /v1/matches/query). */
export async function searchRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  // the engine is set up on first use, so an unreachable Meilisearch fails requests, not start-up
  const engine = () => searchEngineFor(ctx);
  const deps = async (): Promise<MatchDeps> => ({
    engine: await engine(),
    catalog: { db: ctx.database.db, outbox: ctx.outbox, cursors: ctx.cursors },
    cursors: ctx.cursors,
    semantic: semanticIndexFor(ctx),
    associations: ASSOCIATIONS_IN_USE ? () => associationsFor(ctx).get() : undefined,
  });
  bindOperations(app, {
    search: async (req) => searchDocuments(await engine(), ctx.cursors, req.query),
    getNeedMatches: async (req) => needMatches(await deps(), req.principal, req.params.id, req.query),
    getAchievementMatches: async (req) =>
      achievementMatches(await deps(), req.principal, req.params.id, req.query),
    queryMatches: async (req) => adHocMatches(await deps(), req.body),
  });
}
