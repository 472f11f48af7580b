/**
 * Global paths given to hook / trackState / trackStory before the game has
 * defined them. Each is watched by an accessor (src/hooks/path-watch.ts), so
 * it is hooked the moment the game assigns it; what an accessor cannot see
 * (a top-level `function` declaration, a `defineProperty`, an object replaced
 * above the accessor) is found by retries when the parser is done, at
 * DOMContentLoaded and at load. A path found by a retry was hooked late: the
 * game could have taken references to it before, and those call the
 * untraced original. It is listed as a hook problem, saying so.
 *
 * A hooked path is looked at again at each retry, too: an object that gets
 * its methods after it is assigned (`var Game = Game || {}` then
 * `Game.start = function () {}`, across files; `game.npcs = []` then push)
 * was hooked with what it had then, and a retry hooks what came since
 * (hooking is idempotent). Methods found so are hooked late, and listed so.
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
  /** Once taken, looked at again at each retry (hook paths). */
  again: Again | null;
}

/** Hooks the value at a path again: what it hooked now that was not before (`Game.start`), and how many methods the path has hooked all told. */
export type Again = (value: unknown) => { added: string[]; total: number };

/** A path taken already, looked at again at each retry. */
interface Revisit {
  path: string;
  again: Again;
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
  private readonly revisits = new Map<string, Revisit>();
  /** Paths hooked late, in the order found (`methods`: only those were, found by a retry on a path taken before). */
  readonly late: { path: string; when: RetryMoment; methods?: string[] }[] = [];
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

  /** How many paths taken already are still to be looked at again. */
  get revisiting(): number {
    return this.revisits.size;
  }

  /** Looks at `path` again at each retry still to come (a hook path taken while the page loads). */
  revisit(id: string, path: string, again: Again): void {
    if (this.retriesOver) return;
    const known = this.revisits.get(id);
    if (known) {
      known.again = again;
      return;
    }
    if (this.revisits.size >= MAX_PENDING) return; // bounded: past it, a path is hooked once
    this.revisits.set(id, { path, again });
  }

  /**
   * Waits for `path` under `id` (one wait per id: waiting again only updates
   * `attach`, so the latest options win). `attach` may run inside the game's
   * own assignment; it must not throw.
   */
  wait(id: string, path: string, attach: (value: unknown) => boolean, again: Again | null = null): void {
    const known = this.entries.get(id);
    if (known) {
      known.attach = attach;
      known.again = again;
      return;
    }
    if (this.entries.size >= MAX_PENDING) {
      this.problems.note(path, `not found on window, and not watched: ${MAX_PENDING} paths are waited for already`);
      return;
    }
    const entry: Entry = { path, attach, watch: null, again };
    this.entries.set(id, entry);
    this.problems.note(path, this.retriesOver ? 'not found on window: hooked when the game assigns it' : 'not defined yet: hooked when the game assigns it');
    entry.watch = watchPath(path, (value) => {
      if (this.entries.get(id) === entry && entry.attach(value)) this.taken(id, entry);
    });
    if (entry.watch.blocked && this.entries.get(id) === entry) {
      this.problems.note(path, `not found on window, and cannot be watched (${entry.watch.blocked})${this.retriesOver ? '' : ': tried again at DOMContentLoaded and load'}`);
    }
  }

  /** A waited-for path was taken: a hook path is looked at again at the retries to come. */
  private taken(id: string, entry: Entry): void {
    this.entries.delete(id);
    if (entry.again) this.revisit(id, entry.path, entry.again);
  }

  /** Tries every path still waited for (one found now was hooked late), and hooks again what was taken before. */
  retry(moment: RetryMoment): void {
    this.retryRevisits(moment); // before the waits: one taken by this retry is hooked whole already

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
      this.taken(id, entry);
      this.late.push({ path: entry.path, when: moment });
      this.problems.note(
        entry.path,
        `hooked late (${WHEN[moment]}): defined without an assignment an accessor could see (a function declaration, defineProperty, or an object replaced above it); references the game took before then call the untraced original`,
      );
    }
    if (moment === 'load') {
      this.retriesOver = true;
      this.revisits.clear();
    }
  }

  private retryRevisits(moment: RetryMoment): void {
    for (const r of this.revisits.values()) {
      let value: unknown;
      try {
        value = resolvePath(r.path);
      } catch {
        continue;
      }
      if (value === undefined || value === null) continue; // gone for now: the next retry looks again
      let found: { added: string[]; total: number };
      try {
        found = r.again(value);
      } catch {
        continue; // a failure is noted by the caller
      }
      if (found.added.length > 0) {
        this.late.push({ path: r.path, when: moment, methods: found.added });
        const shown = found.added.slice(0, 5).join(', ') + (found.added.length > 5 ? ` and ${found.added.length - 5} more` : '');
        this.problems.note(
          r.path,
          `hooked late (${WHEN[moment]}): ${shown}, added after ${r.path} was hooked; references the game took before then call the untraced original`,
        );
      } else if (moment === 'load' && found.total === 0) {
        this.problems.note(r.path, 'found, but with no methods to hook by load: methods added later are not traced (hook it again once they are)');
      }
    }
  }

  /** Stops waiting for one path, and looking at it again (unhook of a path). */
  forget(id: string): void {
    this.entries.get(id)?.watch?.cancel();
    this.entries.delete(id);
    this.revisits.delete(id);
  }

  /** Stops looking again at the paths that resolve to `value` now (unhook of an object). */
  forgetValue(value: unknown): void {
    for (const [id, r] of [...this.revisits]) {
      let now: unknown;
      try {
        now = resolvePath(r.path);
      } catch {
        continue;
      }
      if (now === value) this.revisits.delete(id);
    }
  }

  /** Stops watching everything (destroy). */
  clear(): void {
    for (const e of this.entries.values()) e.watch?.cancel();
    this.entries.clear();
    this.revisits.clear();
  }
}
