import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Principal } from '../principal.js';
import { isDatabaseUnavailable } from './problem.js';
import { routeConfig } from './route-context.js';

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
  /**
   * Whether a verified token is still in force (its grant not revoked, the token itself not
   * revoked). Asked on every request, so it must answer from a short cache.
   */
  isActive?(claims: Record<string, unknown>): Promise<boolean>;
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

  // Verified tokens are remembered until they expire (bounded LRU): a partner polling with the
  // same token pays the signature check once, not on every call. A token is only cached after
  // full verification, and never past its `exp`.
  const verifiedTokens = new Map<
    string,
    { principal: Principal; claims: Record<string, unknown>; expMs: number }
  >();
  const CACHE_MAX = 10_000;
  const authFailures = new WeakMap<FastifyRequest, UnauthorizedError>();
  const remember = (token: string, principal: Principal, claims: Record<string, unknown>) => {
    const exp = claims.exp;
    if (typeof exp !== 'number') return;
    if (verifiedTokens.size >= CACHE_MAX) {
      const oldest = verifiedTokens.keys().next().value;
      if (oldest !== undefined) verifiedTokens.delete(oldest);
    }
    verifiedTokens.set(token, { principal, claims, expMs: exp * 1000 });
  };

  // Tokens are checked on arrival (the rate limiter keys a valid caller by principal), but a
  // refusal (bad token, no token, missing scope) is answered only after the route's rate-limit
  // hook has counted the request: a caller trying tokens is limited like any other.
  // Callback-style with a synchronous fast path: an anonymous request (no Authorization header)
  // pays one property read here, no promise.
  app.addHook('onRequest', (req, reply, done) => {
    const header = req.headers.authorization;
    if (header === undefined || routeConfig(req)?.selfAuthenticated) return done();
    authenticate(req, reply, header).then(() => done(), done);
  });
  app.addHook('preParsing', (req, reply, payload, done) => {
    const config = routeConfig(req);
    if (config?.selfAuthenticated) return done(null, payload);
    const failure = req.headers.authorization === undefined ? undefined : authFailures.get(req);
    if (failure) return done(failure);
    try {
      checkRoute(req, reply, config?.auth);
    } catch (err) {
      return done(err as Error);
    }
    done(null, payload);
  });

  async function authenticate(req: FastifyRequest, reply: FastifyReply, header: string): Promise<void> {
    try {
      const m = /^Bearer ([A-Za-z0-9._~+/=-]{10,8192})$/.exec(header);
      if (!m) throw new InvalidTokenError();
      const token = m[1]!;
      const hit = verifiedTokens.get(token);
      if (hit && hit.expMs > Date.now()) {
        await stillActive(reply, hit.claims);
        req.principal = hit.principal;
      } else {
        if (hit) verifiedTokens.delete(token);
        await verifyToken(req, reply, token);
      }
      const p = req.principal!;
      req.callerScope = () => `${p.kind}:${p.id}:${p.organisationId ?? ''}`;
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      req.principal = undefined;
      authFailures.set(req, err);
    }
  }

  async function stillActive(reply: FastifyReply, claims: Record<string, unknown>): Promise<void> {
    if (!authenticator.isActive || (await authenticator.isActive(claims))) return;
    reply.header('www-authenticate', 'Bearer realm="techex", error="invalid_token"');
    throw new InvalidTokenError();
  }

  async function verifyToken(req: FastifyRequest, reply: FastifyReply, token: string): Promise<void> {
    let claims: Record<string, unknown>;
    try {
      const verified = (await req.jwtVerify()) as { payload?: Record<string, unknown> } & Record<
        string,
        unknown
      >;
      claims = verified.payload ?? verified;
    } catch (err) {
      // The key lookup could not reach the database: the token may well be valid (503, not 401).
      if (isDatabaseUnavailable(err)) throw err;
      reply.header('www-authenticate', 'Bearer realm="techex", error="invalid_token"');
      throw new InvalidTokenError();
    }
    await stillActive(reply, claims);
    req.principal = await authenticator.principalFromClaims(claims);
    remember(token, req.principal, claims);
  }

  function checkRoute(req: FastifyRequest, reply: FastifyReply, auth: RouteAuth | undefined): void {
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
  }
}

export const authenticationPlugin = fp(authPlugin, { name: 'techex-auth' });
