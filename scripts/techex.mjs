#!/usr/bin/env node
// The `techex` command. Runs the compiled build when present (Docker image, NODE_ENV=production);
// otherwise the sources transpiled once to JavaScript and kept under node_modules/.cache/techex
// (scripts/start-build.mjs), so `npm start` needs no build step and a restart does not pay for
// transpiling. When that build cannot be made, it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = `${root}dist/src/main.js`;
if (process.env.NODE_ENV === 'production' && existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  let main;
  try {
    const { ensureBuild } = await import('./start-build.mjs');
    main = (await ensureBuild(root)).main;
  } catch (err) {
    process.stderr.write(
      `techex: running the sources through tsx (no start-up build: ${err?.message ?? err})\n`,
    );
  }
  if (main) {
    process.setSourceMapsEnabled(true);
    await import(pathToFileURL(main).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(`${root}src/main.ts`).href);
  }
}
