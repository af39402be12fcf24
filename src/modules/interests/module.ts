import type { ModuleDefinition } from '../../platform/module.js';
import { interestRoutes } from './routes.js';

/** Interests (合作意向): expressed, answered, negotiated, concluded and linked to a contract. */
export const interestsModule: ModuleDefinition = { name: 'interests', routes: interestRoutes };
