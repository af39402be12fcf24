/**
 * Revocation through an IETF Token Status List (draft-ietf-oauth-status-list), in its JWT form.
 *
 * - The list is a byte array of 1-bit statuses: status i is bit (i mod 8) of byte ⌊i / 8⌋,
 *   counted from the least significant bit. 0 = VALID, 1 = INVALID (revoked).
 * - `lst` = base64url (no padding) of the array compressed with DEFLATE in the ZLIB format
 *   (RFC 1951 inside RFC 1950).
 * - The Status List Token is a JWS with header `{"alg":"EdDSA","kid":…,"typ":"statuslist+jwt"}`
 *   and claims `sub` (the list's URI), `iat`, `exp`, `ttl` and `status_list: {bits: 1, lst}`,
 *   signed by a voucher key.
 *
 * techex's vouchers are not JWTs and their payload carries no `status` claim (mutable state stays
 * out of the signed document). The index of a voucher in the list is its leaf index in the
 * transparency log: the inclusion proof authenticates that index, so the holder of a voucher
 * cannot point a verifier at another voucher's bit.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { createLocalJWKSet, type JWK, jwtVerify, SignJWT } from 'jose';
import type { VoucherSigner } from './keys.js';

export const STATUS_LIST_JWT_TYPE = 'statuslist+jwt';
export const STATUS_VALID = 0;
export const STATUS_INVALID = 1;

/** The 1-bit list of `size` entries with the given indices set, compressed and encoded. */
export function encodeStatusList(size: number, revoked: Iterable<number>): { bits: 1; lst: string } {
  const bytes = Buffer.alloc(Math.max(1, Math.ceil(size / 8)));
  for (const i of revoked) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= size)
      throw new RangeError(`index ${i} is outside the list`);
    bytes[Math.floor(i / 8)]! |= 1 << (i % 8);
  }
  return { bits: 1, lst: deflateSync(bytes, { level: 9 }).toString('base64url') };
}

/** The byte array of an encoded list, or null when `lst` is not base64url ZLIB data. */
export function decodeStatusList(lst: string): Uint8Array | null {
  if (typeof lst !== 'string' || !/^[\w-]*$/.test(lst)) return null;
  try {
    return new Uint8Array(inflateSync(Buffer.from(lst, 'base64url'), { maxOutputLength: 64 * 1024 * 1024 }));
  } catch {
    return null;
  }
}

/** Status at `index` of a 1-bit list, or null when the index is beyond the list. */
export function statusAt(list: Uint8Array, index: number): number | null {
  const byte = Math.floor(index / 8);
  if (!Number.isSafeInteger(index) || index < 0 || byte >= list.length) return null;
  return (list[byte]! >> (index % 8)) & 1;
}

export interface StatusListClaims {
  sub: string;
  iat: number;
  exp: number;
  ttl: number;
  status_list: { bits: 1; lst: string };
}

export async function signStatusList(
  claims: {
    sub: string;
    size: number;
    revoked: Iterable<number>;
    now?: Date;
    validitySeconds?: number;
    ttl?: number;
  },
  signer: VoucherSigner,
): Promise<string> {
  const iat = Math.floor((claims.now ?? new Date()).getTime() / 1000);
  return new SignJWT({
    status_list: encodeStatusList(claims.size, claims.revoked),
    ttl: claims.ttl ?? 60,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: STATUS_LIST_JWT_TYPE })
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (claims.validitySeconds ?? 24 * 3600))
    .sign(signer.privateKey);
}

export type OpenedStatusList =
  | { ok: true; claims: StatusListClaims; list: Uint8Array; expired: boolean }
  | { ok: false; reason: 'bad-signature' | 'malformed' | 'wrong-subject' };

/**
 * Verifies a Status List Token against the voucher keys. Expiry is reported, not enforced: an
 * offline verifier may knowingly look at an old list and must be told how old it is.
 */
export async function openStatusList(
  token: string,
  keys: { keys: JWK[] },
  opts: { subject?: string; now?: Date } = {},
): Promise<OpenedStatusList> {
  let payload: Record<string, unknown>;
  try {
    const res = await jwtVerify(token, createLocalJWKSet({ keys: keys.keys }), {
      algorithms: ['EdDSA'],
      typ: STATUS_LIST_JWT_TYPE,
      // exp is checked below, so that an expired list can still be read and reported as such.
      currentDate: new Date(0),
      clockTolerance: Number.MAX_SAFE_INTEGER,
    });
    payload = res.payload as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'bad-signature' };
  }
  const sl = payload.status_list as { bits?: unknown; lst?: unknown } | undefined;
  const list = typeof sl?.lst === 'string' ? decodeStatusList(sl.lst) : null;
  if (
    typeof payload.sub !== 'string' ||
    typeof payload.iat !== 'number' ||
    typeof payload.exp !== 'number' ||
    sl?.bits !== 1 ||
    !list
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (opts.subject !== undefined && payload.sub !== opts.subject)
    return { ok: false, reason: 'wrong-subject' };
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  return { ok: true, claims: payload as unknown as StatusListClaims, list, expired: payload.exp <= now };
}
