import { generateKeyPairSync } from 'node:crypto';
import { exportJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  decodeStatusList,
  encodeStatusList,
  openStatusList,
  signStatusList,
  statusAt,
} from './status-list.js';

describe('IETF Token Status List encoding', () => {
  it('matches the draft example: 16 one-bit statuses → 0xB9 0xA3 → eNrbuRgAAhcBXQ', () => {
    const statuses = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    const set = statuses.flatMap((s, i) => (s ? [i] : []));
    const { bits, lst } = encodeStatusList(16, set);
    expect(bits).toBe(1);
    expect(lst).toBe('eNrbuRgAAhcBXQ');
    const bytes = decodeStatusList(lst)!;
    expect([...bytes]).toEqual([0xb9, 0xa3]);
    expect(statuses.map((_, i) => statusAt(bytes, i))).toEqual(statuses);
    expect(statusAt(bytes, 16)).toBeNull();
  });

  it('refuses indices outside the list and undecodable lists', () => {
    expect(() => encodeStatusList(8, [8])).toThrow(RangeError);
    expect(decodeStatusList('not base64url!')).toBeNull();
    expect(decodeStatusList('AAAA')).toBeNull();
  });

  it('signs a statuslist+jwt and opens it with the published keys only', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    const token = await signStatusList(
      { sub: 'https://x.example/v1/vouchers/status-list', size: 20, revoked: [3, 19] },
      { kid: 'k1', privateKey },
    );
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      kid: 'k1',
      typ: 'statuslist+jwt',
    });
    const opened = await openStatusList(
      token,
      { keys: [jwk] },
      { subject: 'https://x.example/v1/vouchers/status-list' },
    );
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.expired).toBe(false);
    expect([3, 19, 4].map((i) => statusAt(opened.list, i))).toEqual([1, 1, 0]);
    const late = await openStatusList(token, { keys: [jwk] }, { now: new Date(Date.now() + 2 * 86400_000) });
    expect(late.ok && late.expired).toBe(true);
    const other = { ...(await exportJWK(generateKeyPairSync('ed25519').publicKey)), kid: 'k1' };
    expect(await openStatusList(token, { keys: [other] })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(await openStatusList(token, { keys: [jwk] }, { subject: 'https://other' })).toEqual({
      ok: false,
      reason: 'wrong-subject',
    });
  });
});
