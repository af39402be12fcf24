import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { ForbiddenError } from '../../../platform/errors.js';
import { bindOperations } from '../../../platform/http/operations.js';
import type { ModuleRoutes } from '../../../platform/module.js';
import { clampLimit } from '../../../platform/pagination.js';
import type { Principal } from '../../../platform/principal.js';
import { DEMO_REDIRECT_PATH } from '../demo-accounts.js';
import { issuerOf } from '../index.js';
import { createKeyStore } from '../keys.js';
import { accessTokenVerifier, endpointContext, isJwtShaped, jwtReference } from './access-tokens.js';
import { interactionRoutes } from './interactions.js';
import { esc, page } from './pages.js';
import './messages.js';
import { createProviderHolder } from './provider.js';
import { listSessions, revokeSession } from './sessions.js';

/**
 * Single sign-on: the OpenID provider mounted at `/oidc` (its own Koa app, reached through a
 * Fastify passthrough route so the platform's request ids and security headers still apply),
 * the login and consent pages at `/interaction/:uid`, and "my sessions" in the API.
 */
const MOUNT = '/oidc';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export const oidcRoutes: ModuleRoutes = async (app, ctx) => {
  const { db } = ctx.database;
  const keys = createKeyStore(db, ctx.secrets.appSecret);
  await keys.ensureKey();
  const { issuer, audience } = issuerOf(ctx.config);
  const holder = createProviderHolder(
    {
      db,
      config: ctx.config,
      appSecret: ctx.secrets.appSecret,
      verifyAccessToken: accessTokenVerifier(keys, issuer, audience),
    },
    keys,
  );
  const publicUrl = new URL(ctx.config.publicUrl);
  const callbacks = new WeakMap<Provider, Handler>();

  // Discovery and every URL the provider builds name PUBLIC_URL, never the Host header a caller
  // sent: the provider trusts forwarded headers (provider.ts), and they are set here, for its
  // endpoints and for the interaction pages that call into it.
  const asPublicUrl = (req: FastifyRequest) => {
    const headers = req.raw.headers;
    headers.host = publicUrl.host;
    headers['x-forwarded-host'] = publicUrl.host;
    headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
    if (ctx.config.trustProxy) headers['x-forwarded-for'] = req.ip;
    else delete headers['x-forwarded-for'];
  };
  const passthrough = async (req: FastifyRequest, reply: FastifyReply) => {
    const provider = await holder.get();
    let callback = callbacks.get(provider);
    if (!callback) {
      callback = provider.callback() as Handler;
      callbacks.set(provider, callback);
    }
    reply.hijack();
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) reply.raw.setHeader(k, v);
    const raw = req.raw as IncomingMessage & { originalUrl?: string; body?: unknown };
    raw.originalUrl = raw.url;
    raw.url = raw.url!.slice(MOUNT.length) || '/';
    asPublicUrl(req);
    // A body read here (introspection, revocation) is handed over parsed.
    if (typeof req.body === 'string') raw.body = req.body;
    const path = raw.url.split('?')[0] ?? '/';
    endpointContext.run({ path }, () => callback(raw, reply.raw));
  };
  // The provider's endpoints speak OAuth, not this API's conventions: no bearer parsing by
  // the platform (the token endpoint takes Basic credentials), no Idempotency-Key.
  const route = { config: { idempotent: false, page: true, selfAuthenticated: true } };

  await app.register(async (scope) => {
    // The provider reads its own request bodies: leave the stream untouched.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    scope.route({ method: ['GET', 'POST'], url: MOUNT, ...route, handler: passthrough });
    scope.route({ method: ['GET', 'POST'], url: `${MOUNT}/*`, ...route, handler: passthrough });
  });

  await app.register(async (scope) => {
    // Introspection and revocation refuse a JWT outright (oidc-provider rejects structured
    // tokens there); the API's access tokens are JWTs, so one is passed on as a reference the
    // adapter turns back into the JWT, verifies and answers for (access-tokens.ts).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 56 * 1024 },
      (_req, body, done) => {
        const params = new URLSearchParams(String(body));
        const token = params.get('token');
        if (token && params.getAll('token').length === 1 && isJwtShaped(token)) {
          params.set('token', jwtReference(token));
          return done(null, params.toString());
        }
        done(null, String(body));
      },
    );
    for (const endpoint of ['token/introspection', 'token/revocation'])
      scope.route({ method: 'POST', url: `${MOUNT}/${endpoint}`, ...route, handler: passthrough });
  });

  // The demo client's redirect (embedded defaults only): shows the code and the command that
  // exchanges it, as README "Try it" describes.
  if (ctx.config.seedDemo && ctx.config.env !== 'production')
    app.get(
      DEMO_REDIRECT_PATH,
      { config: { page: true, idempotent: false, selfAuthenticated: true } },
      async (req, reply) => {
        const q = req.query as Record<string, unknown>;
        const code = typeof q.code === 'string' ? q.code.slice(0, 200) : '';
        const error = typeof q.error === 'string' ? q.error.slice(0, 100) : '';
        const body = code
          ? `<h1>授权码 / Authorization code</h1><p><code>${esc(code)}</code></p>
<p class="muted">在终端中执行 / in the terminal, run:</p>
<pre style="white-space:pre-wrap;word-break:break-all">CODE=${esc(code)}</pre>
<p class="muted">然后按 README「Try it」换取访问令牌 / then exchange it for a token as README "Try it" shows.</p>`
          : `<h1>${error ? '未授权 / Not authorised' : '演示回调 / Demo callback'}</h1><p>${esc(error)}</p>`;
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(page('演示回调', body));
      },
    );

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req) => asPublicUrl(req));
    interactionRoutes(scope, { db, appSecret: ctx.secrets.appSecret, provider: () => holder.get() });
  });

  const userOf = (p: Principal | undefined): Principal => {
    if (p?.kind !== 'user') throw new ForbiddenError('sessions-people-only');
    return p;
  };
  bindOperations(app, {
    listMySessions: async (req) => {
      const p = userOf(req.principal);
      return listSessions(db, ctx.cursors, p.id, {
        limit: clampLimit(req.query.limit),
        cursor: req.query.cursor,
      });
    },
    revokeMySession: async (req, reply) => {
      const p = userOf(req.principal);
      await revokeSession(
        db,
        { type: 'user', id: p.id, organisationId: p.organisationId },
        req.params.sessionId,
        req.id,
      );
      return reply.status(204).send();
    },
  });
};
