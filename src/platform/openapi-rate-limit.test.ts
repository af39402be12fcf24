import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_EXEMPT_PATHS } from '../modules/integration/rate-limit.js';
import { listOperations, loadOpenApi } from './openapi.js';

// Every API route is rate-limited (src/modules/integration/rate-limit.ts) except the probes and
// the metrics scrape: the contract must say so, operation by operation, so a generated client
// knows a 429 can come back and a new operation cannot forget it.
describe('rate limits in the OpenAPI contract', () => {
  const ops = listOperations();
  const TOO_MANY = { $ref: '#/components/responses/TooManyRequests' };

  it('every rate-limited operation declares the 429 answer', () => {
    const missing = ops
      .filter((op) => !RATE_LIMIT_EXEMPT_PATHS.has(op.url))
      .filter(
        (op) =>
          JSON.stringify((op.spec.responses as Record<string, unknown>)['429']) !== JSON.stringify(TOO_MANY),
      )
      .map((op) => `${op.method} ${op.path}`);
    expect(missing, "add '429': $ref: '#/components/responses/TooManyRequests'").toEqual([]);
    expect(loadOpenApi().components?.responses?.TooManyRequests).toBeDefined();
  });

  it('the exempt routes exist and do not claim a 429 they never send', () => {
    for (const url of RATE_LIMIT_EXEMPT_PATHS) {
      const op = ops.find((o) => o.url === url);
      expect(op, `${url} is exempt from the limiter but is no operation`).toBeDefined();
      expect((op!.spec.responses as Record<string, unknown>)['429'], url).toBeUndefined();
    }
  });
});
