import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import {
  DEMO_ACCOUNTS,
  DEMO_CLIENT_ID,
  DEMO_PASSWORD,
  DEMO_SUB_CENTRE,
  demoSignInHelp,
  isLoopbackHost,
  seedDemoAccounts,
} from './demo-accounts.js';
import { findClientRow } from './oidc/clients.js';
import { verifyPassword } from './passwords.js';
import { findSubCentreByCode, findUserByEmail } from './repository.js';
import { organisations } from './schema.js';
import { userClaims } from './tokens.js';

let ctx: TestContext;
const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
});

describe('demo accounts on embedded defaults', () => {
  it('seeds an operator, a registrar and two organisation admins once, with the documented password', async () => {
    const db = ctx.database.db;
    // Two starts at once: the accounts are made once, neither start fails.
    await Promise.all([
      seedDemoAccounts(db, 'http://localhost:3999'),
      seedDemoAccounts(db, 'http://localhost:3999'),
    ]);
    expect((await seedDemoAccounts(db, 'http://localhost:3999')).created).toBe(false);

    const claimsOf = async (email: string, creditCode?: string) => {
      const user = await findUserByEmail(db, email);
      expect(await verifyPassword(user!.passwordHash, DEMO_PASSWORD)).toBe(true);
      const [org] = creditCode
        ? await db.select().from(organisations).where(eq(organisations.creditCode, creditCode))
        : [];
      return userClaims(db, user!.id, org?.id);
    };
    expect((await claimsOf(DEMO_ACCOUNTS.operator.email)).roles).toEqual(['operator']);
    const registrar = await claimsOf(DEMO_ACCOUNTS.registrar.email);
    expect(registrar.roles).toEqual(['registrar']);
    expect(registrar.sub_centres).toEqual([(await findSubCentreByCode(db, DEMO_SUB_CENTRE))!.id]);
    // (The README walk-through, run by another test file, adds the university admin elsewhere too.)
    for (const [admin, creditCode] of [
      [DEMO_ACCOUNTS.universityAdmin, '123205064660071992'],
      [DEMO_ACCOUNTS.enterpriseAdmin, '91320594MA1MDEM0X9'],
    ] as const)
      expect(await claimsOf(admin.email, creditCode)).toMatchObject({
        org_role: 'org_admin',
        org_verified: true,
      });
  });

  it('registers the demo client with a redirect on each PUBLIC_URL it starts on', async () => {
    const db = ctx.database.db;
    await seedDemoAccounts(db, 'http://localhost:3998');
    await seedDemoAccounts(db, 'http://127.0.0.1:4000');
    const client = await findClientRow(db, DEMO_CLIENT_ID);
    expect(client?.redirectUris).toEqual(
      expect.arrayContaining(['http://localhost:3998/demo/callback', 'http://127.0.0.1:4000/demo/callback']),
    );
    expect(client?.grantTypes).toEqual(['authorization_code', 'refresh_token']);
  });

  it('is for a service listening on this machine only', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'techex.example.cn'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('prints how to sign in: the accounts, the password, the client and where to read on', () => {
    const help = demoSignInHelp('http://localhost:3000');
    for (const a of Object.values(DEMO_ACCOUNTS)) expect(help).toContain(a.email);
    expect(help).toContain(DEMO_PASSWORD);
    expect(help).toContain('client_id techex-demo');
    expect(help).toContain('http://localhost:3000/demo/callback');
    expect(help).toContain('never seeded in production');
  });
});
