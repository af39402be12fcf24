/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and the tlog-checkpoint
 * body (https://c2sp.org/tlog-checkpoint) the voucher log signs its tree heads with. Byte
 * compatible with Go's golang.org/x/mod/sumdb/note, so witnesses and monitors written for
 * Go/Sigsum/transparency-dev logs can check our checkpoints.
 *
 * Parsing is stricter than Go where Go is lenient (canonical base64 only, key IDs as exactly 8
 * lowercase hex digits): the strict form is what we emit, and accepting one encoding only means
 * a changed byte can never leave a note verifying.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';

const ALG_ED25519 = 0x01;
const SIG_PREFIX = '\u2014 '; // em dash, space
const UTF8_STRICT = { fatal: true, ignoreBOM: true };
/** Go's limit; the spec asks for at least 16. Bounds the work an attacker can make us do. */
const MAX_SIGNATURES = 100;
// DER wrappers of a raw 32-byte Ed25519 key (RFC 8410), so node:crypto can use the raw bytes.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface NoteVerifier {
  readonly name: string;
  /** uint32 key ID. */
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array;
}

export type Ed25519Verifier = NoteVerifier & { readonly publicKey: Uint8Array };
export type Ed25519Signer = NoteSigner & { readonly publicKey: Uint8Array };

export class NoteKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoteKeyError';
  }
}

/** Non-empty, no Unicode space (Go's unicode.IsSpace, plus U+FEFF) and no '+', the key field separator. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085\p{Z}+]/u.test(name) && isWellFormed(name);
}

function isWellFormed(s: string): boolean {
  return !/\p{Surrogate}/u.test(s); // with the u flag, only lone surrogates match
}

/** Standard base64 (RFC 4648 §4), padded, and only its canonical form (no stray bits). */
function decodeBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s ? new Uint8Array(bytes) : null;
}

const encodeBase64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** SHA-256(name || 0x0A || 0x01 || public key)[:4] as a big-endian uint32. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(name, 'utf8')
    .update(Uint8Array.of(0x0a, ALG_ED25519))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

function ed25519Verifier(name: string, publicKey: Uint8Array): Ed25519Verifier {
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return {
    name,
    keyId: ed25519KeyId(name, publicKey),
    publicKey: new Uint8Array(publicKey),
    verify: (text, signature) => {
      try {
        return signature.length === 64 && verify(null, text, key, signature);
      } catch {
        return false;
      }
    },
  };
}

/** `<name>+<8 hex key ID>+<base64(0x01 || 32-byte public key)>`, the form operators publish. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteKeyError(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) throw new NoteKeyError('an Ed25519 public key is 32 bytes');
  const body = encodeBase64(Uint8Array.of(ALG_ED25519, ...publicKey));
  return `${name}+${hex8(ed25519KeyId(name, publicKey))}+${body}`;
}

/**
 * Splits `<name>+<id>+<key>` at the first two '+' only: base64 itself may contain '+'. Callers
 * then require the ID derived from name and key, so a typo in any field is caught on load.
 */
function parseKeyFields(fields: string, what: string): { name: string; key: Uint8Array } {
  const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/s.exec(fields);
  const name = m?.[1] ?? '';
  const key = decodeBase64(m?.[3] ?? '');
  if (!m || !isValidKeyName(name) || !key || key.length !== 33 || key[0] !== ALG_ED25519) {
    throw new NoteKeyError(`malformed or non-Ed25519 ${what}`);
  }
  return { name, key: key.subarray(1) };
}

export function parseVerifierKey(vkey: string): Ed25519Verifier {
  const { name, key } = parseKeyFields(vkey, 'verifier key');
  const verifier = ed25519Verifier(name, key);
  if (hex8(verifier.keyId) !== vkey.split('+')[1]) throw new NoteKeyError('key ID does not match the key');
  return verifier;
}

function ed25519Signer(name: string, seed: Uint8Array): Ed25519Signer {
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  return {
    name,
    keyId: ed25519KeyId(name, publicKey),
    publicKey,
    sign: (text) => new Uint8Array(sign(null, text, privateKey)),
  };
}

/** `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || 32-byte seed)>`, Go's signer key format. */
export function formatSignerKey(name: string, seed: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteKeyError(`invalid key name ${JSON.stringify(name)}`);
  if (seed.length !== 32) throw new NoteKeyError('an Ed25519 seed is 32 bytes');
  const { keyId } = ed25519Signer(name, seed);
  return `PRIVATE+KEY+${name}+${hex8(keyId)}+${encodeBase64(Uint8Array.of(ALG_ED25519, ...seed))}`;
}

export function parseSignerKey(skey: string): Ed25519Signer {
  const prefix = 'PRIVATE+KEY+';
  if (!skey.startsWith(prefix)) throw new NoteKeyError(`a signer key starts with ${prefix}`);
  const { name, key: seed } = parseKeyFields(skey.slice(prefix.length), 'signer key');
  const signer = ed25519Signer(name, seed);
  if (hex8(signer.keyId) !== skey.split('+')[3]) throw new NoteKeyError('key ID does not match the key');
  return signer;
}

/** A fresh key pair, as the two strings an operator stores (secret) and publishes. */
export function generateSignerKey(name: string): { signerKey: string; verifierKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  return { signerKey: formatSignerKey(name, seed), verifierKey: formatVerifierKey(name, raw) };
}

/** Valid UTF-8 (as a JS string: no lone surrogate) and no ASCII control character but newline. */
function isNoteSafe(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
  }
  return isWellFormed(s);
}

/** Signs `text` (must end in a newline) with every signer, one signature line each. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n') || !isNoteSafe(text)) throw new RangeError('bad note text (see signed-note)');
  if (signers.length === 0) throw new RangeError('a note needs at least one signature');
  const bytes = new TextEncoder().encode(text);
  const lines = signers.map((s) => {
    if (!isValidKeyName(s.name)) throw new NoteKeyError(`invalid key name ${JSON.stringify(s.name)}`);
    const id = Buffer.alloc(4);
    id.writeUInt32BE(s.keyId);
    return `${SIG_PREFIX}${s.name} ${encodeBase64(Buffer.concat([id, s.sign(bytes)]))}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

export type NoteRejection =
  | 'malformed'
  | 'too-many-signatures'
  | 'ambiguous-verifiers'
  | 'bad-signature'
  | 'no-known-signature';

export type OpenedNote =
  | { ok: true; text: string; verified: NoteSignature[]; unverified: NoteSignature[] }
  | { ok: false; reason: NoteRejection };

/**
 * Parses a signed note and checks it against the known verifiers. Signatures by unknown keys
 * (name and key ID do not both match) are ignored; one failing signature by a known key rejects
 * the note (the spec's SHOULD: it means tampering or a misconfigured key, never something to
 * shrug off); a note with no verified signature is rejected.
 */
export function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  let msg: string;
  try {
    // ignoreBOM keeps a leading U+FEFF in the text: silently dropping it would let a changed
    // byte sequence verify.
    msg = typeof message === 'string' ? message : new TextDecoder('utf-8', UTF8_STRICT).decode(message);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isNoteSafe(msg)) return { ok: false, reason: 'malformed' };
  const split = msg.lastIndexOf('\n\n');
  const sigBlock = msg.slice(split + 2);
  if (split < 0 || !sigBlock.endsWith('\n')) return { ok: false, reason: 'malformed' };
  const text = msg.slice(0, split + 1);
  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { ok: false, reason: 'too-many-signatures' };

  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const id = `${v.name} ${v.keyId}`;
    if (known.has(id)) return { ok: false, reason: 'ambiguous-verifiers' };
    known.set(id, v);
  }

  const textBytes = new TextEncoder().encode(text);
  const verified = new Map<string, NoteSignature>();
  const unverified: NoteSignature[] = [];
  for (const line of lines) {
    const m = /^\u2014 ([^ ]+) ([^ ]+)$/.exec(line);
    const blob = m ? decodeBase64(m[2]!) : null;
    const name = m?.[1] ?? '';
    if (!blob || blob.length < 5 || !isValidKeyName(name)) return { ok: false, reason: 'malformed' };
    const sig = { name, keyId: Buffer.from(blob).readUInt32BE(0), signature: blob.subarray(4) };
    const verifier = known.get(`${name} ${sig.keyId}`);
    if (!verifier) {
      unverified.push(sig);
    } else if (!verifier.verify(textBytes, sig.signature)) {
      return { ok: false, reason: 'bad-signature' };
    } else {
      verified.set(`${name} ${sig.keyId}`, sig); // a repeated signature by one key counts once
    }
  }
  if (verified.size === 0) return { ok: false, reason: 'no-known-signature' };
  return { ok: true, text, verified: [...verified.values()], unverified };
}

export interface Checkpoint {
  /** Log identity; by convention the signing key's name, e.g. `techex.example/vouchers`. */
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Opaque extra lines after the root hash; not recommended by the spec, kept for round trips. */
  readonly extensions?: readonly string[];
}

const isLine = (s: string): boolean => s.length > 0 && !s.includes('\n');

/** `<origin>\n<size>\n<base64 root>\n` followed by any extension lines. */
export function formatCheckpoint(cp: Checkpoint): string {
  const extensions = cp.extensions ?? [];
  if (!isLine(cp.origin) || !extensions.every(isLine)) throw new RangeError('empty or multi-line line');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new RangeError(`invalid tree size ${cp.size}`);
  if (cp.rootHash.length !== 32) throw new RangeError('a checkpoint root hash is 32 bytes (SHA-256)');
  return [cp.origin, String(cp.size), encodeBase64(cp.rootHash), ...extensions].map((l) => `${l}\n`).join('');
}

/** The checkpoint in a note text, or null if the text is not a well-formed checkpoint. */
export function parseCheckpoint(text: string): Checkpoint | null {
  if (!text.endsWith('\n')) return null;
  const [origin, size, root, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || size === undefined || root === undefined) return null;
  // No leading zeros: one tree size has one spelling, so equal checkpoints are equal strings.
  if (!isLine(origin) || !/^(0|[1-9][0-9]*)$/.test(size) || !extensions.every(isLine)) return null;
  const rootHash = decodeBase64(root);
  const n = Number(size);
  if (rootHash?.length !== 32 || !Number.isSafeInteger(n)) return null;
  return extensions.length > 0 ? { origin, size: n, rootHash, extensions } : { origin, size: n, rootHash };
}

export function signCheckpoint(cp: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

export type OpenedCheckpoint =
  | { ok: true; checkpoint: Checkpoint; verified: NoteSignature[]; unverified: NoteSignature[] }
  | { ok: false; reason: NoteRejection | 'not-a-checkpoint' | 'wrong-origin' };

/** Verifies the note, then requires a checkpoint body from the expected log. */
export function openCheckpoint(
  message: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  origin: string,
): OpenedCheckpoint {
  const note = openNote(message, verifiers);
  if (!note.ok) return note;
  const checkpoint = parseCheckpoint(note.text);
  if (!checkpoint) return { ok: false, reason: 'not-a-checkpoint' };
  if (checkpoint.origin !== origin) return { ok: false, reason: 'wrong-origin' };
  return { ok: true, checkpoint, verified: note.verified, unverified: note.unverified };
}
