import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptField, deriveKey, encryptField, FieldDecryptionError, keyedHash } from './crypto.js';

const master = Buffer.alloc(32, 7);
const key = deriveKey(master, 'pii-field');

describe('deriveKey', () => {
  it('is deterministic, 32 bytes, and separated by purpose and master', () => {
    expect(deriveKey(master, 'pii-field').equals(key)).toBe(true);
    expect(key).toHaveLength(32);
    expect(deriveKey(master, 'pii-lookup').equals(key)).toBe(false);
    expect(deriveKey(Buffer.alloc(32, 8), 'pii-field').equals(key)).toBe(false);
  });

  it('refuses a short master and an empty purpose', () => {
    expect(() => deriveKey(Buffer.alloc(16), 'x')).toThrow(RangeError);
    expect(() => deriveKey(master, '')).toThrow(RangeError);
  });
});

describe('keyedHash', () => {
  it('matches RFC 4231 test case 6 (HMAC-SHA256, 131-byte key)', () => {
    expect(keyedHash(Buffer.alloc(131, 0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First')).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('is stable per secret and differs across secrets', () => {
    const s = deriveKey(master, 'pii-lookup');
    expect(keyedHash(s, '11010519491231002X')).toBe(keyedHash(s, '11010519491231002X'));
    expect(keyedHash(s, '11010519491231002X')).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedHash(key, '11010519491231002X')).not.toBe(keyedHash(s, '11010519491231002X'));
    expect(() => keyedHash(Buffer.alloc(8), 'x')).toThrow(RangeError);
  });
});

describe('field encryption', () => {
  it.each(['', '11010519491231002X', '张三 · 南京市玄武区 🚀', 'x'.repeat(10_000)])(
    'round-trips %#',
    (plain) => {
      const token = encryptField(key, plain);
      expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
      expect(decryptField(key, token)).toBe(plain);
    },
  );

  it('uses a fresh IV every time', () => {
    const tokens = Array.from({ length: 200 }, () => encryptField(key, 'same'));
    const ivs = tokens.map((t) => Buffer.from(t.slice(3), 'base64url').subarray(0, 12).toString('hex'));
    expect(new Set(tokens).size).toBe(200);
    expect(new Set(ivs).size).toBe(200);
  });

  it('detects tampering with any byte of iv, ciphertext or tag', () => {
    const token = encryptField(key, 'secret value');
    const raw = Buffer.from(token.slice(3), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 0x01;
      expect(() => decryptField(key, `v1.${bad.toString('base64url')}`)).toThrow(FieldDecryptionError);
    }
    expect(() => decryptField(key, `v1.${raw.subarray(0, -1).toString('base64url')}`)).toThrow(
      FieldDecryptionError,
    );
  });

  it('rejects a wrong key, a wrong or missing aad, and malformed tokens', () => {
    const token = encryptField(key, 'secret', 'party.id_number:42');
    expect(decryptField(key, token, 'party.id_number:42')).toBe('secret');
    expect(() => decryptField(randomBytes(32), token, 'party.id_number:42')).toThrow(FieldDecryptionError);
    expect(() => decryptField(key, token, 'party.id_number:43')).toThrow(FieldDecryptionError);
    expect(() => decryptField(key, token)).toThrow(FieldDecryptionError);
    expect(() => decryptField(key, token.replace('v1.', 'v2.'))).toThrow(/version/);
    expect(() => decryptField(key, 'v1.AAAA')).toThrow(/short/);
    expect(() => decryptField(key, `${token}!`)).toThrow(/base64url/);
    expect(() => encryptField(Buffer.alloc(16), 'x')).toThrow(RangeError);
  });
});
