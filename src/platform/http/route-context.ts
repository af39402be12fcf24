import type { FastifyContextConfig, FastifyRequest } from 'fastify';

/**
 * The matched route's config, read without `req.routeOptions`: that getter builds a fresh
 * object of a dozen fields (and asks the router about version constraints) on every access,
 * and the plugin stack asked for it several times per request. Fastify keeps the route's
 * context under a symbol of its own (`fastify.context`); found once, it is read directly.
 * Where it cannot be found the public getter is used, so the answer is the same either way.
 */
type RouteConfig = FastifyContextConfig & { url?: string; method?: string };

let contextKey: symbol | null | undefined;

function findContextKey(req: FastifyRequest): symbol | null {
  let proto: object | null = req;
  while (proto) {
    for (const s of Object.getOwnPropertySymbols(proto)) if (s.description === 'fastify.context') return s;
    proto = Object.getPrototypeOf(proto);
  }
  return null;
}

export function routeConfig(req: FastifyRequest): RouteConfig | undefined {
  if (contextKey === undefined) contextKey = findContextKey(req);
  if (contextKey === null) return req.routeOptions.config as RouteConfig | undefined;
  const context = (req as unknown as Record<symbol, { config?: RouteConfig } | undefined>)[contextKey];
  return context ? context.config : (req.routeOptions.config as RouteConfig | undefined);
}

/** The route's URL pattern (`/v1/achievements/:id`), undefined when no route matched. */
export function routeUrl(req: FastifyRequest): string | undefined {
  return routeConfig(req)?.url;
}
