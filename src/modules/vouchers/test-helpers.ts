/** Helpers shared by the vouchers module's tests (not loaded by the service). */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { sha256hex } from '../../test/hashes.js';
import { eventually } from '../../test/wait.js';
import type { VoucherRequest } from './request.js';

/** A complete technology contract request with a fresh source id. */
export function contractRequest(overrides: Partial<VoucherRequest> = {}): VoucherRequest {
  const sourceId = overrides.sourceId ?? `test-${randomBytes(8).toString('hex')}`;
  return {
    type: 'technology_contract',
    sourceType: 'technology_contract',
    sourceId,
    parties: [
      { role: 'seller', name: '南京理工大学', creditCode: '12100000466007297K' },
      { role: 'buyer', name: '江苏恒瑞新材料科技有限公司', creditCode: '91350100M000100Y43' },
    ],
    subject: { title: '一种高效钙钛矿太阳能电池的制备方法（专利实施许可）' },
    amounts: { contractValueFen: 150_000_000, transactionAmountFen: 120_000_000 },
    contractRegistrationNumber: '2025320100000123',
    issuingSubCentre: { code: '320100', name: '江苏省技术产权交易市场南京分中心' },
    documentHashes: [{ name: '技术合同.pdf', sha256: sha256hex(sourceId) }],
    ...overrides,
  };
}

/** Waits until every one of these transactions has a voucher in the log; returns their numbers. */
export async function waitSequenced(pool: pg.Pool, transactionIds: string[], ms = 30_000): Promise<string[]> {
  return eventually(
    `${transactionIds.length} vouchers in the log`,
    async () => {
      const res = await pool.query<{ number: string }>(
        'SELECT number FROM vouchers WHERE transaction_id = ANY($1::uuid[]) AND leaf_index IS NOT NULL ORDER BY leaf_index',
        [transactionIds],
      );
      return res.rows.length === transactionIds.length ? res.rows.map((r) => r.number) : undefined;
    },
    ms,
  );
}
