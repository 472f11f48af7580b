import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
/** Shared by the adapters, not one of its own: never an entry of the package. */
const INTERNAL = new Set(['spans']);

describe('the package exports the adapters', () => {
  it('one ./adapters/<name> entry for each adapter in src/adapters, and none for its internal helpers', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; import: string }> };
    const exported = Object.keys(pkg.exports)
      .filter((k) => k.startsWith('./adapters/'))
      .map((k) => k.slice('./adapters/'.length))
      .sort();
    const sources = readdirSync(resolve(ROOT, 'src/adapters'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .filter((n) => !INTERNAL.has(n))
      .sort();
    expect(exported).toEqual(sources);
    for (const name of exported) {
      expect(pkg.exports[`./adapters/${name}`]).toEqual({ types: `./dist/types/adapters/${name}.d.ts`, import: `./dist/esm/adapters/${name}.js` });
    }
  });
});
