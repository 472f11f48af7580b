/**
 * Global paths given to hook / trackState / trackStory before the game has
 * defined them. Each is watched by an accessor (src/hooks/path-watch.ts), so
 * it is hooked the moment the game assigns it; what an accessor cannot see
 * (a top-level `function` declaration, a `defineProperty`, an object replaced
 * above the accessor) is found by retries when the parser is done, at
 * DOMContentLoaded and at load. A path found by a retry was hooked late: the
 * game could have taken references to it before, and those call the
 * untraced original. It is listed as a hook problem, saying so.
 */
import { resolvePath } from './paths';
import { watchPath, type PathWatch } from './path-watch';

/** When a retry runs: `interactive` is when the parser is done, before deferred and module scripts and DOMContentLoaded handlers. */
export type RetryMoment = 'interactive' | 'DOMContentLoaded' | 'load';

export interface HookProblems {
  /** Sets the problem shown for `path` (replacing an earlier one). */
  note(path: string, reason: string): void;
}

interface Entry {
  path: string;
  /** Hands the value over; true when it was taken (a failure is noted by the caller). */
  attach: (value: unknown) => boolean;
  watch: PathWatch | null;
}

/** Paths waited for at once; more are not watched (and said so). */
const MAX_PENDING = 200;

const WHEN: Record<RetryMoment, string> = {
  interactive: 'when the parser finished',
  DOMContentLoaded: 'at DOMContentLoaded',
  load: 'at load',
};

export class PendingPaths {
  private readonly entries = new Map<string, Entry>();
  /** Paths hooked late, in the order found. */
  readonly late: { path: string; when: RetryMoment }[] = [];
  private retriesOver: boolean;

  /** `retries`: whether retry() will be called as the page loads (false once it has loaded). */
  constructor(
    private readonly problems: HookProblems,
    retries = true,
  ) {
    this.retriesOver = !retries;
  }

  /** How many paths are waited for now. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Waits for `path` under `id` (one wait per id: waiting again only updates
   * `attach`, so the latest options win). `attach` may run inside the game's
   * own assignment; it must not throw.
   */
  wait(id: string, path: string, attach: (value: unknown) => boolean): void {
    const known = this.entries.get(id);
    if (known) {
      known.attach = attach;
      return;
    }
    if (this.entries.size >= MAX_PENDING) {
      this.problems.note(path, `not found on window, and not watched: ${MAX_PENDING} paths are waited for already`);
      return;
    }
    const entry: Entry = { path, attach, watch: null };
    this.entries.set(id, entry);
    this.problems.note(path, this.retriesOver ? 'not found on window: hooked when the game assigns it' : 'not defined yet: hooked when the game assigns it');
    entry.watch = watchPath(path, (value) => {
      if (this.entries.get(id) === entry && entry.attach(value)) this.entries.delete(id);
    });
    if (entry.watch.blocked && this.entries.get(id) === entry) {
      this.problems.note(path, `not found on window, and cannot be watched (${entry.watch.blocked})${this.retriesOver ? '' : ': tried again at DOMContentLoaded and load'}`);
    }
  }

  /** Tries every path still waited for; one found now was hooked late. */
  retry(moment: RetryMoment): void {
    for (const [id, entry] of [...this.entries]) {
      let value: unknown;
      try {
        value = resolvePath(entry.path);
      } catch {
        continue;
      }
      if (value === undefined || value === null) {
        if (moment === 'load') this.problems.note(entry.path, entry.watch?.blocked ? `not found on window (cannot be watched: ${entry.watch.blocked})` : 'not found on window: hooked when the game assigns it');
        continue;
      }
      entry.watch?.cancel();
      if (!entry.attach(value)) continue;
      this.entries.delete(id);
      this.late.push({ path: entry.path, when: moment });
      this.problems.note(
        entry.path,
        `hooked late (${WHEN[moment]}): defined without an assignment an accessor could see (a function declaration, defineProperty, or an object replaced above it); references the game took before then call the untraced original`,
      );
    }
    if (moment === 'load') this.retriesOver = true;
  }

  /** Stops waiting for one path (unhook of a path not defined yet). */
  forget(id: string): void {
    this.entries.get(id)?.watch?.cancel();
    this.entries.delete(id);
  }

  /** Stops watching everything (destroy). */
  clear(): void {
    for (const e of this.entries.values()) e.watch?.cancel();
    this.entries.clear();
  }
}
