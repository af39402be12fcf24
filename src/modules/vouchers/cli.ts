/**
 * `techex voucher …`:
 *   verify <bundle.json> [--keys <keys.json>] [--json]
 *       Offline: verifies a voucher bundle (GET /v1/vouchers/{number}/bundle) with no network and
 *       no database. --keys is the exchange's published key document (GET /v1/vouchers/keys)
 *       obtained independently; without it the bundle's own copy is used, and said so.
 *   rotate-key <voucher|checkpoint>
 *       Retires the current key of that purpose and makes a new one (the old one stays published).
 */
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isVoucherBundle, type TrustedKeys, type VerificationReport, verifyEvidence } from './verify.js';

const USAGE = `usage:
  techex voucher verify <bundle.json> [--keys <keys.json>] [--json]
  techex voucher rotate-key <voucher|checkpoint>`;

const LABELS: Record<keyof VerificationReport['checks'], string> = {
  signature: 'voucher signature',
  checkpoint: 'checkpoint signature',
  inclusion: 'inclusion in the log',
  revocation: 'revocation status',
};

function isTrustedKeys(v: unknown): v is TrustedKeys {
  const k = v as Partial<TrustedKeys> | null;
  return (
    typeof k === 'object' &&
    k !== null &&
    Array.isArray(k.keys) &&
    Array.isArray(k.checkpointVerifierKeys) &&
    typeof k.origin === 'string'
  );
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

/** Returns the exit code: 0 valid, 1 not valid, 2 usage or unreadable input. */
export async function verifyCommand(
  args: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { keys: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    out(USAGE);
    return 2;
  }
  let bundle: unknown;
  let trusted: TrustedKeys;
  try {
    bundle = await readJson(file);
    if (!isVoucherBundle(bundle)) throw new Error(`${file} is not a techex-voucher-bundle/1 file`);
    if (values.keys) {
      const keys = await readJson(values.keys);
      if (!isTrustedKeys(keys))
        throw new Error(`${values.keys} is not a voucher key document (GET /v1/vouchers/keys)`);
      trusted = keys;
    } else {
      trusted = bundle.keys;
    }
  } catch (err) {
    out(`cannot read input: ${(err as Error).message}`);
    return 2;
  }
  const report = await verifyEvidence(bundle, trusted);
  if (values.json) {
    out(JSON.stringify({ ...report, keysFrom: values.keys ? 'file' : 'bundle' }, null, 2));
    return report.valid ? 0 : 1;
  }
  out(`voucher ${report.number ?? bundle.number}`);
  for (const [name, check] of Object.entries(report.checks) as [
    keyof typeof LABELS,
    VerificationReport['checks'][keyof typeof LABELS],
  ][]) {
    const extra = [
      'treeSize' in check && check.treeSize !== undefined ? `tree size ${check.treeSize}` : '',
      'leafIndex' in check && check.leafIndex !== undefined ? `leaf ${check.leafIndex}` : '',
      'statusListIssuedAt' in check && check.statusListIssuedAt
        ? `status as of ${check.statusListIssuedAt}${check.stale ? ' (expired list: fetch a fresh one for a current answer)' : ''}`
        : '',
    ]
      .filter(Boolean)
      .join(', ');
    out(
      `  ${check.ok ? 'ok  ' : 'FAIL'} ${LABELS[name]}${check.reason ? `: ${check.reason}` : ''}${extra ? ` (${extra})` : ''}`,
    );
  }
  if (!values.keys) {
    out(
      `note: keys taken from the bundle itself; check that the log ${trusted.origin} publishes checkpoint key\n` +
        `  ${trusted.checkpointVerifierKeys[0] ?? '(none)'}\n  or pass the published key document with --keys.`,
    );
  }
  out(report.valid ? 'VALID' : 'NOT VALID');
  return report.valid ? 0 : 1;
}

async function rotateKeyCommand(args: string[]): Promise<number> {
  const purpose = args[0];
  if (purpose !== 'voucher' && purpose !== 'checkpoint') {
    console.log(USAGE);
    return 2;
  }
  // Loaded here so that `verify` stays free of configuration and database code.
  const { loadConfig } = await import('../../platform/config.js');
  const { createLogger } = await import('../../platform/logger.js');
  const { loadSecrets } = await import('../../platform/secrets.js');
  const { openDatabase } = await import('../../platform/runtime.js');
  const { createKeyring, logOriginFor } = await import('./keys.js');
  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn' });
  const secrets = await loadSecrets(config);
  const { database, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
  try {
    const keyring = createKeyring({
      db: database.db,
      appSecret: secrets.appSecret,
      origin: logOriginFor(config.publicUrl),
    });
    await keyring.ensure();
    const kid = await keyring.rotate(purpose);
    console.log(`new ${purpose} key ${kid}; the previous one is retired and stays published`);
    return 0;
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

export async function voucherCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') return verifyCommand(rest);
  if (sub === 'rotate-key') return rotateKeyCommand(rest);
  console.log(USAGE);
  return 2;
}
