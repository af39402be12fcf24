/**
 * The world every cell of the matrix runs in: sub-centres S1 (the owner's) and S2, the owning
 * university O1 in S1 and another verified organisation O2 in S2, one actor per caller, and
 * memoised shared objects. Objects are made through the real API (or the modules' own
 * services), so each starts in a state the product can actually reach.
 */

import { randomInt } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Organisation, SubCentre } from '../../modules/identity/repository.js';
import {
  ALL_USER_SCOPES,
  createActor,
  createClientActor,
  createOrganisation,
  createSubCentre,
  type TestActor,
} from '../actors.js';
import type { TestContext } from '../context.js';
import { randomCreditCode } from '../ids.js';
import type { CallerKey } from './types.js';

type UserCaller = Exclude<CallerKey, 'anonymous' | 'client' | 'clientNoScope'>;

export interface World {
  ctx: TestContext;
  app: FastifyInstance;
  tag: string;
  s1: SubCentre;
  s2: SubCentre;
  /** The owning organisation: a verified university in S1 (member, orgAdmin, client act for it). */
  o1: Organisation & { creditCode: string };
  /** Another verified organisation, in S2 (the stranger's). */
  o2: Organisation;
  users: Record<UserCaller, TestActor>;
  /** Headers of a caller for an operation needing `scopes`. */
  headers(caller: CallerKey, scopes: readonly string[]): Promise<Record<string, string>>;
  /** A shared object, made once per test file. */
  once(key: string, make: () => Promise<Record<string, string>>): Promise<Record<string, string>>;
  /** Texts no denied answer may contain (titles, names, URLs of fixture objects). */
  secrets: Set<string>;
  /** A unique private text, remembered as a secret. */
  secret(prefix: string): string;
  /** app.inject as a caller that must succeed (fixture building). */
  as(
    who: TestActor | undefined,
    method: string,
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse>;
}

export async function createWorld(ctx: TestContext, app: FastifyInstance): Promise<World> {
  const s1 = await createSubCentre(ctx, '矩阵分中心');
  const s2 = await createSubCentre(ctx, '矩阵外分中心');
  const creditCode = randomCreditCode(s1.code);
  const registrar = await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: s1.id }] });
  const o1 = await verifiedThroughApi(ctx, app, s1, creditCode, registrar);
  const o2 = await createOrganisation(ctx, {
    type: 'enterprise',
    subCentre: s2,
    verified: true,
    creditCode: randomCreditCode(s2.code),
  });
  const users: Record<UserCaller, TestActor> = {
    stranger: await createActor(ctx, { organisation: o2, name: '他方成员' }),
    member: await createActor(ctx, { organisation: o1, name: '本方成员' }),
    orgAdmin: await createActor(ctx, { organisation: o1, orgRole: 'org_admin', name: '本方管理员' }),
    otherRegistrar: await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: s2.id }] }),
    registrar,
    operator: await createActor(ctx, { roles: [{ role: 'operator' }] }),
  };
  const clients = new Map<string, Promise<TestActor>>();
  const clientWith = (scopes: string[]) => {
    const key = [...scopes].sort().join(' ');
    if (!clients.has(key)) clients.set(key, createClientActor(ctx, o1, scopes));
    return clients.get(key)!;
  };
  const shared = new Map<string, Promise<Record<string, string>>>();
  const secrets = new Set<string>([o1.creditCode ?? creditCode]);
  let n = 0;

  const world: World = {
    ctx,
    app,
    tag: ctx.tag,
    s1,
    s2,
    o1: { ...o1, creditCode },
    o2,
    users,
    secrets,
    async headers(caller, scopes) {
      if (caller === 'anonymous') return {};
      if (caller === 'client') return (await clientWith([...scopes])).headers;
      if (caller === 'clientNoScope')
        return (await clientWith(ALL_USER_SCOPES.filter((s) => !scopes.includes(s)))).headers;
      return users[caller].headers;
    },
    once(key, make) {
      if (!shared.has(key)) shared.set(key, make());
      return shared.get(key)!;
    },
    secret(prefix) {
      const s = `${prefix}-${ctx.tag}-${++n}-${randomInt(1e6)}`;
      secrets.add(s);
      return s;
    },
    async as(who, method, url, payload) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: who?.headers ?? {},
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });
      if (res.statusCode >= 400) throw new Error(`fixture ${method} ${url}: ${res.statusCode} ${res.body}`);
      return res;
    },
  };
  return world;
}

/** O1 goes through the real 一次认证 (so it has an application to read); tokens are made after. */
async function verifiedThroughApi(
  ctx: TestContext,
  app: FastifyInstance,
  s1: SubCentre,
  creditCode: string,
  registrar: TestActor,
): Promise<Organisation> {
  const o1 = await createOrganisation(ctx, {
    type: 'university',
    name: `矩阵大学-${ctx.tag}`,
    subCentre: s1,
  });
  const applicant = await createActor(ctx, { organisation: o1, orgRole: 'org_admin' });
  const inject = (who: TestActor, url: string, payload: object) =>
    app.inject({ method: 'POST', url, headers: who.headers, payload });
  const applied = await inject(applicant, `/v1/organisations/${o1.id}/verification`, {
    creditCode,
    legalRepresentative: '矩阵法人',
    licenceSha256: 'ab'.repeat(32),
  });
  if (applied.statusCode !== 201) throw new Error(`verification: ${applied.body}`);
  const approved = await inject(registrar, `/v1/verification-applications/${applied.json().id}/approve`, {
    level: 'L2',
  });
  if (approved.statusCode !== 200) throw new Error(`approval: ${approved.body}`);
  return { ...o1, creditCode, verificationStatus: 'verified', verificationLevel: 'L2' };
}
