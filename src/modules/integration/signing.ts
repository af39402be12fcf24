import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { decryptField, deriveKey, encryptField } from '../../platform/crypto.js';

/**
 * Webhook secrets and signatures as the Standard Webhooks specification defines them: a secret is
 * `whsec_` + base64 of random bytes; a delivery carries `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body`, one per secret in force (two while a rotation's grace period runs).
 */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3600_000;

export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Secrets are stored encrypted (AES-GCM, key derived from APP_SECRET), bound to their row. */
export function secretSealer(appSecret: string) {
  const key = deriveKey(Buffer.from(appSecret, 'utf8'), 'webhook-secrets');
  return {
    seal: (secret: string, subscriptionId: string) =>
      encryptField(key, secret, `webhook_endpoints:${subscriptionId}`),
    open: (sealed: string, subscriptionId: string) =>
      decryptField(key, sealed, `webhook_endpoints:${subscriptionId}`),
  };
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function signDelivery(secrets: string[], id: string, at: Date, body: string): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  };
}
