import { parseArgs } from 'node:util';
import { type Actor, recordAudit } from '../../platform/audit.js';
import { loadConfig } from '../../platform/config.js';
import type { Db } from '../../platform/db.js';
import { createLogger } from '../../platform/logger.js';
import { openDatabase } from '../../platform/runtime.js';
import { loadSecrets } from '../../platform/secrets.js';
import type { KeyStore } from './keys.js';
import { createKeyStore } from './keys.js';
import { type GRANT_TYPES, registerClient } from './oidc/clients.js';
import { hashPassword, PASSWORD_MIN_LENGTH } from './passwords.js';
import { findSubCentreByCode, findUserByEmail, insertUser } from './repository.js';
import { grantPlatformRole } from './roles.js';
import { ACCESS_TOKEN_TTL_SECONDS } from './tokens.js';

/**
 * `techex admin …`: bootstrap and maintenance without an operator token (the first operator
 * has to come from somewhere). Every change is audited with the `system` actor.
 */
export const ADMIN_HELP = `Usage: techex admin <command> [options]

  create-operator --email <e> --password <p> --name <n>
                     create a person (or reuse one by e-mail) and make them an operator
  assign-registrar --email <e> --sub-centre <code>
                     make a person a registrar of a sub-centre (e.g. 320500)
  register-client --name <n> --grant <type> [--grant …] --scope <s> [--scope …]
                  [--redirect-uri <uri> …] [--post-logout-redirect-uri <uri> …]
                  [--organisation <id>]
                     register a partner client; prints the secret once
  rotate-keys [--overlap <seconds>]
                     sign with a new key; the old one stays published for the overlap`;

const SYSTEM: Actor = { type: 'system', id: 'techex-admin-cli' };

export interface AdminDeps {
  db: Db;
  keys: KeyStore;
  out: (line: string) => void;
}

function need(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw new Error(`--${name} is required\n\n${ADMIN_HELP}`);
  return v.trim();
}

/** Runs one admin command against an open database; throws with a usage message on bad input. */
export async function adminCommand(argv: string[], deps: AdminDeps): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      'sub-centre': { type: 'string' },
      grant: { type: 'string', multiple: true },
      scope: { type: 'string', multiple: true },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      organisation: { type: 'string' },
      overlap: { type: 'string' },
    },
  });
  switch (command) {
    case 'create-operator': {
      const email = need(values, 'email');
      const password = need(values, 'password');
      const name = need(values, 'name');
      if (password.length < PASSWORD_MIN_LENGTH)
        throw new Error(`the password needs at least ${PASSWORD_MIN_LENGTH} characters`);
      const passwordHash = await hashPassword(password);
      const userId = await deps.db.transaction(async (tx) => {
        const user =
          (await findUserByEmail(tx, email)) ??
          (await insertUser(tx, { displayName: name, email, passwordHash }));
        await grantPlatformRole(tx, SYSTEM, user.id, { role: 'operator' });
        return user.id;
      });
      deps.out(`operator ${email} (${userId})`);
      return;
    }
    case 'assign-registrar': {
      const email = need(values, 'email');
      const code = need(values, 'sub-centre');
      const user = await findUserByEmail(deps.db, email);
      if (!user) throw new Error(`no account uses ${email}`);
      const sc = await findSubCentreByCode(deps.db, code);
      if (!sc) throw new Error(`no sub-centre ${code}`);
      await deps.db.transaction((tx) =>
        grantPlatformRole(tx, SYSTEM, user.id, {
          role: 'registrar',
          subCentreId: sc.id,
          subCentreCode: sc.code,
        }),
      );
      deps.out(`registrar ${email} of ${sc.code} ${sc.name}`);
      return;
    }
    case 'register-client': {
      const input = {
        name: need(values, 'name'),
        grantTypes: (values.grant ?? []) as (typeof GRANT_TYPES)[number][],
        scopes: values.scope ?? [],
        redirectUris: values['redirect-uri'] ?? [],
        postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
        organisationId: values.organisation ?? null,
      };
      const client = await deps.db.transaction(async (tx) => {
        const c = await registerClient(tx, input);
        await recordAudit(tx, {
          actor: SYSTEM,
          action: 'client.register',
          objectType: 'oauth_client',
          objectId: c.clientId,
          after: input,
        });
        return c;
      });
      deps.out(
        `client_id     ${client.clientId}\nclient_secret ${client.clientSecret}\n(the secret is shown only now)`,
      );
      return;
    }
    case 'rotate-keys': {
      const overlap = values.overlap ? Number(values.overlap) : 2 * ACCESS_TOKEN_TTL_SECONDS;
      if (!Number.isInteger(overlap) || overlap < ACCESS_TOKEN_TTL_SECONDS)
        throw new Error(
          `--overlap must be a whole number of seconds ≥ ${ACCESS_TOKEN_TTL_SECONDS} (token lifetime)`,
        );
      const kid = await deps.keys.rotate(overlap);
      deps.out(`signing with ${kid}; previous keys stay published for ${overlap} s`);
      return;
    }
    default:
      throw new Error(command ? `unknown admin command: ${command}\n\n${ADMIN_HELP}` : ADMIN_HELP);
  }
}

/** Entry from `src/main.ts`: opens the database (embedded by default) like `techex jobs`. */
export async function runAdminCli(argv: string[]): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn' });
  const secrets = await loadSecrets(config);
  const { database, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
  try {
    const keys = createKeyStore(database.db, secrets.appSecret);
    await adminCommand(argv, { db: database.db, keys, out: (l) => console.log(l) });
  } finally {
    await database.close();
    await embedded?.stop();
  }
}
