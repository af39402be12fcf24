import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Principal } from '../principal.js';

/**
 * Bearer-token authentication for every route. Access tokens are JWTs issued by the exchange's
 * OpenID provider and checked with @fastify/jwt against its published keys; the route's OpenAPI
 * `security` requirement says whether a token is required and which scopes it must carry.
 */
export interface Authenticator {
  readonly issuer: string;
  readonly audience: string;
  /** The PEM public key for a key id, or undefined when unknown. */
  keyFor(kid: string | undefined): Promise<string | undefined>;
  principalFromClaims(claims: Record<string, unknown>): Promise<Principal> | Principal;
}

export interface RouteAuth {
  /** false when the spec allows anonymous calls (`security: []` or a `{}` alternative). */
  required: boolean;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** The route authenticates its callers itself (the OpenID provider): no bearer parsing here. */
    selfAuthenticated?: boolean;
  }
}

class InvalidTokenError extends UnauthorizedError {
  constructor() {
    super('invalid-token');
  }
}

async function authPlugin(app: FastifyInstance, opts: { authenticator: Authenticator }): Promise<void> {
  const { authenticator } = opts;
  await app.register(jwt, {
    secret: async (_req: FastifyRequest, token: { header?: { kid?: string } }) => {
      const key = await authenticator.keyFor(token.header?.kid);
      if (!key) throw new InvalidTokenError();
      return key;
    },
    decode: { complete: true },
    verify: {
      allowedIss: authenticator.issuer,
      allowedAud: authenticator.audience,
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      cache: 10_000,
    },
  } as never);
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.selfAuthenticated) return;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer ([A-Za-z0-9._~+/=-]{10,8192})$/.exec(header);
      if (!m) throw new InvalidTokenError();
      let claims: Record<string, unknown>;
      try {
        const verified = (await req.jwtVerify()) as { payload?: Record<string, unknown> } & Record<
          string,
          unknown
        >;
        claims = verified.payload ?? verified;
      } catch {
        reply.header('www-authenticate', 'Bearer realm="techex", error="invalid_token"');
        throw new InvalidTokenError();
      }
      req.principal = await authenticator.principalFromClaims(claims);
      const p = req.principal;
      req.callerScope = () => `${p.kind}:${p.id}:${p.organisationId ?? ''}`;
    }
    const auth = req.routeOptions.config?.auth;
    if (!auth) return;
    if (auth.required && !req.principal) {
      reply.header('www-authenticate', 'Bearer realm="techex"');
      throw new UnauthorizedError();
    }
    if (req.principal && auth.scopes.length) {
      const missing = auth.scopes.filter((s) => !req.principal?.scopes.has(s));
      if (missing.length) {
        reply.header(
          'www-authenticate',
          `Bearer realm="techex", error="insufficient_scope", scope="${auth.scopes.join(' ')}"`,
        );
        throw new ForbiddenError('insufficient-scope', { scopes: missing.join(' ') });
      }
    }
  });
}

export const authenticationPlugin = fp(authPlugin, { name: 'techex-auth' });
