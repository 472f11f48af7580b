/**
 * The one way we put a wrapper of ours on someone else's method (the game's
 * agents, its story graph, fetch and XMLHttpRequest, console): the idea of
 * Sentry's `fill`, with one restore rule for all of them.
 *
 * - The wrapper keeps the original's name, length and prototype; called with
 *   `new` it constructs the original, untraced.
 * - Restore only if the wrapper is still ours: when the page wrapped over it
 *   since (its own logger, a second tool), taking ours out would take theirs
 *   too. Theirs stays in place, ours stays in their chain as a pass-through
 *   (it calls the original, records nothing), and `restore()` says so.
 */
import { apply, defineProperty } from '../core/builtins';

/** What the traced part of a wrapper does with a call: `original` is what it must call. */
export type Traced = (original: Function, self: unknown, args: unknown[]) => unknown;

/** How `restore()` went. */
export type RestoreOutcome =
  /** The holder has what it had before (the same descriptor, or none of its own). */
  | 'restored'
  /** Someone wrapped over ours since: theirs stays, ours passes calls through. */
  | 'wrapped-over'
  /** The holder refused (frozen since): ours stays and passes calls through. */
  | 'refused';

export interface Patch {
  readonly holder: object;
  readonly key: string;
  readonly original: Function;
  readonly wrapper: Function;
  /** False once restored (or asked to be): the wrapper only calls the original. */
  readonly live: boolean;
  /** Puts the original back if the wrapper is still ours; ours is a pass-through from now on, whatever happens. */
  restore(): RestoreOutcome;
}

const getOwnDescriptor = Object.getOwnPropertyDescriptor;
const reflectConstruct = Reflect.construct;
const hasOwnProperty = Object.prototype.hasOwnProperty;
// Captured: a page that broke WeakSet.prototype.add must not make patchMethod
// throw after the wrapper is installed (it would stay on, untracked, never restored).
const weakSetAdd = WeakSet.prototype.add;
const weakSetHas = WeakSet.prototype.has;

/** Every wrapper made here, across agents: what a caller that must not wrap twice asks. */
const wrappers = new WeakSet<Function>();

/** Whether `fn` is a wrapper made by `patchMethod` (of any agent). */
export function isPatchWrapper(fn: unknown): boolean {
  return typeof fn === 'function' && (apply(weakSetHas, wrappers, [fn]) as boolean);
}

export interface PatchOptions {
  /**
   * The descriptor the method was found with (own or inherited), when the
   * caller looked it up already: the wrapper gets its enumerability.
   */
  found?: PropertyDescriptor;
}

/**
 * Puts a wrapper on `holder[key]` (defined on the holder itself, so that
 * other objects sharing its prototype stay untouched). `traced` is called
 * for each call while the patch is live. Throws what the holder throws
 * (frozen, a non-writable method): the caller says what it skipped.
 */
export function patchMethod(holder: object, key: string, original: Function, traced: Traced, options: PatchOptions = {}): Patch {
  const before = getOwnDescriptor(holder, key);
  const found = options.found ?? before;
  const patch = {
    holder,
    key,
    original,
    wrapper: null as unknown as Function,
    live: true,
    restore: (): RestoreOutcome => restore(patch, before),
  };
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (new.target) return reflectConstruct(original, args, new.target);
    if (!patch.live) return apply(original, this, args);
    return traced(original, this, args);
  };
  likeOriginal(wrapper, original);
  patch.wrapper = wrapper;
  apply(weakSetAdd, wrappers, [wrapper]);
  if (before && !before.configurable) {
    // Writable but not configurable (a non-configurable own method): only assignment can change it.
    if (!before.writable) throw new TypeError(`${key} is not writable`);
    (holder as Record<string, unknown>)[key] = wrapper;
  } else {
    // Same enumerability as the original, so for...in over the holder is unchanged.
    defineProperty(holder, key, { value: wrapper, writable: true, configurable: true, enumerable: found?.enumerable ?? false });
  }
  return patch;
}

function restore(patch: { holder: object; key: string; wrapper: Function; live: boolean }, before: PropertyDescriptor | undefined): RestoreOutcome {
  if (!patch.live) return 'restored';
  patch.live = false;
  try {
    const own = getOwnDescriptor(patch.holder, patch.key);
    const current = own ? own.value : (patch.holder as Record<string, unknown>)[patch.key];
    if (current !== patch.wrapper) return 'wrapped-over';
    if (before && !before.configurable) (patch.holder as Record<string, unknown>)[patch.key] = before.value;
    else if (before) defineProperty(patch.holder, patch.key, before);
    else if (!delete (patch.holder as Record<string, unknown>)[patch.key]) return 'refused';
    return 'restored';
  } catch {
    return 'refused';
  }
}

/** A wrapper that shows its original's name, length and prototype. */
export function likeOriginal(wrapper: Function, fn: Function): void {
  defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  defineProperty(wrapper, 'length', { value: fn.length, configurable: true });
  if (apply(hasOwnProperty, fn, ['prototype'])) wrapper.prototype = fn.prototype;
}

/** Restores patches newest first; `onLeft` hears of each one left in place (wrapped over, or refused). */
export function restoreAll(patches: readonly Patch[], onLeft?: (patch: Patch, outcome: Exclude<RestoreOutcome, 'restored'>) => void): void {
  for (let i = patches.length - 1; i >= 0; i--) {
    const outcome = patches[i]!.restore();
    if (outcome !== 'restored') onLeft?.(patches[i]!, outcome);
  }
}
