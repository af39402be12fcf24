import { generateKeyPairSync, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, decodeProtectedHeader, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { leafHash } from './merkle.js';
import {
  canonicalBytes,
  canonicalJson,
  generateVoucherKey,
  isValidVoucherNumber,
  makeVoucherNumber,
  normalizeVoucherNumber,
  signVoucher,
  signVoucherSync,
  VOUCHER_JWS_TYPE,
  type VoucherPayload,
  validateVoucherPayload,
  verifyVoucher,
  voucherLeafData,
  voucherLeafHash,
} from './voucher-format.js';

const sample = (): VoucherPayload => ({
  number: makeVoucherNumber(2025, Buffer.from('44a1bbe8e6e3b4', 'hex')),
  type: 'technology_contract',
  issuedAt: '2025-06-01T08:30:00Z',
  issuer: { name: '江苏省技术产权交易市场', subCentreCode: '320500' },
  parties: [
    { role: 'seller', name: '南京某大学', creditCode: '12320000466007482X' },
    { role: 'buyer', name: '苏州某科技有限公司', creditCode: '91320594MA1MXXXX0Y' },
  ],
  subject: { title: '一种锂电池隔膜的制备方法 专利权转让', achievementIds: ['ach_01', 'ach_02'] },
  amounts: { contractValueFen: 1_250_000_00, transactionAmountFen: 1_200_000_00, currency: 'CNY' },
  contractRegistrationNumber: '2025320500001234',
  documentHashes: [{ name: 'contract.pdf', sha256: 'ab'.repeat(32) }],
});

const b64url = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');
/** Replaces one of the three JWS segments, keeping the other two. */
const withSegment = (jws: string, i: number, seg: string): string =>
  jws
    .split('.')
    .map((s, j) => (j === i ? seg : s))
    .join('.');

/** Every copy of `value` with one primitive leaf changed (strings, numbers, booleans). */
function* mutations(value: unknown): Generator<unknown> {
  if (typeof value === 'string') yield `${value}x`;
  else if (typeof value === 'number') yield value + 1;
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries())
      for (const m of mutations(v)) yield value.map((x, j) => (j === i ? m : x));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) for (const m of mutations(v)) yield { ...value, [k]: m };
  }
}

const [keyA, keyB] = await Promise.all([generateVoucherKey(), generateVoucherKey()]);
const keySet = { keys: [keyA.publicJwk, keyB.publicJwk] };

describe('signing and verifying', () => {
  it('round trips, with the documented header', async () => {
    const jws = await signVoucher(sample(), keyA.privateKey, keyA.publicJwk.kid);
    expect(decodeProtectedHeader(jws)).toEqual({
      alg: 'EdDSA',
      kid: keyA.publicJwk.kid,
      typ: VOUCHER_JWS_TYPE,
    });
    expect(await verifyVoucher(jws, keySet)).toEqual({
      ok: true,
      payload: sample(),
      kid: keyA.publicJwk.kid,
    });
    // Ed25519 is deterministic: the same voucher signed twice is the same log leaf.
    expect(await signVoucher(sample(), keyA.privateKey, keyA.publicJwk.kid)).toBe(jws);
  });

  it('signs the canonical bytes, whatever the key order of the input', async () => {
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const shuffled = reversed(sample()) as VoucherPayload;
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(sample()));
    expect(canonicalBytes(shuffled)).toEqual(canonicalBytes(sample()));
    const text = new TextDecoder().decode(canonicalBytes(sample()));
    expect(text.startsWith('{"amounts":{"contractValueFen":125000000,"currency":"CNY",')).toBe(true);
    expect(text).toBe(JSON.stringify(JSON.parse(text))); // no whitespace
    const kid = keyA.publicJwk.kid;
    expect(await signVoucher(shuffled, keyA.privateKey, kid)).toBe(
      await signVoucher(sample(), keyA.privateKey, kid),
    );
  });

  it('fails when any field of the payload is changed, or one is added', async () => {
    const jws = await signVoucher(sample(), keyA.privateKey, keyA.publicJwk.kid);
    let count = 0;
    for (const changed of [...mutations(sample()), { ...sample(), status: 'revoked' }]) {
      const forged = withSegment(jws, 1, b64url(JSON.stringify(changed)));
      expect(await verifyVoucher(forged, keySet), JSON.stringify(changed)).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
      count++;
    }
    expect(count).toBeGreaterThan(20);
  });

  it('fails when any character of the JWS is changed, signature included', async () => {
    const jws = await signVoucher(sample(), keyA.privateKey, keyA.publicJwk.kid);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < jws.length; i++) {
      const c = jws[i]!;
      const next = c === '.' ? '_' : alphabet[(alphabet.indexOf(c) + 1) % 64]!;
      const changed = jws.slice(0, i) + next + jws.slice(i + 1);
      expect((await verifyVoucher(changed, keySet)).ok, `position ${i}`).toBe(false);
    }
  });

  it('fails for a changed, unknown or mismatched kid', async () => {
    const jws = await signVoucher(sample(), keyA.privateKey, keyA.publicJwk.kid);
    const header = (kid: string) => b64url(JSON.stringify({ alg: 'EdDSA', kid, typ: VOUCHER_JWS_TYPE }));
    const swapped = withSegment(jws, 0, header(keyB.publicJwk.kid));
    expect(await verifyVoucher(swapped, keySet)).toEqual({ ok: false, reason: 'bad-signature' });
    const unknown = withSegment(jws, 0, header('no-such-key'));
    expect(await verifyVoucher(unknown, keySet)).toEqual({ ok: false, reason: 'unknown-kid' });
    expect(await verifyVoucher(jws, { keys: [keyB.publicJwk] })).toEqual({
      ok: false,
      reason: 'unknown-kid',
    });
    const signedByB = await signVoucher(sample(), keyB.privateKey, keyA.publicJwk.kid);
    expect(await verifyVoucher(signedByB, keySet)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('selects keys strictly from the key set', async () => {
    const jws = await signVoucher(sample(), keyA.privateKey, keyA.publicJwk.kid);
    const a: JWK = keyA.publicJwk;
    expect(await verifyVoucher(jws, { keys: [a, a] })).toEqual({ ok: false, reason: 'ambiguous-kid' });
    expect(await verifyVoucher(jws, { keys: [{ ...a, use: 'enc' }] })).toMatchObject({
      reason: 'unusable-key',
    });
    expect(await verifyVoucher(jws, { keys: [{ ...a, alg: 'ES256' }] })).toMatchObject({
      reason: 'unusable-key',
    });
    expect(await verifyVoucher(jws, { keys: [{ ...a, crv: 'Ed448' }] })).toMatchObject({
      reason: 'unusable-key',
    });
    const { alg: _alg, use: _use, ...bare } = a; // a minimal JWKS entry is fine
    expect((await verifyVoucher(jws, { keys: [bare] })).ok).toBe(true);
  });

  it('rejects other headers, non-canonical payloads and malformed input', async () => {
    const { privateKey, publicJwk } = keyA;
    const kid = publicJwk.kid;
    const raw = (payload: Uint8Array, header: object) =>
      new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', ...header }).sign(privateKey);
    const bytes = canonicalBytes(sample());
    const typ = VOUCHER_JWS_TYPE;
    for (const header of [{ kid, typ: 'JWT' }, { kid }, { kid, typ, cty: 'json' }, { typ }]) {
      expect(await verifyVoucher(await raw(bytes, header), keySet)).toEqual({
        ok: false,
        reason: 'bad-header',
      });
    }
    const pretty = new TextEncoder().encode(JSON.stringify(sample(), null, 2));
    for (const payload of [
      pretty,
      new TextEncoder().encode(JSON.stringify({ ...sample(), status: 'valid' })),
    ]) {
      expect(await verifyVoucher(await raw(payload, { kid, typ }), keySet)).toEqual({
        ok: false,
        reason: 'bad-payload',
      });
    }
    for (const junk of ['', 'a.b', 'a.b.c.d', 'not a jws', `${await raw(bytes, { kid, typ })}=`]) {
      expect((await verifyVoucher(junk, keySet)).ok).toBe(false);
    }
  });

  it('refuses to sign with anything but an Ed25519 private key', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const pub = generateKeyPairSync('ed25519').publicKey;
    await expect(signVoucher(sample(), ec, 'k')).rejects.toThrow(TypeError);
    await expect(signVoucher(sample(), pub, 'k')).rejects.toThrow(TypeError);
    await expect(signVoucher(sample(), keyA.privateKey, '')).rejects.toThrow(TypeError);
  });

  it('uses the JWS string itself as the Merkle leaf', async () => {
    const jws = await signVoucher(sample(), keyA.privateKey, keyA.publicJwk.kid);
    expect(Buffer.from(voucherLeafData(jws)).toString('utf8')).toBe(jws);
    expect(voucherLeafHash(jws)).toEqual(leafHash(Buffer.from(jws, 'ascii')));
  });
});

describe('payload validation', () => {
  it('accepts the sample, also without optional fields', () => {
    expect(validateVoucherPayload(sample())).toEqual([]);
    const { contractRegistrationNumber: _c, ...rest } = sample();
    expect(validateVoucherPayload({ ...rest, subject: { title: 'x' }, documentHashes: [] })).not.toEqual([]);
    expect(
      validateVoucherPayload({ ...rest, type: 'data_product', subject: { title: 'x' }, documentHashes: [] }),
    ).toEqual([]);
  });

  it.each<[string, (p: VoucherPayload) => unknown]>([
    ['a status field', (p) => ({ ...p, status: 'valid' })],
    ['a bad number', (p) => ({ ...p, number: p.number.toLowerCase() })],
    ['an unknown type', (p) => ({ ...p, type: 'patent' })],
    ['a local time', (p) => ({ ...p, issuedAt: '2025-06-01T16:30:00+08:00' })],
    ['a date that does not exist', (p) => ({ ...p, issuedAt: '2025-02-29T00:00:00Z' })],
    ['no buyer', (p) => ({ ...p, parties: p.parties.filter((x) => x.role === 'seller') })],
    ['a blank party name', (p) => ({ ...p, parties: [{ ...p.parties[0]!, name: ' ' }, p.parties[1]] })],
    ['fractional fen', (p) => ({ ...p, amounts: { ...p.amounts, contractValueFen: 1.5 } })],
    ['negative fen', (p) => ({ ...p, amounts: { ...p.amounts, transactionAmountFen: -1 } })],
    ['another currency', (p) => ({ ...p, amounts: { ...p.amounts, currency: 'USD' } })],
    ['an upper-case hash', (p) => ({ ...p, documentHashes: [{ name: 'a', sha256: 'AB'.repeat(32) }] })],
    ['a missing subject', ({ subject: _s, ...p }) => p],
    ['a control character', (p) => ({ ...p, subject: { title: 'a\u0000b' } })],
  ])('rejects %s', (_what, change) => {
    const changed = change(sample());
    expect(validateVoucherPayload(changed)).not.toEqual([]);
    expect(() => canonicalBytes(changed as VoucherPayload)).toThrow(TypeError);
  });
});

describe('voucher numbers', () => {
  const fixed = [
    makeVoucherNumber(2025, new Uint8Array(7)),
    makeVoucherNumber(2031, new Uint8Array(7).fill(0xff)),
  ];
  const numbers = [
    ...fixed,
    ...Array.from({ length: 40 }, () => makeVoucherNumber(2025 + (randomBytes(1)[0]! % 20))),
  ];

  it('have the documented shape', () => {
    expect(fixed).toEqual(['TXV-2025-0000000000-R', expect.stringMatching(/^TXV-2031-ZZZZZZZZZZ-[0-9A-Z]$/)]);
    expect(makeVoucherNumber(2025, Buffer.from('44a1bbe8e6e3b4', 'hex'))).toBe('TXV-2025-8JGVQT76WE-Y');
    for (const n of numbers) expect(n).toMatch(/^TXV-\d{4}-[0-9A-HJKMNP-TV-Z]{10}-[0-9A-HJKMNP-TV-Z]$/);
    for (const n of numbers) expect(isValidVoucherNumber(n)).toBe(true);
  });

  it('detect every single-character substitution', () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
    const alphabet = `${printable}ОΟ０１`; // plus look-alikes: Cyrillic and Greek O, full-width digits
    for (const n of numbers) {
      for (let i = 0; i < n.length; i++) {
        for (const c of alphabet) {
          if (c !== n[i])
            expect(isValidVoucherNumber(n.slice(0, i) + c + n.slice(i + 1)), `${n}@${i}=${c}`).toBe(false);
        }
      }
    }
  });

  it('detect every adjacent transposition', () => {
    for (const n of numbers) {
      for (let i = 0; i + 1 < n.length; i++) {
        if (n[i] === n[i + 1]) continue;
        const swapped = n.slice(0, i) + n[i + 1] + n[i] + n.slice(i + 2);
        expect(isValidVoucherNumber(swapped), `${n} swap ${i}`).toBe(false);
      }
    }
  });

  it('normalise typed input the Crockford way', () => {
    expect(normalizeVoucherNumber(' txv-2025-0000000000-r ')).toBe('TXV-2025-0000000000-R');
    expect(normalizeVoucherNumber('TXV-2025-OOOOOOOOOO-R')).toBe('TXV-2025-0000000000-R');
    const n2021 = makeVoucherNumber(2021, new Uint8Array(7));
    expect(normalizeVoucherNumber(n2021.replace('2021', '2O2l'))).toBe(n2021);
    expect(normalizeVoucherNumber(n2021.replace('2021', '202I'))).toBe(n2021);
    expect(normalizeVoucherNumber('TXV-2025-0000000000-S')).toBeNull();
    expect(isValidVoucherNumber('txv-2025-0000000000-r')).toBe(false);
  });

  it('refuse impossible arguments', () => {
    expect(() => makeVoucherNumber(999)).toThrow(RangeError);
    expect(() => makeVoucherNumber(2025.5)).toThrow(RangeError);
    expect(() => makeVoucherNumber(2025, new Uint8Array(6))).toThrow(RangeError);
  });
});

describe('signVoucherSync', () => {
  it('produces exactly the JWS that signVoucher produces, and it verifies', async () => {
    const { privateKey, publicJwk } = keyA;
    const payload = sample();
    const a = await signVoucher(payload, privateKey, publicJwk.kid);
    const b = signVoucherSync(payload, privateKey, publicJwk.kid);
    expect(b).toBe(a);
    expect((await verifyVoucher(b, { keys: [publicJwk] })).ok).toBe(true);
  });
});

describe('canonical JSON (RFC 8785)', () => {
  // The issuer's own serialisation must be the package's, character for character: a voucher
  // signed over other bytes would fail every independent verifier.
  const randomText = (): string => {
    const pool = [
      'a',
      'Z',
      '0',
      ' ',
      '"',
      '\\',
      '\n',
      '\u0000',
      '\u001f',
      '\u007f',
      '\u2028',
      'é',
      '数',
      '😀',
      '\ud83d\ude00',
    ];
    return Array.from(
      { length: Math.floor(Math.random() * 12) },
      () => pool[Math.floor(Math.random() * pool.length)],
    ).join('');
  };
  const randomValue = (depth: number): unknown => {
    const kind = Math.floor(Math.random() * (depth > 2 ? 4 : 7));
    if (kind === 0) return randomText();
    if (kind === 1)
      return [0, -0, 1, -1.5, 1e21, 1e-7, 2 ** 53, 0.1 + 0.2, 123456789][Math.floor(Math.random() * 9)];
    if (kind === 2) return Math.random() < 0.5;
    if (kind === 3) return null;
    if (kind === 4)
      return Array.from({ length: Math.floor(Math.random() * 4) }, () => randomValue(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < Math.floor(Math.random() * 5); i++)
      o[Math.random() < 0.2 ? String(i * 7) : randomText()] = randomValue(depth + 1);
    if (Math.random() < 0.3) o.skipped = undefined;
    return o;
  };

  it("is the canonicalize package's text for voucher payloads and generated JSON values", () => {
    expect(canonicalJson(sample())).toBe(canonicalize(sample()));
    for (let i = 0; i < 2000; i++) {
      const v = randomValue(0);
      expect(canonicalJson(v)).toBe(canonicalize(v));
    }
    expect(new TextDecoder().decode(canonicalBytes(sample()))).toBe(canonicalize(sample()));
  });

  it('refuses what the package refuses', () => {
    for (const bad of ['\ud800', 'a\udc00', { '\udbff': 1 }, [Number.NaN], { x: Number.POSITIVE_INFINITY }]) {
      expect(() => canonicalize(bad)).toThrow();
      expect(() => canonicalJson(bad)).toThrow();
    }
  });
});
