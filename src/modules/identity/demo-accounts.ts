import { eq, sql } from 'drizzle-orm';
import type { Actor } from '../../platform/audit.js';
import type { Db, DbOrTx } from '../../platform/db.js';
import { registerClient } from './oidc/clients.js';
import { oauthClients } from './oidc/schema.js';
import { hashPassword } from './passwords.js';
import {
  addMembership,
  findSubCentreByCode,
  findUserByEmail,
  insertOrganisation,
  insertUser,
  type Organisation,
} from './repository.js';
import { grantPlatformRole } from './roles.js';
import { organisations } from './schema.js';

/**
 * People and a partner client for the demo exchange, so a newcomer can sign in within a minute
 * (README "Try it"). Seeded on embedded defaults only (SEED_DEMO, never in production), next to
 * the demo catalog; the credentials are published in the README, which is why they are seeded
 * only on a non-production start that listens on loopback (HOST defaults to 127.0.0.1).
 */
export const DEMO_PASSWORD = 'techex-demo-2026';
export const DEMO_CLIENT_ID = 'techex-demo';
export const DEMO_CLIENT_SECRET = 'techex-demo-secret';
export const DEMO_REDIRECT_PATH = '/demo/callback';
export const DEMO_SCOPES = [
  'openid',
  'profile',
  'email',
  'organisation',
  'catalog:read',
  'catalog:write',
  'interests:write',
  'services:write',
  'identity:manage',
  'account:manage',
  'notifications:read',
];
/** The registrar's sub-centre (Suzhou); organisations in 3205xx regions are theirs to verify. */
export const DEMO_SUB_CENTRE = '320500';

export const DEMO_ACCOUNTS = {
  operator: { email: 'operator@demo.techex.cn', name: '演示运营人员' },
  registrar: { email: 'registrar@demo.techex.cn', name: '演示登记员（苏州分中心）' },
  universityAdmin: { email: 'university-admin@demo.techex.cn', name: '演示高校管理员' },
  enterpriseAdmin: { email: 'enterprise-admin@demo.techex.cn', name: '演示企业管理员' },
} as const;

/** Listening on this machine only: the published demo credentials reach nobody else. */
export const isLoopbackHost = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

const SYSTEM: Actor = { type: 'system', id: 'techex-demo-seed' };

/** The organisation the demo admin runs: the demo catalog's own, or one made for the demo. */
async function demoOrganisation(
  tx: DbOrTx,
  v: { type: 'university' | 'enterprise'; name: string; creditCode: string; regionCode: string },
): Promise<Organisation> {
  const [found] = await tx.select().from(organisations).where(eq(organisations.creditCode, v.creditCode));
  if (found) return found;
  const sc = await findSubCentreByCode(tx, DEMO_SUB_CENTRE);
  const org = await insertOrganisation(tx, { ...v, subCentreId: sc?.id ?? null });
  await tx
    .update(organisations)
    .set({ verificationStatus: 'verified', verificationLevel: 'L2' })
    .where(eq(organisations.id, org.id));
  return org;
}

export interface DemoSeedResult {
  created: boolean;
}

/**
 * Creates the demo people and organisations once (later calls leave them alone), and makes sure
 * the demo client exists with a redirect URI on this PUBLIC_URL (a start on another port or
 * address adds its own, so the README flow keeps working).
 */
export async function seedDemoAccounts(db: Db, publicUrl: string): Promise<DemoSeedResult> {
  return db.transaction(async (tx) => {
    // Several processes may start at once (tests, replicas): one seeds, the others see it done.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('techex-demo-accounts'))`);
    await ensureDemoClient(tx, `${publicUrl}${DEMO_REDIRECT_PATH}`);
    if (await findUserByEmail(tx, DEMO_ACCOUNTS.operator.email)) return { created: false };
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const person = async (a: { email: string; name: string }) =>
      insertUser(tx, { displayName: a.name, email: a.email, passwordHash });

    const operator = await person(DEMO_ACCOUNTS.operator);
    await grantPlatformRole(tx, SYSTEM, operator.id, { role: 'operator' });
    const registrar = await person(DEMO_ACCOUNTS.registrar);
    const sc = await findSubCentreByCode(tx, DEMO_SUB_CENTRE);
    if (sc)
      await grantPlatformRole(tx, SYSTEM, registrar.id, {
        role: 'registrar',
        subCentreId: sc.id,
        subCentreCode: sc.code,
      });
    const university = await demoOrganisation(tx, {
      type: 'university',
      name: '演示大学',
      creditCode: '123205064660071992',
      regionCode: '320506',
    });
    const enterprise = await demoOrganisation(tx, {
      type: 'enterprise',
      name: '演示智能装备有限公司',
      creditCode: '91320594MA1MDEM0X9',
      regionCode: '320594',
    });
    await addMembership(tx, (await person(DEMO_ACCOUNTS.universityAdmin)).id, university.id, 'org_admin');
    await addMembership(tx, (await person(DEMO_ACCOUNTS.enterpriseAdmin)).id, enterprise.id, 'org_admin');
    return { created: true };
  });
}

/**
 * Accounts for demo people other modules seed (e.g. the evaluation experts, who score under an
 * account of their own): found by e-mail, else created. Embedded defaults only, like every demo
 * account (callers check SEED_DEMO and production). `signIn`: with the published demo password,
 * only when the service listens on loopback (`isLoopbackHost`); otherwise without any password,
 * so nobody can sign in as them.
 */
export async function ensureDemoPeople(
  tx: DbOrTx,
  people: readonly { email: string; name: string }[],
  opts: { signIn: boolean },
): Promise<string[]> {
  const ids: string[] = [];
  let passwordHash: string | undefined;
  for (const a of people) {
    const found = await findUserByEmail(tx, a.email);
    if (found) {
      ids.push(found.id);
      continue;
    }
    if (opts.signIn) passwordHash ??= await hashPassword(DEMO_PASSWORD);
    ids.push(
      (await insertUser(tx, { displayName: a.name, email: a.email, passwordHash: passwordHash ?? null })).id,
    );
  }
  return ids;
}

async function ensureDemoClient(tx: DbOrTx, redirectUri: string): Promise<void> {
  const [client] = await tx
    .select({ redirectUris: oauthClients.redirectUris })
    .from(oauthClients)
    .where(eq(oauthClients.clientId, DEMO_CLIENT_ID));
  if (!client) {
    await registerClient(tx, {
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      name: '演示合作平台 (demo client)',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: DEMO_SCOPES,
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [redirectUri],
    });
    return;
  }
  if (client.redirectUris.includes(redirectUri)) return;
  const uris = [...client.redirectUris, redirectUri].slice(-20);
  await tx
    .update(oauthClients)
    .set({ redirectUris: uris, postLogoutRedirectUris: uris })
    .where(eq(oauthClients.clientId, DEMO_CLIENT_ID));
}

/** What `npm start` prints the first time: who to sign in as, and where to read on. */
export function demoSignInHelp(publicUrl: string): string {
  const accounts = Object.values(DEMO_ACCOUNTS)
    .map((a) => `    ${a.email.padEnd(34)}${a.name}`)
    .join('\n');
  return [
    'Demo exchange ready (embedded defaults only; never seeded in production).',
    `  Demo accounts, password "${DEMO_PASSWORD}":`,
    accounts,
    `  Demo partner client: client_id ${DEMO_CLIENT_ID}, secret ${DEMO_CLIENT_SECRET},`,
    `    redirect URI ${publicUrl}${DEMO_REDIRECT_PATH}`,
    '  Sign in and call the API step by step: README.md, "Try it: sign in and call the API".',
  ].join('\n');
}
