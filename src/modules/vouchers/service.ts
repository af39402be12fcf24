/**
 * The vouchers module's service: requests from other modules (request.ts), and the public read
 * side — vouchers, proofs, checkpoints, keys, the status list, bundles and verification.
 */
import type pg from 'pg';
import { BadRequestError, NotFoundError, ServiceUnavailableError } from '../../platform/errors.js';
import type { Keyring, PublishedKeys } from './keys.js';
import { consistencyRanges, inclusionRanges, rangeHashes } from './log-tree.js';
import { signStatusList } from './status-list.js';
import {
  type CheckpointRow,
  checkpointOfSize,
  latestCheckpoint,
  readNodes,
  revokedLeafIndices,
  type VoucherRow,
  voucherByLeafHash,
  voucherByNumber,
} from './store.js';
import {
  BUNDLE_FORMAT,
  type Evidence,
  type InclusionProofDoc,
  type TrustedKeys,
  type VerificationReport,
  type VoucherBundle,
  verifyEvidence,
} from './verify.js';
import { normalizeVoucherNumber, type VoucherPayload, voucherLeafHash } from './voucher-format.js';

export {
  requestRevocationInTx,
  requestVoucherInTx,
  type VoucherRequest,
  validateVoucherRequest,
} from './request.js';

export interface VoucherView {
  number: string;
  jws: string;
  payload: VoucherPayload;
  status: 'active' | 'revoked';
  revokedAt: string | null;
  revocationReason: string | null;
  /** Null until the sequencer has put the voucher in the log (usually within a second). */
  leafIndex: number | null;
  /** The voucher's index in the status list: its leaf index. */
  statusListIndex: number | null;
  issuedAt: string;
  sequencedAt: string | null;
}

const b64 = (h: Uint8Array): string => Buffer.from(h).toString('base64');

/**
 * The signed payload of a stored voucher: the JSON of its JWS's middle part (the JCS bytes that
 * were signed), so the payload is stored once, inside the voucher itself.
 */
export function payloadOf(jws: string): VoucherPayload {
  const part = jws.slice(jws.indexOf('.') + 1, jws.lastIndexOf('.'));
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as VoucherPayload;
}

export function toView(row: VoucherRow): VoucherView {
  return {
    number: row.number,
    jws: row.jws,
    payload: payloadOf(row.jws),
    status: row.status,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    revocationReason: row.revocation_reason,
    leafIndex: row.leaf_index,
    statusListIndex: row.leaf_index,
    issuedAt: row.issued_at.toISOString(),
    sequencedAt: row.sequenced_at?.toISOString() ?? null,
  };
}

/** Where each piece of evidence a verification used came from. */
export type EvidenceSources = Record<
  'inclusionProof' | 'checkpoint' | 'statusList',
  'submitted' | 'log' | 'none'
>;

export interface VoucherService {
  publicUrl: string;
  statusListUri: string;
  keyring: Keyring;
  voucher(number: string): Promise<VoucherRow>;
  latestCheckpoint(): Promise<CheckpointRow>;
  inclusionProof(
    number: string,
    treeSize?: number,
  ): Promise<{ proof: InclusionProofDoc; checkpoint?: string }>;
  consistencyProof(from: number, to: number): Promise<{ from: number; to: number; hashes: string[] }>;
  keys(): Promise<PublishedKeys>;
  statusList(): Promise<string>;
  bundle(number: string): Promise<VoucherBundle>;
  /** Verifies submitted evidence; what is not submitted is taken from the log, and said so. */
  verify(
    evidence: Partial<Evidence> & { voucher: string },
  ): Promise<VerificationReport & { sources: EvidenceSources }>;
}

export function createVoucherService(deps: {
  pool: pg.Pool;
  keyring: Keyring;
  publicUrl: string;
}): VoucherService {
  const { pool, keyring } = deps;
  const statusListUri = `${deps.publicUrl}/v1/vouchers/status-list`;

  async function voucher(number: string): Promise<VoucherRow> {
    const canonical = normalizeVoucherNumber(number);
    const row = canonical ? await voucherByNumber(pool, canonical) : undefined;
    if (!row) throw new NotFoundError('voucher-not-found', { number });
    return row;
  }

  async function latest(): Promise<CheckpointRow> {
    const cp = await latestCheckpoint(pool);
    if (!cp) throw new ServiceUnavailableError('voucher-log-not-ready');
    return cp;
  }

  async function proveInclusion(row: VoucherRow, treeSize?: number) {
    const cp = await latest();
    const size = treeSize ?? cp.size;
    if (row.leaf_index === null)
      throw new ServiceUnavailableError('voucher-not-yet-in-log', { number: row.number });
    if (size > cp.size || size <= row.leaf_index) {
      throw new BadRequestError('tree-size-out-of-range', { min: row.leaf_index + 1, max: cp.size });
    }
    const hashes = await rangeHashes(inclusionRanges(row.leaf_index, size), (ids) => readNodes(pool, ids));
    const note = size === cp.size ? cp.note : (await checkpointOfSize(pool, size))?.note;
    return {
      proof: { leafIndex: row.leaf_index, treeSize: size, hashes: hashes.map(b64) },
      checkpoint: note,
    };
  }

  async function statusList(): Promise<string> {
    const cp = await latest();
    const revoked = await revokedLeafIndices(pool, cp.size);
    return signStatusList({ sub: statusListUri, size: cp.size, revoked }, await keyring.voucherSigner());
  }

  async function trusted(fresh = false): Promise<TrustedKeys> {
    const k = await keyring.published(fresh);
    return { keys: k.keys, checkpointVerifierKeys: k.checkpointVerifierKeys, origin: k.origin };
  }

  return {
    publicUrl: deps.publicUrl,
    statusListUri,
    keyring,
    voucher,
    latestCheckpoint: latest,
    inclusionProof: async (number, treeSize) => proveInclusion(await voucher(number), treeSize),
    async consistencyProof(from, to) {
      const cp = await latest();
      if (from < 1 || from > to || to > cp.size) {
        throw new BadRequestError('tree-size-out-of-range', { min: 1, max: cp.size });
      }
      const hashes = await rangeHashes(consistencyRanges(from, to), (ids) => readNodes(pool, ids));
      return { from, to, hashes: hashes.map(b64) };
    },
    keys: () => keyring.published(),
    statusList,
    async bundle(number) {
      const row = await voucher(number);
      const { proof, checkpoint } = await proveInclusion(row);
      return {
        format: BUNDLE_FORMAT,
        number: row.number,
        voucher: row.jws,
        inclusionProof: proof,
        checkpoint: checkpoint!,
        statusList: await statusList(),
        keys: await trusted(),
      };
    },
    async verify(submitted) {
      const sources = {
        inclusionProof: submitted.inclusionProof ? 'submitted' : 'none',
        checkpoint: submitted.checkpoint ? 'submitted' : 'none',
        statusList: submitted.statusList ? 'submitted' : 'none',
      } as EvidenceSources;
      const evidence: Evidence = { ...submitted };
      // Fill in from the log what the caller did not bring: the proof for the voucher's leaf (if
      // the log has that JWS at all) against the checkpoint given, or the latest one.
      const row = await voucherByLeafHash(pool, voucherLeafHash(submitted.voucher)).catch(() => undefined);
      if (!evidence.inclusionProof && row?.leaf_index != null) {
        const size = evidence.checkpoint ? checkpointSize(evidence.checkpoint) : undefined;
        const got = await proveInclusion(row, size).catch(() => undefined);
        if (got) {
          evidence.inclusionProof = got.proof;
          sources.inclusionProof = 'log';
          if (!evidence.checkpoint && got.checkpoint) {
            evidence.checkpoint = got.checkpoint;
            sources.checkpoint = 'log';
          }
        }
      }
      if (!evidence.checkpoint) {
        const size = evidence.inclusionProof?.treeSize;
        const cp = size !== undefined ? await checkpointOfSize(pool, size) : await latestCheckpoint(pool);
        if (cp) {
          evidence.checkpoint = cp.note;
          sources.checkpoint = 'log';
        }
      }
      if (!evidence.statusList && (await latestCheckpoint(pool))) {
        evidence.statusList = await statusList();
        sources.statusList = 'log';
      }
      let report = await verifyEvidence(evidence, await trusted());
      const keyMiss =
        report.checks.signature.reason === 'unknown-kid' ||
        report.checks.checkpoint.reason === 'no-known-signature';
      // A key rotated by another replica a moment ago: look again before saying no.
      if (keyMiss) report = await verifyEvidence(evidence, await trusted(true));
      return { ...report, sources };
    },
  };
}

/** The tree size a checkpoint text claims (unverified; verification comes later). */
function checkpointSize(note: string): number | undefined {
  const line = note.split('\n')[1];
  return line && /^\d{1,15}$/.test(line) ? Number(line) : undefined;
}
