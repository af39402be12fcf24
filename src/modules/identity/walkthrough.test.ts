import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorize, Browser, type OidcServer, startOidcServer } from '../../test/fixtures/identity-oidc.js';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemoAccounts } from './demo-accounts.js';
import { identityRoutes } from './routes.js';

/**
 * README "Try it: sign in and call the API", run as written: each shell block of that section is
 * read from the README and its commands executed against a real server (curl and jq
 * interpreted here, so the test needs neither). The browser steps (`echo "$AUTHORIZE"`, then
 * paste the code) are done by a cookie-keeping browser stand-in that signs in as the account the
 * README names, lands on the demo callback page and takes the code it shows.
 */
let srv: OidcServer;
beforeAll(async () => {
  srv = await startOidcServer([identityRoutes], { SEED_DEMO: 'true' });
  await seedDemoAccounts(srv.ctx.database.db, srv.base);
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

function walkthroughBlocks(): string[][] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Try it: sign in and call the API');
  const end = readme.indexOf('\n## ', start + 10);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => l.trim()),
  );
}

/** Shell words with '…' (literal), "…" and bare words ($NAME expanded), as sh splits them. */
function words(line: string, vars: Map<string, string>): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  const expand = (s: string) => s.replace(/\$([A-Z_]+)/g, (_, n: string) => vars.get(n) ?? '');
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, j);
      i = j;
    } else if (c === '"') {
      const j = line.indexOf('"', i + 1);
      cur = (cur ?? '') + expand(line.slice(i + 1, j));
      i = j;
    } else if (c === ' ') {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else {
      let j = i;
      while (j < line.length && !' \'"'.includes(line[j]!)) j++;
      cur = (cur ?? '') + expand(line.slice(i, j));
      i = j - 1;
    }
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

interface Answer {
  status: number;
  body: string;
}

async function curl(args: string[]): Promise<Answer> {
  let method: string | undefined;
  let url = '';
  const headers = new Headers();
  const data: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-s') continue;
    else if (a === '-X') method = args[++i];
    else if (a === '-H') {
      const h = args[++i]!;
      headers.set(h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim());
    } else if (a === '-d') data.push(args[++i]!);
    else if (a === '-u') headers.set('authorization', `Basic ${Buffer.from(args[++i]!).toString('base64')}`);
    else if (/^https?:/.test(a)) url = a;
    else throw new Error(`curl option the walk-through interpreter does not know: ${a}`);
  }
  if (data.length && !headers.has('content-type'))
    headers.set('content-type', 'application/x-www-form-urlencoded');
  const res = await fetch(url, {
    method: method ?? (data.length ? 'POST' : 'GET'),
    headers,
    body: data.length ? data.join('&') : undefined,
  });
  return { status: res.status, body: await res.text() };
}

describe('README walk-through: sign up, organisation, verification, token, API call', () => {
  it('works as written, command by command', async () => {
    const vars = new Map<string, string>();
    const browsers = new Map<string, Browser>();
    const answers: { command: string; status: number }[] = [];
    let pastedCode = '';
    let signUpPassword = '';
    let last: Answer | undefined;

    const blocks = walkthroughBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) {
      for (const line of block) {
        const [command = '', comment = ''] = line.split(/\s+#\s+/);
        const assign = /^([A-Z_]+)=(.*)$/.exec(command.trim());
        if (/^echo "\$AUTHORIZE"/.test(command)) {
          // The browser step: sign in as the account the comment names; take the callback's code.
          const email = /sign in as (\S+@[\w.-]+[a-z])/.exec(comment)?.[1];
          expect(email, line).toBeTruthy();
          const password = email!.endsWith('@demo.techex.cn') ? DEMO_PASSWORD : signUpPassword;
          const orgName = /choose (\S+),/.exec(comment)?.[1];
          const browser = browsers.get(email!) ?? new Browser();
          browsers.set(email!, browser);
          const run = await authorize(
            browser,
            srv,
            words(command, vars)[1]!,
            { email: email!, password },
            orgName ? vars.get('ORG') : undefined,
          );
          // The callback is on this server, so the browser lands on the demo callback page.
          expect(run.pages, run.lastHtml).toContain('consent');
          expect(run.lastHtml).toContain('授权码 / Authorization code');
          pastedCode = /CODE=([\w-]+)/.exec(run.lastHtml!)![1]!;
        } else if (assign && assign[2] === 'paste-the-code-the-page-shows') {
          vars.set(assign[1]!, pastedCode);
        } else if (assign?.[2]?.startsWith('$(')) {
          const inner = assign[2].slice(2, assign[2].lastIndexOf(')'));
          const [curlPart = '', jqPart = ''] = inner.split(' | ');
          last = await curl(words(curlPart, vars).slice(1));
          answers.push({ command: curlPart.slice(0, 80), status: last.status });
          const field = /^jq -r \.(\w+)$/.exec(jqPart.trim())![1]!;
          const value = (JSON.parse(last.body) as Record<string, unknown>)[field];
          expect(typeof value, `${line}\n${last.body}`).toBe('string');
          vars.set(assign[1]!, value as string);
        } else if (assign) {
          // The server runs on a free port, not 3000: BASE names it.
          vars.set(assign[1]!, assign[1] === 'BASE' ? srv.base : words(assign[2]!, vars).join(' '));
        } else if (command.startsWith('curl ')) {
          last = await curl(words(command, vars).slice(1));
          answers.push({ command: command.slice(0, 80), status: last.status });
          const pw = /"password":"([^"]+)"/.exec(command)?.[1];
          if (pw) signUpPassword = pw;
        } else {
          throw new Error(`a command the walk-through interpreter does not know: ${line}`);
        }
      }
    }

    // Every call succeeded, and the last one shows a verified organisation acting through the token.
    for (const a of answers) expect(a.status, a.command).toBeLessThan(300);
    expect(answers.length).toBeGreaterThanOrEqual(8);
    const me = JSON.parse(last!.body) as {
      email: string;
      memberships: { organisationId: string; role: string; verificationStatus: string }[];
    };
    expect(me.email).toBe('wang@example.cn');
    expect(me.memberships).toEqual([
      expect.objectContaining({
        organisationId: vars.get('ORG'),
        role: 'org_admin',
        verificationStatus: 'verified',
      }),
    ]);
    const claims = JSON.parse(Buffer.from(vars.get('TOKEN')!.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ org: vars.get('ORG'), org_verified: true, org_level: 'L2' });
    // The demo accounts named in the README are the ones seeded.
    expect(Object.values(DEMO_ACCOUNTS).map((a) => a.email)).toContain('registrar@demo.techex.cn');
  });
});
