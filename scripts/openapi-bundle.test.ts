import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { BUNDLE_FILE, bundleContract, ROOT_FILE } from './openapi-bundle.js';

it('openapi/openapi.yaml is the bundle of openapi/root.yaml and its parts', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-bundle-'));
  try {
    const fresh = await bundleContract(ROOT_FILE, path.join(tmp, 'openapi.yaml'));
    const served = fs.readFileSync(BUNDLE_FILE, 'utf8');
    expect(served === fresh, 'openapi/openapi.yaml is stale: run `npm run openapi:bundle`').toBe(true);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 180_000);
