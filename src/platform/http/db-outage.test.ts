import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/module.js';
import { useTestApp } from '../../test/app.js';

// Issue 18 item 20. The database is reached through a TCP relay (standing in for the network),
// so the test can cut it off: every route must then answer 503 with Retry-After, never 401
// `invalid-token` (a partner would throw a valid token away) nor a bare 500.
let app: FastifyInstance;
let relay: net.Server;
const sockets = new Set<net.Socket>();

const fixture = useTestApp([catalogModule.routes!], {
  env: async () => {
    const target = new URL(inject('databaseUrl'));
    relay = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const through = new URL(target);
    through.hostname = '127.0.0.1';
    through.port = String((relay.address() as net.AddressInfo).port);
    return { DATABASE_URL: through.toString() };
  },
});
beforeAll(() => {
  ({ app } = fixture);
});

/** A well-formed token signed with a key this process has never looked up. */
function tokenWithUnknownKey(): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const header = b64({ alg: 'RS256', typ: 'at+jwt', kid: `never-seen-${Date.now()}` });
  const payload = b64({ sub: 'client', exp: Math.floor(Date.now() / 1000) + 600 });
  return `${header}.${payload}.${Buffer.alloc(256, 1).toString('base64url')}`;
}

describe('a database outage', () => {
  it('answers 503 with Retry-After on every route, never 401 or a bare 500', async () => {
    // Up (the token keys not looked up yet: anonymous reads need none).
    expect((await app.inject({ url: '/v1/achievements' })).statusCode).toBe(200);

    // Down: the relay refuses new connections and drops the open ones.
    relay.close();
    for (const s of sockets) s.destroy();

    for (const headers of [{ authorization: `Bearer ${tokenWithUnknownKey()}` }, {}]) {
      const res = await app.inject({ url: '/v1/achievements', headers });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ type: '/problems/database-unavailable', status: 503 });
    }
    const write = await app.inject({ method: 'POST', url: '/v1/achievements', payload: {} });
    expect([401, 503]).toContain(write.statusCode); // anonymous writes are refused before any query
  });
});
