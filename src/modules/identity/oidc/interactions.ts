import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { recordAudit } from '../../../platform/audit.js';
import { deriveKey } from '../../../platform/crypto.js';
import type { Db } from '../../../platform/db.js';
import { verifyPassword } from '../passwords.js';
import { findUser, findUserByEmail } from '../repository.js';
import { memberships, organisations, userRoles } from '../schema.js';
import { setGrantOrganisation } from './adapter.js';
import { consentPage, loginPage, messagePage } from './pages.js';
import { GRANT_TTL_SECONDS } from './provider.js';
import { clearFailures, lockedFor, recordFailure, throttleKey } from './throttle.js';

/**
 * The login and consent pages the provider sends people to (`/interaction/:uid`). Each form
 * carries a token bound to the interaction (HMAC of its uid), besides the interaction cookie
 * oidc-provider checks, so a form cannot be posted from elsewhere.
 */
type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Body = Record<string, string | undefined>;

export interface InteractionDeps {
  db: Db;
  appSecret: string;
  provider(): Promise<Provider>;
}

/** Scopes a person may hold: `admin` for operators only. */
export const mayBeGranted = (scope: string, isOperator: boolean) => scope !== 'admin' || isOperator;

const PAGE_ROUTE = { config: { page: true, idempotent: false, selfAuthenticated: true } };

export function interactionRoutes(app: FastifyInstance, deps: InteractionDeps): void {
  const { db } = deps;
  const formKey = deriveKey(Buffer.from(deps.appSecret), 'oidc-interaction-form');
  const formToken = (uid: string) => createHmac('sha256', formKey).update(uid).digest('base64url');
  const tokenOk = (uid: string, given: string | undefined) => {
    const a = Buffer.from(formToken(uid));
    const b = Buffer.from(given ?? '');
    return a.length === b.length && timingSafeEqual(a, b);
  };

  // Form posts only here: a small urlencoded parser, scoped to these routes.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 16 * 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  /** Sends a page; the CSP lets the form's redirects reach the partner's redirect URI. */
  function send(reply: FastifyReply, details: Details | undefined, html: string, status = 200) {
    const csp = reply.getHeader('content-security-policy');
    const redirect = details?.params.redirect_uri;
    if (typeof csp === 'string' && typeof redirect === 'string') {
      const origin = URL.canParse(redirect) ? new URL(redirect).origin : undefined;
      if (origin && origin !== 'null')
        reply.header(
          'content-security-policy',
          csp.replace("form-action 'self'", `form-action 'self' ${origin}`),
        );
    }
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(html);
  }

  async function load(req: FastifyRequest, reply: FastifyReply) {
    const provider = await deps.provider();
    try {
      const details = await provider.interactionDetails(req.raw, reply.raw);
      const { uid } = req.params as { uid: string };
      if (details.uid !== uid) return { provider, details: undefined };
      return { provider, details };
    } catch {
      return { provider, details: undefined };
    }
  }

  const expired = (reply: FastifyReply) =>
    send(
      reply,
      undefined,
      messagePage('登录已过期', '登录请求已过期或无效，请回到原网站重新发起登录。'),
      400,
    );

  async function isOperatorAccount(accountId: string): Promise<boolean> {
    const roles = await db
      .select({ role: userRoles.role })
      .from(userRoles)
      .where(eq(userRoles.userId, accountId));
    return roles.some((r) => r.role === 'operator');
  }

  async function clientName(provider: Provider, clientId: unknown): Promise<string> {
    const client = await provider.Client.find(String(clientId));
    return client?.clientName ?? String(clientId);
  }

  async function showConsent(reply: FastifyReply, provider: Provider, details: Details, status = 200) {
    const accountId = String(details.session?.accountId);
    const user = await findUser(db, accountId);
    const orgs = await db
      .select({ id: organisations.id, name: organisations.name })
      .from(memberships)
      .innerJoin(organisations, eq(organisations.id, memberships.organisationId))
      .where(eq(memberships.userId, accountId))
      .limit(100);
    const requested = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const operator = await isOperatorAccount(accountId);
    return send(
      reply,
      details,
      consentPage({
        uid: details.uid,
        formToken: formToken(details.uid),
        clientName: await clientName(provider, details.params.client_id),
        userName: user?.displayName ?? '',
        scopes: requested.filter((s) => mayBeGranted(s, operator)),
        refused: requested.filter((s) => !mayBeGranted(s, operator)),
        organisations: orgs,
      }),
      status,
    );
  }

  app.get('/interaction/:uid', PAGE_ROUTE, async (req, reply) => {
    const { provider, details } = await load(req, reply);
    if (!details) return expired(reply);
    if (details.prompt.name === 'login') {
      const name = await clientName(provider, details.params.client_id);
      return send(
        reply,
        details,
        loginPage({ uid: details.uid, formToken: formToken(details.uid), clientName: name }),
      );
    }
    return showConsent(reply, provider, details);
  });

  app.post('/interaction/:uid/login', PAGE_ROUTE, async (req, reply) => {
    const { provider, details } = await load(req, reply);
    const body = (req.body ?? {}) as Body;
    if (details?.prompt.name !== 'login' || !tokenOk(details.uid, body.form_token)) return expired(reply);
    const email = String(body.email ?? '').slice(0, 254);
    const password = String(body.password ?? '').slice(0, 128);
    const name = await clientName(provider, details.params.client_id);
    const clientId = String(details.params.client_id);
    const accountKey = throttleKey('account', email);
    const ipKey = throttleKey('ip', req.ip);
    const audit = (action: string, userId: string | undefined, after: object) =>
      recordAudit(db, {
        actor: userId ? { type: 'user', id: userId } : { type: 'anonymous' },
        action,
        objectType: 'account',
        objectId: userId ?? email.toLowerCase(),
        after: { clientId, ip: req.ip, ...after },
        requestId: req.id,
      });
    const retry = (seconds: number) => {
      reply.header('retry-after', String(seconds));
      return send(
        reply,
        details,
        loginPage({
          uid: details.uid,
          formToken: formToken(details.uid),
          clientName: name,
          email,
          error: `登录失败次数过多，请在 ${seconds} 秒后重试。`,
        }),
        429,
      );
    };

    const locked = await lockedFor(db, [accountKey, ipKey]);
    if (locked > 0) {
      await audit('auth.sign_in_throttled', undefined, { retryAfter: locked });
      return retry(locked);
    }
    const user = email ? await findUserByEmail(db, email) : undefined;
    const ok = (await verifyPassword(user?.passwordHash, password)) && !!user && !user.disabled;
    if (!ok) {
      const [accountLock, ipLock] = await Promise.all([
        recordFailure(db, 'account', accountKey),
        recordFailure(db, 'ip', ipKey),
      ]);
      await audit('auth.sign_in_failed', user?.id, { reason: user ? 'password' : 'unknown-account' });
      if (accountLock || ipLock) return retry(Math.max(accountLock, ipLock));
      return send(
        reply,
        details,
        loginPage({
          uid: details.uid,
          formToken: formToken(details.uid),
          clientName: name,
          email,
          error: '电子邮箱或密码不正确。',
        }),
        401,
      );
    }
    await clearFailures(db, accountKey);
    await audit('auth.sign_in', user.id, {});
    const to = await provider.interactionResult(req.raw, reply.raw, { login: { accountId: user.id } });
    return reply.redirect(to, 303);
  });

  app.post('/interaction/:uid/confirm', PAGE_ROUTE, async (req, reply) => {
    const { provider, details } = await load(req, reply);
    const body = (req.body ?? {}) as Body;
    if (details?.prompt.name !== 'consent' || !tokenOk(details.uid, body.form_token)) return expired(reply);
    const accountId = String(details.session?.accountId);
    const clientId = String(details.params.client_id);
    const mine = await db
      .select({ id: memberships.organisationId })
      .from(memberships)
      .where(eq(memberships.userId, accountId));
    const organisationId = body.organisation || mine[0]?.id;
    if (organisationId && !mine.some((m) => m.id === organisationId))
      return showConsent(reply, provider, details, 400);
    const isOperator = await isOperatorAccount(accountId);

    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
      : new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      // Platform administration is granted to operators only, whatever the partner asks. A
      // scope refused is recorded as refused (not merely left out), so the provider does not
      // ask again: the partner gets a code for what may be granted.
      const allowed = scopes.filter((s) => mayBeGranted(s, isOperator));
      const refused = scopes.filter((s) => !mayBeGranted(s, isOperator));
      if (allowed.length) grant.addResourceScope(resource, allowed.join(' '));
      if (refused.length) grant.rejectResourceScope(resource, refused.join(' '));
    }
    const grantId = await grant.save();
    await setGrantOrganisation(db, grantId, organisationId, GRANT_TTL_SECONDS);
    await recordAudit(db, {
      actor: { type: 'user', id: accountId, organisationId },
      action: 'auth.consent',
      objectType: 'oauth_client',
      objectId: clientId,
      after: { grantId, scopes: String(details.params.scope ?? '') },
      requestId: req.id,
    });
    const to = await provider.interactionResult(
      req.raw,
      reply.raw,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
    return reply.redirect(to, 303);
  });

  app.post('/interaction/:uid/abort', PAGE_ROUTE, async (req, reply) => {
    const { provider, details } = await load(req, reply);
    const body = (req.body ?? {}) as Body;
    if (!details || !tokenOk(details.uid, body.form_token)) return expired(reply);
    const to = await provider.interactionResult(req.raw, reply.raw, {
      error: 'access_denied',
      error_description: 'the user cancelled the sign-in',
    });
    return reply.redirect(to, 303);
  });
}
