/**
 * Splits the monolithic contract (openapi/openapi.yaml) into parts beside the code (issue 15 item 4):
 *
 *   openapi/root.yaml                  info, servers, security, tags, the shared components, and a
 *                                      `$ref` per path into the part that owns it
 *   src/modules/<module>/openapi.yaml  that module's paths and the components only it uses
 *   src/platform/openapi.yaml          the platform's paths (health, metrics, the document, problems)
 *
 * The rule, deterministic and small:
 *   - a path belongs to the module of the LONGEST prefix in PATH_PREFIXES that matches it segment by
 *     segment (`{…}` in a prefix matches any path parameter); a path matching no prefix is an error
 *     listed with its operations' tags: add its prefix to PATH_PREFIXES and run again;
 *   - a component (schema, parameter, response, …) used — directly or through other components — by
 *     the paths of exactly one part lives in that part; every other one (used by several parts, or
 *     by none) stays in root.yaml.
 *
 * The split only moves YAML nodes (text, comments and flow style kept) and rewrites `$ref`s to the
 * file that now holds their target. It then bundles the parts (scripts/openapi-bundle.ts) into a
 * temporary file and fails unless the bundle equals the monolith as a parsed document (paths,
 * operations, components; order aside). It does not write openapi/openapi.yaml: run
 * `npm run openapi:bundle` afterwards.
 *
 * Usage: npx tsx scripts/openapi-split.ts [monolith.yaml] [output root directory]
 *   defaults: openapi/openapi.yaml and the repository root.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML, { type Document, isMap, isPair, isScalar, type YAMLMap } from 'yaml';
import { bundleContract, contractDifferences } from './openapi-bundle.js';

/**
 * Path prefix → module. Add a line for a new module's paths. A prefix matches whole segments
 * (`/v1/me` matches `/v1/me/sessions`, not `/v1/metrics`); the longest match wins.
 * `platform` parts go to src/platform/openapi.yaml, every other module to src/modules/<module>/.
 */
export const PATH_PREFIXES: Record<string, string> = {
  // platform
  '/healthz': 'platform',
  '/readyz': 'platform',
  '/metrics': 'platform',
  '/openapi.json': 'platform',
  '/problems': 'platform',
  // identity
  '/v1/me': 'identity',
  '/v1/sub-centres': 'identity',
  '/v1/organisations': 'identity',
  '/v1/verification-applications': 'identity',
  '/v1/users': 'identity',
  '/v1/real-name-applications': 'identity',
  '/v1/admin/clients': 'identity',
  // catalog
  '/v1/achievements': 'catalog',
  '/v1/needs': 'catalog',
  '/v1/review-queue': 'catalog',
  '/v1/changes': 'catalog',
  '/v1/experts': 'catalog',
  '/v1/service-institutions': 'catalog',
  // matching
  '/v1/search': 'matching',
  '/v1/matches': 'matching',
  '/v1/achievements/{}/matches': 'matching',
  '/v1/needs/{}/matches': 'matching',
  '/v1/admin/synonyms': 'matching',
  '/v1/admin/matching': 'matching',
  // contracts
  '/v1/contracts': 'contracts',
  '/v1/admin/holiday-calendar': 'contracts',
  // vouchers
  '/v1/vouchers': 'vouchers',
  '/vouchers': 'vouchers',
  // integration
  '/v1/webhooks': 'integration',
  // interests
  '/v1/interests': 'interests',
  // alerts
  '/v1/saved-searches': 'alerts',
  // notifications
  '/v1/notifications': 'notifications',
  // services
  '/v1/service-offerings': 'services',
  '/v1/service-requests': 'services',
  '/v1/service-orders': 'services',
  // notices
  '/v1/public-notices': 'notices',
  '/v1/organisations/{}/price-notice-policy': 'notices',
  // managers
  '/v1/technology-managers': 'managers',
  '/v1/contracts/{}/broker': 'managers',
  '/v1/interests/{}/broker': 'managers',
  '/v1/service-orders/{}/broker': 'managers',
  // financing
  '/v1/roadshows': 'financing',
  '/v1/investment-interests': 'financing',
  '/v1/investors': 'financing',
  // assessments
  '/v1/evaluation-experts': 'assessments',
  '/v1/evaluations': 'assessments',
  '/v1/valuations': 'assessments',
  '/v1/achievements/{}/assessments': 'assessments',
};

const COMPONENT_SECTIONS = [
  'schemas',
  'parameters',
  'responses',
  'requestBodies',
  'headers',
  'examples',
  'links',
  'callbacks',
  'pathItems',
] as const;

const ROOT = 'root';
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The part file of a module, relative to the output root. */
export function partFile(module: string): string {
  if (module === ROOT) return 'openapi/root.yaml';
  if (module === 'platform') return 'src/platform/openapi.yaml';
  return `src/modules/${module}/openapi.yaml`;
}

function segments(p: string): string[] {
  return p
    .split('/')
    .filter(Boolean)
    .map((s) => (/^\{.*\}$/.test(s) ? '{}' : s));
}

/** The module owning `apiPath`, by the longest matching prefix; undefined when none matches. */
export function moduleOfPath(apiPath: string, prefixes = PATH_PREFIXES): string | undefined {
  const segs = segments(apiPath);
  let best: { length: number; module: string } | undefined;
  for (const [prefix, module] of Object.entries(prefixes)) {
    const pre = segments(prefix);
    if (pre.length > segs.length || (best && pre.length <= best.length)) continue;
    if (pre.every((s, i) => s === segs[i])) best = { length: pre.length, module };
  }
  return best?.module;
}

type Obj = Record<string, unknown>;
const key = (section: string, name: string) => `${section}/${name}`;

/** Local component refs (`#/components/<section>/<name>`) anywhere under `node`. */
function refsIn(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const v of node) refsIn(v, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Obj)) {
      if (k === '$ref' && typeof v === 'string') {
        const m = /^#\/components\/([^/]+)\/(.+)$/.exec(v);
        if (m) out.add(key(m[1]!, unescapePointer(m[2]!)));
      } else refsIn(v, out);
    }
  }
  return out;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Rewrites every `$ref` under a YAML node to point into the file that holds its target. */
function rewriteRefs(node: unknown, fromFile: string, homeOf: Map<string, string>): void {
  YAML.visit(node as YAMLMap, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== '$ref' || !isScalar(pair.value)) return;
      const ref = String(pair.value.value);
      const m = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
      if (!m) return;
      const home = homeOf.get(key(m[1]!, unescapePointer(m[2]!)));
      if (!home) throw new Error(`${ref}: no such component`);
      const target = partFile(home);
      if (target === fromFile) return;
      const rel = path.posix.relative(path.posix.dirname(fromFile), target);
      pair.value.value = `${rel}${ref}`;
    },
  });
}

export interface SplitResult {
  /** Output files relative to the output root, with their text. */
  files: Map<string, string>;
  /** Path → module. */
  pathModules: Map<string, string>;
  /** `section/name` → module or `root`. */
  componentHomes: Map<string, string>;
  /** Paths whose operations are all tagged with another module's name (worth a PATH_PREFIXES line). */
  tagMismatches: { path: string; module: string; tag: string }[];
}

export class UnmappedPathsError extends Error {
  constructor(readonly unmapped: { path: string; tags: string[] }[]) {
    super(
      `No module for ${unmapped.length} path(s); add their prefixes to PATH_PREFIXES in scripts/openapi-split.ts:\n` +
        unmapped.map((u) => `  ${u.path}  (tags: ${u.tags.join(', ') || 'none'})`).join('\n'),
    );
  }
}

const GENERATED_NOTE = (what: string) =>
  ` ${what} of the techex contract, split by scripts/openapi-split.ts. Edit it here, then run\n` +
  ' `npm run openapi:bundle` (writes the served openapi/openapi.yaml) and `npm run generate:types`.';

/** Splits the monolith's text into root.yaml and the parts (nothing is written). */
export function splitContract(monolith: string, prefixes = PATH_PREFIXES): SplitResult {
  const plain = YAML.parse(monolith) as Obj & { paths: Record<string, Obj>; components?: Obj };
  const doc = YAML.parseDocument(monolith, { keepSourceTokens: false });

  // 1. Paths → modules.
  const pathModules = new Map<string, string>();
  const unmapped: { path: string; tags: string[] }[] = [];
  const tagMismatches: SplitResult['tagMismatches'] = [];
  const knownModules = new Set(Object.values(prefixes));
  for (const [p, item] of Object.entries(plain.paths ?? {})) {
    const module = moduleOfPath(p, prefixes);
    const tags = new Set<string>();
    for (const op of Object.values(item ?? {}))
      for (const t of ((op as Obj | null)?.tags as string[] | undefined) ?? []) tags.add(t);
    if (!module) {
      unmapped.push({ path: p, tags: [...tags] });
      continue;
    }
    pathModules.set(p, module);
    const [tag] = tags;
    if (tags.size === 1 && tag !== module && knownModules.has(tag!))
      tagMismatches.push({ path: p, module, tag: tag! });
  }
  if (unmapped.length) throw new UnmappedPathsError(unmapped);

  // 2. Components → the parts that use them (through other components too).
  const components = (plain.components ?? {}) as Record<string, Record<string, unknown>>;
  const edges = new Map<string, Set<string>>();
  for (const section of COMPONENT_SECTIONS)
    for (const [name, value] of Object.entries(components[section] ?? {}))
      edges.set(key(section, name), refsIn(value));
  const users = new Map<string, Set<string>>([...edges.keys()].map((k) => [k, new Set<string>()]));
  for (const [p, module] of pathModules) {
    const stack = [...refsIn(plain.paths[p])];
    const seen = new Set<string>();
    while (stack.length) {
      const c = stack.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      if (!users.has(c)) throw new Error(`${p}: $ref to missing component ${c}`);
      users.get(c)!.add(module);
      stack.push(...(edges.get(c) ?? []));
    }
  }
  const componentHomes = new Map<string, string>();
  for (const [c, us] of users) componentHomes.set(c, us.size === 1 ? [...us][0]! : ROOT);

  // 3. Build the parts from the monolith's own nodes (text, comments and flow style kept).
  const modules = [...new Set(pathModules.values())];
  const files = new Map<string, string>();
  const pathsNode = doc.get('paths', true) as YAMLMap;
  const componentsNode = doc.get('components', true) as YAMLMap | undefined;

  for (const module of modules) {
    const file = partFile(module);
    const part = new YAML.Document({}) as Document;
    part.commentBefore = GENERATED_NOTE(`The ${module} part`);
    const partPaths = part.createNode({}) as YAMLMap;
    for (const pair of pathsNode.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      if (pathModules.get(String(pair.key.value)) !== module) continue;
      const copy = pair.clone();
      rewriteRefs(copy.value, file, componentHomes);
      partPaths.items.push(copy);
    }
    (part.contents as YAMLMap).set('paths', partPaths);
    const partComponents = part.createNode({}) as YAMLMap;
    for (const section of COMPONENT_SECTIONS) {
      const sectionNode = componentsNode?.get(section, true);
      if (!isMap(sectionNode)) continue;
      const partSection = part.createNode({}) as YAMLMap;
      for (const pair of sectionNode.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        if (componentHomes.get(key(section, String(pair.key.value))) !== module) continue;
        const copy = pair.clone();
        rewriteRefs(copy.value, file, componentHomes);
        partSection.items.push(copy);
      }
      if (partSection.items.length) partComponents.set(section, partSection);
    }
    if (partComponents.items.length) (part.contents as YAMLMap).set('components', partComponents);
    files.set(file, part.toString({ lineWidth: 0, flowCollectionPadding: false }));
  }

  // 4. The root: everything else, with each path a $ref into its part.
  const root = doc.clone();
  root.commentBefore = GENERATED_NOTE('The root');
  const rootPaths = root.get('paths', true) as YAMLMap;
  for (const pair of rootPaths.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const p = String(pair.key.value);
    const target = path.posix.relative('openapi', partFile(pathModules.get(p)!));
    const value = root.createNode({ $ref: `${target}#/paths/${escapePointer(p)}` }) as YAMLMap;
    value.commentBefore = undefined;
    pair.value = value;
  }
  const rootComponents = root.get('components', true) as YAMLMap | undefined;
  for (const section of COMPONENT_SECTIONS) {
    const sectionNode = rootComponents?.get(section, true);
    if (!isMap(sectionNode)) continue;
    sectionNode.items = sectionNode.items.filter(
      (pair) => !isScalar(pair.key) || componentHomes.get(key(section, String(pair.key.value))) === ROOT,
    );
    rewriteRefs(sectionNode, partFile(ROOT), componentHomes);
  }
  files.set(partFile(ROOT), root.toString({ lineWidth: 0, flowCollectionPadding: false }));
  return { files, pathModules, componentHomes, tagMismatches };
}

/** Writes the split under `outRoot` and checks that its bundle equals the monolith. */
export async function splitAndCheck(monolithFile: string, outRoot: string): Promise<SplitResult> {
  const monolith = fs.readFileSync(monolithFile, 'utf8');
  const result = splitContract(monolith);
  for (const [file, text] of result.files) {
    fs.mkdirSync(path.dirname(path.join(outRoot, file)), { recursive: true });
    fs.writeFileSync(path.join(outRoot, file), text);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-openapi-'));
  try {
    const bundled = await bundleContract(path.join(outRoot, partFile(ROOT)), path.join(tmp, 'openapi.yaml'));
    const diffs = contractDifferences(YAML.parse(monolith), YAML.parse(bundled));
    if (diffs.length)
      throw new Error(`The bundle of the parts differs from ${monolithFile}:\n  ${diffs.join('\n  ')}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const monolithFile = path.resolve(process.argv[2] ?? path.join(repoRoot, 'openapi/openapi.yaml'));
  const outRoot = path.resolve(process.argv[3] ?? repoRoot);
  splitAndCheck(monolithFile, outRoot).then(
    (r) => {
      const counts = new Map<string, number>();
      for (const m of r.pathModules.values()) counts.set(m, (counts.get(m) ?? 0) + 1);
      const comps = new Map<string, number>();
      for (const m of r.componentHomes.values()) comps.set(m, (comps.get(m) ?? 0) + 1);
      for (const file of r.files.keys()) {
        const m = [...counts.keys()].find((k) => partFile(k) === file) ?? ROOT;
        console.log(`${file}: ${counts.get(m) ?? 0} paths, ${comps.get(m) ?? 0} components`);
      }
      for (const m of r.tagMismatches)
        console.warn(
          `warning: ${m.path} goes to ${m.module} but is tagged ${m.tag}: add a PATH_PREFIXES line?`,
        );
      console.log('The bundle of the parts equals the monolith. Now run `npm run openapi:bundle`.');
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
