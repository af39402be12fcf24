/**
 * The start-up build (scripts/start-build.mjs): `npm start` runs the sources transpiled once to
 * JavaScript, made again whenever a source file changes, complete even when starts race, and
 * `scripts/techex.mjs` runs the real service's commands through it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the start script, without type declarations
import { ensureBuild } from './start-build.mjs';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface Build {
  main: string;
  dir: string;
  built: boolean;
}
const build = ensureBuild as (root: string, cacheDir?: string) => Promise<Build>;

let root: string;
let cache: string;

function write(rel: string, text: string) {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

/** A small project shaped like this one: TypeScript with a JSON import and a path from its place. */
function project(answer: number) {
  write(
    'src/lib.ts',
    `import type { Shape } from './types.js';\nexport const answer: Shape['n'] = ${answer};\n`,
  );
  write('src/types.ts', 'export interface Shape { n: number }\n');
  write('src/data/settings.json', '{"name":"demo"}\n');
  write(
    'src/main.ts',
    [
      "import fs from 'node:fs';",
      "import { fileURLToPath } from 'node:url';",
      "import settings from './data/settings.json' with { type: 'json' };",
      "import { answer } from './lib.js';",
      "const migrations = fs.readdirSync(fileURLToPath(new URL('../migrations', import.meta.url)));",
      'export const result = { answer, name: settings.name, migrations };',
      '',
    ].join('\n'),
  );
  write('src/main.test.ts', 'throw new Error("a test file is not part of the build");\n');
  write('src/test/kit.ts', 'export const kit = 1;\n');
  write('migrations/0000_first.sql', 'SELECT 1;\n');
  write('openapi/openapi.yaml', 'openapi: 3.1.0\n');
}

async function load(main: string): Promise<{ answer: number; name: string; migrations: string[] }> {
  // A query string per load: the module cache would otherwise hand back the first import.
  const mod = await import(`${pathToFileURL(main).href}?t=${Date.now()}-${Math.random()}`);
  return mod.result;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-start-build-'));
  cache = path.join(root, 'cache');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('start-up build', () => {
  it('transpiles the sources, keeps JSON imports and paths relative to the code, and leaves tests out', async () => {
    project(42);
    const b = await build(root, cache);
    expect(b.built).toBe(true);
    expect(await load(b.main)).toEqual({ answer: 42, name: 'demo', migrations: ['0000_first.sql'] });
    expect(fs.existsSync(path.join(b.dir, 'src', 'main.test.js'))).toBe(false);
    expect(fs.existsSync(path.join(b.dir, 'src', 'test'))).toBe(false);
    expect(fs.existsSync(path.join(b.dir, 'openapi', 'openapi.yaml'))).toBe(true);
  });

  // esbuild's JS API keeps a service process for later calls; the service itself never makes
  // another build, so that process would idle beside it for its whole life.
  it.skipIf(process.platform !== 'linux')('leaves no esbuild service process running', async () => {
    project(7);
    expect((await build(root, cache)).built).toBe(true);
    const children = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .flatMap((p) => {
        try {
          const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
          return ppid === process.pid ? [cmd] : [];
        } catch {
          return []; // ended meanwhile
        }
      });
    expect(children.filter((c) => c.includes('esbuild') && c.includes('--service'))).toEqual([]);
  });

  it('reuses a build while the sources are unchanged, and makes a new one when a file changes', async () => {
    project(1);
    const first = await build(root, cache);
    const again = await build(root, cache);
    expect(again).toEqual({ ...first, built: false });

    // Same size, same modification time: only the content tells the change.
    const lib = path.join(root, 'src', 'lib.ts');
    const { mtime } = fs.statSync(lib);
    fs.writeFileSync(lib, fs.readFileSync(lib, 'utf8').replace('= 1;', '= 2;'));
    fs.utimesSync(lib, mtime, mtime);
    const second = await build(root, cache);
    expect(second.built).toBe(true);
    expect(second.dir).not.toBe(first.dir);
    expect((await load(second.main)).answer).toBe(2);
  });

  it('ends complete when several starts build at once', async () => {
    project(7);
    const builds = await Promise.all([build(root, cache), build(root, cache), build(root, cache)]);
    expect(new Set(builds.map((b) => b.dir)).size).toBe(1);
    expect((await load(builds[0]!.main)).answer).toBe(7);
    expect(fs.readdirSync(cache).filter((e) => e.startsWith('.tmp-'))).toEqual([]);
  });

  it('keeps the newest builds only', async () => {
    project(0);
    const dirs: string[] = [];
    for (let i = 0; i < 7; i++) {
      write('src/lib.ts', `export const answer = ${i};\n`);
      dirs.push((await build(root, cache)).dir);
      // Builds are ordered by their folder's time: keep them apart.
      fs.utimesSync(
        dirs[i]!,
        new Date(Date.now() - (7 - i) * 60_000),
        new Date(Date.now() - (7 - i) * 60_000),
      );
    }
    const kept = fs.readdirSync(cache).map((e) => path.join(cache, e));
    expect(kept.sort()).toEqual(dirs.slice(-5).sort());
  });

  it('refuses a source that does not compile, writing no build', async () => {
    project(3);
    write('src/lib.ts', 'export const answer = ;\n');
    await expect(build(root, cache)).rejects.toThrow();
    expect(fs.existsSync(cache) ? fs.readdirSync(cache) : []).toEqual([]);
  });

  it('runs `techex help` from this checkout through its build', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(repoRoot, 'scripts', 'techex.mjs'), 'help'],
      {
        env: { ...process.env, NODE_ENV: 'development' },
      },
    );
    expect(stderr).not.toContain('through tsx');
    expect(stdout).toContain('techex — backend of the Jiangsu technology property exchange');
    const builds = path.join(repoRoot, 'node_modules', '.cache', 'techex');
    expect(fs.readdirSync(builds).some((e) => fs.existsSync(path.join(builds, e, 'COMPLETE')))).toBe(true);
  });
});
