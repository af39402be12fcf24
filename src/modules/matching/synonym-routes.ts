import type { FastifyInstance } from 'fastify';
import type { ModuleContext } from '../../platform/http/app.js';

/** The operators' synonym thesaurus API. */
export async function synonymRoutes(_app: FastifyInstance, _ctx: ModuleContext): Promise<void> {}
