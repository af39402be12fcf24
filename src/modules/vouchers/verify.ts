/**
 * Verification of a voucher from evidence alone: the voucher JWS, an inclusion proof, a signed
 * checkpoint and a status list, against trusted keys. No database, no network: the same code
 * answers `POST /v1/vouchers/verify` and the offline `techex voucher verify` command.
 *
 * Four checks, each answered separately:
 *   signature   the JWS verifies with the voucher key its `kid` names, payload canonical (JCS)
 *   checkpoint  the checkpoint note is signed by a checkpoint key of the log's origin
 *   inclusion   the proof places SHA-256(0x00 || JWS bytes) at `leafIndex` under the
 *               checkpoint's root, for the checkpoint's tree size
 *   revocation  the status list (signed by a voucher key) has bit `leafIndex` = 0
 * The voucher is valid when all four pass.
 */
import type { JWK } from 'jose';
import { HASH_SIZE, verifyInclusion } from './merkle.js';
import { openCheckpoint, parseVerifierKey } from './note.js';
import { openStatusList, STATUS_VALID, statusAt } from './status-list.js';
import {
  type VoucherPayload,
  type VoucherRejection,
  verifyVoucher,
  voucherLeafHash,
} from './voucher-format.js';

export const BUNDLE_FORMAT = 'techex-voucher-bundle/1';

export interface InclusionProofDoc {
  leafIndex: number;
  treeSize: number;
  /** Base64 (standard, padded) SHA-256 hashes, from the leaf's sibling up. */
  hashes: string[];
}

/** What the exchange publishes at `GET /v1/vouchers/keys`. */
export interface TrustedKeys {
  keys: JWK[];
  checkpointVerifierKeys: string[];
  origin: string;
}

export interface Evidence {
  voucher: string;
  /** The number a bundle states beside the voucher: it must be the signed payload's number. */
  number?: string;
  inclusionProof?: InclusionProofDoc;
  checkpoint?: string;
  statusList?: string;
}

/** A self-contained file a holder can hand to anyone: everything needed to verify offline. */
export interface VoucherBundle extends Required<Evidence> {
  format: typeof BUNDLE_FORMAT;
  keys: TrustedKeys;
}

export interface Check {
  ok: boolean;
  reason?: string;
}

export interface VerificationReport {
  valid: boolean;
  number?: string;
  payload?: VoucherPayload;
  checks: {
    signature: Check & { kid?: string };
    checkpoint: Check & { origin?: string; treeSize?: number; rootHash?: string };
    inclusion: Check & { leafIndex?: number; treeSize?: number };
    revocation: Check & { status?: 'valid' | 'revoked'; statusListIssuedAt?: string; stale?: boolean };
  };
}

const b64 = (s: string): Uint8Array | null => {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const bytes = Buffer.from(s, 'base64');
  return bytes.toString('base64') === s && bytes.length === HASH_SIZE ? new Uint8Array(bytes) : null;
};

/** The published checkpoint keys; a checkpoint key's name is the log's origin, others sign nothing here. */
function verifiers(vkeys: readonly string[], origin: string) {
  const out = [];
  for (const v of vkeys) {
    try {
      const key = parseVerifierKey(v);
      if (key.name === origin) out.push(key);
    } catch {
      // A malformed published key verifies nothing; the others still can.
    }
  }
  return out;
}

export async function verifyEvidence(
  evidence: Evidence,
  trusted: TrustedKeys,
  opts: { now?: Date } = {},
): Promise<VerificationReport> {
  const checks: VerificationReport['checks'] = {
    signature: { ok: false },
    checkpoint: { ok: false },
    inclusion: { ok: false },
    revocation: { ok: false },
  };

  const sig = await verifyVoucher(evidence.voucher, { keys: trusted.keys });
  checks.signature = sig.ok
    ? { ok: true, kid: sig.kid }
    : { ok: false, reason: sig.reason satisfies VoucherRejection };
  // A bundle names its voucher: a file whose name and content disagree is not that voucher's.
  if (sig.ok && evidence.number !== undefined && evidence.number !== sig.payload.number)
    checks.signature = { ok: false, kid: sig.kid, reason: 'bundle-number-differs' };

  let root: Uint8Array | undefined;
  let size: number | undefined;
  if (evidence.checkpoint === undefined) {
    checks.checkpoint = { ok: false, reason: 'missing' };
  } else {
    const cp = openCheckpoint(
      evidence.checkpoint,
      verifiers(trusted.checkpointVerifierKeys, trusted.origin),
      trusted.origin,
    );
    if (cp.ok) {
      root = cp.checkpoint.rootHash;
      size = cp.checkpoint.size;
      checks.checkpoint = {
        ok: true,
        origin: cp.checkpoint.origin,
        treeSize: size,
        rootHash: Buffer.from(root).toString('base64'),
      };
    } else {
      checks.checkpoint = { ok: false, reason: cp.reason };
    }
  }

  const proof = evidence.inclusionProof;
  let leafIndex: number | undefined;
  if (!proof) {
    checks.inclusion = { ok: false, reason: 'missing' };
  } else if (root === undefined || size === undefined) {
    checks.inclusion = { ok: false, reason: 'no-verified-checkpoint' };
  } else if (proof.treeSize !== size) {
    checks.inclusion = { ok: false, reason: 'tree-size-differs-from-checkpoint' };
  } else {
    const hashes = Array.isArray(proof.hashes) ? proof.hashes.map(b64) : [null];
    const ok =
      typeof evidence.voucher === 'string' &&
      hashes.every((h) => h !== null) &&
      verifyInclusion(
        proof.leafIndex,
        proof.treeSize,
        voucherLeafHash(evidence.voucher),
        hashes as Uint8Array[],
        root,
      );
    checks.inclusion = ok
      ? { ok: true, leafIndex: proof.leafIndex, treeSize: proof.treeSize }
      : { ok: false, reason: 'proof-does-not-match' };
    if (ok) leafIndex = proof.leafIndex;
  }

  if (evidence.statusList === undefined) {
    checks.revocation = { ok: false, reason: 'missing' };
  } else if (leafIndex === undefined) {
    // The status index is the leaf index, which only a verified inclusion proof vouches for.
    checks.revocation = { ok: false, reason: 'no-verified-leaf-index' };
  } else {
    const sl = await openStatusList(evidence.statusList, { keys: trusted.keys }, { now: opts.now });
    if (!sl.ok) {
      checks.revocation = { ok: false, reason: `status-list-${sl.reason}` };
    } else {
      const status = statusAt(sl.list, leafIndex);
      const issuedAt = new Date(sl.claims.iat * 1000).toISOString();
      if (status === null)
        checks.revocation = { ok: false, reason: 'index-beyond-status-list', statusListIssuedAt: issuedAt };
      else
        checks.revocation = {
          ok: status === STATUS_VALID,
          status: status === STATUS_VALID ? 'valid' : 'revoked',
          statusListIssuedAt: issuedAt,
          stale: sl.expired,
          ...(status === STATUS_VALID ? {} : { reason: 'revoked' }),
        };
    }
  }

  return {
    valid: Object.values(checks).every((c) => c.ok),
    ...(sig.ok ? { number: sig.payload.number, payload: sig.payload } : {}),
    checks,
  };
}

/** Shape check of a bundle file before verifying it (the checks themselves do the rest). */
export function isVoucherBundle(v: unknown): v is VoucherBundle {
  const b = v as Partial<VoucherBundle> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    b.format === BUNDLE_FORMAT &&
    typeof b.number === 'string' &&
    typeof b.voucher === 'string' &&
    typeof b.checkpoint === 'string' &&
    typeof b.statusList === 'string' &&
    typeof b.inclusionProof === 'object' &&
    b.inclusionProof !== null &&
    typeof b.keys === 'object' &&
    b.keys !== null &&
    Array.isArray(b.keys.keys) &&
    Array.isArray(b.keys.checkpointVerifierKeys) &&
    typeof b.keys.origin === 'string'
  );
}
