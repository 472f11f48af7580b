/**
 * A state tracked at a global path follows its root. An accessor at the path
 * gives the game the tracker's proxy, and whatever the game assigns there
 * (`State = JSON.parse(localStorage.save)`) becomes the tracked root
 * (StateTracker.replace): the game reads the new value through the path, and
 * the old proxy, wherever the game still holds it, keeps working unrecorded.
 *
 * Where the property cannot take an accessor (a `var` the game declared
 * before the agent ran is not configurable) the proxy goes in as a plain
 * value and a once-a-frame check sees a replacement: what changed between
 * the assignment and that frame is in the replacement's checkpoint.
 *
 * Where the game has a getter and setter of its own there (its own
 * defineProperty, MobX, a class's `get state()`), nothing of ours goes in
 * front of them: a store is only read once a frame for a replacement, and a
 * plain object is refused (the game's setter would not run, or would get our
 * proxy and do what it does with it).
 */
import { TraceError } from '../core/errors';
import { parsePath, resolvePath } from './paths';
import { assignedToInheritor, putBack, spotAt } from './property-spot';
import type { StateTracker } from './state';

export interface PathFollower {
  /** Puts the game's own object back at the path (if ours is still there). */
  stop(): void;
}

export function followStatePath(path: string, tracker: StateTracker): PathFollower {
  const parts = parsePath(path);
  if (parts.includes('__proto__')) throw new TraceError('HOOK_FAILED', `trackState("${path}"): a path through __proto__ is never followed`);
  const key = parts.pop();
  const parent = parts.length === 0 ? globalThis : resolvePath(parts.join('.'));
  if (key === undefined || parent === null || (typeof parent !== 'object' && typeof parent !== 'function')) {
    throw new TraceError('HOOK_FAILED', `trackState("${path}"): cannot put the proxy in place`);
  }
  const holder = parent as Record<string, unknown>;
  const spot = spotAt(holder, key, key);

  if (spot.ok) {
    const before = spot.before;
    let assigned = false;
    const get = () => tracker.proxy;
    const set = function (this: unknown, value: unknown) {
      if (assignedToInheritor(this, holder, key, value)) return; // not the holder's state
      assigned = true;
      tracker.replace(value); // never throws: a failure is counted there
    };
    Object.defineProperty(holder, key, { get, set, enumerable: before?.enumerable ?? true, configurable: true });
    return {
      // The game's own object as a plain property again; none of its own when the value was inherited and never assigned.
      stop: () => putBack(holder, key, get, before, assigned || before !== undefined, tracker.source),
    };
  }

  const store = tracker.proxy === tracker.source; // a store or signal is tracked as it is: nothing to put in place
  if (spot.kind === 'accessor' && !store) {
    throw new TraceError('HOOK_FAILED', `trackState("${path}"): ${key} is a getter/setter of the game's, which a proxy would go around; track its value and give the game the returned proxy`);
  }
  if (spot.kind === 'other') throw new TraceError('HOOK_FAILED', `trackState("${path}"): ${spot.reason}`);
  if (spot.kind === 'fixed' && !Object.getOwnPropertyDescriptor(holder, key)?.writable) {
    throw new TraceError('HOOK_FAILED', `trackState("${path}"): ${key} is not writable; use the returned proxy`);
  }
  // A fixed data property holds the proxy; the game's getter is only read. A frame sees a replacement.
  const write = spot.kind === 'fixed';
  if (write) holder[key] = tracker.proxy;
  let raf = 0;
  const canPoll = typeof requestAnimationFrame === 'function';
  const tick = () => {
    try {
      const now = holder[key];
      if (!Object.is(now, tracker.proxy)) {
        const next = tracker.replace(now);
        if (write) holder[key] = next;
      }
    } catch {
      /* the holder changed under us: the next frame tries again */
    }
    raf = requestAnimationFrame(tick);
  };
  if (canPoll) raf = requestAnimationFrame(tick);
  return {
    stop() {
      if (canPoll && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(raf);
      try {
        if (write && holder[key] === tracker.proxy) holder[key] = tracker.source;
      } catch {
        /* gone: nothing to put back */
      }
    },
  };
}
