import fc from 'fast-check';

/**
 * JSON Schema (as used in openapi/openapi.yaml, OpenAPI 3.1) → fast-check arbitraries: values
 * that satisfy a schema, and values that break it in one place. Used by the schema-fuzzing
 * suite; generic, so new operations and schemas are covered without touching this file.
 */
export type Schema = Record<string, unknown>;
export type Resolve = (ref: string) => Schema;

const MAX_DEPTH = 6;
const STRING_CAP = 40; // generated strings stay short unless the schema asks for more

export function deref(schema: Schema, resolve: Resolve): Schema {
  let s = schema;
  for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) s = { ...resolve(s.$ref), ...omit(s, '$ref') };
  return s;
}

function omit(s: Schema, ...keys: string[]): Schema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k)));
}

/** allOf of object schemas → one object schema (enough for the shapes this API uses). */
function mergeAllOf(schema: Schema, resolve: Resolve): Schema {
  const parts = (schema.allOf as Schema[]).map((p) => deref(p, resolve));
  const merged: Schema = { ...omit(schema, 'allOf'), type: 'object', properties: {}, required: [] };
  for (const p of parts) {
    const q = p.allOf ? mergeAllOf(p, resolve) : p;
    Object.assign(merged.properties as Schema, q.properties ?? {});
    (merged.required as string[]).push(...((q.required as string[]) ?? []));
    if (q.additionalProperties === false) merged.additionalProperties = false;
  }
  return merged;
}

const types = (s: Schema): string[] =>
  Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? Math.max(min, STRING_CAP);
  // Only the schema's own limits filter (a default cap could exclude every match of a pattern).
  const fits = (v: string) =>
    v.length >= min && (s.maxLength === undefined || v.length <= (s.maxLength as number));
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'email':
      return fc.emailAddress().filter(fits);
    case 'uri':
    case 'url':
      return fc.webUrl().filter(fits);
    case 'uri-reference':
      return fc.webPath().filter(fits);
  }
  if (typeof s.pattern === 'string') {
    const re = new RegExp(s.pattern as string, 'u');
    return fc.stringMatching(re).filter(fits);
  }
  return fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, STRING_CAP)), unit: 'grapheme' });
}

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const exMin = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : undefined;
  const exMax = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : undefined;
  let min = (s.minimum as number | undefined) ?? (exMin !== undefined ? exMin + (integer ? 1 : 1e-9) : -1e9);
  let max = (s.maximum as number | undefined) ?? (exMax !== undefined ? exMax - (integer ? 1 : 1e-9) : 1e9);
  min = Math.max(min, Number.MIN_SAFE_INTEGER);
  max = Math.min(max, Number.MAX_SAFE_INTEGER);
  if (integer) return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Values valid for `schema`. */
export function validArb(schema: Schema, resolve: Resolve, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(schema, resolve);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if (Array.isArray(s.allOf)) return validArb(mergeAllOf(s, resolve), resolve, depth);
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(s[key]))
      return fc.oneof(
        ...(s[key] as Schema[]).map((alt) =>
          validArb({ ...omit(s, key), ...deref(alt, resolve) }, resolve, depth),
        ),
      );
  }
  const ts = types(s);
  if (ts.length > 1) return fc.oneof(...ts.map((t) => validArb({ ...s, type: t }, resolve, depth)));
  switch (ts[0]) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = s.items ? validArb(s.items as Schema, resolve, depth + 1) : fc.jsonValue();
      const minLength = (s.minItems as number | undefined) ?? 0;
      const maxLength = Math.min(
        (s.maxItems as number | undefined) ?? 4,
        minLength + (depth >= MAX_DEPTH ? 0 : 3),
      );
      return s.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'object':
      return objectArb(s, resolve, depth);
    default:
      return s.properties ? objectArb(s, resolve, depth) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArb(s: Schema, resolve: Resolve, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = (s.properties as Record<string, Schema> | undefined) ?? {};
  const required = new Set((s.required as string[] | undefined) ?? []);
  // Deep in a recursive schema only the required members are generated.
  const keys = Object.keys(props).filter((k) => required.has(k) || depth < MAX_DEPTH);
  const model = Object.fromEntries(keys.map((k) => [k, validArb(props[k]!, resolve, depth + 1)]));
  return fc.record(model, { requiredKeys: keys.filter((k) => required.has(k)) }) as fc.Arbitrary<
    Record<string, unknown>
  >;
}

/** A value of the wrong JSON type for `schema` (string ↔ number ↔ object ↔ array …). */
export function wrongTypeArb(schema: Schema, resolve: Resolve): fc.Arbitrary<unknown> {
  const ts = new Set(types(deref(schema, resolve)));
  const all: [string, fc.Arbitrary<unknown>][] = [
    ['string', fc.string({ maxLength: 10 })],
    ['integer', fc.integer()],
    ['number', fc.double({ noNaN: true, noDefaultInfinity: true })],
    ['boolean', fc.boolean()],
    ['object', fc.constant({ nested: { deeper: [1, 2, 3] } })],
    ['array', fc.constant([1, 'two', null])],
    ['null', fc.constant(null)],
  ];
  const wrong = all.filter(
    ([t]) => !ts.has(t) && !(t === 'integer' && ts.has('number')) && !(t === 'number' && ts.has('integer')),
  );
  return fc.oneof(...wrong.map(([, a]) => a));
}

/** Edge values that break size limits: over-long strings, huge and non-integral numbers. */
export function outOfRangeArb(schema: Schema, resolve: Resolve): fc.Arbitrary<unknown> | undefined {
  const s = deref(schema, resolve);
  const ts = types(s);
  if (ts.includes('string') && !s.enum && !('const' in s))
    return fc.constantFrom(
      'x'.repeat(((s.maxLength as number | undefined) ?? 10_000) + 1),
      '\u0000'.repeat(3),
      '😀'.repeat(600),
    );
  if (ts.includes('integer') || ts.includes('number'))
    return fc.constantFrom(1e308, -1e308, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 0.5, -1);
  return undefined;
}
