import { describe, expect, it } from 'vitest';
import { StoreClient } from '../../../src/store/client';
import { emergencyKey } from '../../../src/store/emergency';
import type { PageToStore } from '../../../src/store/protocol';
import type { StoreTransport } from '../../../src/store/transport';
import { entry, fakeLocks, freshDb, MemoryStorage, until } from './helpers';

/** A store that says ready on IndexedDB and then never acks (a replay it is sent never completes). */
function readyButSilent(log: PageToStore[]): () => StoreTransport {
  return () => {
    const t: StoreTransport = {
      thread: 'main',
      post: (m) => {
        log.push(m);
        if (m.type === 'init') {
          queueMicrotask(() =>
            t.onMessage({ type: 'ready', backend: 'indexeddb', sameEverywhere: true, totals: { appended: 0, stored: 0, bytes: 0, evicted: 0, deleted: 0, abandoned: 0, quotaEvicted: 0 } } as never),
          );
        }
      },
      onMessage: () => {},
      onFailure: () => {},
      close: () => {},
    };
    return t;
  };
}

const config = (dbName: string) => ({ dbName, capacity: 100_000, maxBytes: 1e9, maxSessions: 20, tailSize: 100, analytics: false as const });

describe('EmergencyReplay and close()', () => {
  it('a client destroyed while it replays a gone page\'s log lets go of that page\'s lock', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    const { locks, held } = fakeLocks();
    // A page that is gone: its emergency log is in storage, its lock is free.
    const gone = new StoreClient(config(dbName), { id: 'gone', startedAt: 1 }, [readyButSilent([])], { storage, locks: null });
    for (let i = 1; i <= 5; i++) gone.write(entry(i, 'gone'));
    gone.close();
    expect(storage.getItem(emergencyKey(dbName, 'gone'))).not.toBeNull();

    const posted: PageToStore[] = [];
    const next = new StoreClient(config(dbName), { id: 'next', startedAt: 2 }, [readyButSilent(posted)], { storage, locks });
    await until(() => posted.some((m) => m.type === 'batch' && m.sessionId === 'gone'));
    expect(held.has(`trace-agent:${dbName}:gone`)).toBe(true); // held while the replay is under way
    next.close();
    await until(() => !held.has(`trace-agent:${dbName}:gone`));
    expect(held.has(`trace-agent:${dbName}:next`)).toBe(false);
  });
});
