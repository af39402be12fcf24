/**
 * The voucher specification (src/modules/vouchers/README.md), rule by rule, against the
 * offline verifier: each rule gets evidence that breaks it, and the verifier must refuse it with
 * the reason named. `techex voucher verify`, `POST /v1/vouchers/verify` and the voucher page all
 * answer through verifyEvidence, so what is refused here is refused everywhere (vouchers.test.ts
 * checks the API and the command go through it).
 */
import { sign as cryptoSign } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from './cli.js';
import { inclusionProof, leafHash, rootFromLeafHashes } from './merkle.js';
import { generateSignerKey, parseSignerKey, signCheckpoint } from './note.js';
import { signStatusList } from './status-list.js';
import {
  BUNDLE_FORMAT,
  type Evidence,
  type TrustedKeys,
  type VoucherBundle,
  verifyEvidence,
} from './verify.js';
import {
  generateVoucherKey,
  makeVoucherNumber,
  VOUCHER_JWS_TYPE,
  type VoucherPayload,
  voucherLeafData,
} from './voucher-format.js';

const ORIGIN = 'jstp.example.cn/vouchers-log';
const voucherKey = await generateVoucherKey();
const otherKey = await generateVoucherKey();
const checkpointKeys = generateSignerKey(ORIGIN);
const checkpointSigner = parseSignerKey(checkpointKeys.signerKey);
const kid = voucherKey.publicJwk.kid;
const trusted: TrustedKeys = {
  keys: [voucherKey.publicJwk],
  checkpointVerifierKeys: [checkpointKeys.verifierKey],
  origin: ORIGIN,
};

const b64url = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');

/** A valid payload: 2025-06-01 in China, a technology contract. */
const payload = (): VoucherPayload => ({
  number: makeVoucherNumber(2025, Buffer.from('44a1bbe8e6e3b4', 'hex')),
  type: 'technology_contract',
  issuedAt: '2025-06-01T08:30:00Z',
  issuer: { name: '江苏省技术产权交易市场', subCentreCode: '320500' },
  parties: [
    { role: 'seller', name: '南京某大学', creditCode: '12320000466007482X' },
    { role: 'buyer', name: '苏州某科技有限公司', creditCode: '91320594MA1MXXXX0Y' },
  ],
  subject: { title: '一种锂电池隔膜的制备方法 专利权转让' },
  amounts: { contractValueFen: 1_250_000_00, transactionAmountFen: 1_200_000_00, currency: 'CNY' },
  contractRegistrationNumber: '2025320500001234',
  documentHashes: [{ name: 'contract.pdf', sha256: 'ab'.repeat(32) }],
});

/** A compact JWS over exactly these header and payload texts (no validation on the way). */
function rawJws(header: string, body: string, key = voucherKey.privateKey): string {
  const signingInput = `${b64url(header)}.${b64url(body)}`;
  return `${signingInput}.${b64url(cryptoSign(null, Buffer.from(signingInput, 'ascii'), key))}`;
}
const HEADER = JSON.stringify({ alg: 'EdDSA', kid, typ: VOUCHER_JWS_TYPE });
const jwsOf = (p: unknown, header = HEADER) => rawJws(header, canonicalize(p)!);

/**
 * Complete evidence for `jws` as the third leaf of a small log: inclusion proof, a checkpoint
 * signed by the log's key and a status list signed by the voucher key.
 */
async function evidenceFor(
  jws: string,
  opts: { revoked?: boolean; statusListSize?: number } = {},
): Promise<Evidence & { number: string }> {
  const leaves = [jwsOf({ ...payload(), subject: { title: 'a' } }), jwsOf(payload()), jws, jwsOf(payload())];
  const hashes = leaves.map((l) => leafHash(voucherLeafData(l)));
  const index = 2;
  const checkpoint = signCheckpoint(
    { origin: ORIGIN, size: leaves.length, rootHash: rootFromLeafHashes(hashes) },
    [checkpointSigner],
  );
  const statusList = await signStatusList(
    {
      sub: 'https://jstp.example.cn/v1/vouchers/status-list',
      size: opts.statusListSize ?? leaves.length,
      revoked: opts.revoked ? [index] : [],
    },
    { kid, privateKey: voucherKey.privateKey },
  );
  let number = '';
  try {
    number = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString()).number;
  } catch {}
  return {
    voucher: jws,
    number,
    inclusionProof: {
      leafIndex: index,
      treeSize: leaves.length,
      hashes: inclusionProof(index, hashes).map((h) => Buffer.from(h).toString('base64')),
    },
    checkpoint,
    statusList,
  };
}

async function check(evidence: Evidence, keys: TrustedKeys = trusted) {
  return verifyEvidence(evidence, keys);
}

/** Verifies a voucher with `change` applied to a valid payload; returns the signature check. */
async function signatureOf(change: (p: VoucherPayload) => unknown) {
  const r = await check(await evidenceFor(jwsOf(change(payload()))));
  expect(r.valid).toBe(false);
  return r.checks.signature;
}

describe('the valid case', () => {
  it('passes all four checks, so every rejection below is due to the rule it breaks', async () => {
    const r = await check(await evidenceFor(jwsOf(payload())));
    expect(r.checks).toMatchObject({
      signature: { ok: true, kid },
      checkpoint: { ok: true },
      inclusion: { ok: true },
      revocation: { ok: true },
    });
    expect(r.valid).toBe(true);
  });
});

describe('the voucher: a compact JWS signed with Ed25519', () => {
  it('is three base64url parts', async () => {
    const jws = jwsOf(payload());
    for (const bad of ['', jws.split('.').slice(0, 2).join('.'), `${jws}.x`, jws.replace('.', ' .')]) {
      expect((await check({ voucher: bad })).checks.signature.reason).toBe('malformed');
    }
  });

  it('header: exactly alg EdDSA, kid and typ techex-voucher+jws', async () => {
    for (const header of [
      { alg: 'EdDSA', kid, typ: VOUCHER_JWS_TYPE, b64: false },
      { alg: 'EdDSA', kid, typ: VOUCHER_JWS_TYPE, crit: ['exp'] },
      { alg: 'EdDSA', kid, typ: VOUCHER_JWS_TYPE, jwk: voucherKey.publicJwk },
      { alg: 'none', kid, typ: VOUCHER_JWS_TYPE },
      { alg: 'EdDSA', kid, typ: 'JWT' },
      { alg: 'EdDSA', typ: VOUCHER_JWS_TYPE },
    ]) {
      const r = await check(await evidenceFor(jwsOf(payload(), JSON.stringify(header))));
      expect(r.checks.signature, JSON.stringify(header)).toMatchObject({ ok: false, reason: 'bad-header' });
    }
  });

  it('header: a duplicated member makes the voucher invalid', async () => {
    for (const header of [
      `{"alg":"none","alg":"EdDSA","kid":"${kid}","typ":"${VOUCHER_JWS_TYPE}"}`,
      `{"alg":"EdDSA","kid":"other","kid":"${kid}","typ":"${VOUCHER_JWS_TYPE}"}`,
      `{"alg":"EdDSA","kid":"${kid}","typ":"${VOUCHER_JWS_TYPE}","\\u0061lg":"EdDSA"}`,
    ]) {
      const r = await check(await evidenceFor(jwsOf(payload(), header)));
      expect(r.checks.signature, header).toMatchObject({ ok: false, reason: 'bad-header' });
      expect(r.valid).toBe(false);
    }
  });

  it('payload: only its RFC 8785 (JCS) form is signed', async () => {
    const p = payload();
    const pretty = rawJws(HEADER, JSON.stringify(p, null, 1));
    const unsorted = rawJws(HEADER, JSON.stringify(p));
    const exponent = rawJws(HEADER, canonicalize(p)!.replace('125000000', '1.25e8'));
    const duplicated = rawJws(
      HEADER,
      canonicalize(p)!.replace('{"amounts"', '{"type":"data_product","amounts"'),
    );
    for (const jws of [pretty, unsorted, exponent, duplicated]) {
      const r = await check(await evidenceFor(jws));
      expect(r.checks.signature).toMatchObject({ ok: false, reason: 'bad-payload' });
    }
  });

  it('base64url: no padding, no other alphabet, no spare bits set', async () => {
    const jws = jwsOf(payload());
    const [h, b, s] = jws.split('.') as [string, string, string];
    const lastSig = s.at(-1)!;
    const spare = `${s.slice(0, -1)}${String.fromCharCode(lastSig.charCodeAt(0) + 1)}`;
    for (const bad of [
      `${h}=.${b}.${s}`,
      `${h}.${b}.${s}=`,
      `${h}.${b}.${s.slice(0, -1)}+`,
      `${h}.${b}.${spare}`,
    ]) {
      expect((await check({ voucher: bad })).checks.signature).toMatchObject({
        ok: false,
        reason: 'malformed',
      });
    }
    expect((await check({ voucher: `${h}.${b}.${spare}` })).checks.signature.reason).toBe('malformed');
  });
});

describe('payload members (exactly these)', () => {
  it.each<[string, (p: VoucherPayload) => unknown]>([
    ['an unknown member', (p) => ({ ...p, status: 'valid' })],
    ['a missing member', ({ documentHashes: _d, ...p }) => p],
    ['number: not a voucher number', (p) => ({ ...p, number: 'TXV-2025-ABC' })],
    ['number: a wrong check symbol', (p) => ({ ...p, number: `${p.number.slice(0, -1)}0` })],
    ['number: lower case', (p) => ({ ...p, number: p.number.toLowerCase() })],
    ['type: unknown', (p) => ({ ...p, type: 'patent' })],
    ['issuedAt: fractional seconds', (p) => ({ ...p, issuedAt: '2025-06-01T08:30:00.5Z' })],
    ['issuedAt: milliseconds', (p) => ({ ...p, issuedAt: '2025-06-01T08:30:00.000Z' })],
    ['issuedAt: an offset instead of Z', (p) => ({ ...p, issuedAt: '2025-06-01T16:30:00+08:00' })],
    ['issuedAt: no seconds', (p) => ({ ...p, issuedAt: '2025-06-01T08:30Z' })],
    ['issuedAt: a day that does not exist', (p) => ({ ...p, issuedAt: '2025-02-29T08:30:00Z' })],
    ['issuer: a member missing', (p) => ({ ...p, issuer: { name: p.issuer.name } })],
    ['issuer: a code that is not GB/T 2260', (p) => ({ ...p, issuer: { ...p.issuer, subCentreCode: 'NJ' } })],
    ['parties: no buyer', (p) => ({ ...p, parties: [p.parties[0]] })],
    ['parties: no seller', (p) => ({ ...p, parties: [p.parties[1]] })],
    [
      'parties: an unknown role',
      (p) => ({ ...p, parties: [...p.parties, { ...p.parties[0]!, role: 'broker' }] }),
    ],
    [
      'parties: an empty credit code',
      (p) => ({ ...p, parties: [{ ...p.parties[0]!, creditCode: '' }, p.parties[1]] }),
    ],
    ['subject: no title', (p) => ({ ...p, subject: {} })],
    ['subject: an unknown member', (p) => ({ ...p, subject: { ...p.subject, note: 'x' } })],
    ['amounts: fractional fen', (p) => ({ ...p, amounts: { ...p.amounts, contractValueFen: 1.5 } })],
    ['amounts: negative fen', (p) => ({ ...p, amounts: { ...p.amounts, transactionAmountFen: -1 } })],
    ['amounts: fen as a string', (p) => ({ ...p, amounts: { ...p.amounts, contractValueFen: '100' } })],
    [
      'amounts: transaction amount above the contract value',
      (p) => ({ ...p, amounts: { ...p.amounts, transactionAmountFen: p.amounts.contractValueFen + 1 } }),
    ],
    ['amounts: currency not CNY', (p) => ({ ...p, amounts: { ...p.amounts, currency: 'USD' } })],
    [
      'contractRegistrationNumber: missing on a technology contract',
      ({ contractRegistrationNumber: _c, ...p }) => p,
    ],
    ['contractRegistrationNumber: not 16 digits', (p) => ({ ...p, contractRegistrationNumber: '2025-1' })],
    ['contractRegistrationNumber: on a data product', (p) => ({ ...p, type: 'data_product' })],
    [
      'documentHashes: upper-case hex',
      (p) => ({ ...p, documentHashes: [{ name: 'a', sha256: 'AB'.repeat(32) }] }),
    ],
    ['documentHashes: not SHA-256 long', (p) => ({ ...p, documentHashes: [{ name: 'a', sha256: 'ab' }] })],
    ['documentHashes: no name', (p) => ({ ...p, documentHashes: [{ name: ' ', sha256: 'ab'.repeat(32) }] })],
  ])('rejects %s', async (_rule, change) => {
    expect(await signatureOf(change)).toMatchObject({ ok: false, reason: 'bad-payload' });
  });

  it('accepts a data product without a registration number, and a transaction amount equal to the value', async () => {
    const { contractRegistrationNumber: _c, ...rest } = payload();
    const p = {
      ...rest,
      type: 'data_product',
      amounts: { ...rest.amounts, transactionAmountFen: 1_250_000_00 },
    };
    expect((await check(await evidenceFor(jwsOf(p)))).valid).toBe(true);
  });
});

describe('names and titles', () => {
  it.each([
    ['a control character in the title', (p: VoucherPayload) => ({ ...p, subject: { title: 'a\u0007b' } })],
    [
      'a line break in a party name',
      (p: VoucherPayload) => ({ ...p, parties: [{ ...p.parties[0]!, name: '南京\n大学' }, p.parties[1]] }),
    ],
    [
      'U+202E in a party name',
      (p: VoucherPayload) => ({
        ...p,
        parties: [{ ...p.parties[0]!, name: '南京\u202e学大' }, p.parties[1]],
      }),
    ],
    ['U+2066 in the title', (p: VoucherPayload) => ({ ...p, subject: { title: '\u2066专利\u2069转让' } })],
    [
      'U+200F in the issuer name',
      (p: VoucherPayload) => ({ ...p, issuer: { ...p.issuer, name: '江苏\u200f' } }),
    ],
  ])('rejects %s', async (_what, change) => {
    expect(await signatureOf(change)).toMatchObject({ ok: false, reason: 'bad-payload' });
  });
});

describe('the voucher number', () => {
  it('carries the issue year in China Standard Time: the year of issuedAt at UTC+8', async () => {
    const n2025 = makeVoucherNumber(2025, Buffer.from('0102030405060708', 'hex'));
    const n2026 = makeVoucherNumber(2026, Buffer.from('0102030405060708', 'hex'));
    const at = (number: string, issuedAt: string) => ({ ...payload(), number, issuedAt });
    // 2025-12-31T16:00:00Z is 2026-01-01 00:00 in China.
    expect(await signatureOf(() => at(n2025, '2025-12-31T16:00:00Z'))).toMatchObject({
      reason: 'bad-payload',
    });
    expect(await signatureOf(() => at(n2026, '2025-12-31T15:59:59Z'))).toMatchObject({
      reason: 'bad-payload',
    });
    expect(await signatureOf(() => at(n2026, '2025-06-01T08:30:00Z'))).toMatchObject({
      reason: 'bad-payload',
    });
    expect((await check(await evidenceFor(jwsOf(at(n2026, '2025-12-31T16:00:00Z'))))).valid).toBe(true);
    expect((await check(await evidenceFor(jwsOf(at(n2025, '2025-12-31T15:59:59Z'))))).valid).toBe(true);
  });
});

describe('keys', () => {
  it('the kid must be the RFC 7638 thumbprint of the key that verifies', async () => {
    const chosen: JWK = { ...voucherKey.publicJwk, kid: 'exchange-2025' };
    const header = JSON.stringify({ alg: 'EdDSA', kid: 'exchange-2025', typ: VOUCHER_JWS_TYPE });
    const r = await check(await evidenceFor(jwsOf(payload(), header)), { ...trusted, keys: [chosen] });
    expect(r.checks.signature).toMatchObject({ ok: false, reason: 'kid-not-thumbprint' });
    expect(r.valid).toBe(false);
    // Another key's thumbprint on this key: refused too.
    const borrowed: JWK = { ...voucherKey.publicJwk, kid: otherKey.publicJwk.kid };
    const h2 = JSON.stringify({ alg: 'EdDSA', kid: otherKey.publicJwk.kid, typ: VOUCHER_JWS_TYPE });
    const r2 = await check(await evidenceFor(jwsOf(payload(), h2)), { ...trusted, keys: [borrowed] });
    expect(r2.checks.signature).toMatchObject({ ok: false, reason: 'kid-not-thumbprint' });
  });

  it('exactly one key with that kid, an Ed25519 signing key', async () => {
    const ev = await evidenceFor(jwsOf(payload()));
    const jwk = voucherKey.publicJwk;
    const reason = async (keys: JWK[]) => (await check(ev, { ...trusted, keys })).checks.signature.reason;
    expect(await reason([otherKey.publicJwk])).toBe('unknown-kid');
    expect(await reason([jwk, jwk])).toBe('ambiguous-kid');
    expect(await reason([{ ...jwk, kty: 'EC' }])).toBe('unusable-key');
    expect(await reason([{ ...jwk, use: 'enc' }])).toBe('unusable-key');
    expect(await reason([{ ...jwk, x: otherKey.publicJwk.x }])).not.toBeUndefined();
  });
});

describe('the log', () => {
  it('checkpoint: signed by a published checkpoint key whose name is the origin, for that origin', async () => {
    const ev = await evidenceFor(jwsOf(payload()));
    const stranger = generateSignerKey(ORIGIN);
    const foreign = await check(ev, { ...trusted, checkpointVerifierKeys: [stranger.verifierKey] });
    expect(foreign.checks.checkpoint).toMatchObject({ ok: false, reason: 'no-known-signature' });
    const moved = await check(ev, { ...trusted, origin: 'elsewhere.example/log' });
    expect(moved.checks.checkpoint.ok).toBe(false);
    // A key published under another name does not sign this log's checkpoints.
    const renamed = generateSignerKey('other.example/log');
    const cp = signCheckpoint({ origin: ORIGIN, size: 4, rootHash: Buffer.alloc(32) }, [
      parseSignerKey(renamed.signerKey),
    ]);
    const r = await check(
      { ...ev, checkpoint: cp },
      { ...trusted, checkpointVerifierKeys: [renamed.verifierKey] },
    );
    expect(r.checks.checkpoint.ok).toBe(false);
    // Any failing signature by a known key rejects the note.
    const lines = ev.checkpoint!.split('\n');
    lines[1] = '5';
    expect((await check({ ...ev, checkpoint: lines.join('\n') })).checks.checkpoint).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('inclusion: the proof is for the checkpoint size and places SHA-256(0x00 ‖ JWS) at leafIndex', async () => {
    const ev = await evidenceFor(jwsOf(payload()));
    const p = ev.inclusionProof!;
    const reasonOf = async (proof: typeof p) =>
      (await check({ ...ev, inclusionProof: proof })).checks.inclusion;
    expect(await reasonOf({ ...p, treeSize: p.treeSize - 1 })).toMatchObject({
      reason: 'tree-size-differs-from-checkpoint',
    });
    expect(await reasonOf({ ...p, leafIndex: 1 })).toMatchObject({ reason: 'proof-does-not-match' });
    expect(await reasonOf({ ...p, hashes: p.hashes.slice(1) })).toMatchObject({
      reason: 'proof-does-not-match',
    });
    expect(await reasonOf({ ...p, hashes: p.hashes.map((h) => h.replace(/=$/, '')) })).toMatchObject({
      reason: 'proof-does-not-match',
    });
  });

  it('revocation: a status list signed by a voucher key, typ statuslist+jwt, bit leafIndex = 0', async () => {
    const revoked = await check(await evidenceFor(jwsOf(payload()), { revoked: true }));
    expect(revoked.checks.revocation).toMatchObject({ ok: false, reason: 'revoked', status: 'revoked' });
    const ev = await evidenceFor(jwsOf(payload()));
    const [h, b] = ev.statusList!.split('.') as [string, string];
    const jwtHeader = b64url(JSON.stringify({ alg: 'EdDSA', kid, typ: 'JWT' }));
    const input = `${jwtHeader}.${b}`;
    const wrongTyp = `${input}.${b64url(cryptoSign(null, Buffer.from(input), voucherKey.privateKey))}`;
    expect((await check({ ...ev, statusList: wrongTyp })).checks.revocation.ok).toBe(false);
    const byOther = `${h}.${b}.${b64url(cryptoSign(null, Buffer.from(`${h}.${b}`), otherKey.privateKey))}`;
    expect((await check({ ...ev, statusList: byOther })).checks.revocation).toMatchObject({
      reason: 'status-list-bad-signature',
    });
  });
});

describe('the bundle', () => {
  async function bundleFile(over: Partial<VoucherBundle> = {}) {
    const ev = await evidenceFor(jwsOf(payload()));
    const bundle = { format: BUNDLE_FORMAT, ...ev, keys: trusted, ...over } as VoucherBundle;
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-spec-'));
    const file = path.join(dir, 'bundle.json');
    await fs.writeFile(file, JSON.stringify(bundle));
    return { bundle, file, dir };
  }

  it('names its voucher: a bundle whose number is not the payload number is not valid', async () => {
    const other = makeVoucherNumber(2025, Buffer.from('ffeeddccbbaa99', 'hex'));
    const ev = await evidenceFor(jwsOf(payload()));
    const r = await check({ ...ev, number: other });
    expect(r.checks.signature).toMatchObject({ ok: false, reason: 'bundle-number-differs' });
    expect(r.valid).toBe(false);

    const { file, dir } = await bundleFile({ number: other });
    const lines: string[] = [];
    expect(await verifyCommand([file, '--json'], (l) => lines.push(l))).toBe(1);
    expect(JSON.parse(lines.join('\n')).checks.signature.reason).toBe('bundle-number-differs');
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the command refuses what the specification refuses, and accepts the valid bundle', async () => {
    const ok = await bundleFile();
    expect(await verifyCommand([ok.file], () => {})).toBe(0);
    const fractional = jwsOf({ ...payload(), issuedAt: '2025-06-01T08:30:00.250Z' });
    const bad = await bundleFile(await evidenceFor(fractional));
    expect(await verifyCommand([bad.file], () => {})).toBe(1);
    const { number: _n, ...unnamed } = ok.bundle;
    await fs.writeFile(ok.file, JSON.stringify(unnamed));
    expect(await verifyCommand([ok.file], () => {})).toBe(2);
    await fs.rm(ok.dir, { recursive: true, force: true });
    await fs.rm(bad.dir, { recursive: true, force: true });
  });
});
