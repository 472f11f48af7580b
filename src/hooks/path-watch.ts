/**
 * Hooking at definition time. For a global path whose root or a middle part
 * does not exist yet, a configurable accessor is put on the holder (window,
 * or the object reached so far) under the missing name. When the game
 * assigns it (`var Room = {...}` at the top of a classic script, which keeps
 * an existing property of window and assigns through it; `window.game = ...`
 * in a module; `game.story = new Story()` later), the accessor gives way to a
 * plain data property holding what the game assigned, the walk goes on from
 * there, and once the whole path resolves `onArrive` runs: still inside the
 * game's assignment, before any game code can take references to the
 * value's methods.
 *
 * What an accessor cannot see: a top-level `function` declaration (and
 * `Object.defineProperty` by the game) redefines the property instead of
 * assigning it, and an object replaced above the accessor leaves it on the
 * old object. Those are found by the retries of src/hooks/pending-paths.ts.
 */
import { errorMessage } from '../core/errors';
import { isNamedAccess, parsePath } from './paths';
import { assignedToInheritor, plainProperty, putBack, spotAt } from './property-spot';

export interface PathWatch {
  /** The path resolved and `onArrive` ran. */
  readonly arrived: boolean;
  /** Why no accessor could be put in place (the retries are all that is left); null while watching. */
  readonly blocked: string | null;
  /** Takes the accessor away, leaving what the game assigned (if anything) as a plain property. */
  cancel(): void;
}

/**
 * One accessor of ours on a holder, shared by every path waiting there
 * (`game.room` and `game.state` both wait for `game`).
 */
interface Slot {
  holder: object;
  key: string;
  getter: () => unknown;
  held: unknown;
  /** Whether the game assigned anything (null too). */
  assigned: boolean;
  /** The holder's own property before the accessor (a configurable one holding null or undefined). */
  before: PropertyDescriptor | undefined;
  waiters: Set<(value: unknown) => void>;
}

/** Our accessors, by their getter: a path waiting where another waits joins it. */
const slots = new WeakMap<Function, Slot>();

/** The slot at holder[key], made when needed; a string says why none can be. */
function slotAt(holder: object, key: string, name: string): Slot | string {
  try {
    const own = Object.getOwnPropertyDescriptor(holder, key);
    if (own?.get && slots.has(own.get)) return slots.get(own.get)!;
  } catch (err) {
    return `${name}: ${errorMessage(err)}`;
  }
  const spot = spotAt(holder, key, name);
  if (!spot.ok) return spot.reason;
  const before = spot.before;
  const slot: Slot = {
    holder,
    key,
    // Until the game assigns it, what the name read as without us: on window, the element of that id (named access).
    getter: () => {
      const proto = slot.assigned || before ? null : (Object.getPrototypeOf(holder) as object | null);
      return proto ? Reflect.get(proto, key, holder) : slot.held;
    },
    held: before?.value,
    assigned: false,
    before,
    waiters: new Set(),
  };
  const setter = function (this: unknown, value: unknown): void {
    if (assignedToInheritor(this, holder, key, value)) return; // not the holder's: the path has not arrived
    slot.held = value;
    slot.assigned = true;
    if (value === undefined || value === null) return; // still to come
    try {
      // What the game assigned, as a plain property, as if we had never been there.
      Object.defineProperty(holder, key, plainProperty(before, value));
    } catch {
      // The holder was frozen since: the accessor stays and keeps returning the value.
    }
    const waiters = [...slot.waiters];
    slot.waiters.clear();
    for (const w of waiters) {
      try {
        w(value);
      } catch {
        // The game's assignment must complete.
      }
    }
  };
  try {
    // A name that was not there stays out of Object.keys, for...in and spread while it waits (an assignment makes it enumerable).
    Object.defineProperty(holder, key, { get: slot.getter, set: setter, enumerable: before?.enumerable ?? false, configurable: true });
  } catch (err) {
    return `${name}: ${errorMessage(err)}`;
  }
  slots.set(slot.getter, slot);
  return slot;
}

/** Leaves a slot no path waits at: the accessor goes, what the game assigned (if anything) stays. */
function release(slot: Slot): void {
  if (slot.waiters.size > 0) return;
  putBack(slot.holder, slot.key, slot.getter, slot.before, slot.assigned, slot.held);
}

/**
 * Watches `path` from `root` (default globalThis). `onArrive` gets the value
 * at the path once it resolves, synchronously, inside the assignment that
 * completed it; when the path resolves already, at once. It must not throw
 * (what it throws is swallowed: the game's assignment goes on).
 */
export function watchPath(path: string, onArrive: (value: unknown) => void, root: object = globalThis): PathWatch {
  const parts = parsePath(path);
  if (parts.includes('__proto__')) {
    return { arrived: false, blocked: `${path} goes through __proto__, which is never watched`, cancel() {} };
  }
  const star = parts.indexOf('*');
  if (star >= 0) parts.length = star; // `game.npcs[*]`: the array is what arrives
  let waitingAt: { slot: Slot; waiter: (value: unknown) => void } | null = null;
  let arrived = false;
  let blocked: string | null = null;

  const finish = (value: unknown) => {
    arrived = true;
    try {
      onArrive(value);
    } catch {
      // The caller counts its own failures; the game's assignment must complete.
    }
  };

  /** Walks from `from` (the value at parts[0..i)) on, and waits at the first missing step. */
  const walk = (from: unknown, i: number): void => {
    let v = from;
    for (; i < parts.length; i++) {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function')) {
        blocked = `${parts.slice(0, i).join('.')} is ${v === null ? 'null' : typeof v}, not an object`;
        return;
      }
      let next: unknown;
      try {
        next = (v as Record<string, unknown>)[parts[i]!];
      } catch (err) {
        blocked = `reading ${parts.slice(0, i + 1).join('.')} threw: ${errorMessage(err)}`;
        return;
      }
      if (next === undefined || next === null || isNamedAccess(v, parts[i]!, next)) {
        const slot = slotAt(v, parts[i]!, parts.slice(0, i + 1).join('.'));
        if (typeof slot === 'string') {
          blocked = slot;
          return;
        }
        const step = i + 1;
        const waiter = (value: unknown) => {
          waitingAt = null;
          walk(value, step);
        };
        slot.waiters.add(waiter);
        waitingAt = { slot, waiter };
        return;
      }
      v = next;
    }
    finish(v);
  };

  walk(root, 0);

  return {
    get arrived() {
      return arrived;
    },
    get blocked() {
      return blocked;
    },
    cancel() {
      const w = waitingAt;
      waitingAt = null;
      if (!w) return;
      w.slot.waiters.delete(w.waiter);
      release(w.slot);
    },
  };
}
