import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.js';

// As root, a DATA_DIR the postgres user cannot reach keeps its cluster in a system folder. A
// clone deleted and cloned again at the same path has a new DATA_DIR (new secrets): it must get
// a cluster of its own, not the old one, whose password it does not have.
describe.skipIf(process.getuid?.() !== 0)('embedded PostgreSQL kept in a system folder', () => {
  it('gives a new DATA_DIR at a path used before a cluster of its own', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-location-'));
    await fs.chmod(parent, 0o700); // private: the postgres user cannot reach DATA_DIR
    const dataDir = path.join(parent, '.data');
    const logger = pino({ level: 'silent' });
    const locations: string[] = [];
    try {
      for (const password of ['first-password-0001', 'second-password-002']) {
        const server = await startEmbeddedPostgres({ dataDir, password, database: 'techex', logger });
        try {
          locations.push((await fs.readFile(path.join(dataDir, 'postgres.location'), 'utf8')).trim());
          const client = new pg.Client({ connectionString: server.url });
          await client.connect();
          const { rows } = await client.query('SELECT 1 AS one');
          await client.end();
          expect(rows).toEqual([{ one: 1 }]);
        } finally {
          await server.stop();
        }
        await fs.rm(dataDir, { recursive: true, force: true }); // the clone is deleted
      }
      expect(locations[0]).not.toBe(locations[1]);
    } finally {
      await fs.rm(parent, { recursive: true, force: true });
      for (const location of locations)
        await fs.rm(path.dirname(location), { recursive: true, force: true }).catch(() => undefined);
    }
  }, 120_000);
});
