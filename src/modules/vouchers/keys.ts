/**
 * The voucher module's Ed25519 keys: a `voucher` key signs voucher JWS and the status list, a
 * `checkpoint` key signs the log's checkpoints (C2SP signed notes). Generated on first start and
 * stored in `voucher_signing_keys`, the private half encrypted (AES-256-GCM) under a key derived
 * from APP_SECRET, so a database dump alone signs nothing. Rotation retires the current key; a
 * retired key signs nothing more but stays published, so everything it signed still verifies.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { decryptField, deriveKey, encryptField } from '../../platform/crypto.js';
import type { Db } from '../../platform/db.js';
import { formatSignerKey, formatVerifierKey, type NoteSigner, parseSignerKey } from './note.js';
import { voucherSigningKeys } from './schema.js';

export type KeyPurpose = 'voucher' | 'checkpoint';

export interface VoucherSigner {
  kid: string;
  privateKey: KeyObject;
}

export interface PublishedKeys {
  /** JWKS of every voucher key, current first, then retired (newest first). */
  keys: (JWK & { kid: string })[];
  /** C2SP verifier keys of every checkpoint key, current first. */
  checkpointVerifierKeys: string[];
  origin: string;
}

export interface Keyring {
  /** Creates the missing keys (idempotent, safe with several processes starting together). */
  ensure(): Promise<void>;
  voucherSigner(): Promise<VoucherSigner>;
  checkpointSigner(): Promise<NoteSigner & { kid: string }>;
  /** `fresh` re-reads the table: a key rotated by another replica is then known at once. */
  published(fresh?: boolean): Promise<PublishedKeys>;
  /** The log's origin line: the name of its checkpoint key, fixed when the first key was made. */
  origin(): Promise<string>;
  rotate(purpose: KeyPurpose): Promise<string>;
}

/** `<host of PUBLIC_URL>/vouchers-log`, e.g. `jstp.example.cn/vouchers-log`. */
export function logOriginFor(publicUrl: string): string {
  return `${new URL(publicUrl).host}/vouchers-log`;
}

const CACHE_MS = 30_000;

export function createKeyring(deps: {
  db: Db;
  appSecret: string;
  /** Origin used when the first checkpoint key is created (later keys keep the stored one). */
  origin: string;
}): Keyring {
  const { db } = deps;
  const sealKey = deriveKey(Buffer.from(deps.appSecret), 'voucher-keys');
  const aad = (kid: string) => `voucher_signing_keys.private_key:${kid}`;
  type Row = typeof voucherSigningKeys.$inferSelect;
  let cache: { at: number; rows: Row[] } | undefined;

  async function generate(purpose: KeyPurpose, origin: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const seed = Buffer.from((await exportJWK(privateKey)).d!, 'base64url');
    const raw = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
    return {
      kid,
      purpose,
      publicJwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' },
      verifierKey: purpose === 'checkpoint' ? formatVerifierKey(origin, raw) : null,
      privateKey: encryptField(sealKey, seed.toString('base64url'), aad(kid)),
    };
  }

  async function rows(fresh = false): Promise<Row[]> {
    if (!fresh && cache && Date.now() - cache.at < CACHE_MS) return cache.rows;
    const all = await db.select().from(voucherSigningKeys).orderBy(asc(voucherSigningKeys.createdAt));
    // Current key first, then retired ones, newest first.
    all.sort((a, b) => {
      if (!a.retiredAt !== !b.retiredAt) return a.retiredAt ? 1 : -1;
      return b.createdAt.getTime() - a.createdAt.getTime();
    });
    cache = { at: Date.now(), rows: all };
    return all;
  }

  async function active(purpose: KeyPurpose): Promise<Row> {
    let row = (await rows()).find((r) => r.purpose === purpose && !r.retiredAt);
    if (!row) {
      await keyring.ensure();
      row = (await rows(true)).find((r) => r.purpose === purpose && !r.retiredAt);
    }
    if (!row) throw new Error(`no active ${purpose} key`);
    return row;
  }

  const seedOf = (row: Row) => Buffer.from(decryptField(sealKey, row.privateKey, aad(row.kid)), 'base64url');
  const nameOf = (vkey: string) => vkey.slice(0, vkey.indexOf('+'));

  async function storedOrigin(): Promise<string> {
    const row = (await rows()).find((r) => r.purpose === 'checkpoint' && r.verifierKey);
    return row ? nameOf(row.verifierKey!) : deps.origin;
  }

  // Signing keys made from a stored row, by its sealed key: the issuer and the sequencer ask for a
  // signer every batch (several a second), and unsealing plus key import cost more than a
  // signature. A rotated key is a new row, so it gets a new entry; the map holds a handful.
  const signers = new Map<string, unknown>();
  function memo<T>(row: Row, make: () => T): T {
    const key = `${row.purpose}:${row.kid}:${row.privateKey}`;
    let v = signers.get(key) as T | undefined;
    if (v === undefined) {
      v = make();
      if (signers.size > 16) signers.clear();
      signers.set(key, v);
    }
    return v;
  }

  const keyring: Keyring = {
    async ensure() {
      const existing = await rows(true);
      for (const purpose of ['voucher', 'checkpoint'] as const) {
        if (existing.some((r) => r.purpose === purpose && !r.retiredAt)) continue;
        // The partial unique index allows one unretired key per purpose: a replica starting at
        // the same moment loses the race quietly and uses the winner's key.
        await db
          .insert(voucherSigningKeys)
          .values(await generate(purpose, await storedOrigin()))
          .onConflictDoNothing();
      }
      await rows(true);
    },
    async voucherSigner() {
      const row = await active('voucher');
      return memo(row, () => {
        const jwk = row.publicJwk as JWK;
        const privateKey = createPrivateKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, d: seedOf(row).toString('base64url') },
          format: 'jwk',
        });
        return { kid: row.kid, privateKey };
      });
    },
    async checkpointSigner() {
      const row = await active('checkpoint');
      return memo(row, () => {
        const signer = parseSignerKey(formatSignerKey(nameOf(row.verifierKey!), seedOf(row)));
        return Object.assign(signer, { kid: row.kid });
      });
    },
    async published(fresh = false) {
      await active('checkpoint');
      const all = await rows(fresh);
      return {
        keys: all.filter((r) => r.purpose === 'voucher').map((r) => r.publicJwk as JWK & { kid: string }),
        checkpointVerifierKeys: all.filter((r) => r.purpose === 'checkpoint').map((r) => r.verifierKey!),
        origin: await storedOrigin(),
      };
    },
    origin: storedOrigin,
    async rotate(purpose) {
      const origin = await storedOrigin();
      const fresh = await generate(purpose, origin);
      await db.transaction(async (tx) => {
        await tx
          .update(voucherSigningKeys)
          .set({ retiredAt: new Date() })
          .where(and(eq(voucherSigningKeys.purpose, purpose), isNull(voucherSigningKeys.retiredAt)));
        await tx.insert(voucherSigningKeys).values(fresh);
      });
      await rows(true);
      return fresh.kid;
    },
  };
  return keyring;
}
