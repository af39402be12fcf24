import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// No Docker engine runs on these machines: the image is checked as text here, and its start by
// scripts/image-start-check.sh (the build run as the image runs it).
const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
};

describe('the image', () => {
  it('runs on a supported Node LTS (22 or later) while the code keeps supporting Node 20', () => {
    const majors = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(majors.length).toBeGreaterThanOrEqual(2);
    for (const major of majors) {
      expect(major).toBeGreaterThanOrEqual(22);
      expect(major % 2).toBe(0); // even majors are the LTS lines
    }
    expect(pkg.engines.node).toMatch(/^>=20\./);
  });

  it('has a start check that runs the build as the image does: non-root, read-only /app, no DATA_DIR', () => {
    const check = fs.readFileSync(path.join(root, 'scripts/image-start-check.sh'), 'utf8');
    for (const command of ['migrate', 'serve', 'worker']) expect(check).toContain(command);
    expect(check).toMatch(/runuser|setpriv/);
    expect(check).not.toMatch(/DATA_DIR=/);
  });
});
