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
