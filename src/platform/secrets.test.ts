import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { loadSecrets } from './secrets.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-secrets-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const APP_SECRET = 'x'.repeat(43);

describe('loadSecrets', () => {
  it('writes nothing locally with APP_SECRET and an external database (the production image)', async () => {
    const dataDir = path.join(root, 'image', '.data');
    for (const env of ['production', 'development'])
      for (const run of [1, 2]) {
        const config = loadConfig({
          NODE_ENV: env,
          APP_SECRET,
          DATABASE_URL: 'postgres://techex@db.example:5432/techex',
          REDIS_URL: 'redis://redis.example:6379',
          PUBLIC_URL: 'https://techex.example',
          DATA_DIR: dataDir,
        });
        const secrets = await loadSecrets(config);
        expect(secrets.appSecret, `${env} start ${run}`).toBe(APP_SECRET);
      }
    expect(fs.existsSync(path.join(root, 'image'))).toBe(false);
  });

  it('still keeps generated secrets in DATA_DIR when something local needs them', async () => {
    // No APP_SECRET outside production: generated once, reused on the next start.
    const dataDir = path.join(root, 'dev', '.data');
    const config = loadConfig({
      DATABASE_URL: 'postgres://techex@db.example:5432/techex',
      DATA_DIR: dataDir,
    });
    const first = await loadSecrets(config);
    expect((await loadSecrets(config)).appSecret).toBe(first.appSecret);
    expect(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    // Embedded PostgreSQL: its superuser password is kept beside the cluster.
    const embeddedDir = path.join(root, 'embedded', '.data');
    const embedded = await loadSecrets(loadConfig({ APP_SECRET, DATA_DIR: embeddedDir }));
    expect(embedded.embeddedDbPassword).not.toBe('');
    expect(JSON.parse(fs.readFileSync(path.join(embeddedDir, 'secrets.json'), 'utf8'))).toEqual({
      embeddedDbPassword: embedded.embeddedDbPassword,
    });
  });

  it('two starts at once on a fresh DATA_DIR keep one set of secrets (the service and a command)', async () => {
    const dataDir = path.join(root, 'race', '.data');
    const config = loadConfig({ DATA_DIR: dataDir });
    const all = await Promise.all(Array.from({ length: 6 }, () => loadSecrets(config)));
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));
    for (const s of all) expect(s).toEqual(stored);
    expect(fs.readdirSync(dataDir)).toEqual(['secrets.json']);
  });
});
