import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.js';

const logger = pino({ level: 'silent' });

async function serverAddress(connectionString: string): Promise<string | null> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ addr: string | null }>('SELECT host(inet_server_addr()) AS addr');
    return rows[0]!.addr;
  } finally {
    await client.end();
  }
}

/** An embedded server on `dataDir` (removed afterwards with `cleanUp`) for the length of `use`. */
async function withServer(
  dataDir: string,
  cleanUp: string,
  password: string,
  use: (server: Awaited<ReturnType<typeof startEmbeddedPostgres>>) => Promise<void>,
): Promise<void> {
  const server = await startEmbeddedPostgres({ dataDir, password, database: 'techex', logger });
  try {
    await use(server);
  } finally {
    await server.stop();
    await fs.rm(cleanUp, { recursive: true, force: true });
  }
}

// The service's own pool talks to its embedded server over a Unix socket (a round trip costs less
// CPU than over loopback TCP); host-and-port users keep the TCP address.
describe('embedded PostgreSQL over its Unix socket', () => {
  it('serves the database on a socket in its data directory, with the password still required', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-sock-'));
    await withServer(dataDir, dataDir, 'socket-password-0001', async (server) => {
      expect(server.socketUrl).toBeDefined();
      // No server address: the session came over the socket. The TCP address still answers.
      expect(await serverAddress(server.socketUrl!)).toBeNull();
      expect(await serverAddress(server.url)).toBe('127.0.0.1');
      const wrong = server.socketUrl!.replace('socket-password-0001', 'not-the-password-01');
      await expect(serverAddress(wrong)).rejects.toThrow(/password/);
    });
  }, 120_000);

  it('listens on TCP only when the socket path would be too long for a socket address', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-sock-'));
    await fs.chmod(parent, 0o755); // as root: reachable by the postgres user, so the cluster stays here
    const dataDir = path.join(
      parent,
      'a-data-directory-whose-path-is-longer-than-a-unix-socket-address-can-hold',
    );
    await withServer(dataDir, parent, 'socket-password-0002', async (server) => {
      expect(server.socketUrl).toBeUndefined();
      expect(await serverAddress(server.url)).toBe('127.0.0.1');
    });
  }, 120_000);
});
