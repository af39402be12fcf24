import { ForbiddenError, NotFoundError, UnauthorizedError } from './errors.js';
import type { Principal } from './principal.js';

/**
 * The one authorisation layer: a policy per action, over the caller and the object. Modules
 * declare their policies with `definePolicies`; handlers call `authorize` and never test roles
 * ad hoc. An object the caller may not even see answers 404, so its existence does not leak.
 */
export type PolicyResult = 'allow' | 'deny' | 'hide';
export type Policy<T> = (principal: Principal | undefined, object: T) => boolean | PolicyResult;

const policies = new Map<string, Policy<never>>();

export function definePolicies<M extends Record<string, Policy<never>>>(map: M): M {
  for (const [action, policy] of Object.entries(map)) {
    if (policies.has(action)) throw new Error(`policy ${action} defined twice`);
    policies.set(action, policy);
  }
  return map;
}

export function check<T>(principal: Principal | undefined, action: string, object: T): PolicyResult {
  const policy = policies.get(action) as Policy<T> | undefined;
  if (!policy) throw new Error(`no policy for ${action}`);
  const r = policy(principal, object);
  return r === true ? 'allow' : r === false ? 'deny' : r;
}

export function can<T>(principal: Principal | undefined, action: string, object: T): boolean {
  return check(principal, action, object) === 'allow';
}

/** Throws 401 for anonymous callers, 404 where the object must stay hidden, else 403. */
export function authorize<T>(principal: Principal | undefined, action: string, object: T): void {
  const r = check(principal, action, object);
  if (r === 'allow') return;
  if (!principal) throw new UnauthorizedError();
  if (r === 'hide') throw new NotFoundError();
  throw new ForbiddenError('forbidden', { action });
}

export function requirePrincipal(principal: Principal | undefined): Principal {
  if (!principal) throw new UnauthorizedError();
  return principal;
}

/** Every action with a policy (the authorisation matrix test walks them). */
export function definedActions(): string[] {
  return [...policies.keys()].sort();
}
