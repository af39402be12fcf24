/**
 * The typed techex client for partners: types generated from openapi/openapi.yaml by
 * openapi-typescript (`openapi/schema.d.ts`), requests by openapi-fetch. Paths, parameters, bodies
 * and answers are checked by the compiler against the published contract.
 *
 *   const techex = createTechexClient('https://jstp.example.cn', () => tokens.get());
 *   const { data, error } = await techex.GET('/v1/webhooks/subscriptions', { params: { query: { limit: 50 } } });
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../openapi/schema.js';

export type { components, paths };
export type TechexClient = Client<paths>;
export type Problem = components['schemas']['Problem'];

/** Returns a current access token (or undefined for anonymous calls); called before every request. */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

export interface TechexClientOptions {
  /** Language of problem titles and details (zh-CN by default on the server). */
  language?: 'zh-CN' | 'en';
  fetch?: typeof globalThis.fetch;
}

export function createTechexClient(
  baseUrl: string,
  tokenProvider: TokenProvider = () => undefined,
  options: TechexClientOptions = {},
): TechexClient {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), fetch: options.fetch });
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await tokenProvider();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      if (options.language) request.headers.set('accept-language', options.language);
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** Seconds to wait before retrying a 429 (from `Retry-After`, else the IETF `RateLimit` header). */
export function retryAfterSeconds(response: Response): number | undefined {
  const retry = Number(response.headers.get('retry-after'));
  if (Number.isFinite(retry) && retry > 0) return retry;
  const t = /;t=(\d+)/.exec(response.headers.get('ratelimit') ?? '');
  return t ? Number(t[1]) : undefined;
}
