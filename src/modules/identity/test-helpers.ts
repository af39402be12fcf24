import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createActor, type TestActor } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import type { Organisation } from './repository.js';

/** The same code with a wrong check character. */
export function withWrongCheck(code: string): string {
  const right = code[17]!;
  return code.slice(0, 17) + (right === '0' ? '1' : '0');
}

/** A fresh token for a person acting for an organisation (membership and roles as stored now). */
export async function tokenFor(ctx: TestContext, userId: string, organisationId?: string, scopes?: string[]) {
  const token = await ctx.identity.tokens.issueForUser(userId, {
    clientId: 'techex-test',
    organisationId,
    scopes: scopes ?? ['identity:manage', 'catalog:read', 'account:manage'],
  });
  return { authorization: `Bearer ${token}` };
}

/** Registers an organisation through the API as a new person, who becomes its admin. */
export async function registerViaApi(
  app: FastifyInstance,
  ctx: TestContext,
  body: Record<string, unknown> = {},
): Promise<{
  org: Organisation & Record<string, unknown>;
  admin: TestActor;
  adminHeaders: { authorization: string };
}> {
  const admin = await createActor(ctx);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/organisations',
    headers: admin.headers,
    payload: {
      type: 'enterprise',
      name: `测试企业-${ctx.tag}-${randomInt(1e9)}`,
      regionCode: '320505',
      ...body,
    },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const org = res.json();
  return { org, admin, adminHeaders: await tokenFor(ctx, admin.userId, org.id) };
}
