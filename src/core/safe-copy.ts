/**
 * Safe copy: turns any value into plain JSON-safe data at the moment it is
 * logged, never throwing. Values JSON cannot hold are tagged objects
 * `{ $t: tag, ... }` so that src/export can revive Map, Set, BigInt, Error,
 * Date and undefined after a round trip. A user object that itself has a `$t`
 * key is wrapped as `{ $t: 'obj', v }`, so tags stay unambiguous.
 */
import { FLAG_REDACTED, FLAG_TRUNCATED } from './entry';
import { ArrayProto, defineProperty, getPrototypeOf, hasOwn, isArray, jsonStringify, mapForEach, objectKeys, ObjectProto, push } from './builtins';
import { errorMessage } from './errors';

export interface CopyLimits {
  /** Nesting below this depth becomes `{ $t: 'trunc' }`. */
  maxDepth: number;
  /** Approximate size budget (characters of JSON) for one copied value. */
  maxBytes: number;
  /** Longer strings are cut and flagged. */
  maxString: number;
  /** Array items or object keys copied per container. */
  maxKeys: number;
  /** Keys whose values are replaced by `{ $t: 'redacted' }`; null to redact nothing. */
  redactKeys: RegExp | null;
  /**
   * The page's own rule, after `redactKeys`: true redacts the value under
   * `key` (a rule that throws redacts too: when in doubt, leave it out).
   */
  redact?: ((key: string, value: unknown) => boolean) | null;
}

/**
 * Keys that usually hold secrets or personal data: compound names match
 * anywhere in the key (`newPassword`, `auth_token`, `userEmail`), short
 * ambiguous words only as the whole key (`token` but not `tokens`, `auth`
 * but not `author`).
 */
export const DEFAULT_REDACT_KEYS =
  /pass(word|wd|phrase)|secret|api[-_]?key|(access|refresh|id|auth|session|bearer|csrf|xsrf)[-_]?token|authori[sz]ation|cookie|e[-_]?mail|phone|credit[-_]?card|card[-_]?number|private[-_]?key|^(token|auth|cvv|ssn|pin)$/i;

export const DEFAULT_LIMITS: CopyLimits = {
  maxDepth: 8,
  maxBytes: 16_384,
  maxString: 2_048,
  maxKeys: 200,
  redactKeys: DEFAULT_REDACT_KEYS,
};

export type Tagged = { $t: string; [k: string]: unknown };

const TRUNC: Tagged = Object.freeze({ $t: 'trunc' }) as Tagged;
/** What a redacted value is recorded as. */
export const REDACTED: Tagged = Object.freeze({ $t: 'redacted' }) as Tagged;
const EMPTY = Object.freeze({});
/** What the fast path returns when the value needs the full walk. */
const NOT_PLAIN: unknown = Object.freeze({ $t: 'not-plain' });
/** Nesting the fast path takes on; deeper values take the full walk. */
const PLAIN_DEPTH = 4;
const UNDEF: Tagged = Object.freeze({ $t: 'undef' }) as Tagged;

/**
 * A reusable copier: one per agent, so that logging a plain object allocates
 * only the copy itself. Not re-entrant (getters that log while being copied
 * get their own copier through `safeCopy`).
 */
export class Copier {
  flags = 0;
  private budget = 0;
  private busy = false;
  /**
   * The objects being copied, outermost first, and the key by which each was
   * reached: a cycle is found and named from them. A stack with a top index,
   * not push/pop/length, because this runs for every logged object.
   */
  private readonly stack: object[] = [];
  private readonly via: (string | number)[] = [];
  private top = 0;
  private high = 0;
  private readonly redactCache = new Map<string, boolean>();

  constructor(readonly limits: CopyLimits = DEFAULT_LIMITS) {}

  /** Copies `value`; `this.flags` then says whether it was truncated or redacted. */
  copy(value: unknown, limits: CopyLimits = this.limits): unknown {
    if (this.busy) return safeCopy(value, limits).value;
    // Plain data within every limit, the usual case, copies without the
    // walk's bookkeeping; at any doubt the full walk starts again from the top
    // (reading the values again: a getter with side effects on logged data
    // would run twice then, which is the price of not checking descriptors).
    this.busy = true;
    this.budget = limits.maxBytes;
    try {
      const fast = this.plain(value, 0, limits);
      if (fast !== NOT_PLAIN) {
        this.flags = 0;
        return fast;
      }
    } catch {
      /* a getter or proxy threw: the full walk records it */
    } finally {
      this.busy = false;
    }
    return this.copyFull(value, limits);
  }

  /** The full walk, without the fast path (which must give the same copy). */
  copyFull(value: unknown, limits: CopyLimits = this.limits): unknown {
    if (this.busy) return safeCopy(value, limits).value;
    this.busy = true;
    this.flags = 0;
    this.budget = limits.maxBytes;
    try {
      return this.walk(value, 0, limits, '');
    } catch {
      this.flags |= FLAG_TRUNCATED;
      return { $t: 'throws' };
    } finally {
      // Let go of the caller's objects.
      for (let i = 0; i < this.high; i++) this.stack[i] = EMPTY;
      this.top = this.high = 0;
      this.busy = false;
    }
  }

  /**
   * The fast path: plain objects and arrays (a few levels deep) of finite
   * numbers, booleans, null and strings, with no secret key, no `$t` or
   * `__proto__` key, within every limit. NOT_PLAIN for anything else.
   */
  private plain(v: unknown, depth: number, lim: CopyLimits): unknown {
    if (typeof v !== 'object' || v === null || depth >= lim.maxDepth || depth >= PLAIN_DEPTH || this.budget <= 0) return NOT_PLAIN;
    const proto = getPrototypeOf(v);
    if (isArray(v)) {
      if (proto !== ArrayProto || v.length > lim.maxKeys) return NOT_PLAIN;
      const out = new Array<unknown>(v.length);
      for (let i = 0; i < v.length; i++) {
        const x = this.plainValue(v[i], depth, lim);
        if (x === NOT_PLAIN) return NOT_PLAIN;
        out[i] = x;
      }
      return out;
    }
    if (proto !== ObjectProto && proto !== null) return NOT_PLAIN;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const k in o) {
      if (!hasOwn(o, k)) continue;
      if (++n > lim.maxKeys || k === '$t' || k === '__proto__') return NOT_PLAIN;
      if (lim.redactKeys && this.isSecretKey(k, lim.redactKeys)) return NOT_PLAIN;
      this.budget -= k.length + 3;
      const value = o[k];
      if (lim.redact && userRedacts(lim.redact, k, value)) return NOT_PLAIN;
      const x = this.plainValue(value, depth, lim);
      if (x === NOT_PLAIN) return NOT_PLAIN;
      out[k] = x;
    }
    return out;
  }

  private plainValue(x: unknown, depth: number, lim: CopyLimits): unknown {
    switch (typeof x) {
      case 'number':
        if (!Number.isFinite(x)) return NOT_PLAIN;
        this.budget -= 8;
        break;
      case 'boolean':
        this.budget -= 5;
        break;
      case 'string':
        if (x.length > lim.maxString) return NOT_PLAIN;
        this.budget -= x.length + 2;
        break;
      case 'object':
        if (x !== null) return this.plain(x, depth + 1, lim);
        this.budget -= 4;
        break;
      case 'undefined':
        return UNDEF; // common in game data, and free in the full walk's budget too
      default:
        return NOT_PLAIN;
    }
    // The full walk would start cutting here.
    return this.budget > 0 ? x : NOT_PLAIN;
  }

  private walk(v: unknown, depth: number, lim: CopyLimits, key: string | number): unknown {
    switch (typeof v) {
      case 'string':
        if (v.length > lim.maxString || v.length > this.budget) {
          this.flags |= FLAG_TRUNCATED;
          const keep = Math.max(0, Math.min(lim.maxString, this.budget));
          this.budget -= keep;
          return { $t: 'str', v: v.slice(0, keep), n: v.length };
        }
        this.budget -= v.length + 2;
        return v;
      case 'number':
        this.budget -= 8;
        return Number.isFinite(v) ? v : { $t: 'num', v: String(v) };
      case 'boolean':
        this.budget -= 5;
        return v;
      case 'undefined':
        return UNDEF;
      case 'bigint':
        this.budget -= 12;
        return { $t: 'bigint', v: v.toString() };
      case 'symbol':
        return { $t: 'symbol', v: v.description ?? '' };
      case 'function':
        return { $t: 'fn', name: fnName(v) };
    }
    if (v === null) {
      this.budget -= 4;
      return null;
    }
    const obj = v as object;
    if (this.budget <= 0 || depth >= lim.maxDepth) {
      this.flags |= FLAG_TRUNCATED;
      return TRUNC;
    }
    for (let i = 0; i < this.top; i++) {
      if (this.stack[i] === obj) return { $t: 'cycle', path: '$' + pathOf(this.via, i) };
    }
    const mark = this.top;
    try {
      // Plain objects and arrays, the common case, skip the checks for exotic ones.
      const proto = getPrototypeOf(obj);
      if (proto !== ObjectProto && proto !== ArrayProto && proto !== null) {
        const special = this.special(obj, depth, lim, key);
        if (special !== undefined) return special;
      }
      this.enter(obj, key);
      if (isArray(obj)) return this.walkArray(obj, depth, lim);
      return this.walkObject(obj as Record<string, unknown>, depth, lim);
    } catch (err) {
      // A Proxy trap or an exotic object refused to be read.
      this.flags |= FLAG_TRUNCATED;
      return { $t: 'throws', message: errorMessage(err) };
    } finally {
      this.top = mark;
    }
  }

  private enter(obj: object, key: string | number): void {
    this.stack[this.top] = obj;
    this.via[this.top] = key;
    if (++this.top > this.high) this.high = this.top;
  }

  private walkArray(arr: unknown[], depth: number, lim: CopyLimits): unknown[] {
    const n = Math.min(arr.length, lim.maxKeys);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.walk(arr[i], depth + 1, lim, i);
      if (this.budget <= 0 && i < n - 1) {
        out.length = i + 1;
        push(out, { $t: 'more', n: arr.length - i - 1 });
        this.flags |= FLAG_TRUNCATED;
        return out;
      }
    }
    if (arr.length > n) {
      push(out, { $t: 'more', n: arr.length - n });
      this.flags |= FLAG_TRUNCATED;
    }
    return out;
  }

  private walkObject(o: Record<string, unknown>, depth: number, lim: CopyLimits): unknown {
    const out: Record<string, unknown> = {};
    let count = 0;
    let escaped = false;
    for (const k in o) {
      if (!hasOwn(o, k)) continue;
      if (count >= lim.maxKeys || this.budget <= 0) {
        out['$more'] = objectKeys(o).length - count;
        this.flags |= FLAG_TRUNCATED;
        break;
      }
      count++;
      if (k === '$t') escaped = true;
      this.budget -= k.length + 3;
      if (lim.redactKeys && this.isSecretKey(k, lim.redactKeys)) {
        put(out, k, REDACTED);
        this.flags |= FLAG_REDACTED;
        continue;
      }
      let value: unknown;
      try {
        value = o[k];
      } catch (err) {
        put(out, k, { $t: 'throws', message: errorMessage(err) });
        continue;
      }
      if (lim.redact && userRedacts(lim.redact, k, value)) {
        put(out, k, REDACTED);
        this.flags |= FLAG_REDACTED;
        continue;
      }
      // Numbers, booleans and short strings inline: most logged data is flat.
      const t = typeof value;
      if ((t === 'number' && Number.isFinite(value)) || t === 'boolean') {
        this.budget -= t === 'number' ? 8 : 5; // as walk() charges them
        put(out, k, value);
        continue;
      }
      if (t === 'string' && (value as string).length <= lim.maxString && (value as string).length < this.budget) {
        this.budget -= (value as string).length + 2;
        put(out, k, value);
        continue;
      }
      put(out, k, this.walk(value, depth + 1, lim, k));
    }
    return escaped ? { $t: 'obj', v: out } : out;
  }

  /** Objects that are not plain containers; undefined when `obj` is one. */
  private special(obj: object, depth: number, lim: CopyLimits, key: string | number): unknown {
    if (obj === globalThis) return { $t: 'global' };
    if (obj instanceof Date) {
      const t = obj.getTime();
      return { $t: 'date', v: Number.isNaN(t) ? 'Invalid Date' : obj.toISOString() };
    }
    if (obj instanceof Error) {
      this.budget -= 64;
      const e: Tagged = { $t: 'error', name: String(obj.name), message: cut(String(obj.message), lim.maxString) };
      if (obj.stack) e['stack'] = cut(String(obj.stack), lim.maxString);
      return e;
    }
    if (obj instanceof Map) {
      this.enter(obj, key); // left by walk()
      const pairs: unknown[] = [];
      let i = 0;
      // The captured forEach, not for...of: destructuring uses the page's Array.prototype[Symbol.iterator].
      let full = false;
      mapForEach(obj as Map<unknown, unknown>, (val, k) => {
        if (full) return;
        if (i++ >= lim.maxKeys || this.budget <= 0) {
          push(pairs, { $t: 'more', n: obj.size - i + 1 });
          this.flags |= FLAG_TRUNCATED;
          full = true;
          return;
        }
        push(pairs, [this.walk(k, depth + 1, lim, 'key'), this.walk(val, depth + 1, lim, String(k))]);
      });
      return { $t: 'map', v: pairs };
    }
    if (obj instanceof Set) {
      this.enter(obj, key); // left by walk()
      return { $t: 'set', v: this.walkArray(Array.from(obj), depth, lim) };
    }
    if (obj instanceof RegExp) return { $t: 'regexp', v: String(obj) };
    if (ArrayBuffer.isView(obj)) {
      const view = obj as unknown as ArrayLike<number | bigint> & { constructor: { name: string } };
      const n = Math.min(view.length ?? 0, 32);
      const v: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const x = view[i];
        push(v, typeof x === 'bigint' ? x.toString() : x);
      }
      this.budget -= n * 4;
      return { $t: 'typed', ctor: view.constructor.name, length: view.length ?? 0, v };
    }
    if (obj instanceof ArrayBuffer) return { $t: 'buffer', bytes: obj.byteLength };
    if (typeof (obj as { then?: unknown }).then === 'function') return { $t: 'promise' };
    if (obj instanceof WeakMap || obj instanceof WeakSet || (typeof WeakRef !== 'undefined' && obj instanceof WeakRef)) {
      return { $t: 'opaque', ctor: obj.constructor.name };
    }
    const node = obj as { nodeType?: unknown; nodeName?: unknown; id?: unknown; className?: unknown };
    if (typeof node.nodeType === 'number' && typeof node.nodeName === 'string') {
      const tag: Tagged = { $t: 'node', name: node.nodeName.toLowerCase() };
      if (typeof node.id === 'string' && node.id) tag['id'] = node.id;
      if (typeof node.className === 'string' && node.className) tag['class'] = cut(node.className, 80);
      return tag;
    }
    return undefined;
  }

  private isSecretKey(key: string, re: RegExp): boolean {
    let hit = this.redactCache.get(key);
    if (hit === undefined) {
      re.lastIndex = 0;
      hit = re.test(key);
      if (this.redactCache.size > 2_000) this.redactCache.clear();
      this.redactCache.set(key, hit);
    }
    return hit;
  }
}

/** One-off copy with its own state: for callers that are not on a hot path. */
export function safeCopy(value: unknown, limits: CopyLimits = DEFAULT_LIMITS): { value: unknown; flags: number } {
  const c = new Copier(limits);
  const v = c.copy(value);
  return { value: v, flags: c.flags };
}

/** `via[1..depth]` as a path: `.a[0]["b c"]`. */
function pathOf(via: readonly (string | number)[], depth: number): string {
  let p = '';
  for (let i = 1; i <= depth; i++) {
    const k = via[i]!;
    p += typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? '.' + k : `[${jsonStringify(k)}]`;
  }
  return p;
}

/**
 * Whether the copier redacts `value` under `key`: `redactKeys`, then the
 * page's `redact` rule. For a hook that records one value under its key
 * (a state change, a query parameter) without copying the object around it.
 */
export function redactsKey(limits: Pick<CopyLimits, 'redactKeys' | 'redact'>, key: string, value: unknown): boolean {
  if (limits.redactKeys) {
    limits.redactKeys.lastIndex = 0;
    if (limits.redactKeys.test(key)) return true;
  }
  return limits.redact ? userRedacts(limits.redact, key, value) : false;
}

function userRedacts(rule: (key: string, value: unknown) => boolean, key: string, value: unknown): boolean {
  try {
    return rule(key, value) === true;
  } catch {
    return true;
  }
}

/** `out[k] = v`, also for a key `__proto__` (an own key in JSON), which assignment would turn into a prototype. */
function put(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

function fnName(f: Function): string {
  try {
    return f.name || 'anonymous';
  } catch {
    return 'anonymous';
  }
}

function cut(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
