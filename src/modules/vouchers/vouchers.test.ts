import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { useVoucherIssuing } from '../../test/fixtures/voucher-issuing.js';
import { contractRequest, waitSequenced } from '../../test/fixtures/vouchers.js';
import { eventually } from '../../test/wait.js';
import { voucherParts } from './jobs.js';
import { verifyConsistency, verifyInclusion } from './merkle.js';
import { vouchersModule } from './module.js';
import { openCheckpoint, parseVerifierKey } from './note.js';
import { requestRevocationInTx, requestVoucherInTx, type VoucherRequest } from './request.js';
import { decodeStatusList, statusAt } from './status-list.js';
import type { VerificationReport, VoucherBundle } from './verify.js';
import { voucherLeafHash } from './voucher-format.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

let ctx: TestContext;
let app: FastifyInstance;
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

const fixture = useTestApp([vouchersModule.routes!]);
const issuing = useVoucherIssuing(fixture, { workers: true });
beforeAll(() => {
  ({ ctx, app } = fixture);
});

async function request(req: VoucherRequest): Promise<string> {
  const { transactionId } = await ctx.database.db.transaction((tx) => requestVoucherInTx(tx, req));
  issuing.outbox.kick();
  return transactionId;
}

async function issue(n = 1, overrides: Partial<VoucherRequest> = {}): Promise<string[]> {
  const ids = await Promise.all(Array.from({ length: n }, () => request(contractRequest(overrides))));
  return waitSequenced(ctx.database.pool, ids);
}

const get = async <T>(url: string): Promise<T> => {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return (String(res.headers['content-type']).startsWith('application/json') ? res.json() : res.body) as T;
};

async function trusted() {
  const keys = await get<{ keys: { kid: string }[]; checkpointVerifierKeys: string[]; origin: string }>(
    '/v1/vouchers/keys',
  );
  return { ...keys, verifiers: keys.checkpointVerifierKeys.map(parseVerifierKey) };
}

async function verify(body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/v1/vouchers/verify', payload: body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as VerificationReport & { sources: Record<string, string> };
}

describe('issuing and proving', () => {
  it('issues a voucher through the queue worker and proves its inclusion against the signed checkpoint', async () => {
    const [number] = await issue();
    const voucher = await get<{
      jws: string;
      leafIndex: number;
      status: string;
      payload: { number: string };
    }>(`/v1/vouchers/${number}`);
    expect(voucher.status).toBe('active');
    expect(voucher.payload.number).toBe(number);
    // The payload shown is exactly the one signed (it is read from the JWS itself).
    expect(voucher.payload).toEqual(
      JSON.parse(Buffer.from(voucher.jws.split('.')[1]!, 'base64url').toString()),
    );

    const { proof, checkpoint } = await get<{
      proof: { leafIndex: number; treeSize: number; hashes: string[] };
      checkpoint: string;
    }>(`/v1/vouchers/${number}/inclusion-proof`);
    const keys = await trusted();
    const opened = openCheckpoint(checkpoint, keys.verifiers, keys.origin);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.checkpoint.size).toBe(proof.treeSize);
    expect(keys.origin).toBe('localhost:3000/vouchers-log');
    expect(
      verifyInclusion(
        proof.leafIndex,
        proof.treeSize,
        voucherLeafHash(voucher.jws),
        proof.hashes.map(b64),
        opened.checkpoint.rootHash,
      ),
    ).toBe(true);
    expect(proof.leafIndex).toBe(voucher.leafIndex);

    // The latest checkpoint endpoint serves a signed note of at least that size.
    const latest = openCheckpoint(
      await get<string>('/v1/vouchers/log/checkpoint'),
      keys.verifiers,
      keys.origin,
    );
    expect(latest.ok && latest.checkpoint.size >= proof.treeSize).toBe(true);
  });

  it('serves proofs for an older tree size and consistency proofs between checkpoints', async () => {
    const [first] = await issue();
    const old = await get<{ proof: { treeSize: number; hashes: string[] }; checkpoint: string }>(
      `/v1/vouchers/${first}/inclusion-proof`,
    );
    const [second] = await issue(3);
    const keys = await trusted();
    const now = openCheckpoint(await get<string>('/v1/vouchers/log/checkpoint'), keys.verifiers, keys.origin);
    const then = openCheckpoint(old.checkpoint, keys.verifiers, keys.origin);
    if (!now.ok || !then.ok) throw new Error('checkpoints must verify');
    expect(now.checkpoint.size).toBeGreaterThan(then.checkpoint.size);
    const cons = await get<{ hashes: string[] }>(
      `/v1/vouchers/log/consistency-proof?from=${then.checkpoint.size}&to=${now.checkpoint.size}`,
    );
    expect(
      verifyConsistency(
        then.checkpoint.size,
        now.checkpoint.size,
        cons.hashes.map(b64),
        then.checkpoint.rootHash,
        now.checkpoint.rootHash,
      ),
    ).toBe(true);
    // The first voucher's proof at the old size is the same as before.
    const again = await get<{ proof: { hashes: string[] } }>(
      `/v1/vouchers/${first}/inclusion-proof?treeSize=${then.checkpoint.size}`,
    );
    expect(again.proof.hashes).toEqual(old.proof.hashes);
    expect(second).toBeTruthy();
  });

  it('issues exactly one voucher per transaction under duplicate requests and duplicate jobs', async () => {
    const req = contractRequest();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        ctx.database.db.transaction((tx) => requestVoucherInTx(tx, req)).catch((e: Error) => e),
      ),
    );
    const ids = results.filter(
      (r): r is { transactionId: string; created: boolean } => !(r instanceof Error),
    );
    expect(new Set(ids.map((r) => r.transactionId)).size).toBe(1);
    expect(ids.filter((r) => r.created).length).toBe(1);
    const transactionId = ids[0]!.transactionId;
    // The same job delivered many times at once (retries, a re-dispatched outbox row), plus sweeps.
    const { issuer } = voucherParts(ctx);
    await Promise.all([
      ...Array.from({ length: 10 }, () => issuer.request(transactionId)),
      issuer.sweep(),
      issuer.sweep(),
    ]);
    await ctx.queues
      .queue('vouchers.issue')
      .add('vouchers.issue', { transactionId }, { jobId: `voucher-issue-${transactionId}-again` });
    await waitSequenced(ctx.database.pool, [transactionId]);
    // The extra job has run (not merely been given time to): only then is "one voucher" a result.
    const again = `voucher-issue-${transactionId}-again`;
    const againDone = async () => (await ctx.queues.queue('vouchers.issue').getJob(again))?.isCompleted();
    await expect.poll(againDone, { timeout: 20_000 }).toBe(true);
    const rows = await ctx.database.pool.query(
      'SELECT count(*)::int AS n FROM vouchers WHERE transaction_id = $1',
      [transactionId],
    );
    expect(rows.rows[0].n).toBe(1);
    const outbox = await ctx.database.pool.query(
      `SELECT count(*)::int AS n FROM outbox_jobs WHERE job_id = $1`,
      [`voucher-issue-${transactionId}`],
    );
    expect(outbox.rows[0].n).toBe(1);
  });

  it('accepts a data product transaction and refuses an incomplete request with field errors', async () => {
    const [number] = await issue(1, {
      type: 'data_product',
      sourceType: 'data_product',
      contractRegistrationNumber: undefined,
      subject: { title: '长三角工业设备运行数据集（年度使用许可）' },
    });
    const v = await get<{ payload: { type: string } }>(`/v1/vouchers/${number}`);
    expect(v.payload.type).toBe('data_product');

    const bad = contractRequest({ parties: [{ role: 'seller', name: '某大学', creditCode: 'X' }] });
    await expect(ctx.database.db.transaction((tx) => requestVoucherInTx(tx, bad))).rejects.toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ field: 'parties' })],
    });
    const noCrn = contractRequest({ contractRegistrationNumber: undefined });
    await expect(ctx.database.db.transaction((tx) => requestVoucherInTx(tx, noCrn))).rejects.toMatchObject({
      status: 400,
    });
  });
});

describe('revocation', () => {
  it('shows a revocation in the status list while the leaf stays in the log', async () => {
    const req = contractRequest();
    const [number] = await issue(1, req);
    const before = await get<{ leafIndex: number; jws: string }>(`/v1/vouchers/${number}`);
    expect((await verify({ voucher: before.jws })).valid).toBe(true);

    const res = await ctx.database.db.transaction((tx) =>
      requestRevocationInTx(tx, req.sourceType, req.sourceId, '合同解除'),
    );
    expect(res).toEqual({ found: true, voucherNumber: number });

    const after = await get<{ leafIndex: number; status: string; revocationReason: string }>(
      `/v1/vouchers/${number}`,
    );
    expect(after).toMatchObject({
      status: 'revoked',
      leafIndex: before.leafIndex,
      revocationReason: '合同解除',
    });

    const token = await get<string>('/v1/vouchers/status-list');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.sub).toBe('http://localhost:3000/v1/vouchers/status-list');
    const list = decodeStatusList(claims.status_list.lst)!;
    expect(statusAt(list, after.leafIndex)).toBe(1);

    const report = await verify({ voucher: before.jws });
    expect(report.valid).toBe(false);
    expect(report.checks.signature.ok).toBe(true);
    expect(report.checks.inclusion.ok).toBe(true);
    expect(report.checks.revocation).toMatchObject({ ok: false, status: 'revoked' });
    // The inclusion proof still verifies: revocation never touches the log.
    expect((await app.inject(`/v1/vouchers/${number}/inclusion-proof`)).statusCode).toBe(200);
  });

  it('issues an already revoked voucher when the cancellation comes first', async () => {
    const req = contractRequest();
    const { issuer } = voucherParts(ctx);
    const transactionId = await ctx.database.db.transaction(async (tx) => {
      const r = await requestVoucherInTx(tx, req);
      await requestRevocationInTx(tx, req.sourceType, req.sourceId, '登记前撤回');
      return r.transactionId;
    });
    await issuer.request(transactionId);
    const [number] = await waitSequenced(ctx.database.pool, [transactionId]);
    const v = await get<{ status: string }>(`/v1/vouchers/${number}`);
    expect(v.status).toBe('revoked');
    const none = await ctx.database.db.transaction((tx) =>
      requestRevocationInTx(tx, 'technology_contract', 'nope', 'x'),
    );
    expect(none.found).toBe(false);
  });
});

describe('verification', () => {
  let bundle: VoucherBundle;
  beforeAll(async () => {
    const [number] = await issue();
    bundle = await get<VoucherBundle>(`/v1/vouchers/${number}/bundle`);
  });

  it('passes every check for a bundle, and for a bare JWS using the log', async () => {
    const full = await verify({
      voucher: bundle.voucher,
      inclusionProof: bundle.inclusionProof,
      checkpoint: bundle.checkpoint,
      statusList: bundle.statusList,
    });
    expect(full.valid).toBe(true);
    expect(full.sources).toEqual({
      inclusionProof: 'submitted',
      checkpoint: 'submitted',
      statusList: 'submitted',
    });
    const bare = await verify({ voucher: bundle.voucher });
    expect(bare.valid).toBe(true);
    expect(bare.sources).toEqual({ inclusionProof: 'log', checkpoint: 'log', statusList: 'log' });
    expect(bare.number).toBe(bundle.number);
  });

  it('rejects a tampered voucher', async () => {
    const [h, p, s] = bundle.voucher.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.amounts.transactionAmountFen += 100;
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const r = await verify({ ...evidence(), voucher: forged });
    expect(r.valid).toBe(false);
    expect(r.checks.signature).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(r.checks.inclusion.ok).toBe(false);
    // A flipped signature byte too.
    const sig = Buffer.from(s, 'base64url');
    sig[0]! ^= 1;
    const r2 = await verify({ ...evidence(), voucher: `${h}.${p}.${sig.toString('base64url')}` });
    expect(r2.checks.signature.ok).toBe(false);
  });

  it('rejects a tampered inclusion proof', async () => {
    const hashes = [...bundle.inclusionProof.hashes];
    if (hashes.length > 0) {
      const first = Buffer.from(hashes[0]!, 'base64');
      first[5]! ^= 0x10;
      hashes[0] = first.toString('base64');
    } else {
      hashes.push(Buffer.alloc(32).toString('base64'));
    }
    const r = await verify({ ...evidence(), inclusionProof: { ...bundle.inclusionProof, hashes } });
    expect(r.valid).toBe(false);
    expect(r.checks.signature.ok).toBe(true);
    expect(r.checks.inclusion).toMatchObject({ ok: false, reason: 'proof-does-not-match' });
    const wrongIndex = await verify({
      ...evidence(),
      inclusionProof: { ...bundle.inclusionProof, leafIndex: bundle.inclusionProof.leafIndex + 1 },
    });
    expect(wrongIndex.checks.inclusion.ok).toBe(false);
  });

  it('rejects a tampered checkpoint', async () => {
    const lines = bundle.checkpoint.split('\n');
    const root = Buffer.from(lines[2]!, 'base64');
    root[0]! ^= 1;
    lines[2] = root.toString('base64');
    const r = await verify({ ...evidence(), checkpoint: lines.join('\n') });
    expect(r.valid).toBe(false);
    expect(r.checks.checkpoint).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(r.checks.inclusion).toMatchObject({ ok: false, reason: 'no-verified-checkpoint' });
    const unsigned = bundle.checkpoint.replace(/\n— .*\n$/s, '\n— someone-else AAAAAAAA\n');
    const r2 = await verify({ ...evidence(), checkpoint: unsigned });
    expect(r2.checks.checkpoint.ok).toBe(false);
  });

  it('refuses a bundle whose number is not the voucher it carries (the rules of verify.ts)', async () => {
    const other = await verify({ ...evidence(), number: 'TXV-2025-8JGVQT76WE-Y' });
    expect(other.valid).toBe(false);
    expect(other.checks.signature).toMatchObject({ ok: false, reason: 'bundle-number-differs' });
    expect((await verify({ ...evidence(), number: bundle.number })).valid).toBe(true);
  });

  it('answers the inclusion proof in the shape the voucher specification (its README) states', async () => {
    const res = await get<Record<string, unknown>>(`/v1/vouchers/${bundle.number}/inclusion-proof`);
    expect(Object.keys(res).sort()).toEqual(['checkpoint', 'proof']);
    expect(Object.keys(res.proof as object).sort()).toEqual(['hashes', 'leafIndex', 'treeSize']);
    const readme = await fs.readFile(path.join(root, 'src/modules/vouchers/README.md'), 'utf8');
    expect(readme).toContain('`{"proof": {"leafIndex", "treeSize", "hashes"}, "checkpoint"}`');
  });

  it('refuses malformed requests with problem details', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v1/vouchers/verify', payload: { jws: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await app.inject('/v1/vouchers/not-a-number')).statusCode).toBe(400);
    const missing = await app.inject('/v1/vouchers/TXV-2025-8JGVQT76WE-Y');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().type).toBe('/problems/voucher-not-found');
    expect((await app.inject(`/v1/vouchers/${bundle.number}/inclusion-proof?treeSize=0`)).statusCode).toBe(
      400,
    );
    expect(
      (await app.inject(`/v1/vouchers/${bundle.number}/inclusion-proof?treeSize=999999999`)).statusCode,
    ).toBe(400);
    expect((await app.inject('/v1/vouchers/log/consistency-proof?from=5&to=2')).statusCode).toBe(400);
    const garbage = await verify({ voucher: 'not.a.jws' });
    expect(garbage.valid).toBe(false);
    expect(garbage.checks.signature.reason).toBe('malformed');
  });

  it('verifies a bundle offline with the CLI, and fails a tampered one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-bundle-'));
    const file = path.join(dir, 'bundle.json');
    const keysFile = path.join(dir, 'keys.json');
    await fs.writeFile(file, JSON.stringify(bundle));
    await fs.writeFile(keysFile, JSON.stringify(await get('/v1/vouchers/keys')));
    // No database and no server: the child gets no DATABASE_URL and nothing listens.
    const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir() };
    const cli = (...args: string[]) =>
      run(process.execPath, [path.join(root, 'scripts/techex.mjs'), 'voucher', 'verify', ...args], {
        cwd: root,
        env,
      }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    const ok = await cli(file, '--keys', keysFile);
    expect(ok.out).toContain('VALID');
    expect(ok.code).toBe(0);

    const tampered = { ...bundle, voucher: bundle.voucher.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) };
    await fs.writeFile(file, JSON.stringify(tampered));
    const bad = await cli(file, '--keys', keysFile, '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).checks.signature.ok).toBe(false);
    await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);

  function evidence() {
    return {
      voucher: bundle.voucher,
      inclusionProof: bundle.inclusionProof,
      checkpoint: bundle.checkpoint,
      statusList: bundle.statusList,
    };
  }
});

describe('the public page', () => {
  it('shows the voucher in zh-CN with a QR code leading to the verification', async () => {
    const [number] = await issue();
    const res = await app.inject(`/vouchers/${number}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain('img-src');
    expect(res.body).toContain('lang="zh-CN"');
    expect(res.body).toContain(number);
    expect(res.body).toContain('有效 · 验证通过');
    expect(res.body).toMatch(/src="data:image\/svg\+xml;base64,/);
    expect(res.body).toContain('¥1,500,000.00');
    const missing = await app.inject('/vouchers/TXV-2025-8JGVQT76WE-Y');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('凭证不存在');
  });
});

describe('keys', () => {
  it('rotates the voucher key and keeps the old one published', async () => {
    const [oldNumber] = await issue();
    const { keyring } = voucherParts(ctx);
    const before = await trusted();
    const oldKid = before.keys[0]!.kid;
    const newKid = await keyring.rotate('voucher');
    const after = await trusted();
    expect(after.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    const old = await get<{ jws: string }>(`/v1/vouchers/${oldNumber}`);
    expect((await verify({ voucher: old.jws })).checks.signature).toMatchObject({ ok: true, kid: oldKid });
    // Another process may sign a few more with its cached key; ours now signs with the new one.
    const [fresh] = await issue();
    const v = await get<{ jws: string }>(`/v1/vouchers/${fresh}`);
    const header = JSON.parse(Buffer.from(v.jws.split('.')[0]!, 'base64url').toString());
    expect(after.keys.map((k) => k.kid)).toContain(header.kid);
    expect((await verify({ voucher: v.jws })).valid).toBe(true);
    await eventually('keys endpoint lists both', async () => (await trusted()).keys.length >= 2);
  });
});
