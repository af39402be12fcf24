/**
 * Tables of the vouchers module (数据交易凭证): transactions waiting for a voucher, the vouchers,
 * the transparency log (stored subtree nodes and signed checkpoints) and the signing keys.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  foreignKey,
  index,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const tstz = (name: string) => timestamp(name, { withTimezone: true });

/**
 * One row per source transaction (a registered contract, a partner's data product deal): the
 * request a voucher is built from. The unique (source_type, source_id) makes a second request for
 * the same transaction a no-op, whoever sends it and however often.
 */
export const voucherTransactions = pgTable(
  'voucher_transactions',
  {
    id: uuid('id').primaryKey(),
    sourceType: text('source_type').notNull(),
    sourceId: text('source_id').notNull(),
    /** The self-contained VoucherRequest (service.ts), as validated when it was recorded. */
    request: jsonb('request').notNull(),
    state: text('state', { enum: ['pending', 'issued'] })
      .notNull()
      .default('pending'),
    /** Set by a cancellation; the voucher is revoked (or issued already revoked). */
    revocationReason: text('revocation_reason'),
    revocationRequestedAt: tstz('revocation_requested_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    issuedAt: tstz('issued_at'),
  },
  (t) => [
    unique('voucher_transactions_source_uq').on(t.sourceType, t.sourceId),
    index('voucher_transactions_pending_idx').on(t.createdAt).where(sql`state = 'pending'`),
  ],
);

/**
 * Issued vouchers, one per transaction: the transaction's id is the key (one index for both the
 * row's identity and "exactly one voucher per transaction"). `leaf_index` is null until the
 * sequencer integrates the voucher into the log; it is then also the voucher's index in the
 * revocation status list (see status-list.ts).
 */
export const vouchers = pgTable(
  'vouchers',
  {
    transactionId: uuid('transaction_id').notNull(),
    number: text('number').notNull(),
    /** The compact JWS; the signed payload is its middle part (service.ts `payloadOf`), not stored twice. */
    jws: text('jws').notNull(),
    kid: text('kid').notNull(),
    /** RFC 9162 leaf hash of the JWS bytes: unique, so one signed voucher is one leaf. */
    leafHash: bytea('leaf_hash').notNull(),
    leafIndex: bigint('leaf_index', { mode: 'number' }),
    status: text('status', { enum: ['active', 'revoked'] })
      .notNull()
      .default('active'),
    revokedAt: tstz('revoked_at'),
    revocationReason: text('revocation_reason'),
    issuedAt: tstz('issued_at').notNull(),
    sequencedAt: tstz('sequenced_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'vouchers_pkey', columns: [t.transactionId] }),
    unique('vouchers_number_uq').on(t.number),
    unique('vouchers_leaf_hash_uq').on(t.leafHash),
    unique('vouchers_leaf_index_uq').on(t.leafIndex),
    index('vouchers_unsequenced_idx').on(t.createdAt, t.transactionId).where(sql`leaf_index IS NULL`),
    index('vouchers_revoked_idx').on(t.leafIndex).where(sql`status = 'revoked'`),
    foreignKey({
      name: 'vouchers_transaction_id_fkey',
      columns: [t.transactionId],
      foreignColumns: [voucherTransactions.id],
    }),
  ],
);

/**
 * Every complete subtree of the log: level 0 holds the leaf hashes (leaf `index`), level l the
 * root of leaves [index·2^l, (index+1)·2^l). Written once when the subtree fills, never updated.
 */
export const voucherLogNodes = pgTable(
  'voucher_log_nodes',
  {
    level: smallint('level').notNull(),
    index: bigint('idx', { mode: 'number' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [primaryKey({ name: 'voucher_log_nodes_pk', columns: [t.level, t.index] })],
);

/** Signed tree heads (C2SP checkpoints), one per tree size the sequencer published. */
export const voucherCheckpoints = pgTable('voucher_checkpoints', {
  size: bigint('size', { mode: 'number' }).primaryKey(),
  rootHash: bytea('root_hash').notNull(),
  /** The signed note exactly as served. */
  note: text('note').notNull(),
  createdAt: tstz('created_at').notNull().defaultNow(),
});

/**
 * Ed25519 keys: `voucher` keys sign voucher JWS and status lists, `checkpoint` keys sign the log's
 * checkpoints. The private key (32-byte seed) is encrypted with a key derived from APP_SECRET.
 * At most one unretired key per purpose; retired keys stay published for verification.
 */
export const voucherSigningKeys = pgTable(
  'voucher_signing_keys',
  {
    kid: text('kid').primaryKey(),
    purpose: text('purpose', { enum: ['voucher', 'checkpoint'] }).notNull(),
    publicJwk: jsonb('public_jwk').notNull(),
    /** Checkpoint keys only: the C2SP verifier key `<origin>+<key id>+<base64 key>`. */
    verifierKey: text('verifier_key'),
    privateKey: text('private_key').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    retiredAt: tstz('retired_at'),
  },
  (t) => [uniqueIndex('voucher_signing_keys_active_uq').on(t.purpose).where(sql`retired_at IS NULL`)],
);
