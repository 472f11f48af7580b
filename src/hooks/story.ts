/**
 * Story graphs, from the outside: node transitions become `story:transition`
 * entries with from, to, the choice and how long the story stayed in `from`.
 *
 * The current node is read by convention (a property `currentId`,
 * `currentNode`, `current` or `node`; an object there gives its `id`) or by
 * the `current` option. It is read after every call of the graph's methods
 * (the call's first argument, when it is a string or number, is the choice)
 * and once per animation frame, which catches a node set from outside.
 */
import type { TraceCore } from '../core/agent';
import { now, roundMicros } from '../core/clock';
import { TraceError } from '../core/errors';
import { isClass, likeOriginal } from './hook';

export interface TrackStoryOptions {
  /** The entries' source; default `story`. */
  name?: string;
  /** The property holding the current node, or a function reading it. */
  current?: string | ((graph: object) => unknown);
  /** Poll the current node once per animation frame (default true). */
  poll?: boolean;
}

export interface StoryHandle {
  /** The current node id, as last seen. */
  readonly node: string | null;
  stop(): void;
}

const CONVENTIONS = ['currentId', 'currentNode', 'current', 'node'];

interface Patch {
  key: string;
  before: PropertyDescriptor | undefined;
  wrapper: Function;
}

/** Graphs being tracked: a second trackStory of the same graph would wrap its methods twice. */
const tracked = new WeakSet<object>();

export class StoryTracker implements StoryHandle {
  node: string | null = null;
  private enteredAt = now();
  private readonly name: string;
  private readonly read: () => unknown;
  private readonly patches: Patch[] = [];
  private raf = 0;
  private active = true;

  constructor(
    private readonly core: TraceCore,
    private readonly graph: object,
    options: TrackStoryOptions = {},
  ) {
    if (graph === null || typeof graph !== 'object') throw new TraceError('HOOK_FAILED', 'trackStory: expected a story graph object');
    if (tracked.has(graph)) throw new TraceError('HOOK_FAILED', 'trackStory: this graph is tracked already');
    this.name = options.name ?? 'story';
    const current = options.current;
    if (typeof current === 'function') this.read = () => current(graph);
    else {
      const key = current ?? CONVENTIONS.find((k) => k in graph && typeof (graph as Record<string, unknown>)[k] !== 'function');
      if (key === undefined) {
        throw new TraceError('HOOK_FAILED', `trackStory: no current node found (looked for ${CONVENTIONS.join(', ')}); pass { current: 'property' } or a function`);
      }
      this.read = () => (graph as Record<string, unknown>)[key];
    }
    this.node = this.nodeId();
    tracked.add(graph);
    this.core.emit({ kind: 'state', type: 'story:enter', level: 'info', source: this.name, data: { node: this.node } });
    this.wrapMethods();
    if ((options.poll ?? true) && typeof requestAnimationFrame === 'function') {
      const tick = () => {
        if (!this.active) return;
        this.check(undefined, 'frame');
        this.raf = requestAnimationFrame(tick);
      };
      this.raf = requestAnimationFrame(tick);
    }
  }

  stop(): void {
    this.active = false;
    if (this.raf && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this.raf);
    for (const p of this.patches) {
      try {
        // Only where our wrapper still is: a handler the game set since stays.
        if ((this.graph as Record<string, unknown>)[p.key] !== p.wrapper) continue;
        if (p.before) Object.defineProperty(this.graph, p.key, p.before);
        else delete (this.graph as Record<string, unknown>)[p.key];
      } catch {
        /* frozen since: the wrapper stays and only calls through */
      }
    }
    this.patches.length = 0;
    tracked.delete(this.graph);
  }

  /** Compares the current node with the last one seen; a change is a transition. */
  private check(choice: unknown, via: string): void {
    if (!this.active) return;
    try {
      const next = this.nodeId();
      if (next === this.node) return;
      const t = now();
      this.core.emit({
        kind: 'state',
        type: 'story:transition',
        level: 'info',
        source: this.name,
        data: {
          from: this.node,
          to: next,
          choice: typeof choice === 'string' || typeof choice === 'number' ? choice : undefined,
          via,
          dwellMs: roundMicros(t - this.enteredAt),
        },
      });
      this.node = next;
      this.enteredAt = t;
    } catch {
      this.core.counters.internalErrors++;
    }
  }

  private nodeId(): string | null {
    const v = this.read();
    if (v === null || v === undefined) return null;
    if (typeof v === 'object') {
      const id = (v as { id?: unknown; name?: unknown }).id ?? (v as { name?: unknown }).name;
      return id === undefined ? null : String(id);
    }
    return String(v);
  }

  /** Every method of the graph (own and inherited) checks the node after it returns or settles. */
  private wrapMethods(): void {
    const tracker = this;
    const seen = new Set<string>();
    for (let obj: object | null = this.graph; obj && obj !== Object.prototype; obj = Object.getPrototypeOf(obj)) {
      for (const key of Object.getOwnPropertyNames(obj)) {
        if (seen.has(key) || key === 'constructor') continue;
        seen.add(key);
        const desc = Object.getOwnPropertyDescriptor(obj, key);
        if (!desc || typeof desc.value !== 'function') continue;
        const own = obj === this.graph;
        if (own && !desc.configurable && !desc.writable) continue;
        const fn = desc.value as (...a: unknown[]) => unknown;
        if (isClass(fn)) continue; // a class kept on the graph, not a method
        const wrapped = function (this: unknown, ...args: unknown[]): unknown {
          // Called with new (an ES5 constructor kept on the graph): construct, untouched.
          if (new.target) return Reflect.construct(fn, args, new.target);
          const value = Reflect.apply(fn, this, args);
          if (value instanceof Promise) {
            // An equivalent promise, so a rejection the game does not handle stays unhandled.
            return value.then(
              (v: unknown) => {
                tracker.check(args[0], key);
                return v;
              },
              (err: unknown) => {
                tracker.check(args[0], key);
                throw err;
              },
            );
          }
          tracker.check(args[0], key);
          return value;
        };
        likeOriginal(wrapped, fn);
        try {
          Object.defineProperty(this.graph, key, { value: wrapped, writable: true, configurable: true, enumerable: desc.enumerable ?? false });
          this.patches.push({ key, before: own ? desc : undefined, wrapper: wrapped });
        } catch {
          /* not writable: the frame poll still sees its transitions */
        }
      }
    }
  }
}
