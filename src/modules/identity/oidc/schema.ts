import { sql } from 'drizzle-orm';
import {
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { organisations } from '../schema.js';

/**
 * Everything the OpenID provider keeps between requests (sessions, interactions, grants,
 * codes, refresh tokens, …), one row per artefact, so every API replica sees the same state.
 * `model` is the oidc-provider model name; `grant_id` lets a whole grant be revoked at once.
 */
export const oidcPayloads = pgTable(
  'oidc_payloads',
  {
    model: text('model').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').notNull(),
    grantId: text('grant_id'),
    userCode: text('user_code'),
    uid: text('uid'),
    /** The account (user id) a session or grant belongs to: lists "my sessions". */
    accountId: text('account_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: 'oidc_payloads_pk', columns: [t.model, t.id] }),
    index('oidc_payloads_grant_idx').on(t.grantId).where(sql`grant_id IS NOT NULL`),
    index('oidc_payloads_uid_idx').on(t.uid).where(sql`uid IS NOT NULL`),
    index('oidc_payloads_user_code_idx').on(t.userCode).where(sql`user_code IS NOT NULL`),
    index('oidc_payloads_account_idx').on(t.accountId, t.createdAt).where(sql`account_id IS NOT NULL`),
    index('oidc_payloads_expires_idx').on(t.expiresAt),
  ],
);

/**
 * Partner platforms registered with the exchange (relying parties and machine clients). The
 * secret is stored as a SHA-256 hash only: it is 256 random bits, so a slow hash adds nothing,
 * and it is shown once at registration.
 */
export const oauthClients = pgTable(
  'oauth_clients',
  {
    clientId: text('client_id').primaryKey(),
    secretHash: text('secret_hash').notNull(),
    name: text('name').notNull(),
    redirectUris: text('redirect_uris').array().notNull().default(sql`'{}'::text[]`),
    postLogoutRedirectUris: text('post_logout_redirect_uris').array().notNull().default(sql`'{}'::text[]`),
    grantTypes: text('grant_types').array().notNull(),
    scopes: text('scopes').array().notNull(),
    tokenEndpointAuthMethod: text('token_endpoint_auth_method').notNull().default('client_secret_basic'),
    /** The organisation a machine client acts for (client credentials). */
    organisationId: uuid('organisation_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    disabled: boolean('disabled').notNull().default(false),
  },
  (t) => [
    foreignKey({
      name: 'oauth_clients_organisation_id_fkey',
      columns: [t.organisationId],
      foreignColumns: [organisations.id],
    }).onDelete('restrict'),
  ],
);

/**
 * Failed sign-in counters per account and per client IP (growing delays): in PostgreSQL so the
 * limit holds across replicas. `key` is `account:<e-mail>` or `ip:<address>`.
 */
export const loginThrottles = pgTable('login_throttles', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lastFailureAt: timestamp('last_failure_at', { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
});
