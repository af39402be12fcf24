import { createPublicKey } from 'node:crypto';
import { desc, gt, isNull, or, sql } from 'drizzle-orm';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { decryptField, deriveKey, encryptField } from '../../platform/crypto.js';
import type { Db } from '../../platform/db.js';
import { signingKeys } from './schema.js';

/**
 * Token signing keys: generated at first start, persisted (private part encrypted with a key
 * derived from APP_SECRET), shared by every replica through the database, and rotated with
 * overlap — a retired key stays published until the tokens it signed have expired.
 */
export const SIGNING_ALG = 'RS256';
const KEY_GEN_LOCK = 7_412_002;
const CACHE_MS = 60_000;

export type SigningKeyLike = Awaited<ReturnType<typeof importJWK>>;

export interface StoredKey {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateJwk: JWK;
  retiredAt: Date | null;
  expiresAt: Date | null;
}

export interface KeyStore {
  /** Creates the first key if there is none (safe when several replicas start together). */
  ensureKey(): Promise<void>;
  /** The current signing key (newest non-retired). */
  active(): Promise<StoredKey & { privateKey: SigningKeyLike }>;
  /** Keys still published: active and retired-but-unexpired, newest first. */
  published(): Promise<StoredKey[]>;
  publicJwks(): Promise<{ keys: JWK[] }>;
  publicPem(kid: string | undefined): Promise<string | undefined>;
  /** Start signing with a new key; the old one stays published for `overlapSeconds`. */
  rotate(overlapSeconds: number): Promise<string>;
  invalidate(): void;
}

export function createKeyStore(db: Db, appSecret: string): KeyStore {
  const wrapKey = deriveKey(Buffer.from(appSecret), 'signing-keys');
  let cache: { at: number; keys: StoredKey[] } | undefined;
  const pems = new Map<string, string>();
  let lastMissRefresh = 0;

  async function load(): Promise<StoredKey[]> {
    if (cache && Date.now() - cache.at < CACHE_MS) return cache.keys;
    const rows = await db
      .select()
      .from(signingKeys)
      .where(or(isNull(signingKeys.expiresAt), gt(signingKeys.expiresAt, sql`now()`)))
      .orderBy(desc(signingKeys.createdAt));
    const keys = rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.publicJwk as JWK,
      privateJwk: JSON.parse(decryptField(wrapKey, r.privateJwkEnc, `signing-key:${r.kid}`)) as JWK,
      retiredAt: r.retiredAt,
      expiresAt: r.expiresAt,
    }));
    cache = { at: Date.now(), keys };
    return keys;
  }

  /** Generates a key pair and stores it, in the caller's transaction. */
  async function insertNewKey(tx: Pick<Db, 'insert'>): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, {
      extractable: true,
      modulusLength: 2048,
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG, use: 'sig' };
    await tx.insert(signingKeys).values({
      kid,
      use: 'sig',
      alg: SIGNING_ALG,
      publicJwk: { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' },
      privateJwkEnc: encryptField(wrapKey, JSON.stringify(privateJwk), `signing-key:${kid}`),
    });
    return kid;
  }

  const store: KeyStore = {
    async ensureKey() {
      await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_GEN_LOCK})`);
        const existing = await tx
          .select({ kid: signingKeys.kid })
          .from(signingKeys)
          .where(isNull(signingKeys.retiredAt))
          .limit(1);
        if (!existing.length) await insertNewKey(tx);
      });
      store.invalidate();
    },
    async active() {
      let keys = await load();
      let key = keys.find((k) => !k.retiredAt);
      if (!key) {
        await store.ensureKey();
        keys = await load();
        key = keys.find((k) => !k.retiredAt);
      }
      if (!key) throw new Error('no active signing key');
      return { ...key, privateKey: await importJWK(key.privateJwk, key.alg) };
    },
    async published() {
      return load();
    },
    async publicJwks() {
      return { keys: (await load()).map((k) => k.publicJwk) };
    },
    async publicPem(kid) {
      if (!kid) return undefined;
      const hit = pems.get(kid);
      if (hit) return hit;
      let key = (await load()).find((k) => k.kid === kid);
      // An unknown kid may be a key another replica just created: refresh, at most every 5 s.
      if (!key && Date.now() - lastMissRefresh > 5000) {
        lastMissRefresh = Date.now();
        store.invalidate();
        key = (await load()).find((k) => k.kid === kid);
      }
      if (!key) return undefined;
      const pem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      pems.set(kid, pem);
      return pem;
    },
    async rotate(overlapSeconds) {
      // Retire and replace in one transaction: there is never a moment without an active key.
      const kid = await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(${KEY_GEN_LOCK})`);
        await tx
          .update(signingKeys)
          .set({ retiredAt: sql`now()`, expiresAt: sql`now() + make_interval(secs => ${overlapSeconds})` })
          .where(isNull(signingKeys.retiredAt));
        return insertNewKey(tx);
      });
      store.invalidate();
      return kid;
    },
    invalidate() {
      cache = undefined;
      pems.clear();
    },
  };
  return store;
}
