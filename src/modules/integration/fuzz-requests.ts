import fc from 'fast-check';
import type { OpenApiDocument, Operation } from '../../platform/openapi.js';
import { outOfRangeArb, type Resolve, type Schema, validArb, wrongTypeArb } from './arbitraries.js';

/**
 * Requests for one OpenAPI operation, generated from its parameter and body schemas: valid ones,
 * and invalid ones that break exactly one thing (a wrong type, a missing required member, an extra
 * member, an over-long string, a huge number, garbage JSON, a malformed path parameter).
 */
export interface FuzzRequest {
  method: Operation['method'];
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** What was broken, for failure messages; undefined for a valid request. */
  broken?: string;
}

interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export function resolver(doc: OpenApiDocument): Resolve {
  return (ref) => {
    let node: unknown = doc;
    for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[part];
    if (!node) throw new Error(`unresolvable $ref ${ref}`);
    return node as Schema;
  };
}

type Parts = {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  header: Record<string, unknown>;
  body?: unknown;
};

const HEADER_VALUE = fc.stringMatching(/^[!-~]{1,40}$/);

function record(params: Param[], resolve: Resolve, header = false) {
  const model = Object.fromEntries(
    params.map((p) => [p.name, header ? HEADER_VALUE : validArb(p.schema ?? { type: 'string' }, resolve)]),
  );
  return fc.record(model, { requiredKeys: params.filter((p) => p.required).map((p) => p.name) });
}

function serialise(op: Operation, parts: Parts, rawBody?: string, broken?: string): FuzzRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(String(parts.path[name] ?? '')),
  );
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(parts.query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v])
      qs.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts.header))
    if (v !== undefined) headers[k.toLowerCase()] = String(v);
  const payload = rawBody ?? (parts.body === undefined ? undefined : JSON.stringify(parts.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const q = qs.toString();
  return { method: op.method, url: q ? `${path}?${q}` : path, headers, payload, broken };
}

export function requestArbitraries(op: Operation, doc: OpenApiDocument) {
  const resolve = resolver(doc);
  const params = ((op.spec.parameters as Schema[]) ?? [])
    .map((p) => (p.$ref ? resolve(p.$ref as string) : p) as unknown as Param)
    .filter((p) => p.in !== 'cookie');
  const byIn = (where: Param['in']) => params.filter((p) => p.in === where);
  const body = op.spec.requestBody
    ? (op.spec.requestBody as Schema).$ref
      ? resolve((op.spec.requestBody as Schema).$ref as string)
      : (op.spec.requestBody as Schema)
    : undefined;
  const bodySchema = (body?.content as Record<string, { schema?: Schema }> | undefined)?.['application/json']
    ?.schema;

  const valid: fc.Arbitrary<Parts> = fc.record({
    path: record(byIn('path'), resolve),
    query: record(byIn('query'), resolve),
    header: record(byIn('header'), resolve, true),
    body: bodySchema ? validArb(bodySchema, resolve) : fc.constant(undefined),
  });

  const broken: fc.Arbitrary<FuzzRequest>[] = [];
  const mutate = (what: string, f: (p: Parts) => fc.Arbitrary<Parts>) =>
    broken.push(valid.chain(f).map((p) => serialise(op, p, undefined, what)));

  for (const p of [...byIn('path'), ...byIn('query')]) {
    const where = p.in as 'path' | 'query';
    const schema = p.schema ?? { type: 'string' };
    mutate(`${where} ${p.name}: wrong type`, (parts) =>
      wrongTypeArb(schema, resolve).map((v) => ({ ...parts, [where]: { ...parts[where], [p.name]: v } })),
    );
    const edge = outOfRangeArb(schema, resolve);
    if (edge)
      mutate(`${where} ${p.name}: out of range`, (parts) =>
        edge.map((v) => ({ ...parts, [where]: { ...parts[where], [p.name]: v } })),
      );
  }
  mutate('query: unknown parameter', (parts) =>
    fc.constant({ ...parts, query: { ...parts.query, zzUnknown: 'x' } }),
  );
  for (const h of byIn('header'))
    mutate(`header ${h.name}: out of range`, (parts) =>
      fc
        .constantFrom('', 'k'.repeat(300))
        .map((v) => ({ ...parts, header: { ...parts.header, [h.name]: v } })),
    );

  if (bodySchema) {
    broken.push(
      valid.chain((parts) =>
        fc
          .constantFrom(
            '{"unterminated": ',
            'not json at all',
            '[1, 2,',
            '\u0000\u0001',
            '{"a":1}{"b":2}',
            '',
          )
          .map((raw) => serialise(op, parts, raw, 'body: garbage JSON')),
      ),
    );
    mutate('body: wrong type', (parts) =>
      wrongTypeArb(bodySchema, resolve).map((v) => ({ ...parts, body: v })),
    );
    const top = (() => {
      const s = bodySchema.$ref ? resolve(bodySchema.$ref as string) : bodySchema;
      return s.allOf ? undefined : s;
    })();
    const props = (top?.properties as Record<string, Schema> | undefined) ?? {};
    for (const name of (top?.required as string[] | undefined) ?? [])
      mutate(`body: missing ${name}`, (parts) =>
        fc.constant({
          ...parts,
          body: Object.fromEntries(Object.entries((parts.body as object) ?? {}).filter(([k]) => k !== name)),
        }),
      );
    mutate('body: extra property', (parts) =>
      fc.constant({ ...parts, body: { ...((parts.body as object) ?? {}), zzExtra: 'x' } }),
    );
    for (const [name, schema] of Object.entries(props)) {
      mutate(`body ${name}: wrong type`, (parts) =>
        wrongTypeArb(schema, resolve).map((v) => ({
          ...parts,
          body: { ...((parts.body as object) ?? {}), [name]: v },
        })),
      );
      const edge = outOfRangeArb(schema, resolve);
      if (edge)
        mutate(`body ${name}: out of range`, (parts) =>
          edge.map((v) => ({ ...parts, body: { ...((parts.body as object) ?? {}), [name]: v } })),
        );
    }
  }

  return {
    valid: valid.map((p) => serialise(op, p)),
    invalid: broken.length ? fc.oneof(...broken) : valid.map((p) => serialise(op, p)),
  };
}
