/**
 * Whether a property of the game's can take an accessor of ours, and how it
 * becomes a plain property again: one rule for the paths watched until the
 * game assigns them (src/hooks/path-watch.ts) and the state paths followed
 * (src/hooks/state-path.ts). An accessor of ours never stands in for one of
 * the game's (its own get/set, MobX's, or a class's `get state()` inherited):
 * the game's setter would never run again.
 */
import { errorMessage } from '../core/errors';

const fnToString = Function.prototype.toString;
const isPrototypeOf = Object.prototype.isPrototypeOf;

export type Spot =
  /** An accessor may go there; `before` is the holder's own property it stands in for (none: undefined). */
  | { ok: true; before: PropertyDescriptor | undefined }
  /** `accessor`: the game's own getter/setter is there (own or inherited); `fixed`: a data property that is not configurable. */
  | { ok: false; kind: 'accessor' | 'fixed' | 'other'; reason: string };

/** What stands at holder[key] now, for an accessor of ours; `name` is the path, for the reason. */
export function spotAt(holder: object, key: string, name: string): Spot {
  let before: PropertyDescriptor | undefined;
  try {
    // Every object of the page would see an accessor there.
    if (key === '__proto__' || builtinPrototype(holder)) return { ok: false, kind: 'other', reason: `${name}: a built-in prototype (or __proto__) is never watched` };
    before = Object.getOwnPropertyDescriptor(holder, key);
    if (before ? !('value' in before) : inheritsAccessor(holder, key)) {
      return { ok: false, kind: 'accessor', reason: `${name} is an accessor of the game's` }; // shadowing it would cut the game's own getter and setter off
    }
  } catch (err) {
    return { ok: false, kind: 'other', reason: `${name}: ${errorMessage(err)}` };
  }
  if (before && !before.configurable) return { ok: false, kind: 'fixed', reason: `${name} is declared already and not configurable` };
  return { ok: true, before };
}

/**
 * Takes our accessor (its getter `ours`) from holder[key], if it is still
 * there: what the game assigned (`assigned`) stays as a plain property,
 * shaped as the one before was or as an assignment makes it; otherwise the
 * property before comes back, or none when there was none. Never throws
 * (frozen since: the accessor stays).
 */
export function putBack(holder: object, key: string, ours: Function, before: PropertyDescriptor | undefined, assigned: boolean, value: unknown): void {
  try {
    if (Object.getOwnPropertyDescriptor(holder, key)?.get !== ours) return; // redefined by the game since: not ours any more
    if (assigned) Object.defineProperty(holder, key, plainProperty(before, value));
    else if (before) Object.defineProperty(holder, key, before);
    else delete (holder as Record<string, unknown>)[key];
  } catch {
    /* frozen since: the accessor stays */
  }
}

/**
 * For the setter of an accessor of ours: an object inheriting from the
 * holder (`inst.move = f`, the holder its prototype) gets its own property,
 * as without us, and true is returned (the assignment is not the holder's).
 * Window's setter is called with the window itself, which nothing inherits from.
 */
export function assignedToInheritor(receiver: unknown, holder: object, key: string, value: unknown): boolean {
  if (receiver === holder || holder === globalThis || receiver === null || (typeof receiver !== 'object' && typeof receiver !== 'function')) return false;
  // A receiver the holder is no prototype of is a proxy of it (a reactive store's): the holder's own assignment.
  if (!isPrototypeOf.call(holder, receiver)) return false;
  try {
    Object.defineProperty(receiver, key, { value, writable: true, enumerable: true, configurable: true });
  } catch {
    // Frozen: the assignment fails quietly, as in sloppy code.
  }
  return true;
}

/** holder[key] = value as a plain property: shaped as `before` (a data property), or as an assignment makes one. */
export function plainProperty(before: PropertyDescriptor | undefined, value: unknown): PropertyDescriptor {
  return before && 'value' in before ? { ...before, value } : { value, writable: true, enumerable: true, configurable: true };
}

/** Object.prototype, Function.prototype, Window.prototype, HTMLElement.prototype...: the prototype of a native constructor. */
function builtinPrototype(o: object): boolean {
  if (o === Object.prototype || o === Function.prototype || (typeof Window === 'function' && o === Window.prototype)) return true;
  const ctor = Object.getOwnPropertyDescriptor(o, 'constructor')?.value as unknown;
  return typeof ctor === 'function' && (ctor as { prototype?: unknown }).prototype === o && /\{\s*\[native code\]\s*\}\s*$/.test(fnToString.call(ctor));
}

/** Whether `key` is an accessor on the holder's prototype chain (a class's `get story()`). */
export function inheritsAccessor(holder: object, key: string): boolean {
  for (let o = Object.getPrototypeOf(holder) as object | null; o; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d) return !('value' in d);
  }
  return false;
}
