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

/** The value at `path` from `root`, or undefined when any step is missing (an element's id on window too: see isNamedAccess). */
export function resolvePath(path: string, root: object = globalThis): unknown {
  let v: unknown = root;
  for (const p of parsePath(path)) {
    if (p === '*') return v; // `game.npcs[*]`: the array itself, hooked item by item
    if (v === null || v === undefined) return undefined;
    try {
      const holder = v as Record<string, unknown>;
      v = holder[p];
      if (isNamedAccess(holder, p, v)) return undefined;
    } catch {
      return undefined;
    }
  }
  return v;
}

/**
 * Whether window[key] is the page's named access (`<canvas id="game">` is
 * `window.game` until the game declares its own `game`): an element, a
 * collection of them or a frame's window, found on window's prototype chain
 * (the WindowProperties object), not a property of window's own. Such a name
 * is not the game's yet.
 */
export function isNamedAccess(holder: object, key: string, value: unknown): boolean {
  if (holder !== globalThis || value === null || typeof value !== 'object' || hasOwn.call(holder, key)) return false;
  try {
    return (typeof Element === 'function' && value instanceof Element) || (typeof HTMLCollection === 'function' && value instanceof HTMLCollection) || (value as { window?: unknown }).window === value;
  } catch {
    return false;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** `data-hook="a, b.c"` as a list of paths. */
export function splitPaths(list: string | null | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
