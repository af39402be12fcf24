import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The module boundaries are a lint rule (biome.json overrides, noRestrictedImports), so
// `npm run lint` fails on a violation. Each case lints a probe file placed where the rule applies.
const root = fileURLToPath(new URL('../..', import.meta.url));
const biome = path.join(root, 'node_modules/.bin/biome');

async function lint(file: string, source: string): Promise<{ failed: boolean; output: string }> {
  const probe = path.join(root, file.replace('PROBE', `zz-probe-${randomBytes(4).toString('hex')}`));
  await mkdir(path.dirname(probe), { recursive: true });
  await writeFile(probe, `${source}\nexport const probe = x;\n`);
  try {
    await promisify(execFile)(biome, ['lint', '--max-diagnostics=5', probe], { cwd: root });
    return { failed: false, output: '' };
  } catch (err) {
    const { stdout, stderr } = err as { stdout: string; stderr: string };
    return { failed: true, output: stdout + stderr };
  } finally {
    await rm(probe, { force: true });
  }
}

describe('module boundaries', () => {
  it("refuses a module importing another module's internal file", async () => {
    const res = await lint('src/modules/catalog/PROBE.ts', "import { x } from '../identity/repository.js';");
    expect(res.failed).toBe(true);
    expect(res.output).toContain('noRestrictedImports');
    expect(res.output).toContain('public face');
  });

  it('refuses it from a nested folder too', async () => {
    const res = await lint(
      'src/modules/identity/oidc/PROBE.ts',
      "import { x } from '../../catalog/listings.js';",
    );
    expect(res.output).toContain('noRestrictedImports');
  });

  it("allows another module's public face, the platform and the module's own files", async () => {
    const res = await lint(
      'src/modules/catalog/PROBE.ts',
      [
        "import { findOrganisation } from '../identity/index.js';",
        "import type { Db } from '../../platform/db.js';",
        "import { getListing } from './listings.js';",
        'export type D = Db;',
        'export const y = [findOrganisation, getListing];',
        'const x = 1;',
      ].join('\n'),
    );
    expect(res).toEqual({ failed: false, output: '' });
  });

  it('refuses the platform importing a module', async () => {
    const res = await lint('src/platform/PROBE.ts', "import { x } from '../modules/catalog/index.js';");
    expect(res.output).toContain('The platform imports no module');
  });
});
