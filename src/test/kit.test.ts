import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../modules/index.js';
import { useTestApp } from './app.js';
import { PLUGIN_MODULES } from './context.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('test kit', () => {
  it('registers every app-wide plugin a module contributes in production', () => {
    const withPlugins = MODULES.filter((m) => m.plugins?.length).map((m) => m.name);
    expect(PLUGIN_MODULES.map((m) => m.name)).toEqual(withPlugins);
  });

  it('stays out of the build: no test, fixture or kit file is compiled into dist', async () => {
    // A production file importing a fixture would pull it into the program despite the excludes.
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    const ours = stdout.split('\n').filter((f) => f.startsWith(`${root}src/`));
    expect(ours.length).toBeGreaterThan(100);
    expect(ours.filter((f) => f.includes('/src/test/') || f.endsWith('.test.ts'))).toEqual([]);
  }, 120_000);
});

describe('useTestApp with settings computed before the context', () => {
  let computedFirst = false;
  const fixture = useTestApp([], {
    env: async () => {
      await new Promise((r) => setImmediate(r)); // something started first, e.g. a relay
      computedFirst = true;
      return { PUBLIC_URL: 'http://lazy.example.cn' };
    },
  });
  let url = '';
  beforeAll(() => {
    url = fixture.ctx.config.publicUrl;
  });

  it('computes them in its beforeAll and builds the context and app with them', async () => {
    expect(computedFirst).toBe(true);
    expect(url).toBe('http://lazy.example.cn');
    expect((await fixture.app.inject({ url: '/v1/no-such-route' })).statusCode).toBe(404);
  });
});
