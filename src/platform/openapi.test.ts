import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../modules/index.js';
import { useTestApp } from '../test/app.js';
import { precompileAll } from './http/lazy-compilers.js';
import { listOperations, loadOpenApi, OPENAPI_FILE } from './openapi.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(OPENAPI_FILE), '..');

let app: FastifyInstance;
const fixture = useTestApp(MODULES.flatMap((m) => (m.routes ? [m.routes] : [])));
beforeAll(async () => {
  ({ app } = fixture);
});

describe('the OpenAPI contract', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(loadOpenApi() as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has a route for every operation and an operation for every route', () => {
    const specOps = new Set(listOperations().map((o) => o.operationId));
    expect([...app.boundOperations].sort()).toEqual([...specOps].sort());
    // Every route the app serves, besides the documentation UI, the OpenID provider and its
    // login pages (OAuth protocol, not this API) and the HEAD twins Fastify adds to GET routes,
    // comes from an operation.
    const outside = ['/docs', '/oidc', '/interaction', '/demo'];
    const unbound = app.routeTable.filter(
      (r) =>
        !r.operationId &&
        !outside.some((p) => r.url.startsWith(p)) &&
        r.method !== 'HEAD' &&
        r.method !== 'OPTIONS',
    );
    expect(unbound).toEqual([]);
  });

  it('every route schema compiles (they are compiled lazily, on first use, in the service)', async () => {
    await app.ready();
    // Every operation has a response serializer and most have a validator: well over one each.
    expect(precompileAll()).toBeGreaterThan(listOperations().length);
    expect(precompileAll()).toBe(0);
  });

  it('every operation has a unique operationId, a summary and a tag', () => {
    const ops = listOperations();
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    for (const op of ops) {
      expect(op.spec.summary, op.operationId).toBeTruthy();
      expect((op.spec.tags as string[] | undefined)?.length, op.operationId).toBeGreaterThan(0);
    }
  });

  it('the committed TypeScript types are generated from the current document', async () => {
    const tmp = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'techex-types-')), 'schema.d.ts');
    await run(path.join(root, 'node_modules/.bin/openapi-typescript'), [OPENAPI_FILE, '-o', tmp], {
      cwd: root,
    });
    const fresh = await fs.readFile(tmp, 'utf8');
    const committed = await fs.readFile(path.join(root, 'openapi/schema.d.ts'), 'utf8');
    expect(committed, 'openapi/schema.d.ts is stale: run `npm run generate:types`').toBe(fresh);
  });
});
