import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withClusterLock } from './cluster-claims.js';
import type { Config } from './config.js';

export interface Secrets {
  /** Master secret for keyed hashes of personal data and field encryption keys. */
  readonly appSecret: string;
  /** Password of the embedded PostgreSQL superuser (unused with an external DATABASE_URL). */
  readonly embeddedDbPassword: string;
}

const FILE = 'secrets.json';

/**
 * Secrets never have defaults. Outside production, a missing secret is generated once into
 * DATA_DIR/secrets.json (mode 0600) and reused on every later start; in production the
 * configuration already refused to start without APP_SECRET.
 *
 * Nothing is written, nor DATA_DIR created, when nothing local is needed: with APP_SECRET set
 * and an external DATABASE_URL (the production image, whose /app is read-only to its user),
 * the secrets come from the environment alone.
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  if (config.appSecret && !config.embedded)
    return Object.freeze({ appSecret: config.appSecret, embeddedDbPassword: '' });
  await fs.mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(config.dataDir, FILE);
  let decided = decide(config, await readStored(file));
  if (decided.write) {
    // Two processes starting at once on a fresh DATA_DIR (the service and a command) must not
    // each generate a password: the loser would initialise or reach the cluster with the wrong
    // one. The file is read again and written under a lock, so the second one keeps the first's.
    decided = await withClusterLock(`${file}.lock`, async () => {
      const again = decide(config, await readStored(file));
      if (again.write) {
        if (config.env === 'production' && !config.appSecret)
          throw new Error('APP_SECRET is required in production');
        const tmp = `${file}.${process.pid}.tmp`;
        await fs.writeFile(tmp, JSON.stringify(again.toStore, null, 2), { mode: 0o600 });
        await fs.rename(tmp, file);
      }
      return again;
    });
  }
  const { secrets } = decided;
  await fs.chmod(file, 0o600).catch(() => undefined);
  return Object.freeze(secrets);
}

async function readStored(file: string): Promise<Partial<Secrets>> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Secrets>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return {};
  }
}

/** The secrets to use given what is stored, and what to store when that differs. */
function decide(config: Config, stored: Partial<Secrets>) {
  const secrets: Secrets = {
    appSecret: config.appSecret ?? stored.appSecret ?? randomBytes(32).toString('base64url'),
    embeddedDbPassword: stored.embeddedDbPassword ?? randomBytes(24).toString('base64url'),
  };
  const toStore: { appSecret?: string; embeddedDbPassword?: string } = {
    ...stored,
    embeddedDbPassword: secrets.embeddedDbPassword,
  };
  if (!config.appSecret) toStore.appSecret = secrets.appSecret;
  return { secrets, toStore, write: JSON.stringify(toStore) !== JSON.stringify(stored) };
}
