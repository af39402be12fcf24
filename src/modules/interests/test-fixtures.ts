import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { createActor, createOrganisation, createSubCentre, type TestActor } from '../../test/actors.js';
import { buildTestApp, createTestContext, type TestContext } from '../../test/context.js';
import { randomCreditCode } from '../../test/ids.js';
import { catalogModule } from '../catalog/module.js';
import { achievementFixture, needFixture } from '../catalog/test-fixtures.js';

import type { Organisation, SubCentre } from '../identity/repository.js';
import { notificationsModule } from '../notifications/module.js';
import { interestsModule } from './module.js';

/**
 * A world for interest tests: a verified university owning achievements, a verified enterprise
 * interested in them, a stranger organisation, an unverified one and an operator. Real rows and
 * tokens; the routes of the catalog, interests and the inbox.
 */
export interface World {
  ctx: TestContext;
  app: FastifyInstance;
  sub: SubCentre;
  uni: Organisation;
  ent: Organisation;
  owner: TestActor;
  buyer: TestActor;
  /** Another member of the enterprise (sees the same inbox and interests). */
  buyer2: TestActor;
  stranger: TestActor;
  unverified: TestActor;
  registrar: TestActor;
  operator: TestActor;
  close(): Promise<void>;
}

let n = 0;

export async function createWorld(
  extraRoutes: NonNullable<typeof catalogModule.routes>[] = [],
): Promise<World> {
  // Dispatch no outbox rows: these tests read what was recorded, never another file's jobs.
  const ctx = await createTestContext({}, { outboxQueues: ['interests-tests-dispatch-nothing'] });
  const app = await buildTestApp(ctx, [
    catalogModule.routes!,
    interestsModule.routes!,
    notificationsModule.routes!,
    ...extraRoutes,
  ]);
  const sub = await createSubCentre(ctx);
  const uni = await createOrganisation(ctx, {
    type: 'university',
    subCentre: sub,
    verified: true,
    creditCode: randomCreditCode(sub.code),
  });
  const ent = await createOrganisation(ctx, { verified: true, creditCode: randomCreditCode('320500') });
  const buyer = await createActor(ctx, { organisation: ent });
  return {
    ctx,
    app,
    sub,
    uni,
    ent,
    owner: await createActor(ctx, { organisation: uni }),
    buyer,
    buyer2: await createActor(ctx, { organisation: ent }),
    stranger: await createActor(ctx, { organisation: await createOrganisation(ctx, { verified: true }) }),
    unverified: await createActor(ctx, { organisation: await createOrganisation(ctx) }),
    registrar: await createActor(ctx, { roles: [{ role: 'registrar', subCentreId: sub.id }] }),
    operator: await createActor(ctx, { roles: [{ role: 'operator' }] }),
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

export type Method = 'GET' | 'POST' | 'PUT';

export function requester(w: World) {
  return (method: Method, url: string, actor?: TestActor, payload?: object) =>
    w.app.inject({ method, url, headers: actor?.headers ?? {}, ...(payload ? { payload } : {}) });
}

/** A published achievement of the university (confidential part included unless overridden). */
export async function publishedAchievement(w: World, over: Record<string, unknown> = {}): Promise<string> {
  const req = requester(w);
  const res = await req(
    'POST',
    '/v1/achievements',
    w.owner,
    achievementFixture(++n + (Date.now() % 1e6), over),
  );
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  for (const [actor, action] of [
    [w.owner, 'submit'],
    [w.registrar, 'approve'],
  ] as const) {
    const t = await req('POST', `/v1/achievements/${id}/transitions`, actor, { action });
    expect(t.statusCode, t.body).toBe(200);
  }
  return id;
}

/** A need (draft is enough) of the actor's organisation. */
export async function needOf(w: World, actor: TestActor): Promise<string> {
  const res = await requester(w)('POST', '/v1/needs', actor, needFixture(++n + (Date.now() % 1e6)));
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

export const BUYER_CONTACT = { name: '刘经理', phone: '13912345678', email: 'liu@example.com' };

/** The enterprise expresses interest; returns the interest as created. */
export async function express(w: World, achievementId: string, by = w.buyer, over: object = {}) {
  const res = await requester(w)('POST', '/v1/interests', by, {
    achievementId,
    message: '我司希望就该成果的许可使用进行洽谈。',
    contact: BUYER_CONTACT,
    ...over,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as InterestJson;
}

export interface InterestJson {
  id: string;
  status: string;
  achievementId: string;
  contactsReleased: boolean;
  contacts: {
    achievement: { name: string; phone?: string; email?: string }[];
    interested: typeof BUYER_CONTACT;
  };
  history: {
    action: string;
    fromStatus: string | null;
    toStatus: string;
    actorOrganisationId: string | null;
  }[];
  declineReason: { code: string; text?: string } | null;
  contractId: string | null;
}
