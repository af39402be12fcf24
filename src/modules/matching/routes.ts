import type { FastifyInstance } from 'fastify';
import type { ModuleContext } from '../../platform/http/app.js';

/** Search and match endpoints (GET /v1/search, …/matches, POST /v1/matches/query). */
export async function searchRoutes(_app: FastifyInstance, _ctx: ModuleContext): Promise<void> {}
