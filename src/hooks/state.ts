/**
 * State changes, from the outside: a store with subscribe/getState (Redux,
 * Zustand), a signal (subscribe and value), or a plain object seen through a
 * Proxy. Each change becomes a `state:change` entry with its path, the value
 * before and after (copied), and the span that was running when it happened
 * (its `parentId`): the agent call that caused it. Checkpoints (the whole
 * state, copied) come at the start, every N changes and on demand, so that
 * src/export/state-replay.ts can rebuild the state at any seq. When the game
 * replaces the whole state (`State = JSON.parse(save)`), `replace` tracks
 * the new value from then on and records a `state:replace` entry holding a
 * checkpoint of it; the old object's proxy keeps working, unrecorded.
 */
import type { TraceCore } from '../core/agent';
import { withDefaults } from '../core/defaults';
import { FLAG_REDACTED } from '../core/entry';
import {
  STATE_CHANGE,
  STATE_CHECKPOINT,
  STATE_REPLACE,
  type StateChange,
  type StateChangeData,
  type StateCheckpointData,
  type StatePath,
  type StateReplaceData,
} from '../core/event-types';
import { TraceError } from '../core/errors';
import { REDACTED, redactsKey, type CopyLimits } from '../core/safe-copy';

export interface TrackStateOptions {
  /** The entries' source; default `state`. */
  name?: string;
  /** A checkpoint every this many changes (0: only at the start and on demand); default 500. */
  checkpointEvery?: number;
  /** Changes kept per entry when a store reports many at once; default 50 (the rest are counted). */
  maxChanges?: number;
  /** Paths not recorded: a dotted prefix (`fx.particles`) or a RegExp tested on the dotted path. */
  ignore?: (string | RegExp)[];
  /** Limits for the values of one change (small: changes are many). */
  limits?: Partial<CopyLimits>;
  /** Limits for a checkpoint (the whole state). */
  checkpointLimits?: Partial<CopyLimits>;
}

export interface StateHandle {
  /** What the game should hold instead of the object it passed (Proxy mode); the source itself otherwise. After a replacement, the new value's. */
  readonly proxy: unknown;
  /** Records the whole state now. */
  checkpoint(label?: string): void;
  /** Stops recording; a Proxy stays usable and passes everything through. */
  stop(): void;
}

/** A store that says when it changed and gives its whole state. */
interface Subscribable {
  subscribe(listener: (...args: unknown[]) => void): unknown;
}

const CHANGE_LIMITS: Partial<CopyLimits> = { maxDepth: 4, maxBytes: 2_048, maxString: 256, maxKeys: 20 };
const CHECKPOINT_LIMITS: Partial<CopyLimits> = { maxDepth: 12, maxBytes: 262_144, maxString: 2_048, maxKeys: 1_000 };
/** Below this depth a store's diff stops and records the subtree as one change. */
const MAX_DIFF_DEPTH = 8;

export class StateTracker implements StateHandle {
  private current: unknown;
  /** The game's own object (or store) tracked now. */
  private root: unknown;
  /** Bumped by each replacement: proxies of an older root pass everything through, unrecorded. */
  private generation = 0;
  private replacements = 0;
  private active = true;
  private changes = 0;
  private sinceCheckpoint = 0;
  private readonly name: string;
  private readonly every: number;
  private readonly maxChanges: number;
  private readonly changeLimits: CopyLimits;
  private readonly checkpointLimits: CopyLimits;
  private readonly ignore: (string | RegExp)[];
  private read: () => unknown = () => undefined;
  private unsubscribe: (() => void) | null = null;
  /**
   * Proxy mode: the proxy of each container by its parent and key (it is
   * made again when another object comes to that key, so its path stays
   * true after an array shifts), and targets by proxy (the game's objects
   * get raw values, never our proxies).
   */
  private children = new WeakMap<object, Map<string | number, { target: object; proxy: object }>>();
  private readonly targets = new WeakMap<object, object>();

  constructor(
    private readonly core: TraceCore,
    private readonly currentSpan: () => number,
    source: unknown,
    options: TrackStateOptions = {},
  ) {
    this.name = options.name ?? 'state';
    this.every = Math.max(0, Math.floor(options.checkpointEvery ?? 500));
    this.maxChanges = Math.max(1, Math.floor(options.maxChanges ?? 50));
    // Sizes of their own, the core's redaction (the page's keys and rule).
    this.changeLimits = withDefaults<CopyLimits>({ ...core.limits, ...CHANGE_LIMITS }, options.limits);
    this.checkpointLimits = withDefaults<CopyLimits>({ ...core.limits, ...CHECKPOINT_LIMITS }, options.checkpointLimits);
    this.ignore = options.ignore ?? [];

    if (!this.bind(source)) {
      // A class instance (private fields), a Map or a Set would break behind a Proxy.
      throw new TraceError('HOOK_FAILED', `trackState: expected a store (subscribe and getState), a signal, or a plain object or array; got ${describe(source)}`);
    }
    this.checkpoint('start');
  }

  get proxy(): unknown {
    return this.current;
  }

  /** The game's own object (or store) tracked now, never a proxy. */
  get source(): unknown {
    return this.root;
  }

  /**
   * The game replaced the whole state: track `next` from now on and record a
   * `state:replace` entry with a checkpoint of it. A value that cannot be
   * tracked (a class instance, null) is recorded and held as it is, its
   * changes unseen, until the next replacement. Returns what the game should
   * hold now (the new proxy, or the value itself).
   */
  replace(next: unknown): unknown {
    if (!this.active) return next;
    const raw = isObject(next) ? (this.targets.get(next) ?? next) : next;
    if (Object.is(raw, this.root)) return this.current; // Object.is: a NaN root is no new one
    try {
      this.unbind();
      this.generation++;
      this.children = new WeakMap(); // proxies are per root: a child shared with the old root gets a proxy of the new one
      if (!this.bind(raw)) {
        this.read = () => raw;
        this.root = raw;
        this.current = raw;
      }
      this.replacements++;
      const { value, flags } = this.core.copy(this.read(), this.checkpointLimits);
      this.core.emit({
        kind: 'state',
        type: STATE_REPLACE,
        level: 'info',
        source: this.name,
        parentId: this.currentSpan() || undefined,
        data: { replacements: this.replacements, changes: this.changes, tracked: this.current !== raw || isSubscribable(raw), state: value } satisfies StateReplaceData,
        flags: flags || undefined,
      });
      this.sinceCheckpoint = 0;
    } catch {
      this.core.counters.internalErrors++;
    }
    return this.current;
  }

  /** Tracks `source` (a store or signal, a plain object or array); false when it cannot. */
  private bind(source: unknown): boolean {
    if (isSubscribable(source)) {
      const store = source as Subscribable & { getState?: () => unknown; peek?: () => unknown; value?: unknown };
      this.read = typeof store.getState === 'function' ? () => store.getState!() : typeof store.peek === 'function' ? () => store.peek!() : () => store.value;
      this.root = source;
      this.current = source;
      const generation = this.generation;
      let prev = this.read();
      const unsub = store.subscribe(() => {
        if (!this.active || generation !== this.generation) return;
        try {
          const next = this.read();
          const found: StateChange[] = [];
          diff(prev, next, [], found, this.maxChanges + 1, 0);
          prev = next;
          this.record(found);
        } catch {
          this.core.counters.internalErrors++;
        }
      });
      this.unsubscribe = typeof unsub === 'function' ? (unsub as () => void) : null;
      return true;
    }
    if (isContainer(source)) {
      this.read = () => source;
      this.root = source;
      this.current = this.wrap(source, []);
      return true;
    }
    return false;
  }

  private unbind(): void {
    try {
      this.unsubscribe?.();
    } catch {
      // A store whose unsubscribe throws: we stay inert all the same.
    }
    this.unsubscribe = null;
  }

  checkpoint(label?: string): void {
    if (!this.active) return;
    try {
      const { value, flags } = this.core.copy(this.read(), this.checkpointLimits);
      this.core.emit({
        kind: 'state',
        type: STATE_CHECKPOINT,
        level: 'info',
        source: this.name,
        data: { label, changes: this.changes, state: value } satisfies StateCheckpointData,
        flags: flags || undefined,
      });
      this.sinceCheckpoint = 0;
    } catch {
      this.core.counters.internalErrors++;
    }
  }

  stop(): void {
    this.active = false;
    this.unbind();
  }

  private record(found: StateChange[]): void {
    const kept = found.filter((c) => !this.ignored(c.path));
    if (kept.length === 0) return;
    const more = kept.length > this.maxChanges ? kept.length - this.maxChanges : 0;
    let flags = 0;
    // A value is copied on its own, so its key is not seen by the copier:
    // the key's redaction is applied here, as a checkpoint applies it.
    const copy = (key: string | number | undefined, value: unknown): unknown => {
      if (redactedAt(this.changeLimits, key, value)) {
        flags |= FLAG_REDACTED;
        return REDACTED;
      }
      const c = this.core.copy(value, this.changeLimits);
      flags |= c.flags;
      return c.value;
    };
    const changes = kept.slice(0, this.maxChanges).map((c) => {
      const out: StateChange = { op: c.op, path: c.path };
      const key = c.path[c.path.length - 1];
      if ('prev' in c) out.prev = copy(key, c.prev);
      if (c.op === 'set') out.next = copy(key, c.next);
      return out;
    });
    this.core.emit({
      kind: 'state',
      type: STATE_CHANGE,
      level: 'info',
      source: this.name,
      parentId: this.currentSpan() || undefined,
      data: (more > 0 ? { changes, more } : { changes }) satisfies StateChangeData,
      flags: flags || undefined,
    });
    this.changes += kept.length;
    this.sinceCheckpoint += kept.length;
    if (this.every > 0 && this.sinceCheckpoint >= this.every) this.checkpoint('every');
  }

  private ignored(path: StatePath): boolean {
    if (this.ignore.length === 0) return false;
    const dotted = path.join('.');
    return this.ignore.some((p) => (typeof p === 'string' ? dotted === p || dotted.startsWith(p + '.') : (p.lastIndex = 0, p.test(dotted))));
  }

  /** A Proxy that records sets and deletes at any depth of plain objects and arrays. */
  private wrap(target: object, path: StatePath): object {
    const generation = this.generation;
    /** Recording: on, and this proxy belongs to the root tracked now. */
    const live = () => this.active && generation === this.generation;
    const proxy: object = new Proxy(target, {
      get: (t, k, receiver) => {
        const v: unknown = Reflect.get(t, k, receiver);
        if (!live() || typeof k === 'symbol' || !isContainer(v)) return v;
        // A Proxy must return a frozen property's own value (Immer freezes state).
        const d = Object.getOwnPropertyDescriptor(t, k);
        if (d && !d.configurable && !d.writable) return v;
        return this.child(t, keyOf(t, k), v, path);
      },
      set: (t, k, v, receiver): boolean => {
        const raw = isObject(v) ? (this.targets.get(v) ?? v) : v;
        if (!live() || typeof k === 'symbol') return Reflect.set(t, k, raw, receiver === proxy ? t : receiver);
        const had = Object.prototype.hasOwnProperty.call(t, k);
        const prev: unknown = (t as Record<string, unknown>)[k];
        const ok: boolean = Reflect.set(t, k, raw, receiver === proxy ? t : receiver);
        // An array's length follows its items; only a truncation is news.
        const lengthOnly = Array.isArray(t) && k === 'length' && typeof prev === 'number' && (raw as number) >= prev;
        if (ok && !lengthOnly && !(had && Object.is(prev, raw))) {
          try {
            const change: StateChange = { op: 'set', path: [...path, keyOf(t, k)], next: raw };
            if (had) change.prev = prev;
            this.record([change]);
          } catch {
            this.core.counters.internalErrors++;
          }
        }
        return ok;
      },
      deleteProperty: (t, k) => {
        const had = typeof k !== 'symbol' && Object.prototype.hasOwnProperty.call(t, k);
        const prev: unknown = had ? (t as Record<string, unknown>)[k as string] : undefined;
        const ok = Reflect.deleteProperty(t, k);
        if (live() && ok && had) {
          try {
            this.record([{ op: 'delete', path: [...path, keyOf(t, k as string)], prev }]);
          } catch {
            this.core.counters.internalErrors++;
          }
        }
        return ok;
      },
    });
    this.targets.set(proxy, target);
    return proxy;
  }

  private child(parent: object, key: string | number, value: object, parentPath: StatePath): object {
    let known = this.children.get(parent);
    if (!known) this.children.set(parent, (known = new Map()));
    const c = known.get(key);
    if (c && c.target === value) return c.proxy;
    const proxy = this.wrap(value, [...parentPath, key]);
    if (known.size < 10_000) known.set(key, { target: value, proxy }); // bounded; past it a proxy is made per read
    return proxy;
  }
}

/** What a value is, for a refusal. */
function describe(source: unknown): string {
  return source === null ? 'null' : typeof source === 'object' ? `an instance of ${(source as object).constructor?.name ?? 'a class'}` : typeof source;
}

/** Whether the copier would redact `value` under `key` (object keys only: it asks nothing of array indices). */
function redactedAt(limits: CopyLimits, key: string | number | undefined, value: unknown): boolean {
  return typeof key === 'string' && redactsKey(limits, key, value);
}

function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object';
}

/** Plain objects and arrays: what a state is made of (class instances, Maps and DOM nodes are left unwrapped). */
function isContainer(v: unknown): v is object {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === Array.prototype || proto === null;
}

function isSubscribable(v: unknown): boolean {
  if (!isObject(v) && typeof v !== 'function') return false;
  const s = v as { subscribe?: unknown; getState?: unknown; peek?: unknown };
  return typeof s.subscribe === 'function' && (typeof s.getState === 'function' || typeof s.peek === 'function' || 'value' in (v as object));
}

/** Array indices as numbers, so a path says which container to rebuild. */
function keyOf(t: object, k: string): string | number {
  return Array.isArray(t) && /^(0|[1-9]\d*)$/.test(k) ? Number(k) : k;
}

/** The changes from `a` to `b`, structurally; identical references are skipped whole (immutable stores). */
function diff(a: unknown, b: unknown, path: StatePath, out: StateChange[], max: number, depth: number): void {
  if (Object.is(a, b) || out.length >= max) return;
  if (depth < MAX_DIFF_DEPTH && isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of Object.keys(ao)) {
      if (!Object.prototype.hasOwnProperty.call(bo, k)) out.push({ op: 'delete', path: [...path, keyOf(a, k)], prev: ao[k] });
      else diff(ao[k], bo[k], [...path, keyOf(a, k)], out, max, depth + 1);
      if (out.length >= max) return;
    }
    for (const k of Object.keys(bo)) {
      if (!Object.prototype.hasOwnProperty.call(ao, k)) out.push({ op: 'set', path: [...path, keyOf(b, k)], next: bo[k] });
      if (out.length >= max) return;
    }
    return;
  }
  out.push({ op: 'set', path, prev: a, next: b });
}
