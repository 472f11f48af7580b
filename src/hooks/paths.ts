/**
 * Global paths such as `game.npcs`, `Game.prototype` or `window.story`,
 * resolved by reading properties (never by evaluating code). Names declared
 * with `class`, `let` or `const` at the top of a classic script are not
 * properties of `window`, so the game must reach them from `window`.
 */

/** Splits `a.b[0].c` into `['a', 'b', '0', 'c']`, without a leading window/globalThis/self. */
export function parsePath(path: string): string[] {
  const parts = path
    .trim()
    .replace(/\[(\d+|\*)\]/g, '.$1')
    .replace(/\[["']([^"']+)["']\]/g, '.$1')
    .split('.')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts[0] === 'window' || parts[0] === 'globalThis' || parts[0] === 'self') parts.shift();
  return parts;
}

/** The value at `path` from `root`, or undefined when any step is missing. */
export function resolvePath(path: string, root: object = globalThis): unknown {
  let v: unknown = root;
  for (const p of parsePath(path)) {
    if (p === '*') return v; // `game.npcs[*]`: the array itself, hooked item by item
    if (v === null || v === undefined) return undefined;
    try {
      v = (v as Record<string, unknown>)[p];
    } catch {
      return undefined;
    }
  }
  return v;
}

/** `data-hook="a, b.c"` as a list of paths. */
export function splitPaths(list: string | null | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
