import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { loadSecrets } from './secrets.js';

describe('configuration', () => {
  it('has embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.embedded).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.redisUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the variable of an invalid value', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const vars = (err as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(['DATABASE_URL', 'PORT']);
      expect((err as Error).message).toContain('PORT');
    }
  });

  it('refuses production without secrets instead of defaulting them', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://h/db', PUBLIC_URL: 'https://x.cn' }),
    ).toThrow(/APP_SECRET/);
  });

  it('generates secrets once into DATA_DIR with mode 0600 and reuses them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-secrets-'));
    const config = loadConfig({ DATA_DIR: dir });
    const a = await loadSecrets(config);
    const b = await loadSecrets(config);
    expect(a).toEqual(b);
    expect(a.appSecret.length).toBeGreaterThanOrEqual(32);
    const st = await fs.stat(path.join(dir, 'secrets.json'));
    expect(st.mode & 0o777).toBe(0o600);
    await fs.rm(dir, { recursive: true });
  });

  it('uses APP_SECRET from the environment when given', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-secrets-'));
    const s = await loadSecrets(loadConfig({ DATA_DIR: dir, APP_SECRET: 'x'.repeat(40) }));
    expect(s.appSecret).toBe('x'.repeat(40));
    await fs.rm(dir, { recursive: true });
  });

  it('leaves embeddings off unless EMBEDDINGS_URL is set, and names the endpoint it will POST to', () => {
    expect(loadConfig({}).embeddings).toBeUndefined();
    const on = (url: string) =>
      loadConfig({ EMBEDDINGS_URL: url, EMBEDDINGS_MODEL: 'bge-m3' }).embeddings?.endpoint;
    expect(on('http://emb.local:8080')).toBe('http://emb.local:8080/v1/embeddings');
    expect(on('https://api.example.cn/v1/')).toBe('https://api.example.cn/v1/embeddings');
    expect(on('https://api.example.cn/openai/embeddings')).toBe('https://api.example.cn/openai/embeddings');
    const c = loadConfig({
      EMBEDDINGS_URL: 'http://emb.local',
      EMBEDDINGS_MODEL: 'm',
      EMBEDDINGS_API_KEY: 'k',
    });
    expect(c.embeddings).toMatchObject({ model: 'm', apiKey: 'k', weight: 0.5, minSimilarity: 0.5 });
  });

  it('refuses an embeddings set-up that cannot work, naming the variable', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.map((p) => p.variable);
      }
    };
    expect(problems({ EMBEDDINGS_URL: 'http://emb.local' })).toEqual(['EMBEDDINGS_MODEL']);
    expect(problems({ EMBEDDINGS_MODEL: 'm', EMBEDDINGS_API_KEY: 'secret-key' })).toEqual([
      'EMBEDDINGS_MODEL',
      'EMBEDDINGS_API_KEY',
    ]);
    expect(problems({ EMBEDDINGS_URL: 'ftp://emb.local', EMBEDDINGS_MODEL: 'm' })).toEqual([
      'EMBEDDINGS_URL',
    ]);
    expect(
      problems({ EMBEDDINGS_URL: 'http://e', EMBEDDINGS_MODEL: 'm', EMBEDDINGS_DIMENSIONS: '0' }),
    ).toEqual(['EMBEDDINGS_DIMENSIONS']);
    // the key itself never appears in the error
    try {
      loadConfig({ EMBEDDINGS_API_KEY: 'secret-key' });
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-key');
    }
  });
});
