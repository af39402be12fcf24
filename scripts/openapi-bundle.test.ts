import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadOpenApi, parsedContract, parsedContractFile } from '../src/platform/openapi.js';
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

it('openapi/openapi.parsed.json is the parse of openapi/openapi.yaml, and a stale one is ignored', () => {
  const text = fs.readFileSync(BUNDLE_FILE, 'utf8');
  const stored = JSON.parse(fs.readFileSync(parsedContractFile(BUNDLE_FILE), 'utf8'));
  expect(stored, 'openapi/openapi.parsed.json is stale: run `npm run openapi:bundle`').toEqual(
    parsedContract(text),
  );
  // A parsed file that does not match its YAML (edited by hand, or left from an older bundle) is
  // not used: the YAML is parsed instead.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-parsed-'));
  try {
    const yamlFile = path.join(tmp, 'c.yaml');
    fs.writeFileSync(yamlFile, 'openapi: 3.1.0\ninfo: { title: fresh }\npaths: {}\n');
    const stale = parsedContract('openapi: 3.1.0\ninfo: { title: stale }\npaths: {}\n');
    fs.writeFileSync(parsedContractFile(yamlFile), JSON.stringify(stale));
    expect(loadOpenApi(yamlFile).info).toEqual({ title: 'fresh' });
    // One that matches is what is loaded.
    const matching = parsedContract(fs.readFileSync(yamlFile, 'utf8'));
    matching.document.info = { title: 'from the parsed file' };
    fs.writeFileSync(parsedContractFile(yamlFile), JSON.stringify(matching));
    expect(loadOpenApi(yamlFile).info).toEqual({ title: 'from the parsed file' });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
