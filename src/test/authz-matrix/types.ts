/**
 * The vocabulary of the authorisation matrix: who calls, what a cell expects, what a row is.
 * A row is one operation (or one variant of it, e.g. on a draft and on a published listing)
 * against fixture objects; a cell is one caller's request and the answer expected for it.
 */
import type { World } from './world.js';

/** The callers of issue 8, in the order the matrix prints them. */
export const CALLERS = [
  'anonymous',
  /** a member of another organisation (in another sub-centre) */
  'stranger',
  /** a plain member (org_member) of the owning organisation */
  'member',
  /** an org_admin of the owning organisation */
  'orgAdmin',
  /** the registrar of another sub-centre */
  'otherRegistrar',
  /** the registrar of the owning organisation's sub-centre */
  'registrar',
  'operator',
  /** a partner client (client credentials) of the owning organisation with the operation's scopes */
  'client',
  /** the same client with every other API scope but not the operation's */
  'clientNoScope',
] as const;
export type CallerKey = (typeof CALLERS)[number];

/**
 * A cell's expected answer. 401/403/404 are denials (404: the object is hidden, its existence
 * must not leak). Any other number is an allowed call with that exact status (a 2xx, or a
 * business refusal such as 409/422 that only an authorised caller can reach). 'ok' is an
 * allowed call whose status is not pinned (anything but 401/403/404 and 5xx). 'same' is for
 * public endpoints whose answer depends on shared state (the voucher log may have no
 * checkpoint yet: 503): every caller must get the same status, never 401/403.
 */
export type Outcome = 'ok' | 'same' | number;
export type Expectations = Record<CallerKey, Outcome>;

export const DENIALS = new Set([401, 403, 404]);
export const isDenial = (o: Outcome) => typeof o === 'number' && DENIALS.has(o);

/** Ids (and private texts) of a fixture object. */
export type Obj = Record<string, string>;

export interface MatrixRow {
  /** The operationId in openapi/openapi.yaml (method and path come from there). */
  op: string;
  /** Distinguishes two rows of one operation (e.g. 'draft', 'published'). */
  variant?: string;
  /**
   * The object the cells act on. Read-only rows should share it through `w.once(...)`; a row
   * with `fresh: true` gets a new one for every allowed cell (the call changes it), while its
   * denied cells share one (a denial changes nothing).
   */
  object?: (w: World) => Promise<Obj>;
  fresh?: boolean;
  /** Path parameters, by the names in the spec's path template. */
  params?: (o: Obj, w: World) => Record<string, string>;
  /** Query string without the '?'. */
  query?: (o: Obj, w: World) => string;
  /** A minimal valid body (the caller is given so a create can be unique per cell). */
  body?: (o: Obj, w: World, caller: CallerKey) => unknown;
  expect: Expectations;
  /** Why the row expects what it does, where the table alone does not say. */
  note?: string;
}

/** Expectations: `rest` for every caller not named in `cells`. */
export function cells(rest: Outcome, named: Partial<Expectations> = {}): Expectations {
  return Object.fromEntries(CALLERS.map((c) => [c, named[c] ?? rest])) as Expectations;
}

/** Public, no scope: everyone gets `status`. */
export const anyone = (status: Outcome = 200) => cells(status);

/**
 * Public, but a token must carry the scope (`security: [{}, {oauth2: [scope]}]`): anonymous
 * callers are served, a token without the scope is refused (403).
 */
export const publicScoped = (status: Outcome = 200, named: Partial<Expectations> = {}) =>
  cells(status, { clientNoScope: 403, ...named });

/**
 * Any signed-in caller with the scope; anonymous 401, the scopeless client 403 (`scoped`
 * false: the route asks for no scope, so the scopeless client is allowed too).
 */
export const signedIn = (status: Outcome = 200, named: Partial<Expectations> = {}, scoped = true) =>
  cells(status, { anonymous: 401, ...(scoped ? { clientNoScope: 403 } : {}), ...named });

/**
 * Only the owning organisation (its members and client) and operators; everyone else is shown
 * nothing (404). `registrar` says what the owning sub-centre's registrar gets.
 */
export const ownerSide = (status: Outcome, named: Partial<Expectations> = {}) =>
  cells(404, {
    anonymous: 401,
    member: status,
    orgAdmin: status,
    operator: status,
    client: status,
    clientNoScope: 403,
    ...named,
  });
