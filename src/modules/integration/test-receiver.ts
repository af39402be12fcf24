import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP receiver for webhook tests: `/ok` answers 204, `/flaky/<key>/<n>` fails n times
 * (500) then succeeds, `/down` always answers 503 with a large body. Every request is recorded.
 */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export async function startReceiver() {
  const received: Received[] = [];
  const failures = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({
        path,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const flaky = /^\/flaky\/([^/]+)\/(\d+)$/.exec(path);
      if (flaky) {
        const seen = failures.get(flaky[1]!) ?? 0;
        failures.set(flaky[1]!, seen + 1);
        if (seen < Number(flaky[2])) return res.writeHead(500).end('not yet');
        return res.writeHead(200).end('ok');
      }
      if (path.startsWith('/down')) return res.writeHead(503).end('x'.repeat(5000));
      if (path.startsWith('/redirect')) return res.writeHead(302, { location: '/ok' }).end();
      return res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
