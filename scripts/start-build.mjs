// The start-up build behind `npm start` (and every `techex` command run from a checkout): the
// TypeScript sources under src/ transpiled once to JavaScript with esbuild, file by file (no
// bundling, so each module keeps its place and `import.meta.url` paths still hold), kept in
// node_modules/.cache/techex/<fingerprint>/ and reused while the sources are unchanged.
//
// Running the sources through tsx's loader costs every start its transpiling and a loader thread
// (about 1.5-2.5 s of CPU for this service); loading plain JavaScript does not. The fingerprint is
// a SHA-256 of every source file's path and content (not their times, which copies and checkouts
// do not keep reliably), of this build's options and of the esbuild version, so an edited file,
// a checkout of another commit or an upgraded esbuild makes a new build on the next start.
//
// A build is written to a temporary folder and renamed into place, so two processes starting
// together both end on a complete build. The newest builds are kept (a running process may still
// import a file of its own build lazily); older ones are removed.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Builds kept besides the current one. */
const KEEP = 4;
/** Changes whenever the shape of a build changes (options, copied files, links). */
const FORMAT = 'techex-start-build/2';

/** Every file under `dir`, as paths relative to it, sorted. */
function walk(dir, rel = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, p));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

/** Test files, the test kit and test vectors are not part of the service. */
function isServiceFile(rel) {
  return !rel.startsWith('test/') && !rel.endsWith('.test.ts') && !rel.includes('/testdata/');
}

/** The source files a build is made of: TypeScript to transpile, and the data files beside it. */
export function sourceFiles(root) {
  const src = path.join(root, 'src');
  const files = walk(src).filter(isServiceFile);
  return {
    ts: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    data: files.filter((f) => !f.endsWith('.ts') && !f.endsWith('.md')),
  };
}

/** SHA-256 over the build's format, esbuild's version, the root and every source file. */
export function fingerprint(root, esbuildVersion) {
  const hash = createHash('sha256');
  hash.update(`${FORMAT}\0${esbuildVersion}\0${path.resolve(root)}\0`);
  const { ts, data } = sourceFiles(root);
  for (const rel of [...ts, ...data]) {
    hash.update(`${rel}\0`);
    hash.update(fs.readFileSync(path.join(root, 'src', rel)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

function prune(cacheDir, current) {
  let builds;
  try {
    builds = fs
      .readdirSync(cacheDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^[0-9a-f]{32}$/.test(e.name) && e.name !== current)
      .map((e) => ({ name: e.name, mtime: fs.statSync(path.join(cacheDir, e.name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
  } catch {
    return;
  }
  for (const old of builds.slice(KEEP))
    fs.rmSync(path.join(cacheDir, old.name), { recursive: true, force: true });
  // Temporary folders left by a start that was killed while building.
  for (const e of fs.readdirSync(cacheDir)) {
    if (!e.startsWith('.tmp-')) continue;
    const p = path.join(cacheDir, e);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > 10 * 60_000) fs.rmSync(p, { recursive: true, force: true });
    } catch {}
  }
}

let building = 0;
/**
 * One esbuild build, then its service process stopped once no other build of this process is
 * running: the service never builds again, and the process would idle beside it all its life.
 */
async function transpile(esbuild, options) {
  building++;
  try {
    return await esbuild.build(options);
  } finally {
    if (--building === 0) await esbuild.stop();
  }
}

/**
 * The build of `root`'s current sources: its folder, made now if there is none yet. Returns the
 * path of its `src/main.js`. Throws when the build cannot be made (no esbuild, a read-only
 * folder, a syntax error): the caller then runs the sources through tsx, which reports the same
 * error the usual way.
 */
export async function ensureBuild(root, cacheDir = path.join(root, 'node_modules', '.cache', 'techex')) {
  const esbuild = await import('esbuild');
  const fp = fingerprint(root, esbuild.version);
  const dir = path.join(cacheDir, fp);
  const main = path.join(dir, 'src', 'main.js');
  if (fs.existsSync(path.join(dir, 'COMPLETE'))) return { main, dir, built: false };

  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.tmp-${fp}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const { ts, data } = sourceFiles(root);
    const src = path.join(root, 'src');
    await transpile(esbuild, {
      entryPoints: ts.map((f) => path.join(src, f)),
      outdir: path.join(tmp, 'src'),
      outbase: src,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20.11',
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      ...(fs.existsSync(path.join(root, 'tsconfig.json'))
        ? { tsconfig: path.join(root, 'tsconfig.json') }
        : {}),
    });
    for (const rel of data) {
      const to = path.join(tmp, 'src', rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(src, rel), to);
    }
    // Files the code reads relative to its own place (`../../migrations`, `../../openapi`).
    for (const name of ['migrations', 'openapi'])
      fs.symlinkSync(path.join(path.resolve(root), name), path.join(tmp, name));
    fs.writeFileSync(path.join(tmp, 'COMPLETE'), `${new Date().toISOString()}\n`);
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another start renamed its build into place first: the same sources, so the same build.
      if (!fs.existsSync(path.join(dir, 'COMPLETE'))) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  prune(cacheDir, fp);
  return { main, dir, built: true };
}
