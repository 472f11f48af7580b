/**
 * Agent calls as spans: wraps the methods of an object, a class or each item
 * of an array, from the outside. A wrapped method keeps `this`, arguments,
 * return values, thrown errors, `name` and `length`.
 *
 * Parents are carried explicitly: a span's parent is the span that was
 * running when the call began. Synchronous nesting is exact; an async method
 * is the parent of what it calls before its first `await` (a browser has no
 * AsyncLocalStorage to carry it further).
 */
import type { TraceCore } from '../core/agent';
import { apply, chain, getPrototypeOf, NativePromise, settle } from '../core/builtins';
import { now, spanDuration } from '../core/clock';
import { FLAG_CLOCK, FLAG_REDACTED, FLAG_TRUNCATED, type SpanError } from '../core/entry';
import { withDefaults } from '../core/defaults';
import { errorMessage, TraceError } from '../core/errors';
import type { CopyLimits } from '../core/safe-copy';
import { patchMethod, restoreAll, type Patch, type RestoreOutcome } from './patch';
import { spanError } from './span-error';

export interface HookOptions {
  /** Only these methods (names or patterns). */
  include?: (string | RegExp)[];
  /** Never these methods (names or patterns). */
  exclude?: (string | RegExp)[];
  /** Copy arguments into the span (default true). */
  captureArgs?: boolean;
  /** Copy return values into the span (default true). */
  captureResult?: boolean;
  /** Limits for captured args and results; small by default, spans are many. */
  limits?: Partial<CopyLimits>;
  /**
   * The share of calls traced, 0..1 (default 1). Decided where a trace
   * starts: a call that is not traced hides what it calls too, so a trace is
   * never missing its middle.
   */
  sample?: number;
}

export interface HookReport {
  agent: string;
  /** Methods now traced. */
  methods: string[];
  /** Methods left alone, with the reason. */
  skipped: { method: string; reason: string }[];
}

/** `Hooks.current` inside a call that sampling left out: what it calls is not traced either. */
export const UNSAMPLED = -1;

const SPAN_LIMITS: Omit<CopyLimits, 'redactKeys'> = { maxDepth: 4, maxBytes: 2_048, maxString: 256, maxKeys: 20 };

/** A hooked method unhook() could not put back (patch.ts): wrapped over by the page since, or on an object frozen since. */
export interface LeftInPlace {
  method: string;
  outcome: Exclude<RestoreOutcome, 'restored'>;
}

/** Methods every object has, which nobody wants as spans. */
const NEVER = new Set(['constructor', 'toString', 'toJSON', 'valueOf', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable']);

export class Hooks {
  /** The span running now (0 when none, UNSAMPLED inside a call that sampling left out). */
  current = 0;
  private nextSpanId = 0;
  /** This agent's wrappers, so that hooking twice does not wrap twice. */
  private readonly wrappers = new WeakSet<Function>();
  /** What each holder looked like before: weak, so a hooked agent the game drops can be collected. */
  private readonly patches = new WeakMap<object, Patch[]>();
  /** Holders patched, for unhookAll; pruned of collected ones as it grows. */
  private holders: WeakRef<object>[] = [];
  private pruneAt = 64;

  constructor(private readonly core: TraceCore) {}

  /** A span id no other span of this session has (network spans take theirs here too). */
  newSpanId(): number {
    return ++this.nextSpanId;
  }

  /**
   * Traces the methods of `target`: a plain object or instance (its own and
   * inherited methods), a class (prototype and static methods), or an array
   * (each item, named by its `name` or `id`, else its index).
   */
  hook(target: unknown, name?: string, options: HookOptions = {}, onlyNew = false): HookReport[] {
    if (Array.isArray(target)) {
      const base = name ?? 'agents';
      return target.flatMap((item: unknown, i) => {
        const agent = `${base}[${itemLabel(item, i)}]`;
        if (item === null || (typeof item !== 'object' && typeof item !== 'function')) {
          return [{ agent, methods: [], skipped: [{ method: '*', reason: `not an object (${item === null ? 'null' : typeof item})` }] }];
        }
        return this.hook(item, agent, options, onlyNew);
      });
    }
    if (typeof target === 'function') {
      const agent = name ?? (target.name || 'anonymous');
      const proto = (target as { prototype?: unknown }).prototype;
      const reports = [this.hookObject(target, agent, options, true, onlyNew)];
      if (proto && typeof proto === 'object') reports.push(this.hookObject(proto, agent, options, false, onlyNew));
      return reports;
    }
    if (target === null || typeof target !== 'object') {
      throw new TraceError('HOOK_FAILED', `hook(${name ?? ''}): expected an object, a class or an array, got ${target === null ? 'null' : typeof target}`);
    }
    const ctor = (target as { constructor?: { name?: string } }).constructor;
    const agent = name ?? (ctor && ctor !== Object && ctor.name ? ctor.name : 'agent');
    return [this.hookObject(target, agent, options, false, onlyNew)];
  }

  /**
   * Restores every method that `hook(target)` wrapped, where our wrapper is
   * still in place (patch.ts): returns the methods left in someone else's
   * wrapper, or on an object frozen since, which only pass calls through now.
   */
  unhook(target: unknown): LeftInPlace[] {
    const left: LeftInPlace[] = [];
    const targets: unknown[] = Array.isArray(target) ? target : [target];
    for (const t of targets) {
      if (t === null || (typeof t !== 'object' && typeof t !== 'function')) continue;
      this.restore(t as object, left);
      const proto = typeof t === 'function' ? (t as { prototype?: unknown }).prototype : undefined;
      if (proto && typeof proto === 'object') this.restore(proto, left);
    }
    return left;
  }

  /** Restores everything hooked so far (on destroy); the methods left in place, as unhook. */
  unhookAll(): LeftInPlace[] {
    const left: LeftInPlace[] = [];
    for (const ref of this.holders) {
      const holder = ref.deref();
      if (holder) this.restore(holder, left);
    }
    this.holders = [];
    return left;
  }

  private restore(holder: object, left: LeftInPlace[]): void {
    restoreAll(this.patches.get(holder) ?? [], (p, outcome) => left.push({ method: p.key, outcome }));
    this.patches.delete(holder);
  }

  /**
   * `onlyNew` (a path hooked again as the page loads): only names not hooked
   * on this holder yet. A hooked method the game replaced since (with
   * `this.step.bind(this)`, a bound wrapper) is left alone, not wrapped twice.
   */
  private hookObject(holder: object, agent: string, options: HookOptions, statics: boolean, onlyNew = false): HookReport {
    const report: HookReport = { agent, methods: [], skipped: [] };
    const patches = this.patches.get(holder) ?? [];
    const seen = new Set<string>(onlyNew ? patches.map((p) => p.key) : []);
    // Own methods, then inherited ones (defined on the holder, so other
    // objects that share the prototype stay untouched).
    for (let obj: object | null = holder; obj && obj !== Object.prototype && obj !== Function.prototype; obj = Object.getPrototypeOf(obj)) {
      if (statics && obj !== holder) break; // a class's statics: its own only
      for (const key of Object.getOwnPropertyNames(obj)) {
        if (seen.has(key)) continue;
        seen.add(key);
        if (statics && (key === 'prototype' || key === 'length' || key === 'name' || key === 'caller' || key === 'arguments')) continue;
        if (NEVER.has(key) || !wanted(key, options)) continue;
        const desc = Object.getOwnPropertyDescriptor(obj, key);
        if (!desc || typeof desc.value !== 'function') continue; // accessors are not called here
        const fn = desc.value as Function;
        if (this.wrappers.has(fn)) continue; // already hooked
        if (isClass(fn)) continue; // a nested class, not a method
        if (obj === holder && !desc.writable && !desc.configurable) {
          report.skipped.push({ method: key, reason: 'not writable' });
          continue;
        }
        let patch: Patch;
        try {
          patch = patchMethod(holder, key, fn, this.traced(agent, key, options), { found: desc });
        } catch (err) {
          report.skipped.push({ method: key, reason: errorMessage(err) });
          continue;
        }
        try {
          this.wrappers.add(patch.wrapper);
        } catch (err) {
          // Not tracked, it could never be taken off again: off now (a page that broke WeakSet.prototype.add).
          patch.restore();
          report.skipped.push({ method: key, reason: errorMessage(err) });
          continue;
        }
        patches.push(patch);
        report.methods.push(key);
      }
    }
    if (patches.length > 0 && !this.patches.has(holder)) {
      this.holders.push(new WeakRef(holder));
      if (this.holders.length >= this.pruneAt) {
        this.holders = this.holders.filter((r) => r.deref() !== undefined);
        this.pruneAt = Math.max(64, this.holders.length * 2);
      }
    }
    if (patches.length > 0) this.patches.set(holder, patches);
    return report;
  }

  /** What a traced method does with a call (patch.ts makes the wrapper around it). */
  private traced(agent: string, method: string, options: HookOptions): (fn: Function, self: unknown, callArgs: unknown[]) => unknown {
    const hooks = this;
    const core = this.core;
    const type = `${agent}.${method}`;
    const captureArgs = options.captureArgs ?? true;
    const captureResult = options.captureResult ?? true;
    // Smaller than the core's limits, with the same redaction (the page's keys and rule).
    const limits = withDefaults<CopyLimits>({ ...core.limits, ...SPAN_LIMITS }, options.limits);
    const sample = Math.min(1, Math.max(0, options.sample ?? 1));

    function end(spanId: number, parentId: number, t0: number, args: unknown, flags: number, ok: boolean, value: unknown, isAsync: boolean): void {
      try {
        const t1 = now();
        const ts = core.sinceStart(t1); // the clock is read once at the end: reading it costs ~0.1-0.2 µs in Chromium
        const dur = spanDuration(t0, t1, ts); // -1: the clock jumped under the span
        let result: unknown;
        let error: SpanError | undefined;
        if (ok) {
          if (captureResult && value !== undefined) {
            const c = core.copy(value, limits);
            result = c.value;
            flags |= c.flags;
          }
        } else {
          error = spanError(value);
        }
        core.emit({
          ts,
          kind: 'agent',
          type,
          level: ok ? 'info' : 'error',
          source: agent,
          method,
          spanId,
          parentId: parentId || undefined,
          args,
          result,
          dur: dur < 0 ? 0 : dur,
          status: ok ? 'ok' : 'error',
          error,
          async: isAsync || undefined,
          flags: (flags & (FLAG_TRUNCATED | FLAG_REDACTED)) | (dur < 0 ? FLAG_CLOCK : 0) || undefined,
        });
      } catch {
        // Tracing must never break the game; the span is lost (and counted), the call is not.
        core.counters.internalErrors++;
      }
    }

    // Called with `new` (an ES5 constructor kept on an agent), the wrapper constructs, untraced (patch.ts).
    return (fn, self, callArgs) => {
      const parentId = hooks.current;
      if (parentId === UNSAMPLED) return apply(fn, self, callArgs);
      if (sample < 1 && Math.random() >= sample) {
        if (parentId !== 0) return apply(fn, self, callArgs); // inside a traced call: skip this one alone
        hooks.current = UNSAMPLED;
        try {
          return apply(fn, self, callArgs);
        } finally {
          hooks.current = parentId;
        }
      }
      const spanId = hooks.newSpanId();
      let args: unknown;
      let flags = 0;
      if (captureArgs && callArgs.length > 0) {
        const c = core.copy(callArgs, limits);
        args = c.value;
        flags = c.flags;
      }
      const t0 = now();
      hooks.current = spanId;
      let value: unknown;
      try {
        value = apply(fn, self, callArgs);
      } catch (err) {
        hooks.current = parentId;
        end(spanId, parentId, t0, args, flags, false, err, false);
        throw err;
      }
      hooks.current = parentId;
      // The original Promise and `then`, captured at start-up (core/builtins.ts).
      if (value instanceof NativePromise) {
        if (getPrototypeOf(value) !== NativePromise.prototype || Reflect.ownKeys(value).length > 0) {
          // A decorated or subclassed promise: return it as it is and watch it
          // from the side (its rejection then counts as handled).
          settle(
            value,
            (v: unknown) => end(spanId, parentId, t0, args, flags, true, v, true),
            (err: unknown) => end(spanId, parentId, t0, args, flags, false, err, true),
          );
          return value;
        }
        // A plain promise: an equivalent one (same value, same rejection), so an
        // unhandled rejection still reaches the page as unhandled.
        return chain(
          value,
          (v: unknown) => {
            end(spanId, parentId, t0, args, flags, true, v, true);
            return v;
          },
          (err: unknown) => {
            end(spanId, parentId, t0, args, flags, false, err, true);
            throw err;
          },
        );
      }
      end(spanId, parentId, t0, args, flags, true, value, false);
      return value;
    };
  }
}

function wanted(key: string, o: HookOptions): boolean {
  const match = (p: string | RegExp) => {
    if (typeof p === 'string') return p === key;
    p.lastIndex = 0; // a /g or /y pattern keeps state between tests
    return p.test(key);
  };
  if (o.include && !o.include.some(match)) return false;
  if (o.exclude && o.exclude.some(match)) return false;
  return true;
}

function itemLabel(item: unknown, i: number): string {
  if (item && typeof item === 'object') {
    const o = item as { name?: unknown; id?: unknown };
    if (typeof o.name === 'string' && o.name) return o.name;
    if (typeof o.id === 'string' || typeof o.id === 'number') return String(o.id);
  }
  return String(i);
}

/** A class kept on an object is no method: calling it without `new` throws. */
export function isClass(fn: Function): boolean {
  try {
    return /^class[\s{]/.test(Function.prototype.toString.call(fn).slice(0, 8));
  } catch {
    return false;
  }
}
