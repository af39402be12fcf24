import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { listOperations, loadOpenApi, type Operation } from '../../platform/openapi.js';
import { createActor, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { MODULES } from '../index.js';
import { type FuzzRequest, requestArbitraries, resolver } from './fuzz-requests.js';

/**
 * Schema fuzzing of every operation in openapi/openapi.yaml (new operations are picked up
 * automatically): valid and invalid requests generated from the spec, sent by an anonymous caller
 * and by an operator. Each answer must be < 500, have a status the operation declares, be
 * problem+json when an error, and match the declared schema when a 2xx JSON. FUZZ_RUNS (default
 * 20) sets requests per kind and operation, FUZZ_SEED the seed.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const doc = loadOpenApi();
const resolve = resolver(doc);
const OPENAPI_ID = 'urn:techex:openapi';

const ajv = addFormats.default(
  new Ajv2020.default({ strict: false, allErrors: true, validateFormats: true }),
);
// Component refs resolve against the whole document, registered under one id.
const rebase = <T>(s: T): T =>
  JSON.parse(JSON.stringify(s).replaceAll('"#/components/', `"${OPENAPI_ID}#/components/`));
ajv.addSchema(rebase({ $id: OPENAPI_ID, components: { schemas: doc.components?.schemas ?? {} } }));

type Obj = Record<string, unknown>;
const deref = (o: Obj): Obj => (typeof o.$ref === 'string' ? deref(resolve(o.$ref)) : o);

/** The response object the spec declares for a status: exact code, then `4XX`-style range, then default. */
function declared(op: Operation, status: number): Obj | undefined {
  const responses = (op.spec.responses ?? {}) as Record<string, Obj>;
  const hit = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  return hit ? deref(hit) : undefined;
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(op: Operation, status: number, schema: Obj) {
  const key = `${op.operationId}:${status}`;
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile(rebase(schema));
    validators.set(key, v);
  }
  return v;
}

function violations(op: Operation, req: FuzzRequest, res: LightMyRequestResponse, caller: string): string[] {
  const out: string[] = [];
  const url = req.url.length > 100 ? `${req.url.slice(0, 100)}…` : req.url;
  const what = `${caller} ${req.method} ${url}${req.broken ? ` [${req.broken}]` : ''} → ${res.statusCode}`;
  const spec = declared(op, res.statusCode);
  if (res.statusCode >= 500 && !(spec && res.statusCode !== 500))
    out.push(`${what}: server error ${res.body.slice(0, 200)}`);
  if (!spec) out.push(`${what}: status ${res.statusCode} is not declared for ${op.operationId}`);
  const type = String(res.headers['content-type'] ?? '');
  if (res.statusCode >= 400) {
    let body: Obj | undefined;
    try {
      body = JSON.parse(res.body) as Obj;
    } catch {
      body = undefined;
    }
    // An error is problem+json, unless the spec declares another media type for it (an HTML page).
    const media = Object.keys((spec?.content as Obj | undefined) ?? {});
    const declaredOther = media.some((m) => m !== 'application/problem+json' && type.startsWith(m));
    if (declaredOther) return out;
    if (!type.startsWith('application/problem+json'))
      out.push(`${what}: error is ${type || 'untyped'}, not problem+json`);
    else if (
      !body ||
      typeof body.type !== 'string' ||
      typeof body.title !== 'string' ||
      body.status !== res.statusCode
    )
      out.push(`${what}: problem lacks type/title/status: ${res.body.slice(0, 200)}`);
  } else if (res.statusCode < 300 && spec && type.startsWith('application/json')) {
    const schema = (spec.content as Record<string, { schema?: Obj }> | undefined)?.['application/json']
      ?.schema;
    if (schema) {
      const validate = validatorFor(op, res.statusCode, schema);
      if (!validate(JSON.parse(res.body)))
        out.push(
          `${what}: body does not match the declared schema: ${ajv.errorsText(validate.errors).slice(0, 300)}`,
        );
    }
  }
  return out;
}

let ctx: TestContext;
let app: FastifyInstance;
let operator: TestActor;

// A limit high enough that the fuzzer itself is never throttled.
// its own search namespace: the fuzzer replaces the synonym thesaurus with random groups
const fixture = useTestApp(
  MODULES.flatMap((m) => (m.routes ? [m.routes] : [])),
  { env: { RATE_LIMIT_MAX: '1000000', QUEUE_PREFIX: 'techex_fuzz' } },
);
beforeAll(async () => {
  ({ ctx, app } = fixture);
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
});

describe('schema fuzzing', () => {
  const ops = listOperations(doc).filter((o) => o.method !== 'HEAD' && o.method !== 'OPTIONS');
  it.each(ops.map((o) => [o.operationId, o] as const))(
    '%s answers only what the spec declares',
    { timeout: 120_000 },
    async (_id, op) => {
      const { valid, invalid } = requestArbitraries(op, doc);
      const samples = [
        ...fc.sample(valid, { numRuns: RUNS, seed: SEED }),
        ...fc.sample(invalid, { numRuns: RUNS, seed: SEED + 1 }),
      ];
      const problems: string[] = [];
      for (const [i, req] of samples.entries()) {
        const caller = i % 2 === 0 ? 'operator' : 'anonymous';
        const headers = caller === 'operator' ? { ...req.headers, ...operator.headers } : req.headers;
        let res: LightMyRequestResponse;
        try {
          res = await app.inject({ method: req.method, url: req.url, headers, payload: req.payload });
        } catch (err) {
          problems.push(
            `${caller} ${req.method} ${req.url.slice(0, 100)}: inject failed: ${(err as Error).message}`,
          );
          continue;
        }
        problems.push(...violations(op, req, res, caller));
      }
      const unique = [...new Set(problems)];
      expect(
        unique,
        `${op.operationId} (seed ${SEED}): ${unique.length} violation(s); fix the handler or declare the status in openapi/openapi.yaml:\n${unique.slice(0, 15).join('\n')}`,
      ).toEqual([]);
    },
  );
});
