/**
 * Benchmark scenario (issue 3): an authenticated read beside the same read without
 * authentication, in one run. The token is a real access token signed by the identity key
 * store, so the subject pays exactly what every API call pays: bearer parsing, JWT (RS256)
 * verification against the published key, and building the principal. Target: ≥ 0.85.
 *
 * Plug into scripts/bench.ts:
 *   import { authScenario } from './bench/auth.js';
 *   scenarios.push(authScenario({ base, ctx: runtime.ctx }));
 * The read defaults to `/healthz` (public; a bearer token, when sent, is still verified);
 * set BENCH_AUTH_PATH to a `/v1` read that allows anonymous callers (e.g. `/v1/organisations`).
 */
import { createIdentityCore } from '../../src/modules/identity/index.js';
import { newId } from '../../src/platform/ids.js';
import type { ModuleContext } from '../../src/platform/module.js';
import { load, type Row } from './harness.js';

export interface AuthScenario {
  name: string;
  target: number;
  run(): Promise<Row>;
}

export function authScenario(opts: { base: string; ctx: ModuleContext; path?: string }): AuthScenario {
  const path = opts.path ?? process.env.BENCH_AUTH_PATH ?? '/healthz';
  return {
    name: `GET ${path} with a bearer token vs without`,
    target: 0.85,
    async run() {
      const { ctx } = opts;
      const identity = createIdentityCore(ctx.database.db, ctx.config, ctx.secrets.appSecret);
      const token = await identity.tokens.sign(
        newId(),
        'techex-bench',
        { kind: 'user', org_verified: false, roles: [], sub_centres: [] },
        ['catalog:read'],
        3600,
      );
      const url = `${opts.base}${path}`;
      const warm = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (!warm.ok) throw new Error(`${url} answered ${warm.status} to the authenticated warm-up`);
      // Warm both paths up (JIT, connection setup) so the first measured run is not penalised.
      await load({ url, durationSec: 1 });
      await load({ url, headers: { authorization: `Bearer ${token}` }, durationSec: 1 });
      const baseline = await load({ url });
      const subject = await load({ url, headers: { authorization: `Bearer ${token}` } });
      return { scenario: this.name, subject, baseline, target: this.target };
    },
  };
}
