import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BUNDLE_FILE, bundleContract, contractDifferences } from './openapi-bundle.js';
import {
  moduleOfPath,
  partFile,
  type SplitResult,
  splitAndCheck,
  splitContract,
  UnmappedPathsError,
} from './openapi-split.js';

const SLOW = 180_000; // Redocly bundles the whole contract; the machine is shared.

describe('the path → module rule', () => {
  it('takes the longest prefix, segment by segment, any parameter name matching {}', () => {
    expect(moduleOfPath('/v1/me')).toBe('identity');
    expect(moduleOfPath('/v1/me/sessions/{sessionId}')).toBe('identity');
    expect(moduleOfPath('/metrics')).toBe('platform');
    expect(moduleOfPath('/v1/metrics')).toBeUndefined();
    expect(moduleOfPath('/v1/achievements/{id}')).toBe('catalog');
    expect(moduleOfPath('/v1/achievements/{id}/matches')).toBe('matching');
    expect(moduleOfPath('/v1/achievements/{achievementId}/assessments/{assessmentId}')).toBe('assessments');
    expect(moduleOfPath('/v1/service-orders/{id}/accept')).toBe('services');
    expect(moduleOfPath('/v1/vouchersx')).toBeUndefined();
  });

  it(
    'refuses a monolith with an unmapped path, listing each with its tags',
    () => {
      const doc = YAML.parseDocument(fs.readFileSync(BUNDLE_FILE, 'utf8'));
      doc.setIn(['paths', '/v1/brand-new/{id}'], {
        get: { operationId: 'getBrandNew', tags: ['brandnew'], responses: { '200': { description: 'ok' } } },
      });
      doc.setIn(['paths', '/v2/other'], { get: { operationId: 'other', responses: {} } });
      let error: unknown;
      try {
        splitContract(doc.toString());
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UnmappedPathsError);
      expect((error as UnmappedPathsError).unmapped).toEqual([
        { path: '/v1/brand-new/{id}', tags: ['brandnew'] },
        { path: '/v2/other', tags: [] },
      ]);
      expect((error as Error).message).toContain('PATH_PREFIXES');
      expect(splitContract(doc.toString(), { '/': 'catalog' }).pathModules.get('/v2/other')).toBe('catalog');
    },
    SLOW,
  );
});

it(
  'gives a new module its own part, with the schemas only it uses',
  () => {
    const doc = YAML.parseDocument(fs.readFileSync(BUNDLE_FILE, 'utf8'));
    doc.setIn(['paths', '/v1/service-offerings/{offeringId}'], {
      get: {
        operationId: 'getServiceOffering',
        tags: ['services'],
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ServiceOffering' } } },
          },
          '4XX': { $ref: '#/components/responses/ClientError' },
        },
      },
    });
    doc.setIn(['components', 'schemas', 'ServiceOffering'], {
      type: 'object',
      properties: { field: { $ref: '#/components/schemas/FieldCode' } },
    });
    doc.setIn(['paths', '/v1/contracts/{id}/offering'], {
      put: { operationId: 'linkOffering', tags: ['services'], responses: { '204': { description: 'ok' } } },
    });
    const result = splitContract(doc.toString());
    expect(result.pathModules.get('/v1/service-offerings/{offeringId}')).toBe('services');
    // Under another module's prefix but tagged as a new module's: decided by the prefix, and told.
    expect(result.pathModules.get('/v1/contracts/{id}/offering')).toBe('contracts');
    expect(result.tagMismatches).toEqual([
      { path: '/v1/contracts/{id}/offering', module: 'contracts', tag: 'services' },
    ]);
    expect(result.componentHomes.get('schemas/ServiceOffering')).toBe('services');
    expect(result.componentHomes.get('schemas/FieldCode')).toBe('root');
    const part = YAML.parse(result.files.get('src/modules/services/openapi.yaml')!);
    expect(Object.keys(part.paths)).toContain('/v1/service-offerings/{offeringId}');
    expect(Object.keys(part.paths)).not.toContain('/v1/contracts/{id}/offering');
    expect(part.components.schemas.ServiceOffering.properties.field.$ref).toBe(
      '../../../openapi/root.yaml#/components/schemas/FieldCode',
    );
    const root = YAML.parse(result.files.get('openapi/root.yaml')!);
    expect(root.paths['/v1/service-offerings/{offeringId}'].$ref).toBe(
      '../src/modules/services/openapi.yaml#/paths/~1v1~1service-offerings~1{offeringId}',
    );
  },
  SLOW,
);

describe('splitting the served contract', () => {
  let out: string;
  let result: SplitResult;
  const monolith = YAML.parse(fs.readFileSync(BUNDLE_FILE, 'utf8'));

  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-split-'));
    // Splits, bundles the parts and fails unless the bundle equals the monolith as a parsed document.
    result = await splitAndCheck(BUNDLE_FILE, out);
  }, SLOW);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('gives every path to a part and each part only its own paths', () => {
    expect([...result.pathModules.keys()]).toEqual(Object.keys(monolith.paths));
    expect(result.tagMismatches).toEqual([]);
    for (const [file, text] of result.files) {
      if (file === partFile('root')) continue;
      const part = YAML.parse(text);
      for (const p of Object.keys(part.paths)) expect(partFile(result.pathModules.get(p)!)).toBe(file);
    }
    const root = YAML.parse(result.files.get(partFile('root'))!);
    expect(Object.keys(root.paths)).toEqual(Object.keys(monolith.paths));
    expect(root.info).toEqual(monolith.info);
    expect(root.tags).toEqual(monolith.tags);
    expect(root.components.securitySchemes).toEqual(monolith.components.securitySchemes);
  });

  it('keeps shared components in the root; a part refers only to itself and the root', () => {
    expect(result.componentHomes.get('schemas/Problem')).toBe('root');
    expect(result.componentHomes.get('parameters/Cursor')).toBe('root');
    expect(result.componentHomes.get('schemas/NotificationPage')).toBe('notifications');
    for (const [file, text] of result.files) {
      if (file === partFile('root')) continue;
      for (const [, ref] of text.matchAll(/\$ref: '?([^'\s]+)/g)) {
        const target = ref!.split('#')[0]!;
        if (!target) continue;
        expect(path.posix.join(path.posix.dirname(file), target), `${file}: ${ref}`).toBe(
          'openapi/root.yaml',
        );
      }
    }
  });

  it(
    'bundles back to the same document, and the comparison notices a change',
    async () => {
      const tmp = path.join(out, 'bundle.yaml');
      const same = YAML.parse(await bundleContract(path.join(out, partFile('root')), tmp));
      expect(contractDifferences(monolith, same)).toEqual([]);

      const catalog = path.join(out, partFile('catalog'));
      const part = YAML.parseDocument(fs.readFileSync(catalog, 'utf8'));
      part.setIn(['paths', '/v1/achievements', 'get', 'summary'], 'changed');
      fs.writeFileSync(catalog, part.toString());
      const changed = YAML.parse(await bundleContract(path.join(out, partFile('root')), tmp));
      expect(contractDifferences(monolith, changed)).toEqual([
        expect.stringMatching(/^\/paths\/~1v1~1achievements\/get\/summary: /),
      ]);
    },
    SLOW,
  );
});
