/**
 * Import maps for pages that load the ESM build unbundled: `trace-agent` →
 * dist/esm/index.js, `trace-agent/adapters/<name>` → dist/esm/adapters, and
 * every bare import reachable from those (the package's dependencies, and
 * the engines a page imports: xstate, zustand, ...) → their files in
 * node_modules, resolved through each package's exports as a browser would
 * get them from a bundler.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

const pick = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') for (const c of ['browser', 'module', 'import', 'default']) if (c in v) return pick((v as Record<string, unknown>)[c]);
  return undefined;
};

/** A subpath through a package's exports, `./*` patterns included. */
function exported(exports: Record<string, unknown>, sub: string): string | undefined {
  if (sub in exports) return pick(exports[sub]);
  for (const [key, target] of Object.entries(exports)) {
    const star = key.indexOf('*');
    if (star < 0 || !sub.startsWith(key.slice(0, star)) || !sub.endsWith(key.slice(star + 1))) continue;
    const rest = sub.slice(star, sub.length - (key.length - star - 1));
    return pick(target)?.replace('*', rest);
  }
  return undefined;
}

/** Bare package specifiers a file imports (relative imports are followed for more). */
function importsOf(file: string, seen: Set<string>): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  const out: string[] = [];
  // Import and re-export statements that start a line or follow a `;` (minified code), not prose in comments that quotes one.
  for (const m of code.matchAll(/(?:^|;)\s*(?:(?:import|export)\b[^'";]*?\bfrom\s*|import\s*)["']([^"']+)["']/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) {
      const next = resolve(dirname(file), spec);
      if (existsSync(next)) out.push(...importsOf(next, seen));
    } else if (/^(@[\w.-]+\/)?[\w.-]+(\/[\w.-]+)*$/.test(spec)) out.push(spec); // package specifiers only (not prose in comments)
  }
  return out;
}

/** The import map's `imports`: the package and its adapters, plus `engines` (bare specifiers a page imports). */
export function importMap(engines: string[] = []): Record<string, string> {
  const map: Record<string, string> = { 'trace-agent': '/dist/esm/index.js' };
  const adapters = join(REPO, 'dist/esm/adapters');
  const seen = new Set<string>();
  const queue = importsOf(join(REPO, 'dist/esm/index.js'), seen);
  if (existsSync(adapters)) {
    for (const f of readdirSync(adapters).filter((f) => f.endsWith('.js'))) {
      map[`trace-agent/adapters/${f.slice(0, -3)}`] = `/dist/esm/adapters/${f}`;
      queue.push(...importsOf(join(adapters, f), seen));
    }
  }
  queue.push(...engines);
  while (queue.length > 0) {
    const spec = queue.shift()!;
    if (map[spec]) continue;
    const parts = spec.split('/');
    const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
    const sub = '.' + spec.slice(name.length);
    const pkg = JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { exports?: Record<string, unknown>; module?: string; main?: string };
    const rel = pkg.exports ? exported(pkg.exports, sub) : sub === '.' ? (pkg.module ?? pkg.main) : sub;
    const file = rel && join(REPO, 'node_modules', name, rel);
    if (!file || !existsSync(file)) throw new Error(`import map: cannot resolve ${spec} to a file in node_modules`);
    map[spec] = '/' + join('node_modules', name, rel);
    queue.push(...importsOf(file, seen));
  }
  return map;
}

/**
 * The `<script type="importmap">` element for `importMap(engines)`, and
 * before it, as a bundler's `define` does, `process.env.NODE_ENV` for the
 * libraries that read it (redux, immer and reselect's ESM builds do).
 */
export function importMapTag(engines: string[] = []): string {
  return `<script>globalThis.process = { env: { NODE_ENV: 'production' } };</script><script type="importmap">${JSON.stringify({ imports: importMap(engines) })}</script>`;
}
