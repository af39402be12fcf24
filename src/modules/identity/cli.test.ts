import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditHistory } from '../../platform/audit.js';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { adminCommand } from './cli.js';
import { findClientRow } from './oidc/clients.js';
import { verifyPassword } from './passwords.js';
import { findUserByEmail } from './repository.js';
import { userClaims } from './tokens.js';

let ctx: TestContext;
const lines: string[] = [];
const run = (...argv: string[]) =>
  adminCommand(argv, { db: ctx.database.db, keys: ctx.identity.keys, out: (l) => lines.push(l) });

const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
});

describe('techex admin', () => {
  it('create-operator makes a person with an argon2id password and the operator role, audited', async () => {
    const email = `op${ctx.tag}${randomInt(1e9)}@example.com`;
    await run('create-operator', '--email', email, '--password', 'operator password 1', '--name', '运营');
    const user = await findUserByEmail(ctx.database.db, email);
    expect(await verifyPassword(user!.passwordHash, 'operator password 1')).toBe(true);
    expect((await userClaims(ctx.database.db, user!.id)).roles).toEqual(['operator']);
    const [event] = await auditHistory(ctx.database.db, 'user', user!.id, { limit: 1 });
    expect(event).toMatchObject({ action: 'user.role.grant', actorType: 'system' });
    await expect(
      run('create-operator', '--email', email, '--password', 'short', '--name', 'x'),
    ).rejects.toThrow(/at least/);
  });

  it('assign-registrar gives a sub-centre; the token carries it', async () => {
    const email = `rg${ctx.tag}${randomInt(1e9)}@example.com`;
    await run('create-operator', '--email', email, '--password', 'registrar password', '--name', '登记员');
    await run('assign-registrar', '--email', email, '--sub-centre', '320600');
    const user = await findUserByEmail(ctx.database.db, email);
    const claims = await userClaims(ctx.database.db, user!.id);
    expect(claims.roles.sort()).toEqual(['operator', 'registrar']);
    expect(claims.sub_centres).toHaveLength(1);
    await expect(run('assign-registrar', '--email', email, '--sub-centre', '999999')).rejects.toThrow(
      /no sub-centre/,
    );
  });

  it('register-client prints the secret once; rotate-keys keeps the old key published', async () => {
    await run(
      'register-client',
      '--name',
      '高校成果系统',
      '--grant',
      'authorization_code',
      '--scope',
      'openid',
      '--redirect-uri',
      'https://rp.example.edu/cb',
    );
    expect(lines.at(-1)).toMatch(/client_secret \S{40,}/);
    const before = (await ctx.identity.keys.active()).kid;
    await run('rotate-keys', '--overlap', '1200');
    const published = (await ctx.identity.keys.publicJwks()).keys.map((k) => k.kid);
    expect(published).toContain(before);
    expect((await ctx.identity.keys.active()).kid).not.toBe(before);
    await expect(run('rotate-keys', '--overlap', '5')).rejects.toThrow(/overlap/);
    await expect(run('frobnicate')).rejects.toThrow(/unknown admin command/);
  });

  it('register-client takes --post-logout-redirect-uri and refuses wildcard redirect URIs', async () => {
    await run(
      'register-client',
      '--name',
      '退出后返回',
      '--grant',
      'authorization_code',
      '--scope',
      'openid',
      '--redirect-uri',
      'https://rp.example.edu/cb',
      '--post-logout-redirect-uri',
      'https://rp.example.edu/bye',
    );
    const clientId = /client_id\s+(\S+)/.exec(lines.at(-1)!)![1]!;
    const row = await findClientRow(ctx.database.db, clientId);
    expect(row?.postLogoutRedirectUris).toEqual(['https://rp.example.edu/bye']);
    await expect(
      run(
        'register-client',
        '--name',
        '通配符',
        '--grant',
        'authorization_code',
        '--scope',
        'openid',
        '--redirect-uri',
        'https://*.evil.example/cb',
      ),
    ).rejects.toMatchObject({ code: 'invalid-client-metadata' });
  });
});
