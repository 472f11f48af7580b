/**
 * The layers of src and the imports allowed between them, written once. The
 * import check (test/unit/layers.test.ts, part of `npm test`) holds every
 * import and re-export of every file under src to this table; the README's
 * layout section says the same in words.
 *
 * A layer is a folder directly under src: every file under it, at any depth,
 * is in it (a new file needs no edit here; a new folder does, and the check
 * fails until it has a row). The files at the top of src are the entries.
 * Imports inside a layer are always allowed. Type-only imports count like
 * the others: a type is a dependency too.
 *
 * Node-only: reads files and parses them with Vite's parser (oxc).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseSync } from 'vite';

/** What a layer may import: other layers (by name), and npm packages; 'any' for the entries. */
export interface LayerRule {
  imports: readonly string[] | 'any';
  packages: readonly string[] | 'any';
}

/** The name of the files at the top of src. */
export const ENTRIES = '(entries)';

/**
 * Downward only: core, then hooks / analytics / export, then store, then
 * overlay, then the entries.
 */
export const LAYERS: Readonly<Record<string, LayerRule>> = {
  // The entry model, the column format, event types, safe copy, clock, builtins: imports nothing.
  core: { imports: [], packages: [] },
  // Instrumentation of the game's objects and the page.
  hooks: { imports: ['core'], packages: [] },
  // Pure and DOM-free: runs in the worker and in Node.
  analytics: { imports: ['core'], packages: [] },
  // Trace JSON, Chrome trace, state replay.
  export: { imports: ['core'], packages: [] },
  // The worker protocol, host and rings, the page's client; the worker's entry files live here too.
  store: { imports: ['core', 'analytics', 'export'], packages: ['idb'] },
  // Preact + signals + uPlot; reads the store's and the engine's types and the store's query rules.
  overlay: { imports: ['core', 'analytics', 'export', 'store'], packages: ['preact', '@preact/signals', 'uplot'] },
  // The `trace-agent` command (Node): reads files as streams, runs the analytics and the exporters over them.
  cli: { imports: ['core', 'analytics', 'export', 'agent'], packages: ['node:fs', 'node:fs/promises', 'node:stream', 'node:util', 'node:zlib'] },
  // index.ts, script.ts, create-agent.ts (the composition root), and any file at the top of src.
  [ENTRIES]: { imports: 'any', packages: 'any' },
  // The composition root's parts (issue 15): entries too.
  agent: { imports: 'any', packages: 'any' },
  // Engine adapters (trace-agent/adapters/*), entries of the package of their own.
  adapters: { imports: 'any', packages: 'any' },
};

export interface Import {
  /** The specifier as written. */
  specifier: string;
  /** For a relative specifier: the file it resolves to, relative to the root (posix); null when it resolves to none. */
  file: string | null;
  /** For a bare specifier: the npm package (`preact` for `preact/hooks`, `@preact/signals`) or `node:fs`. */
  pkg: string | null;
  /** `import type` / `export type` only. */
  typeOnly: boolean;
}

/** The import, re-export and dynamic import specifiers of a TypeScript module; a dynamic import of no literal string is an error. */
export function specifiersOf(code: string, filename: string): { specifier: string; typeOnly: boolean }[] {
  const parsed = parseSync(filename, code);
  if (parsed.errors.length > 0) throw new Error(`${filename}: ${parsed.errors[0]!.message}`);
  const out: { specifier: string; typeOnly: boolean }[] = [];
  for (const s of parsed.module.staticImports) {
    // A side-effect import has no entries; otherwise type-only when every name is.
    out.push({ specifier: s.moduleRequest.value, typeOnly: s.entries.length > 0 && s.entries.every((e) => e.isType) });
  }
  for (const s of parsed.module.staticExports) {
    for (const e of s.entries) if (e.moduleRequest) out.push({ specifier: e.moduleRequest.value, typeOnly: e.isType });
  }
  for (const d of parsed.module.dynamicImports) {
    const text = code.slice(d.moduleRequest.start, d.moduleRequest.end).trim();
    const literal = /^(['"])([^'"`]*)\1$/.exec(text);
    if (!literal) throw new Error(`${filename}: import(${text}) names no literal module; the layer check cannot follow it`);
    out.push({ specifier: literal[2]!, typeOnly: false });
  }
  return out;
}

/** `preact` for `preact/hooks`, `@preact/signals` for itself, `node:fs` for `node:fs/promises`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const EXTENSIONS = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];

/** Every .ts / .tsx file under `dir`, relative to `root`, posix separators. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(join(root, dir));
  return out;
}

/** The imports of each file under `root`/`dir` (keys and resolved files relative to `root`). */
export function importGraph(root: string, dir = 'src'): Map<string, Import[]> {
  const graph = new Map<string, Import[]>();
  for (const file of sourceFiles(root, dir)) {
    const code = readFileSync(join(root, file), 'utf8');
    const imports = specifiersOf(code, file).map(({ specifier, typeOnly }): Import => {
      if (!specifier.startsWith('.')) return { specifier, file: null, pkg: packageOf(specifier), typeOnly };
      const base = resolve(root, dirname(file), specifier.replace(/\?.*$/, ''));
      const hit = EXTENSIONS.map((x) => base + x).find((p) => existsSync(p) && statSync(p).isFile());
      return { specifier, file: hit ? relative(root, hit).split(sep).join('/') : null, pkg: null, typeOnly };
    });
    graph.set(file, imports);
  }
  return graph;
}

/** The layer of a file under `dir` (`src/store/host.ts` → `store`, `src/index.ts` → ENTRIES); null outside `dir`. */
export function layerOf(file: string, dir = 'src'): string | null {
  if (!file.startsWith(dir + '/')) return null;
  const rest = file.slice(dir.length + 1).split('/');
  return rest.length === 1 ? ENTRIES : rest[0]!;
}

/** Every import of `graph` that the table does not allow, as readable lines; [] when there is none. */
export function layerViolations(graph: ReadonlyMap<string, readonly Import[]>, layers: Readonly<Record<string, LayerRule>> = LAYERS, dir = 'src'): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    const from = layerOf(file, dir);
    const rule = from === null ? undefined : layers[from];
    if (!rule) {
      out.push(`${file}: its folder ${dir}/${from} has no row in the layer table (test/tools/layers.ts)`);
      continue;
    }
    for (const imp of imports) {
      const what = `${file} imports '${imp.specifier}'${imp.typeOnly ? ' (types)' : ''}`;
      if (imp.pkg !== null) {
        if (rule.packages !== 'any' && !rule.packages.includes(imp.pkg)) {
          out.push(`${what}: ${from} may use ${rule.packages.length ? rule.packages.join(', ') : 'no package'}, not ${imp.pkg}`);
        }
        continue;
      }
      if (imp.file === null) {
        out.push(`${what}: it resolves to no file`);
        continue;
      }
      const to = layerOf(imp.file, dir);
      if (to === null) {
        out.push(`${what}: ${imp.file} is outside ${dir}`);
        continue;
      }
      if (to === from || rule.imports === 'any' || rule.imports.includes(to)) continue;
      out.push(`${what}: ${from} may import ${rule.imports.length ? rule.imports.join(', ') : 'nothing'} (besides itself), not ${to}`);
    }
  }
  return out;
}
