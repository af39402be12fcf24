import Fastify from 'fastify';
import { load } from './harness.js';

const big = JSON.stringify({
  items: Array.from({ length: 20 }, (_, i) => ({
    id: i,
    text: '将正极材料成本降低两成、循环寿命提升三成的连续化制备工艺'.repeat(12),
  })),
});
const small = big.slice(0, 1800);
const app = Fastify();
app.get('/big', (_req, reply) => {
  reply.type('application/json').send(big);
});
app.get('/small', (_req, reply) => {
  reply.type('application/json').send(small);
});
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
for (let i = 0; i < 2; i++)
  for (const p of ['small', 'big']) {
    const r = await load({ url: `${base}/${p}`, durationSec: 3 });
    console.log(
      p,
      r.requestsPerSec.toFixed(0),
      'req/s',
      r.bytesPerResponse?.toFixed(0),
      'bytes',
      r.cpuUsPerResponse?.toFixed(0),
      'µs cpu',
    );
  }
await app.close();
