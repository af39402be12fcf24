/**
 * The data transaction voucher (数据交易凭证) as a signed document: the payload, its RFC 8785
 * (JCS) canonical bytes, a compact JWS over them (EdDSA/Ed25519), and the voucher number.
 *
 * The compact JWS string is the voucher: it is what the holder keeps, what a third party
 * verifies, and (as UTF-8 bytes) the Merkle leaf in the transparency log. The payload is signed
 * in its canonical form and verification insists on that form, so one voucher content has
 * exactly one signed byte string: no re-serialisation can make a second, different log leaf.
 * Mutable state such as revocation lives outside the signed document.
 */
import { sign as cryptoSign, generateKeyPairSync, KeyObject, randomBytes, type webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, calculateJwkThumbprint, compactVerify, exportJWK, importJWK, type JWK } from 'jose';
import { leafHash } from './merkle.js';

export const VOUCHER_JWS_TYPE = 'techex-voucher+jws';
const ALG = 'EdDSA';

export type VoucherType = 'technology_contract' | 'data_product' | 'service_order';

export interface VoucherParty {
  role: 'seller' | 'buyer';
  name: string;
  /** 统一社会信用代码 (or another registry number for a party that has none). */
  creditCode: string;
}

export interface VoucherPayload {
  number: string;
  type: VoucherType;
  /** RFC 3339 in UTC with a `Z`, e.g. `2025-06-01T08:30:00Z`. */
  issuedAt: string;
  issuer: { name: string; subCentreCode: string };
  parties: VoucherParty[];
  subject: { title: string; achievementIds?: string[] };
  /** Integer fen (分): JSON numbers stay exact up to 2^53 and JCS prints integers plainly. */
  amounts: { contractValueFen: number; transactionAmountFen: number; currency: 'CNY' };
  contractRegistrationNumber?: string;
  /** SHA-256 (lowercase hex) of each supporting document, which itself stays off the log. */
  documentHashes: { name: string; sha256: string }[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && textProblem(v) === undefined;
const isFen = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Any character textProblem refuses (the same classes, tested over the whole string at once). */
const REFUSED_CHAR = /[\p{Cc}\p{Bidi_Control}]/u;

/**
 * What is wrong with a name or title, or undefined: empty (or only spaces), a control character
 * (C0, DEL, C1), or a bidirectional formatting character (U+202A–U+202E, U+2066–U+2069, U+200E,
 * U+200F, U+061C), which makes a text display in another order than it is signed: "‮gpj.exe"
 * shows as "exe.jpg". The message names the character and its position (1-based).
 */
export function textProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'is not text';
  // Fast path (every valid name is checked when a voucher is requested, signed and verified):
  // one scan of the string; the per-character walk below only runs to name the culprit.
  if (!REFUSED_CHAR.test(v)) return v.trim() === '' ? 'is empty' : undefined;
  const chars = [...v];
  const control = chars.findIndex((c) => /\p{Cc}/u.test(c));
  if (control >= 0)
    return `contains the control character ${codePoint(chars[control]!)} at position ${control + 1}`;
  const bidi = chars.findIndex((c) => /\p{Bidi_Control}/u.test(c));
  if (bidi >= 0)
    return `contains the bidirectional formatting character ${codePoint(chars[bidi]!)} at position ${bidi + 1}`;
  if (v.trim() === '') return 'is empty';
  return undefined;
}

/** RFC 3339 UTC with `Z` and whole seconds, as the specification states: one spelling per instant. */
function isUtcTimestamp(s: unknown): boolean {
  if (typeof s !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s)) return false;
  // Date rolls 02-30 over to 03-01; printing it back rejects dates that do not exist.
  const t = new Date(s);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 19) === s.slice(0, 19);
}

/** The year of an instant in China Standard Time (UTC+8), which a voucher number carries. */
export function chinaYear(instant: Date): number {
  return new Date(instant.getTime() + 8 * 3600_000).getUTCFullYear();
}

/** Every problem with `value` as a voucher payload (empty when valid), as `$.path message` strings. */
export function validateVoucherPayload(value: unknown): string[] {
  const out: string[] = [];
  const need = (ok: boolean, problem: string): void => {
    if (!ok) out.push(problem);
  };
  // Unknown keys are problems too: whatever a verifier is shown must be something this code
  // understood (and e.g. a `status` must never be frozen into a signature).
  const obj = (v: unknown, path: string, required: string[], optional: string[] = []): Json | undefined => {
    if (!isObject(v)) return void out.push(`${path} is not an object`);
    for (const k of required) need(v[k] !== undefined, `${path}.${k} is missing`);
    for (const k of Object.keys(v)) {
      need(required.includes(k) || optional.includes(k), `${path}.${k} is not a voucher field`);
    }
    return v;
  };
  const list = (v: unknown, path: string): unknown[] => {
    need(Array.isArray(v), `${path} is not an array`);
    return Array.isArray(v) ? v : [];
  };

  const required = 'number type issuedAt issuer parties subject amounts documentHashes'.split(' ');
  const p = obj(value, '$', required, ['contractRegistrationNumber']);
  if (!p) return out;
  // Names and titles: a precise reason for each (empty, control or bidirectional character).
  const text = (v: unknown, path: string): void => {
    const problem = textProblem(v);
    if (problem) out.push(`${path} ${problem}`);
  };
  const numberOk = isValidVoucherNumber(p.number as string);
  need(numberOk, '$.number is not a valid voucher number');
  need(
    p.type === 'technology_contract' || p.type === 'data_product' || p.type === 'service_order',
    '$.type is unknown',
  );
  const issuedOk = isUtcTimestamp(p.issuedAt);
  need(issuedOk, '$.issuedAt is not an RFC 3339 UTC timestamp in whole seconds');
  // The number's year is the issue year in China Standard Time (so 2025-12-31T16:00:00Z is 2026).
  if (numberOk && issuedOk)
    need(
      Number((p.number as string).slice(4, 8)) === chinaYear(new Date(p.issuedAt as string)),
      '$.number year is not the China Standard Time year of $.issuedAt',
    );
  const issuer = obj(p.issuer, '$.issuer', ['name', 'subCentreCode']);
  if (issuer) {
    text(issuer.name, '$.issuer.name');
    need(
      typeof issuer.subCentreCode === 'string' && /^\d{6}$/.test(issuer.subCentreCode),
      '$.issuer.subCentreCode is not a GB/T 2260 code (6 digits)',
    );
  }
  const parties = list(p.parties, '$.parties');
  for (const [i, x] of parties.entries()) {
    const party = obj(x, `$.parties[${i}]`, ['role', 'name', 'creditCode']);
    if (!party) continue;
    need(party.role === 'seller' || party.role === 'buyer', `$.parties[${i}].role is unknown`);
    text(party.name, `$.parties[${i}].name`);
    text(party.creditCode, `$.parties[${i}].creditCode`);
  }
  // A transaction has two sides; a voucher naming only one of them proves nothing.
  const roles = new Set(parties.map((x) => (isObject(x) ? x.role : undefined)));
  need(roles.has('seller') && roles.has('buyer'), '$.parties needs a seller and a buyer');
  const subject = obj(p.subject, '$.subject', ['title'], ['achievementIds']);
  if (subject) {
    const ids = subject.achievementIds;
    text(subject.title, '$.subject.title');
    need(
      ids === undefined || (Array.isArray(ids) && ids.every(isText)),
      '$.subject.achievementIds is invalid',
    );
  }
  const amounts = obj(p.amounts, '$.amounts', ['contractValueFen', 'transactionAmountFen', 'currency']);
  if (amounts) {
    need(
      isFen(amounts.contractValueFen) && isFen(amounts.transactionAmountFen),
      '$.amounts must be whole fen',
    );
    // 技术交易额 = 合同成交额 − non-technical costs: never above the contract value.
    if (isFen(amounts.contractValueFen) && isFen(amounts.transactionAmountFen))
      need(
        (amounts.transactionAmountFen as number) <= (amounts.contractValueFen as number),
        '$.amounts.transactionAmountFen is above $.amounts.contractValueFen',
      );
    need(amounts.currency === 'CNY', '$.amounts.currency is not CNY');
  }
  // 技术合同登记号: year (4) + registration point (6) + serial (6), on technology contracts only.
  const crn = p.contractRegistrationNumber;
  if (p.type === 'technology_contract')
    need(
      typeof crn === 'string' && /^\d{16}$/.test(crn),
      '$.contractRegistrationNumber must be the 16-digit registration number of the technology contract',
    );
  else need(crn === undefined, '$.contractRegistrationNumber is only for technology contracts');
  for (const [i, x] of list(p.documentHashes, '$.documentHashes').entries()) {
    const doc = obj(x, `$.documentHashes[${i}]`, ['name', 'sha256']);
    if (!doc) continue;
    text(doc.name, `$.documentHashes[${i}].name`);
    need(
      typeof doc.sha256 === 'string' && /^[0-9a-f]{64}$/.test(doc.sha256),
      `$.documentHashes[${i}].sha256 is not a lowercase hex SHA-256`,
    );
  }
  return out;
}

/** RFC 8785 canonical JSON as UTF-8: sorted keys, no whitespace, ES number formatting. */
export function canonicalBytes(payload: VoucherPayload): Uint8Array {
  return new TextEncoder().encode(canonicalText(payload));
}

function canonicalText(payload: VoucherPayload): string {
  const problems = validateVoucherPayload(payload);
  if (problems.length > 0) throw new TypeError(`invalid voucher payload: ${problems.join('; ')}`);
  return canonicalJson(payload)!;
}

/** A surrogate code unit not in a pair (in a `u` expression a pair is one astral code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * RFC 8785 (JCS) text of `value`: the `canonicalize` package's output, character for character
 * (voucher-format.test.ts compares the two on the test vectors and generated values), in about
 * 60% of its time on a voucher payload (native JSON.stringify for strings and numbers, one
 * regular expression for the lone-surrogate check, no per-call Set). The issuer canonicalises every
 * voucher it signs; anything but plain JSON data (toJSON, bigint, …) is left to the package.
 */
export function canonicalJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new Error('Lone surrogate is not allowed');
      return JSON.stringify(value);
    case 'number':
      if (Number.isNaN(value)) throw new Error('NaN is not allowed');
      if (!Number.isFinite(value)) throw new Error('Infinity is not allowed');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalize(value);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const x: unknown = value[i];
          if (i > 0) out += ',';
          out += x === undefined || typeof x === 'symbol' ? 'null' : canonicalJson(x);
        }
        return `${out}]`;
      }
      const o = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(o).sort()) {
        const x = o[key];
        if (x === undefined || typeof x === 'symbol') continue;
        if (LONE_SURROGATE.test(key)) throw new Error('Lone surrogate is not allowed');
        out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(x)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return canonicalize(value);
  }
}

/** Compact JWS `{"alg":"EdDSA","kid":…,"typ":"techex-voucher+jws"}` over the canonical payload. */
export async function signVoucher(
  payload: VoucherPayload,
  key: KeyObject | webcrypto.CryptoKey,
  kid: string,
): Promise<string> {
  if (!isText(kid)) throw new TypeError('kid must be a non-empty string');
  const kind = key instanceof KeyObject ? key.asymmetricKeyType : key.algorithm.name.toLowerCase();
  if (kind !== 'ed25519' || key.type !== 'private')
    throw new TypeError('vouchers are signed with an Ed25519 private key');
  return new CompactSign(canonicalBytes(payload))
    .setProtectedHeader({ alg: ALG, kid, typ: VOUCHER_JWS_TYPE })
    .sign(key);
}

/**
 * The same compact JWS as `signVoucher`, byte for byte (Ed25519 is deterministic), signed
 * synchronously with node:crypto. jose re-imports the key through WebCrypto for every signature,
 * which dominates the cost of issuing vouchers in bulk; this path does not.
 */
/** Encoded protected headers by kid (a few keys in a process's life). */
const HEADERS = new Map<string, string>();

export function signVoucherSync(payload: VoucherPayload, key: KeyObject, kid: string): string {
  if (!isText(kid)) throw new TypeError('kid must be a non-empty string');
  if (key.asymmetricKeyType !== 'ed25519' || key.type !== 'private')
    throw new TypeError('vouchers are signed with an Ed25519 private key');
  let header = HEADERS.get(kid);
  if (header === undefined) {
    header = Buffer.from(JSON.stringify({ alg: ALG, kid, typ: VOUCHER_JWS_TYPE })).toString('base64url');
    if (HEADERS.size >= 16) HEADERS.clear();
    HEADERS.set(kid, header);
  }
  const body = Buffer.from(canonicalText(payload), 'utf8').toString('base64url');
  const signature = cryptoSign(null, Buffer.from(`${header}.${body}`, 'ascii'), key).toString('base64url');
  return `${header}.${body}.${signature}`;
}

/** A JWKS document (RFC 7517 §5): the exchange's published voucher keys, current and retired. */
export interface VoucherKeySet {
  keys: JWK[];
}

export type VoucherRejection =
  | 'malformed' // not a compact JWS
  | 'bad-header' // not a voucher header (alg, typ, kid, nothing else)
  | 'unknown-kid'
  | 'ambiguous-kid' // the key set lists the kid twice: a configuration error, never guess
  | 'unusable-key' // the kid names something other than an Ed25519 signing key
  | 'kid-not-thumbprint' // the kid is not the RFC 7638 thumbprint of the key it names
  | 'bad-signature'
  | 'bad-payload'; // signed, but not a valid voucher payload in canonical form

export type VoucherVerification =
  | { ok: true; payload: VoucherPayload; kid: string }
  | { ok: false; reason: VoucherRejection };

const reject = (reason: VoucherRejection): VoucherVerification => ({ ok: false, reason });

/** Verifies a voucher JWS against the key its `kid` names in `keySet`. Never throws. */
export async function verifyVoucher(jws: string, keySet: VoucherKeySet): Promise<VoucherVerification> {
  // Canonical base64url only: decoders ignore the spare bits of the last character, so without
  // this up to 16 different strings would verify as one voucher (and hash to different leaves).
  const segments = typeof jws === 'string' ? jws.split('.') : [];
  const canonical = (seg: string): boolean => Buffer.from(seg, 'base64url').toString('base64url') === seg;
  if (segments.length !== 3 || !segments.every((seg) => /^[\w-]+$/.test(seg) && canonical(seg))) {
    return reject('malformed');
  }
  let header: Json;
  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      Buffer.from(segments[0]!, 'base64url'),
    );
    header = JSON.parse(headerText);
  } catch {
    return reject('malformed');
  }
  if (!isObject(header)) return reject('malformed');
  // JSON.parse keeps the last of duplicated members, other parsers the first: a header such as
  // {"alg":"none","alg":"EdDSA",…} reads differently to different verifiers (RFC 7515 §5.2).
  if (duplicateMember(headerText) !== undefined) return reject('bad-header');
  const { alg, kid, typ, ...rest } = header;
  if (alg !== ALG || typ !== VOUCHER_JWS_TYPE || !isText(kid) || Object.keys(rest).length > 0) {
    return reject('bad-header');
  }
  const matches = Array.isArray(keySet?.keys) ? keySet.keys.filter((k) => k?.kid === kid) : [];
  if (matches.length === 0) return reject('unknown-kid');
  if (matches.length > 1) return reject('ambiguous-kid');
  const jwk = matches[0]!;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return reject('unusable-key');
  if ((jwk.alg !== undefined && jwk.alg !== ALG) || (jwk.use !== undefined && jwk.use !== 'sig')) {
    return reject('unusable-key');
  }
  // The kid is derived, never chosen: the RFC 7638 thumbprint of the key that verifies.
  if ((await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x })) !== kid) {
    return reject('kid-not-thumbprint');
  }
  let payloadBytes: Uint8Array;
  try {
    // Only the public part is imported, in case a careless key set carries `d`.
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, ALG);
    payloadBytes = (await compactVerify(jws, key, { algorithms: [ALG] })).payload;
  } catch {
    return reject('bad-signature');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payloadBytes));
  } catch {
    return reject('bad-payload');
  }
  if (validateVoucherPayload(payload).length > 0) return reject('bad-payload');
  const bytes = canonicalBytes(payload as VoucherPayload);
  if (Buffer.compare(Buffer.from(bytes), Buffer.from(payloadBytes)) !== 0) return reject('bad-payload');
  return { ok: true, payload: payload as VoucherPayload, kid };
}

/**
 * The first member name that appears twice in one object of a JSON text (already known to
 * parse), compared after unescaping, so `{"alg":1,"\u0061lg":2}` counts; undefined if none.
 */
export function duplicateMember(json: string): string | undefined {
  const scopes: (Set<string> | null)[] = []; // a Set per open object, null per open array
  let expectName = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const names = scopes.at(-1);
      if (expectName && names) {
        const name = JSON.parse(json.slice(i, j + 1)) as string;
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = j;
    } else if (c === '{') {
      scopes.push(new Set());
      expectName = true;
    } else if (c === '[') {
      scopes.push(null);
      expectName = false;
    } else if (c === '}' || c === ']') {
      scopes.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = scopes.at(-1) instanceof Set;
    }
  }
  return undefined;
}

/** The transparency log leaf: the UTF-8 (here ASCII) bytes of the compact JWS itself. */
export function voucherLeafData(jws: string): Uint8Array {
  return new TextEncoder().encode(jws);
}

export function voucherLeafHash(jws: string): Uint8Array {
  return leafHash(voucherLeafData(jws));
}

/** A new signing key; its kid is the RFC 7638 JWK thumbprint, so it is derived, never chosen. */
export async function generateVoucherKey(): Promise<{
  privateKey: KeyObject;
  publicJwk: JWK & { kid: string };
}> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, publicJwk: { ...jwk, kid, alg: ALG, use: 'sig' } };
}

// ---------------------------------------------------------------------------------------------
// Voucher numbers: TXV-<YYYY>-<10 Crockford base32>-<check>, e.g. TXV-2025-8JGVQT76WE-Y.
//
// The 10 random symbols carry 50 bits, so numbers are unguessable and need no central counter
// (uniqueness is still enforced by the database). The check symbol protects the 14 symbols of
// year and body. The alphabet has no I, L, O, U, so a number read aloud or retyped cannot mix
// up 1/I/L or 0/O.
//
// Check symbol: over GF(32) = GF(2)[x]/(x^5 + x^2 + 1), with α = x, choose c so that
//   Σ α^(14-i)·s_i  ⊕  c  = 0  (s_0..s_13 the symbol values, i.e. Horner: r = α·r ⊕ s).
// It is the Damm scheme with the quasigroup a∘b = α·a ⊕ b. A substitution e at weight w shifts
// the sum by w·e ≠ 0; swapping neighbours a, b (check symbol included) shifts it by
// w·(α ⊕ 1)·(a ⊕ b) ≠ 0 since α ≠ 1, and a field has no zero divisors. So every single
// substitution and every adjacent transposition is caught, with no symbol outside the alphabet.
// The usual candidates do not manage that: Luhn mod 32 misses every swap of 0 and Z (values 0
// and 31), and ISO 7064 MOD 37-36 misses some swaps depending on what precedes them (it accepts
// both 1GH3 and 1HG3) and its check symbol can be I, L, O or U.

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const NUMBER_RE = /^TXV-(\d{4})-([0-9A-HJKMNP-TV-Z]{10})-([0-9A-HJKMNP-TV-Z])$/;

/** Multiplication by α in GF(32): shift, and reduce by x^5 + x^2 + 1 on overflow. */
const timesAlpha = (v: number): number => (v & 0x10 ? (v << 1) ^ 0x25 : v << 1);

function checkState(symbols: string): number {
  let r = 0;
  for (const s of symbols) r = timesAlpha(r) ^ CROCKFORD.indexOf(s);
  return r;
}

/**
 * A new number for `year`. `random` (at least 7 bytes; the first 50 bits are used) defaults to
 * fresh CSPRNG bytes; pass bytes only to reproduce a number in tests.
 */
export function makeVoucherNumber(year: number, random: Uint8Array = randomBytes(7)): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999)
    throw new RangeError(`year ${year} is not 4 digits`);
  if (random.length < 7) throw new RangeError('need at least 7 random bytes');
  let bits = 0n;
  for (const b of random.subarray(0, 7)) bits = (bits << 8n) | BigInt(b);
  bits >>= 6n; // 56 -> 50 bits
  let body = '';
  for (let i = 9; i >= 0; i--) body += CROCKFORD[Number((bits >> BigInt(5 * i)) & 31n)];
  const check = CROCKFORD[timesAlpha(checkState(`${year}${body}`))];
  return `TXV-${year}-${body}-${check}`;
}

/** Strict: the canonical upper-case form only (see normalizeVoucherNumber for typed input). */
export function isValidVoucherNumber(s: string): boolean {
  const m = typeof s === 'string' ? NUMBER_RE.exec(s) : null;
  return m !== null && checkState(`${m[1]}${m[2]}${m[3]}`) === 0;
}

/** Typed or read-back input to the canonical form (Crockford: case-free, I/L→1, O→0), or null. */
export function normalizeVoucherNumber(input: string): string | null {
  const s = input.trim().toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  return isValidVoucherNumber(s) ? s : null;
}
