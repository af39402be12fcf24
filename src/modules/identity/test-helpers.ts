import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createActor, type TestActor } from '../../test/actors.js';
import type { TestContext } from '../../test/context.js';
import { creditCodeCheckChar, residentIdCheckChar } from './identifiers.js';
import type { Organisation } from './repository.js';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A fresh, valid unified social credit code in a region (so test files never collide). */
export function randomCreditCode(region = '320500'): string {
  let org = '';
  for (let i = 0; i < 9; i++) org += ALPHABET[randomInt(ALPHABET.length)];
  const first17 = `91${region}${org}`;
  return first17 + creditCodeCheckChar(first17);
}

/** A valid resident ID (born in Nanjing, 1960–1999) with a random birth date and sequence. */
export function randomResidentId(): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const birth = `${randomInt(1960, 2000)}${pad(randomInt(1, 13), 2)}${pad(randomInt(1, 29), 2)}`;
  const first17 = `320102${birth}${pad(randomInt(1000), 3)}`;
  return first17 + residentIdCheckChar(first17);
}

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
