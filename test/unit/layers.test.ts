/**
 * The arrows between the layers of src, kept by `npm test`: every import and
 * re-export of every file under src must be one the table in
 * test/tools/layers.ts allows. The checker itself is tested on made-up
 * graphs and sources, so that a backwards import is seen to fail.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTRIES, importGraph, LAYERS, layerOf, layerViolations, packageOf, specifiersOf, type Import } from '../tools/layers';

const ROOT = resolve(import.meta.dirname, '../..');

const rel = (file: string, typeOnly = false): Import => ({ specifier: './x', file, pkg: null, typeOnly });
const pkg = (name: string): Import => ({ specifier: name, file: null, pkg: name, typeOnly: false });

describe('the layers of src', () => {
  const graph = importGraph(ROOT);

  it('every import of src runs along the allowed arrows (test/tools/layers.ts)', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('reads the real graph: the column format in core is imported by the store and the analytics', () => {
    const importersOf = (file: string) => [...graph].filter(([, imports]) => imports.some((i) => i.file === file)).map(([f]) => f);
    const columns = importersOf('src/core/columns.ts');
    expect(columns).toContain('src/store/host.ts');
    expect(columns).toContain('src/analytics/stats.ts');
    expect(graph.get('src/overlay/app.tsx')!.map((i) => i.pkg)).toContain('preact');
    // Every layer of the graph has its row, and every file of src was read.
    for (const file of graph.keys()) expect(LAYERS[layerOf(file)!], file).toBeDefined();
    expect(graph.size).toBeGreaterThan(50);
  });
});

describe('the layer check (on made-up graphs)', () => {
  it('fails on an import against the arrows, type-only imports too', () => {
    const backwards = new Map([['src/analytics/stats.ts', [rel('src/store/columns.ts')]]]);
    expect(layerViolations(backwards)).toEqual(["src/analytics/stats.ts imports './x': analytics may import core (besides itself), not store"]);
    const types = new Map([['src/core/entry.ts', [rel('src/hooks/state.ts', true)]]]);
    expect(layerViolations(types)).toEqual(["src/core/entry.ts imports './x' (types): core may import nothing (besides itself), not hooks"]);
    const sideways = new Map([['src/hooks/frame-loop.ts', [rel('src/analytics/stats.ts')]]]);
    expect(layerViolations(sideways)).toHaveLength(1);
  });

  it('allows the downward arrows, imports inside a layer, and anything from the entries', () => {
    const fine = new Map([
      ['src/store/host.ts', [rel('src/core/columns.ts'), rel('src/analytics/engine.ts'), rel('src/export/trace-json.ts'), rel('src/store/ring.ts'), pkg('idb')]],
      ['src/overlay/panels/log-model.ts', [rel('src/store/protocol.ts', true), rel('src/overlay/state.ts'), pkg('preact')]],
      ['src/index.ts', [rel('src/create-agent.ts'), rel('src/overlay/mount.tsx')]],
      ['src/agent/options.ts', [rel('src/overlay/hotkey.ts')]],
    ]);
    expect(layerViolations(fine)).toEqual([]);
  });

  it('fails on a package a layer may not use, a file outside src, an import that resolves to nothing, and a folder with no row', () => {
    const bad = new Map([
      ['src/core/entry.ts', [pkg('preact')]],
      ['src/analytics/engine.ts', [rel('test/tools/nab-score.ts'), { specifier: './gone', file: null, pkg: null, typeOnly: false }]],
      ['src/newfolder/thing.ts', [rel('src/core/entry.ts')]],
    ]);
    expect(layerViolations(bad)).toEqual([
      "src/core/entry.ts imports 'preact': core may use no package, not preact",
      "src/analytics/engine.ts imports './x': test/tools/nab-score.ts is outside src",
      "src/analytics/engine.ts imports './gone': it resolves to no file",
      'src/newfolder/thing.ts: its folder src/newfolder has no row in the layer table (test/tools/layers.ts)',
    ]);
  });

  it('names layers by the folder under src, at any depth; the files at the top are the entries', () => {
    expect(layerOf('src/overlay/panels/agents.tsx')).toBe('overlay');
    expect(layerOf('src/script.ts')).toBe(ENTRIES);
    expect(layerOf('test/unit/x.test.ts')).toBeNull();
  });

  it('reads imports, type imports, re-exports, side-effect and dynamic imports of TypeScript and TSX', () => {
    const code = [
      "import type { A } from './a';",
      "import { b, type C } from '../b';",
      "import './side-effect';",
      "export { d } from './d';",
      "export * from './e';",
      "export type { F } from './f';",
      "const g = () => import('./g');",
      'const h = <T,>(x: T): T => x;',
      "import { signal } from '@preact/signals';",
    ].join('\n');
    expect(specifiersOf(code, 'x.ts')).toEqual([
      { specifier: './a', typeOnly: true },
      { specifier: '../b', typeOnly: false },
      { specifier: './side-effect', typeOnly: false },
      { specifier: '@preact/signals', typeOnly: false },
      { specifier: './d', typeOnly: false },
      { specifier: './e', typeOnly: false },
      { specifier: './f', typeOnly: true },
      { specifier: './g', typeOnly: false },
    ]);
    expect(specifiersOf("import { h } from 'preact';\nexport const V = () => <div class=\"x\">{h}</div>;", 'v.tsx')).toEqual([{ specifier: 'preact', typeOnly: false }]);
    // A module named at run time cannot be followed: the check says so rather than pass it.
    expect(() => specifiersOf('const m = "./x"; import(m);', 'y.ts')).toThrow(/names no literal module/);
    expect(packageOf('preact/hooks')).toBe('preact');
    expect(packageOf('@preact/signals')).toBe('@preact/signals');
  });
});
