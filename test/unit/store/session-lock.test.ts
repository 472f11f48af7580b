import { describe, expect, it } from 'vitest';
import { SessionLocks } from '../../../src/store/session-lock';

/** Web Locks as a browser grants them: later (a task after the request), one holder a name. */
function lateLocks() {
  const held = new Set<string>();
  const locks = {
    request(name: string, a: unknown, b?: unknown): Promise<unknown> {
      const opts = (typeof a === 'function' ? {} : a) as { ifAvailable?: boolean };
      const cb = (typeof a === 'function' ? a : b) as (lock: unknown) => unknown;
      return new Promise((resolve, reject) => {
        setTimeout(() => {
          if (held.has(name)) {
            if (opts.ifAvailable) Promise.resolve(cb(null)).then(resolve, reject);
            return; // waits for the holder (not needed here)
          }
          held.add(name);
          Promise.resolve(cb({ name })).then(
            (v) => {
              held.delete(name);
              resolve(v);
            },
            (e) => {
              held.delete(name);
              reject(e);
            },
          );
        }, 0);
      });
    },
  } as unknown as LockManager;
  return { locks, held };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SessionLocks', () => {
  it('holds its own session lock until released', async () => {
    const { locks, held } = lateLocks();
    const l = new SessionLocks(locks, 'db');
    l.holdOwn('s1');
    await tick();
    expect(held.has('trace-agent:db:s1')).toBe(true);
    l.releaseOwnLock();
    await tick();
    expect(held.has('trace-agent:db:s1')).toBe(false);
  });

  it('a release before the lock is granted (an agent destroyed at once) lets it go when it comes', async () => {
    const { locks, held } = lateLocks();
    const l = new SessionLocks(locks, 'db');
    l.holdOwn('s1');
    l.releaseOwnLock(); // destroy() in the same task as createTraceAgent()
    await tick();
    await tick();
    // Held on, another page (or the next agent of this one) would never replay this session's emergency log.
    expect(held.has('trace-agent:db:s1')).toBe(false);
  });
});
