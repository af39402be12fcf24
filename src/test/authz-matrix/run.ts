/**
 * Runs one row of the matrix: every caller's request, concurrently, each judged against its
 * expected outcome. Returns the mismatches as readable lines (empty when the row holds).
 */
import type { LightMyRequestResponse } from 'fastify';
import { newId, UUID_RE } from '../../platform/ids.js';
import type { Operation } from '../../platform/openapi.js';
import { CALLERS, type CallerKey, isDenial, type MatrixRow, type Obj, type Outcome } from './types.js';
import type { World } from './world.js';

/** The scopes the operation's `security` asks for (the union of its alternatives). */
export function scopesOf(op: Operation): string[] {
  const alternatives = (op.spec.security ?? []) as Record<string, string[]>[];
  return [...new Set(alternatives.flatMap((a) => Object.values(a).flat()))];
}

function urlOf(op: Operation, params: Record<string, string>, query: string): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`${op.operationId}: no value for path parameter ${name}`);
    return encodeURIComponent(v);
  });
  return query ? `${path}?${query}` : path;
}

interface Problem {
  type?: string;
  title?: string;
  status?: number;
}
const parse = (res: LightMyRequestResponse): Problem | undefined => {
  try {
    return JSON.parse(res.body) as Problem;
  } catch {
    return undefined;
  }
};

/** Why an answer does not match the outcome expected, or undefined. */
function judge(w: World, expected: Outcome, res: LightMyRequestResponse): string | undefined {
  const status = res.statusCode;
  if (expected === 'same')
    return status === 401 || status === 403 || (status >= 500 && status !== 503)
      ? `got ${status}`
      : undefined;
  if (status >= 500) return `server error ${status}`;
  if (expected === 'ok') return DENIED(status) ? `denied with ${status}` : undefined;
  if (status !== expected) return `expected ${expected}, got ${status}`;
  if (status < 400) return undefined;
  const problem = parse(res);
  if (
    !String(res.headers['content-type']).startsWith('application/problem+json') ||
    problem?.status !== status
  )
    return `${status} is not problem+json`;
  if (isDenial(expected)) {
    const leaked = [...w.secrets].find((s) => res.body.includes(s));
    if (leaked) return `denial leaks "${leaked}"`;
  }
  return undefined;
}
const DENIED = (s: number) => s === 401 || s === 403 || s === 404;

export async function runRow(w: World, row: MatrixRow, op: Operation): Promise<string[]> {
  const scopes = scopesOf(op);
  const shared = row.object ? await row.object(w) : {};
  const request = async (caller: CallerKey, obj: Obj, params: Record<string, string>) => {
    const body = row.body?.(obj, w, caller);
    return w.app.inject({
      method: op.method as 'GET',
      url: urlOf(op, params, row.query?.(obj, w) ?? ''),
      headers: await w.headers(caller, scopes),
      ...(body !== undefined ? { payload: body as object } : {}),
    });
  };
  // Every object first, then the calls: no fixture is being made while another cell changes things.
  const objects = await Promise.all(
    CALLERS.map((c) => (row.fresh && row.object && !isDenial(row.expect[c]) ? row.object(w) : shared)),
  );
  const statuses = new Map<CallerKey, number>();
  const results = await Promise.all(
    CALLERS.map(async (caller, i) => {
      const expected = row.expect[caller];
      const obj = objects[i]!;
      const params = row.params?.(obj, w) ?? {};
      const res = await request(caller, obj, params);
      statuses.set(caller, res.statusCode);
      const why = judge(w, expected, res);
      if (why) return `${caller}: ${why} — ${res.body.slice(0, 200)}`;
      // A hidden object answers exactly like one that does not exist: the innermost id (the
      // last in the path) replaced by a fresh one must give the same problem.
      const innermost = op.path
        .match(/\{([^}]+)\}/g)
        ?.map((m) => m.slice(1, -1))
        .at(-1);
      if (expected === 404 && innermost && UUID_RE.test(params[innermost] ?? '')) {
        const missing = { ...params, [innermost]: newId() };
        const probe = await request(caller, obj, missing);
        const [a, b] = [parse(res), parse(probe)];
        if (probe.statusCode !== 404 || a?.type !== b?.type || a?.title !== b?.title)
          return `${caller}: hidden answers ${a?.type} but missing answers ${probe.statusCode} ${b?.type}`;
      }
      return undefined;
    }),
  );
  const same = CALLERS.filter((c) => row.expect[c] === 'same').map((c) => `${c} ${statuses.get(c)}`);
  if (new Set(same.map((s) => s.split(' ')[1])).size > 1) results.push(`callers differ: ${same.join(', ')}`);
  return results.filter((r): r is string => r !== undefined);
}
