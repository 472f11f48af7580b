/**
 * Story graphs, from the outside: node transitions become `story:transition`
 * entries with from, to, the choice and how long the story stayed in `from`.
 *
 * The current node is read by convention (a property `currentId`,
 * `currentNode`, `current` or `node`; an object there gives its `id`) or by
 * the `current` option. One move is one call: the node is read at the end of
 * the outermost call on the graph, and the calls the graph's methods make to
 * its own methods are part of that call (a story engine such as inkjs makes
 * dozens per line; an async method's calls after its first `await` are calls
 * of their own). `via` is the outermost method, `choice` its first
 * argument. With `methods`, only those calls move the story, at any depth
 * (`pick(i) { this.ChooseChoiceIndex(i); this.ContinueMaximally(); }`: the
 * first named call is `via`, its first argument the choice, recorded at the
 * end of the outermost call); what another call changes is taken as where
 * the story is, without a transition. Once
 * per animation frame the node is read again, which catches a node set from
 * outside any call.
 */
import type { TraceCore } from '../core/agent';
import { now, roundMicros } from '../core/clock';
import { STORY_TRANSITION, type StoryTransitionData } from '../core/event-types';
import { TraceError } from '../core/errors';
import { isClass } from './hook';
import { patchMethod, restoreAll, type Patch } from './patch';

export interface TrackStoryOptions {
  /** The entries' source; default `story`. */
  name?: string;
  /** The property holding the current node, or a function reading it. */
  current?: string | ((graph: object) => unknown);
  /** Poll the current node once per animation frame (default true). */
  poll?: boolean;
  /**
   * The calls that move the story (names or patterns), e.g. `['ChooseChoiceIndex']`
   * for inkjs; no other call records a transition. Default: every call of the graph.
   */
  methods?: (string | RegExp)[];
}

export interface StoryHandle {
  /** The node id where the last transition left the story (or where it was when tracking began). */
  readonly node: string | null;
  stop(): void;
}

const CONVENTIONS = ['currentId', 'currentNode', 'current', 'node'];

/** Graphs being tracked: a second trackStory of the same graph would wrap its methods twice. */
const tracked = new WeakSet<object>();

export class StoryTracker implements StoryHandle {
  /** Where the last transition (or story:enter) left the story: the next transition's `from`. */
  node: string | null = null;
  /** The node as last read (a call outside `methods` may have moved it without a transition). */
  private seen: string | null = null;
  /** Calls on the graph running now: only the outermost one's end is a move. */
  private depth = 0;
  /** With `methods`: the first named call inside the outermost call running now. */
  private named: { via: string; choice: unknown } | null = null;
  private readonly moves: ((method: string) => boolean) | null;
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
    const methods = options.methods;
    this.moves = methods
      ? (m) =>
          methods.some((p) => {
            if (typeof p === 'string') return p === m;
            p.lastIndex = 0; // a /g or /y pattern keeps state between tests
            return p.test(m);
          })
      : null;
    this.node = this.nodeId();
    this.seen = this.node;
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
    // Only where our wrapper still is (patch.ts): a handler the game set since stays, and ours in it only calls through.
    restoreAll(this.patches);
    this.patches.length = 0;
    tracked.delete(this.graph);
  }

  /**
   * After an outermost call (`via` the method) or on a frame (`via` 'frame'):
   * a node other than where the last move left the story is a transition. A
   * call named in `methods` is a move even when it leaves the story where it
   * was (a choice that loops back), unless it threw; a call not named there
   * only updates what was seen.
   */
  private check(choice: unknown, via: string, threw = false): void {
    if (!this.active) return;
    try {
      const next = this.nodeId();
      const call = via !== 'frame';
      if (call && this.moves && !this.moves(via)) {
        this.seen = next; // not a move: where the story is now, no transition
        return;
      }
      if (!call && next === this.seen) return; // nothing happened outside a call since the last look
      this.seen = next;
      const namedMove = call && this.moves !== null && !threw;
      if (next === this.node && !namedMove) return;
      const t = now();
      this.core.emit({
        kind: 'state',
        type: STORY_TRANSITION,
        level: 'info',
        source: this.name,
        data: {
          from: this.node,
          to: next,
          choice: typeof choice === 'string' || typeof choice === 'number' ? choice : undefined,
          via,
          dwellMs: roundMicros(t - this.enteredAt),
        } satisfies StoryTransitionData,
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

  /** Every method of the graph (own and inherited) is wrapped; the outermost call checks the node after it returns or settles. */
  private wrapMethods(): void {
    const tracker = this;
    const names = new Set<string>(); // each name once: the nearest definition is the one called
    for (let obj: object | null = this.graph; obj && obj !== Object.prototype; obj = Object.getPrototypeOf(obj)) {
      for (const key of Object.getOwnPropertyNames(obj)) {
        if (names.has(key) || key === 'constructor') continue;
        names.add(key);
        const desc = Object.getOwnPropertyDescriptor(obj, key);
        if (!desc || typeof desc.value !== 'function') continue;
        const own = obj === this.graph;
        if (own && !desc.configurable && !desc.writable) continue;
        const fn = desc.value as (...a: unknown[]) => unknown;
        if (isClass(fn)) continue; // a class kept on the graph, not a method
        // Called with new (an ES5 constructor kept on the graph), the wrapper constructs, untouched (patch.ts).
        const traced = (_fn: Function, self: unknown, args: unknown[]): unknown => {
          const named = tracker.moves !== null && tracker.named === null && tracker.moves(key);
          // A call made by a call on the graph is part of it (the first named one says which move it was).
          if (tracker.depth > 0) {
            if (named) tracker.named = { via: key, choice: args[0] };
            return Reflect.apply(fn, self, args);
          }
          tracker.named = named ? { via: key, choice: args[0] } : null;
          tracker.depth++;
          let value: unknown;
          const end = () => {
            tracker.depth--;
            const move = tracker.named ?? { via: key, choice: args[0] };
            tracker.named = null;
            return move;
          };
          try {
            value = Reflect.apply(fn, self, args);
          } catch (err) {
            const move = end();
            tracker.check(move.choice, move.via, true);
            throw err;
          }
          const move = end();
          if (value instanceof Promise) {
            // An equivalent promise, so a rejection the game does not handle stays unhandled.
            return value.then(
              (v: unknown) => {
                tracker.check(move.choice, move.via);
                return v;
              },
              (err: unknown) => {
                tracker.check(move.choice, move.via, true);
                throw err;
              },
            );
          }
          tracker.check(move.choice, move.via);
          return value;
        };
        try {
          this.patches.push(patchMethod(this.graph, key, fn, traced, { found: desc }));
        } catch {
          /* not writable: the frame poll still sees its transitions */
        }
      }
    }
  }
}
