/**
 * A partner platform's starting point for integrating with techex (run: `npx tsx
 * scripts/partner-example.ts`). It shows the four things every partner does:
 *
 * 1. sign in with client credentials at the exchange's OpenID provider (`client_secret_basic`);
 * 2. keep a local copy of listings in sync from the change feed (`GET /v1/changes?cursor=`);
 * 3. receive webhooks and check their Standard Webhooks signatures before trusting them;
 * 4. verify a data transaction voucher (数据交易凭证).
 *
 * Settings come from the environment of *this* program (it is the partner's code, not the
 * service): TECHEX_URL, TECHEX_CLIENT_ID, TECHEX_CLIENT_SECRET, TECHEX_SCOPE, TECHEX_WEBHOOK_SECRET,
 * WEBHOOK_PORT, TECHEX_VOUCHER. Features the server does not offer yet are reported, not faked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { createTechexClient, type TechexClient } from './client/index.js';

export interface Token {
  accessToken: string;
  expiresAt: number;
}

/** OAuth 2.0 client credentials grant (RFC 6749 §4.4) with HTTP Basic client authentication. */
export async function clientCredentialsToken(opts: {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  fetch?: typeof fetch;
}): Promise<Token> {
  const basic = Buffer.from(
    `${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`,
  ).toString('base64');
  const res = await (opts.fetch ?? fetch)(`${opts.baseUrl.replace(/\/+$/, '')}/oidc/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: opts.scope }),
  });
  if (res.status === 404) throw new Error('the OpenID provider is not served at /oidc/token yet');
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== 'string')
    throw new Error(
      `token request refused (${res.status}): ${String(body.error ?? '')} ${String(body.error_description ?? '')}`,
    );
  return { accessToken: body.access_token, expiresAt: Date.now() + Number(body.expires_in ?? 300) * 1000 };
}

/** A token provider for createTechexClient that renews a minute before expiry. */
export function cachedToken(get: () => Promise<Token>): () => Promise<string> {
  let current: Token | undefined;
  return async () => {
    if (!current || current.expiresAt - 60_000 < Date.now()) current = await get();
    return current.accessToken;
  };
}

export type SyncResult =
  | { status: 'synced'; cursor: string; changes: number }
  | { status: 'unavailable'; reason: string };

/**
 * Pull the change feed from `cursor` until a page comes back empty. Store the returned cursor
 * durably after applying each page: it is where the next run resumes.
 */
export async function syncChanges(
  techex: TechexClient,
  opts: {
    cursor?: string;
    onChange: (change: { type: string; id: string; change: string }) => Promise<void> | void;
    maxPages?: number;
  },
): Promise<SyncResult> {
  let cursor = opts.cursor;
  let changes = 0;
  for (let page = 0; page < (opts.maxPages ?? 100); page++) {
    const { data, error, response } = await techex.GET('/v1/changes', {
      params: { query: { cursor, limit: 100 } },
    });
    if (response.status === 404)
      return { status: 'unavailable', reason: 'the change feed is not served by this server yet' };
    if (error || !data)
      return {
        status: 'unavailable',
        reason: `change feed answered ${response.status}: ${JSON.stringify(error)}`,
      };
    for (const c of data.items) await opts.onChange(c);
    changes += data.items.length;
    cursor = data.nextCursor;
    if (data.items.length === 0) break;
  }
  return { status: 'synced', cursor: cursor ?? '', changes };
}

/**
 * A webhook receiver: verifies each delivery with the subscription's secret (Standard Webhooks:
 * HMAC over `id.timestamp.body`, timestamps within 5 minutes), answers 401 to anything that fails,
 * and hands each message once to `onEvent` (deliveries may repeat: deduplicate on webhook-id).
 */
export async function startWebhookReceiver(opts: {
  secret: string;
  port?: number;
  host?: string;
  onEvent: (event: { id: string; type: string; timestamp: string; data: unknown }) => Promise<void> | void;
}) {
  const webhook = new Webhook(opts.secret);
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      let event: { id: string; type: string; timestamp: string; data: unknown };
      try {
        event = webhook.verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        ) as typeof event;
      } catch {
        return res.writeHead(401).end();
      }
      const id = String(req.headers['webhook-id']);
      try {
        if (!seen.has(id)) await opts.onEvent(event);
        seen.add(id);
        res.writeHead(204).end();
      } catch {
        res.writeHead(500).end(); // techex retries with backoff
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Ask techex to verify a voucher (signature, log inclusion, revocation). */
export async function verifyVoucher(techex: TechexClient, voucher: string) {
  const { data, error, response } = await techex.POST('/v1/vouchers/verify', { body: { voucher } });
  if (response.status === 404)
    return { status: 'unavailable' as const, reason: 'voucher verification is not served yet' };
  if (error || !data)
    return { status: 'error' as const, reason: `${response.status}: ${JSON.stringify(error)}` };
  return { status: 'checked' as const, valid: data.valid, report: data };
}

async function main(): Promise<void> {
  const env = process.env;
  const baseUrl = env.TECHEX_URL ?? 'http://localhost:3000';
  let tokens: (() => Promise<string>) | undefined;
  if (env.TECHEX_CLIENT_ID && env.TECHEX_CLIENT_SECRET) {
    tokens = cachedToken(() =>
      clientCredentialsToken({
        baseUrl,
        clientId: env.TECHEX_CLIENT_ID!,
        clientSecret: env.TECHEX_CLIENT_SECRET!,
        scope: env.TECHEX_SCOPE ?? 'changes:read webhooks:manage',
      }),
    );
    console.log('signed in:', (await tokens()).slice(0, 12), '…');
  } else console.log('TECHEX_CLIENT_ID/TECHEX_CLIENT_SECRET not set: calling anonymously');
  const techex = createTechexClient(baseUrl, tokens);

  const sync = await syncChanges(techex, { onChange: (c) => console.log('change', c.type, c.id, c.change) });
  console.log('change feed:', sync);
  if (env.TECHEX_VOUCHER) console.log('voucher:', await verifyVoucher(techex, env.TECHEX_VOUCHER));
  if (env.TECHEX_WEBHOOK_SECRET) {
    const receiver = await startWebhookReceiver({
      secret: env.TECHEX_WEBHOOK_SECRET,
      port: Number(env.WEBHOOK_PORT ?? 8787),
      onEvent: (e) => console.log('webhook', e.type, e.id),
    });
    console.log(`webhook receiver on port ${receiver.port}; Ctrl-C to stop`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
