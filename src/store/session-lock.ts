/**
 * Web Locks for the emergency log: a page holds its session's lock while it
 * lives, so that another page replays only the log of a page that is gone
 * (its lock is free), and holds that one until the store has it, so that two
 * pages never replay one log. Where there are no locks, replays rely on the
 * store's seq dedupe alone.
 */
import { settle } from '../core/builtins';

export class SessionLocks {
  private releaseOwn: (() => void) | null = null;
  /** Set by releaseOwnLock: a grant that comes after it (the lock is granted later) is let go at once. */
  private ownReleased = false;

  constructor(
    private readonly locks: LockManager | null,
    private readonly dbName: string,
  ) {}

  private name(sessionId: string): string {
    return `trace-agent:${this.dbName}:${sessionId}`;
  }

  /** Held while this page lives (until `releaseOwnLock`). */
  holdOwn(sessionId: string): void {
    if (!this.locks) return;
    try {
      settle(
        this.locks.request(this.name(sessionId), () =>
          new Promise<void>((release) => {
            if (this.ownReleased) release();
            else this.releaseOwn = release;
          }),
        ),
      );
    } catch {
      /* no locks in this context: replays rely on seq dedupe alone */
    }
  }

  releaseOwnLock(): void {
    this.ownReleased = true;
    this.releaseOwn?.();
    this.releaseOwn = null;
  }

  /**
   * Runs `run` for an earlier page's session when its lock is free (the page
   * is gone), holding the lock until `run` calls its `done`; without locks,
   * at once. A held lock (the page is alive): nothing runs.
   */
  ifGone(sessionId: string, run: (done: () => void) => void): void {
    if (!this.locks) return run(() => {});
    try {
      settle(
        this.locks.request(this.name(sessionId), { ifAvailable: true }, (lock) =>
          lock ? new Promise<void>((done) => run(done)) : undefined,
        ),
      );
    } catch {
      run(() => {});
    }
  }
}
