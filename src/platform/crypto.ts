/**
 * Protection of personal data at rest (PIPL): a keyed hash to find a record by an identifier
 * without storing it, and authenticated field encryption to keep the value recoverable.
 *
 * Keys: derive one key per purpose from the master secret with `deriveKey`, so that a leaked
 * lookup key does not decrypt fields and rotating one purpose leaves the others alone.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12; // the GCM nonce size that needs no extra GHASH step (NIST SP 800-38D)
const TAG_BYTES = 16;
const VERSION = 'v1';
/** Fixed, public HKDF salt: domain separation from any other use of the same master secret. */
const HKDF_SALT = Buffer.from('techex/hkdf/v1', 'utf8');

export class FieldDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldDecryptionError';
  }
}

function requireKey(key: Buffer, what: string, exact: boolean): void {
  if (exact ? key.length !== KEY_BYTES : key.length < KEY_BYTES) {
    throw new RangeError(`${what} must be ${exact ? '' : 'at least '}${KEY_BYTES} bytes, got ${key.length}`);
  }
}

/**
 * HKDF-SHA256 (RFC 5869) of a 32-byte key for one `purpose` (e.g. "pii-lookup", "pii-field").
 * The master must already be high-entropy (a random secret, not a password): HKDF does not
 * stretch, it only separates.
 */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  requireKey(master, 'master secret', false);
  if (purpose.length === 0) throw new RangeError('purpose must not be empty');
  return Buffer.from(hkdfSync('sha256', master, HKDF_SALT, `techex:${purpose}`, KEY_BYTES));
}

/**
 * HMAC-SHA256 as lowercase hex, for an indexed lookup column. Deterministic by design, so the
 * caller must normalise first (e.g. the `value` from validateResidentId) or equal identifiers
 * will hash differently.
 */
export function keyedHash(secret: Buffer, value: string): string {
  requireKey(secret, 'hash secret', false);
  return createHmac('sha256', secret).update(value, 'utf8').digest('hex');
}

/**
 * AES-256-GCM with a random 12-byte IV: `v1.` + base64url(iv | ciphertext | tag).
 * `aad` (optional) binds the token to its context, e.g. `table.column:rowId`, so a ciphertext
 * copied into another row or column fails to decrypt. Random IVs are safe for well under 2^32
 * encryptions per key, far above what one purpose key will see here.
 */
export function encryptField(key: Buffer, plaintext: string, aad?: string): string {
  requireKey(key, 'field key', true);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** Inverse of encryptField; throws FieldDecryptionError on any malformed or tampered token. */
export function decryptField(key: Buffer, token: string, aad?: string): string {
  requireKey(key, 'field key', true);
  const dot = token.indexOf('.');
  if (dot === -1 || token.slice(0, dot) !== VERSION) throw new FieldDecryptionError('unknown token version');
  const encoded = token.slice(dot + 1);
  const raw = Buffer.from(encoded, 'base64url');
  // Buffer.from skips invalid characters and ignores trailing bits; insisting on the canonical
  // encoding makes every token string non-malleable, not just its decoded bytes.
  if (raw.toString('base64url') !== encoded)
    throw new FieldDecryptionError('token is not canonical base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new FieldDecryptionError('token too short');
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  try {
    const plain = Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    // GCM gives no detail on purpose; neither do we (wrong key, wrong aad and tampering look alike).
    throw new FieldDecryptionError('authentication failed');
  }
}
