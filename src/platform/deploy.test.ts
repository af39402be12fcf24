import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { MEILI_MIN_VERSION } from '../modules/matching/meili-engine.js';
import { KNOWN_ENV_VARS } from './config.js';

// No Docker engine runs on these machines, so the deployment files are checked as text.
const root = fileURLToPath(new URL('../..', import.meta.url));
const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<
    string,
    {
      image?: string;
      build?: unknown;
      command?: string[];
      environment?: Record<string, string>;
      healthcheck?: unknown;
      depends_on?: Record<string, unknown>;
    }
  >;
};
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

describe('docker-compose.yml', () => {
  const ours = Object.entries(compose.services).filter(([, s]) => s.build);

  it('runs api and worker from our image, with PostgreSQL 18, Redis and Meilisearch beside them', () => {
    expect(ours.map(([n]) => n).sort()).toEqual(['api', 'worker']);
    expect(compose.services.api?.command).toEqual(['serve']);
    expect(compose.services.worker?.command).toEqual(['worker']);
    expect(compose.services.postgres?.image).toMatch(/^postgres:18/);
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    expect(compose.services.meilisearch?.image).toMatch(/^getmeili\/meilisearch:/);
    // the Meilisearch release CI tests and the adapter accepts as its oldest (v1.50 = 1.50.x)
    const [major, minor] = MEILI_MIN_VERSION.split('.');
    expect(compose.services.meilisearch?.image).toBe(`getmeili/meilisearch:v${major}.${minor}`);
  });

  it('configures Redis for BullMQ: AOF fsync every second, no eviction', () => {
    const cmd = compose.services.redis?.command?.join(' ') ?? '';
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--appendfsync everysec/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
  });

  it('passes our services only configuration keys the service knows', () => {
    for (const [name, svc] of ours) {
      const unknown = Object.keys(svc.environment ?? {}).filter((k) => !KNOWN_ENV_VARS.includes(k));
      expect(unknown, `${name} has unknown keys`).toEqual([]);
    }
  });

  it('gives secrets no defaults', () => {
    const text = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    for (const secret of ['APP_SECRET', 'POSTGRES_PASSWORD', 'MEILI_MASTER_KEY']) {
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
      expect(text).not.toMatch(new RegExp(`\\$\\{${secret}:-`));
    }
    for (const [, svc] of ours) expect(svc.environment?.NODE_ENV).toBe('production');
  });

  it('has health checks on the backing services and waits for them', () => {
    for (const s of ['postgres', 'redis', 'meilisearch'])
      expect(compose.services[s]?.healthcheck).toBeTruthy();
    expect(Object.keys(compose.services.api?.depends_on ?? {}).sort()).toEqual([
      'meilisearch',
      'postgres',
      'redis',
    ]);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage, production dependencies only, non-root, with a health check', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER (?!root)\w+/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
  });
});
