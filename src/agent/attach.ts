/**
 * What the game hands the agent: hook() an object, trackState() a state,
 * trackStory() a story graph, by value or by global path (`game.npcs`). A
 * path not defined yet is waited for and taken when the game defines it
 * (src/hooks/pending-paths.ts), and looked at again as the page loads. What
 * cannot be attached is a hook problem, shown in health (thrown in strict mode).
 */
import type { TraceCore } from '../core/agent';
import { listen, unlisten } from '../core/builtins';
import { errorMessage, TraceError } from '../core/errors';
import { Hooks, type HookOptions, type HookReport } from '../hooks/hook';
import { parsePath, resolvePath } from '../hooks/paths';
import { PendingPaths, type Again } from '../hooks/pending-paths';
import { StateTracker, type StateHandle, type TrackStateOptions } from '../hooks/state';
import { followStatePath, type PathFollower } from '../hooks/state-path';
import { StoryTracker, type StoryHandle, type TrackStoryOptions } from '../hooks/story';

/** Hook problems kept for health. */
const MAX_PROBLEMS = 50;

export class Attachments {
  /** What could not be attached (or detached), by path or label, for health. */
  readonly problems: { path: string; reason: string }[] = [];
  private readonly trackers: { stop(): void }[] = [];
  private readonly pending: PendingPaths;
  /** Paths still waited for are tried again as the page loads (what an accessor could not see). */
  private readonly retrying: boolean;
  private stopped = false;

  constructor(
    private readonly core: TraceCore,
    private readonly hooks: Hooks,
    inPage: boolean,
  ) {
    this.retrying = inPage && document.readyState !== 'complete';
    this.pending = new PendingPaths({ note: (path, reason) => this.note(path, reason) }, this.retrying);
  }

  /** The span running now, for entries caused by it (0 outside any traced call). */
  readonly currentSpan = (): number => Math.max(0, this.hooks.current);

  /** Listens to the page's loading (for the retries); the stop restores every hook and stops every tracker. */
  start(): () => void {
    const onReadyState = () => {
      if (document.readyState === 'interactive') this.pending.retry('interactive');
    };
    const onContentLoaded = () => this.pending.retry('DOMContentLoaded');
    const onLoad = () => this.pending.retry('load');
    if (this.retrying) {
      if (document.readyState === 'loading') listen(document, 'readystatechange', onReadyState);
      listen(document, 'DOMContentLoaded', onContentLoaded, { once: true });
      listen(window, 'load', onLoad, { once: true });
    }
    return () => {
      this.stopped = true;
      const attempt = (step: () => void) => {
        try {
          step();
        } catch {
          this.core.counters.internalErrors++;
        }
      };
      attempt(() => this.pending.clear());
      attempt(() => this.hooks.unhookAll());
      for (let i = 0; i < this.trackers.length; i++) attempt(() => this.trackers[i]!.stop());
      if (this.retrying) {
        attempt(() => unlisten(document, 'readystatechange', onReadyState));
        attempt(() => unlisten(document, 'DOMContentLoaded', onContentLoaded));
        attempt(() => unlisten(window, 'load', onLoad));
      }
    };
  }

  hook(target: unknown, name?: string, opts?: HookOptions): HookReport[] {
    const label = typeof target === 'string' ? target : (name ?? typeof target);
    // A path names the agent (`game.npcs`, `Npc.prototype` → `Npc`) unless a name is given.
    const agentName = name ?? (typeof target === 'string' ? target.replace(/^(window|globalThis|self)\./, '').replace(/\.prototype$/, '') : undefined);
    const use = (value: unknown, onlyNew = false) => this.hooks.hook(value, agentName, opts, onlyNew);
    if (typeof target !== 'string') return this.attach('hook', target, label, use) ?? [];
    // A path is hooked again at the retries: an object may get its methods after it is assigned.
    let total = 0;
    const count = (reports: HookReport[]) => {
      for (const r of reports) total += r.methods.length;
      return reports;
    };
    const again: Again = (value) => {
      if (this.stopped) return { added: [], total };
      const added = count(use(value, true)).flatMap((r) => r.methods.map((m) => `${r.agent}.${m}`));
      return { added, total };
    };
    return this.attachPath('hook', target, (value) => count(use(value)), again) ?? [];
  }

  unhook(target: unknown): void {
    if (typeof target === 'string') this.pending.forget(`hook ${target}`); // not hooked yet: no longer waited for, nor looked at again
    else this.pending.forgetValue(target);
    const left = this.hooks.unhook(typeof target === 'string' ? resolvePath(target) : target);
    // Wrapped over by the page since (src/hooks/patch.ts): theirs stays, ours in it passes calls through.
    // On an object frozen since: ours stays where it is, and passes calls through.
    if (left.length > 0) {
      const label = typeof target === 'string' ? target : 'unhook';
      const wrappedOver = left.filter((l) => l.outcome === 'wrapped-over').map((l) => l.method);
      const frozen = left.filter((l) => l.outcome === 'refused').map((l) => l.method);
      const said: string[] = [];
      if (wrappedOver.length > 0) said.push(`${wrappedOver.join(', ')} wrapped over by the page since; ours stay in its wrappers and only pass calls through`);
      if (frozen.length > 0) said.push(`${frozen.join(', ')} on an object frozen since; ours stay there and only pass calls through`);
      this.note(label, `unhook: ${said.join('; ')}`);
    }
  }

  trackState(target: unknown, opts?: TrackStateOptions): StateHandle | null {
    return this.track('trackState', target, opts?.name ?? 'state', (source) => {
      const tracker = new StateTracker(this.core, this.currentSpan, source, { name: typeof target === 'string' ? lastKey(target) : undefined, ...opts });
      // A path: the game reads it through the path, so the proxy goes there behind an
      // accessor that follows the game's replacements of the whole state; the game's own
      // object goes back on stop() and destroy() (a proxy cannot be cloned: structuredClone,
      // postMessage and IndexedDB would refuse the game's state).
      if (typeof target === 'string') {
        let follower: PathFollower;
        try {
          follower = followStatePath(target, tracker);
        } catch (err) {
          tracker.stop();
          throw err;
        }
        const stop = tracker.stop.bind(tracker);
        tracker.stop = () => {
          stop();
          follower.stop();
        };
      }
      return tracker;
    });
  }

  trackStory(target: unknown, opts?: TrackStoryOptions): StoryHandle | null {
    return this.track('trackStory', target, opts?.name ?? 'story', (graph) => new StoryTracker(this.core, graph as object, { name: typeof target === 'string' ? lastKey(target) : undefined, ...opts }));
  }

  private note(path: string, reason: string): void {
    const known = this.problems.find((p) => p.path === path);
    if (known) known.reason = reason;
    else if (this.problems.length < MAX_PROBLEMS) this.problems.push({ path, reason });
  }

  private clear(path: string): void {
    const i = this.problems.findIndex((p) => p.path === path);
    if (i >= 0) this.problems.splice(i, 1);
  }

  /**
   * Resolves a global path (or takes the value), hands it to `use`; a failure
   * is reported in health under `label` (thrown in strict mode).
   */
  private attach<T>(what: string, target: unknown, label: string, use: (value: unknown) => T): T | null {
    if (this.stopped) return null;
    try {
      const value = typeof target === 'string' ? resolvePath(target) : target;
      if (typeof target === 'string' && (value === undefined || value === null)) {
        throw new TraceError('HOOK_FAILED', `${what}("${target}"): not found on window`);
      }
      const result = use(value);
      this.clear(label);
      return result;
    } catch (err) {
      this.note(label, errorMessage(err));
      if (this.core.strict) throw err;
      return null;
    }
  }

  /**
   * As attach, for a global path: one that does not resolve yet is waited
   * for, and `use` runs when the game defines it (null now). With `again`
   * (hook), the path is looked at again at each retry while the page loads,
   * once it is taken: methods the game adds after assigning it are hooked then.
   */
  private attachPath<T>(what: string, path: string, use: (value: unknown) => T, again: Again | null = null): T | null {
    if (this.stopped) return null;
    let value: unknown;
    try {
      value = resolvePath(path);
    } catch {
      value = undefined;
    }
    const id = `${what} ${path}`;
    if (value !== undefined && value !== null) {
      const result = this.attach(what, value, path, use);
      if (result !== null && again) this.pending.revisit(id, path, again);
      return result;
    }
    // Strict mode too: a path the game has yet to define is no bad input.
    this.pending.wait(
      id,
      path,
      (v) => {
        try {
          return this.attach(what, v, path, use) !== null;
        } catch {
          return false; // strict mode's throw has nobody to reach inside the game's assignment; the problem is noted
        }
      },
      again,
    );
    return null;
  }

  /** trackState / trackStory: as attach (or attachPath), and the tracker is kept for destroy(). */
  private track<T extends { stop(): void }>(what: string, target: unknown, name: string, make: (source: unknown) => T): T | null {
    const keep = (source: unknown) => {
      const tracker = make(source);
      this.trackers.push(tracker);
      return tracker;
    };
    return typeof target === 'string' ? this.attachPath(what, target, keep) : this.attach(what, target, name, keep);
  }
}

/** The last name of a path: `game.state` → `state`. */
function lastKey(path: string): string {
  const parts = parsePath(path);
  return parts[parts.length - 1] ?? path;
}
