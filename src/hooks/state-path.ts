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
 */
import { TraceError } from '../core/errors';
import { parsePath, resolvePath } from './paths';
import type { StateTracker } from './state';

export interface PathFollower {
  /** Puts the game's own object back at the path (if ours is still there). */
  stop(): void;
}

export function followStatePath(path: string, tracker: StateTracker): PathFollower {
  const parts = parsePath(path);
  const key = parts.pop();
  const parent = parts.length === 0 ? globalThis : resolvePath(parts.join('.'));
  if (key === undefined || parent === null || (typeof parent !== 'object' && typeof parent !== 'function')) {
    throw new TraceError('HOOK_FAILED', `trackState("${path}"): cannot put the proxy in place`);
  }
  const holder = parent as Record<string, unknown>;
  const before = Object.getOwnPropertyDescriptor(holder, key);
  const enumerable = before?.enumerable ?? true;

  if (!before || before.configurable) {
    const get = () => tracker.proxy;
    const set = (value: unknown) => {
      tracker.replace(value); // never throws: a failure is counted there
    };
    Object.defineProperty(holder, key, { get, set, enumerable, configurable: true });
    return {
      stop() {
        try {
          if (Object.getOwnPropertyDescriptor(holder, key)?.get !== get) return; // redefined by the game since
          Object.defineProperty(holder, key, { value: tracker.source, writable: true, enumerable, configurable: true });
        } catch {
          /* frozen since: the accessor stays, giving the game's own object (the tracker is stopped) */
        }
      },
    };
  }

  if (!('value' in before) || !before.writable) {
    throw new TraceError('HOOK_FAILED', `trackState("${path}"): ${key} is not writable; use the returned proxy`);
  }
  holder[key] = tracker.proxy;
  let raf = 0;
  const canPoll = typeof requestAnimationFrame === 'function';
  const tick = () => {
    try {
      const now = holder[key];
      if (now !== tracker.proxy) holder[key] = tracker.replace(now);
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
        if (holder[key] === tracker.proxy) holder[key] = tracker.source;
      } catch {
        /* gone: nothing to put back */
      }
    },
  };
}
