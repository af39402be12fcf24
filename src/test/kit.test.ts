import { describe, expect, it } from 'vitest';
import { MODULES } from '../modules/index.js';
import { PLUGIN_MODULES } from './context.js';

describe('test kit', () => {
  it('registers every app-wide plugin a module contributes in production', () => {
    const withPlugins = MODULES.filter((m) => m.plugins?.length).map((m) => m.name);
    expect(PLUGIN_MODULES.map((m) => m.name)).toEqual(withPlugins);
  });
});
