import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

/** `openapi/openapi.yaml` is the source of truth for every HTTP route (contract first). */
export const OPENAPI_FILE = path.resolve(
  fileURLToPath(new URL('../../openapi/openapi.yaml', import.meta.url)),
);

export type JsonSchema = Record<string, unknown>;
type Obj = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: Obj;
  paths: Record<string, Record<string, Obj>>;
  components?: {
    schemas?: Record<string, JsonSchema>;
    parameters?: Record<string, Obj>;
    responses?: Record<string, Obj>;
  };
  [k: string]: unknown;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

export interface Operation {
  operationId: string;
  method: Uppercase<(typeof HTTP_METHODS)[number]>;
  /** OpenAPI path template, e.g. `/v1/achievements/{id}`. */
  path: string;
  /** The same path in Fastify syntax, e.g. `/v1/achievements/:id`. */
  url: string;
  spec: Obj;
}

let cached: OpenApiDocument | undefined;

/**
 * The parsed form of a bundled contract, written beside it by `npm run openapi:bundle`
 * (`openapi.yaml` → `openapi.parsed.json`). Parsing the 400 KB YAML took most of building the
 * HTTP app at every start (0.7 s of CPU); JSON.parse takes milliseconds. It names the SHA-256 of
 * the YAML it was made from, and is used only while that still matches: a stale one is ignored.
 */
export interface ParsedContract {
  yamlSha256: string;
  document: OpenApiDocument;
}

export const parsedContractFile = (yamlFile: string) => yamlFile.replace(/\.ya?ml$/, '') + '.parsed.json';
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function parsedContract(yamlText: string): ParsedContract {
  return { yamlSha256: sha256(yamlText), document: YAML.parse(yamlText) as OpenApiDocument };
}

function readParsed(file: string, yamlText: string): OpenApiDocument | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(parsedContractFile(file), 'utf8')) as Partial<ParsedContract>;
    return parsed.yamlSha256 === sha256(yamlText) ? parsed.document : undefined;
  } catch {
    return undefined;
  }
}

export function loadOpenApi(file = OPENAPI_FILE): OpenApiDocument {
  if (file === OPENAPI_FILE && cached) return cached;
  const text = fs.readFileSync(file, 'utf8');
  const doc = readParsed(file, text) ?? (YAML.parse(text) as OpenApiDocument);
  if (file === OPENAPI_FILE) cached = doc;
  return doc;
}

function resolveRef<T>(doc: OpenApiDocument, node: T): T {
  const ref = (node as Obj | undefined)?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let target: unknown = doc;
  for (const part of ref.slice(2).split('/'))
    target = (target as Obj)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolveRef(doc, target as T);
}

export function listOperations(doc: OpenApiDocument = loadOpenApi()): Operation[] {
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    for (const m of HTTP_METHODS) {
      const spec = item[m];
      if (!spec) continue;
      const operationId = spec.operationId;
      if (typeof operationId !== 'string') throw new Error(`${m.toUpperCase()} ${p} has no operationId`);
      ops.push({
        operationId,
        method: m.toUpperCase() as Operation['method'],
        path: p,
        url: p.replace(/\{([^}]+)\}/g, ':$1'),
        spec: {
          ...spec,
          parameters: [
            ...((item.parameters as unknown as Obj[]) ?? []),
            ...((spec.parameters as Obj[]) ?? []),
          ],
        },
      });
    }
  }
  return ops;
}

/** OpenAPI component refs become Fastify shared-schema refs (`Name#`), added with `addSchema`. */
export function toFastifyRefs<T>(node: T): T {
  if (Array.isArray(node)) return node.map(toFastifyRefs) as T;
  if (!node || typeof node !== 'object') return node;
  const obj = node as Obj;
  if (typeof obj.$ref === 'string' && obj.$ref.startsWith('#/components/schemas/')) {
    return { $ref: `${obj.$ref.slice('#/components/schemas/'.length)}#` } as T;
  }
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    // OpenAPI-only annotations that JSON Schema validators do not know.
    if (k === 'example' || k === 'discriminator' || k === 'xml' || k === 'externalDocs') continue;
    out[k] = toFastifyRefs(v);
  }
  return out as T;
}

export function componentSchemas(
  doc: OpenApiDocument = loadOpenApi(),
): { $id: string; [k: string]: unknown }[] {
  return Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => ({
    ...toFastifyRefs(schema),
    $id: name,
  }));
}

export interface RouteSchema {
  params?: JsonSchema;
  querystring?: JsonSchema;
  headers?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
}

/** The Fastify route schema of one operation: validation and serialisation from the spec. */
export function routeSchema(op: Operation, doc: OpenApiDocument = loadOpenApi()): RouteSchema {
  const schema: RouteSchema = {};
  const groups: Record<'path' | 'query' | 'header', { properties: Obj; required: string[] }> = {
    path: { properties: {}, required: [] },
    query: { properties: {}, required: [] },
    header: { properties: {}, required: [] },
  };
  for (const raw of (op.spec.parameters as Obj[]) ?? []) {
    const p = resolveRef(doc, raw) as {
      name: string;
      in: 'path' | 'query' | 'header' | 'cookie';
      required?: boolean;
      schema?: Obj;
    };
    if (p.in === 'cookie') continue;
    const name = p.in === 'header' ? p.name.toLowerCase() : p.name;
    groups[p.in].properties[name] = toFastifyRefs(p.schema ?? {});
    if (p.required) groups[p.in].required.push(name);
  }
  const obj = (g: { properties: Obj; required: string[] }, additional: boolean) => ({
    type: 'object',
    properties: g.properties,
    ...(g.required.length ? { required: g.required } : {}),
    additionalProperties: additional,
  });
  if (Object.keys(groups.path.properties).length) schema.params = obj(groups.path, false);
  if (Object.keys(groups.query.properties).length) schema.querystring = obj(groups.query, false);
  if (Object.keys(groups.header.properties).length) schema.headers = obj(groups.header, true);

  const body = resolveRef(doc, op.spec.requestBody as Obj | undefined) as
    | { content?: Record<string, { schema?: Obj }> }
    | undefined;
  const json = body?.content?.['application/json']?.schema;
  if (json) schema.body = toFastifyRefs(json);

  const response: Record<string, JsonSchema> = {};
  for (const [status, rawResp] of Object.entries((op.spec.responses as Obj) ?? {})) {
    const resp = resolveRef(doc, rawResp) as { content?: Record<string, { schema?: Obj }> };
    const s = resp.content?.['application/json']?.schema;
    if (s && /^[23]/.test(status)) response[status] = toFastifyRefs(s);
  }
  if (Object.keys(response).length) schema.response = response;
  return schema;
}
