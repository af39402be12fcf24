import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import { routeConfig } from './route-context.js';

/**
 * Helmet's headers, computed once. Running helmet's middleware on every request cost more than
 * half of a small JSON response's throughput here; its output depends only on the options, so
 * we let helmet produce the header set at start-up and add the same headers per request.
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}

const API_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
};
/** Pages for people (the API reference, login, voucher pages) load their own assets. */
const PAGE_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      styleSrc: ["'self'", "'unsafe-inline'"],
      scriptSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
};

let apiHeaders: Record<string, string> | undefined;
/** The API's header set, for answers written outside the request cycle (client errors). */
export function apiSecurityHeaders(): Record<string, string> {
  apiHeaders ??= helmetHeaders(API_OPTIONS);
  return apiHeaders;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a route that serves HTML to people (a looser, page-friendly CSP). */
    page?: boolean;
  }
}

/**
 * Probes (liveness, readiness, metrics) answer supervisors and scrapers, never a browser page,
 * thousands of times an hour: they get the two headers that still matter for a JSON or text
 * answer opened by mistake (no sniffing, nothing loads or frames), not helmet's ~900 bytes.
 */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
const PROBE_HEADERS: [string, string][] = [
  ['x-content-type-options', 'nosniff'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
];

async function securityHeaders(app: FastifyInstance): Promise<void> {
  const api = Object.entries(apiSecurityHeaders());
  const page = Object.entries(helmetHeaders(PAGE_OPTIONS));
  app.addHook('onRequest', (req, reply, done) => {
    const config = routeConfig(req);
    const url = config?.url;
    const headers =
      url !== undefined && PROBE_PATHS.has(url)
        ? PROBE_HEADERS
        : config?.page === true || req.url.startsWith('/docs')
          ? page
          : api;
    for (let i = 0; i < headers.length; i++) reply.header(headers[i]![0], headers[i]![1]);
    done();
  });
}

export const securityHeadersPlugin = fp(securityHeaders, { name: 'techex-security-headers' });
