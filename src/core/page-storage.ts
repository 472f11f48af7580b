/**
 * The page's localStorage (or sessionStorage), or null where the page may not
 * use it: missing (a worker, Node), or forbidden, where reading the property
 * itself throws a SecurityError (sandboxed frames, some private modes). The
 * one accessor for the overlay's preferences, the log's filters and the
 * emergency log; each still guards its reads and writes (a full quota throws).
 */
export function pageStorage(which: 'localStorage' | 'sessionStorage' = 'localStorage'): Storage | null {
  try {
    return (globalThis as { localStorage?: Storage; sessionStorage?: Storage })[which] ?? null;
  } catch {
    return null;
  }
}

/**
 * pageStorage looked up at its first use, not now: the first access to a
 * page's localStorage or sessionStorage opens the origin's storage, a
 * synchronous round trip to the browser that took tens of ms on a fresh
 * profile (issue 16). Where the page may not use it, every method throws, as
 * a storage that refuses does (its callers guard each call).
 */
export function lazyPageStorage(which: 'localStorage' | 'sessionStorage'): Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'> {
  let found: Storage | null | undefined;
  const storage = (): Storage => {
    if (found === undefined) found = pageStorage(which);
    if (found === null) throw new Error(`this page has no ${which}`);
    return found;
  };
  return {
    getItem: (key) => storage().getItem(key),
    setItem: (key, value) => storage().setItem(key, value),
    removeItem: (key) => storage().removeItem(key),
    key: (index) => storage().key(index),
    get length() {
      return storage().length;
    },
  };
}
