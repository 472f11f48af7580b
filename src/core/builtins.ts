/**
 * The builtins the agent relies on, captured when its script is evaluated,
 * before the page's later code can replace them. A page that later breaks
 * `Array.prototype.push`, `Promise.prototype.then`, `JSON.stringify`,
 * `addEventListener` or a timer breaks its own code, not ours.
 *
 * What cannot be captured (a method looked up on an object at call time by a
 * library we bundle, such as Preact's use of `Array.prototype.push`) is
 * guarded where it is called: the overlay fails closed (src/overlay/mount.tsx).
 *
 * No DOM needed: the worker and Node load this too (what is missing there is null).
 */

type AnyFn = (...args: never[]) => unknown;

const g = globalThis as typeof globalThis & Record<string, unknown>;

/** `Reflect.apply`: calls a captured function without looking anything up on it. */
export const apply: typeof Reflect.apply = Reflect.apply;
export const jsonStringify: typeof JSON.stringify = JSON.stringify;
export const jsonParse: typeof JSON.parse = JSON.parse;
export const hasOwn: (o: object, key: PropertyKey) => boolean = Object.hasOwn;
export const objectKeys: typeof Object.keys = Object.keys;
export const defineProperty: typeof Object.defineProperty = Object.defineProperty;
export const getPrototypeOf: typeof Object.getPrototypeOf = Object.getPrototypeOf;
export const isArray: typeof Array.isArray = Array.isArray;
export const ObjectProto: object = Object.prototype;
export const ArrayProto: object = Array.prototype;
export const NativePromise: PromiseConstructor = Promise;
export const dateNow: () => number = Date.now;

const arrayJoin = Array.prototype.join;
const mapForEachNative = Map.prototype.forEach;
const arraySlice = Array.prototype.slice;
const arraySplice = Array.prototype.splice;
const promiseThen = Promise.prototype.then;
const promiseResolve = Promise.resolve;
const promiseReject = Promise.reject;

/** `a.push(v)` without `Array.prototype.push`. */
export function push<T>(a: T[], v: T): void {
  a[a.length] = v;
}

/** `a.some(pred)` without `Array.prototype.some`. */
export function some<T>(a: readonly T[], pred: (v: T) => boolean): boolean {
  for (let i = 0; i < a.length; i++) if (pred(a[i]!)) return true;
  return false;
}

/** `a.filter(pred)` without `Array.prototype.filter`. */
export function filter<T>(a: readonly T[], pred: (v: T) => boolean): T[] {
  const out: T[] = [];
  for (let i = 0; i < a.length; i++) if (pred(a[i]!)) out[out.length] = a[i]!;
  return out;
}

export function join(a: readonly unknown[], sep: string): string {
  return apply(arrayJoin, a, [sep]) as string;
}

export function slice<T>(a: readonly T[], start?: number, end?: number): T[] {
  return apply(arraySlice, a, [start, end]) as T[];
}

/** `a.splice(i, 1)`. */
export function removeAt(a: unknown[], i: number): void {
  apply(arraySplice, a, [i, 1]);
}

/** `map.forEach(fn)` with the original method (a `for...of` over a Map uses the page's iterators). */
export function mapForEach<K, V>(map: Map<K, V>, fn: (v: V, k: K) => void): void {
  apply(mapForEachNative, map, [fn]);
}

/** Attaches `onOk` / `onFail` to a promise with the original `then`; never throws. */
export function settle<T>(p: PromiseLike<T>, onOk?: ((v: T) => unknown) | null, onFail?: ((err: unknown) => unknown) | null): void {
  try {
    apply(promiseThen, p, [onOk ?? undefined, onFail ?? noop]);
  } catch {
    /* not a native promise, or its constructor was tampered with: nothing to attach to */
  }
}

/** `promise.then(onOk, onFail)` with the original `then`: a new promise. (Not named `then`: a module exporting `then` is a thenable.) */
export function chain<T, R>(p: Promise<T>, onOk: (v: T) => R | PromiseLike<R>, onFail?: (err: unknown) => R | PromiseLike<R>): Promise<R> {
  return apply(promiseThen, p, [onOk, onFail]) as Promise<R>;
}

export function resolved<T>(v: T): Promise<Awaited<T>> {
  return apply(promiseResolve, NativePromise, [v]) as Promise<Awaited<T>>;
}

export function rejected<T = never>(err: unknown): Promise<T> {
  return apply(promiseReject, NativePromise, [err]) as Promise<T>;
}

/**
 * `Promise.all` with the original `then` (`Promise.all` looks `then` up on
 * each promise, and array destructuring of its result uses the page's
 * `Array.prototype[Symbol.iterator]`: read the result by index).
 */
export function all<T extends readonly unknown[]>(ps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  return new NativePromise<T>((resolve, reject) => {
    const n = ps.length;
    const out = new Array<unknown>(n);
    let left = n;
    if (n === 0) resolve(out as unknown as T);
    for (let i = 0; i < n; i++) {
      settle(
        ps[i] as Promise<unknown>,
        (v) => {
          out[i] = v;
          if (--left === 0) resolve(out as unknown as T);
        },
        reject,
      );
    }
  });
}

function noop(): void {}

const probe = {};
/** Whether the page gave Object.prototype enumerable properties (every for...in then sees them). */
export function objectPrototypePolluted(): boolean {
  for (const k in probe) if (k !== undefined) return true;
  return false;
}

// ---- timers -----------------------------------------------------------------

function captured<F extends AnyFn>(name: string): F | null {
  const f = g[name];
  return typeof f === 'function' ? (f.bind(g) as F) : null;
}

export const setTimer: typeof setTimeout = captured<typeof setTimeout>('setTimeout') ?? setTimeout;
export const clearTimer: typeof clearTimeout = captured<typeof clearTimeout>('clearTimeout') ?? clearTimeout;
export const setRepeat: typeof setInterval = captured<typeof setInterval>('setInterval') ?? setInterval;
export const clearRepeat: typeof clearInterval = captured<typeof clearInterval>('clearInterval') ?? clearInterval;
const nativeMicrotask = captured<typeof queueMicrotask>('queueMicrotask');
const nativeRaf = captured<typeof requestAnimationFrame>('requestAnimationFrame');

/** `queueMicrotask`, captured (falls back to a resolved promise's original `then`). */
export const microtask: (cb: () => void) => void = nativeMicrotask ?? ((cb) => settle(resolved(undefined), cb));

/** After the next frame is painted, or after 35 ms where no frame comes (a hidden tab): what Preact's hooks do. */
export function afterFrame(cb: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    cb();
  };
  setTimer(run, 35);
  if (nativeRaf) nativeRaf(() => setTimer(run, 0));
}

const nativeIdle = captured<(cb: () => void, options: { timeout: number }) => number>('requestIdleCallback');

/**
 * At the page's first idle moment (requestIdleCallback), and after `boundMs`
 * at the latest, however busy the page; in the next task where there is no
 * requestIdleCallback (a worker, Safari, Node).
 */
export function whenIdle(cb: () => void, boundMs: number): void {
  if (nativeIdle) nativeIdle(() => cb(), { timeout: boundMs });
  else setTimer(cb, 0);
}

// ---- DOM ----------------------------------------------------------------------

const EventTargetCtor = typeof EventTarget === 'function' ? EventTarget : null;
const ET = EventTargetCtor ? EventTargetCtor.prototype : null;
const addListener = ET ? ET.addEventListener : null;
const removeListener = ET ? ET.removeEventListener : null;

/**
 * `target.addEventListener(...)` with the original method; false when it
 * could not be added. A target of another realm (an iframe's, a test DOM's
 * window) refuses our realm's method: its own is used then.
 */
export function listen(target: EventTarget, type: string, fn: EventListener, options?: boolean | AddEventListenerOptions): boolean {
  try {
    if (addListener && target instanceof EventTargetCtor!) apply(addListener, target, [type, fn, options]);
    else target.addEventListener(type, fn, options);
    return true;
  } catch {
    return false;
  }
}

export function unlisten(target: EventTarget, type: string, fn: EventListener, options?: boolean | EventListenerOptions): void {
  try {
    if (removeListener && target instanceof EventTargetCtor!) apply(removeListener, target, [type, fn, options]);
    else target.removeEventListener(type, fn, options);
  } catch {
    /* nothing to remove */
  }
}

const workerPost = typeof Worker === 'function' ? Worker.prototype.postMessage : null;
const workerTerminate = typeof Worker === 'function' ? Worker.prototype.terminate : null;

/** `worker.postMessage(msg)` with the original method (throws what it throws: DataCloneError). */
export function postToWorker(worker: Worker, msg: unknown): void {
  if (workerPost) apply(workerPost, worker, [msg]);
  else worker.postMessage(msg);
}

/** `worker.terminate()` with the original method: a page that replaced it must not keep our worker running. */
export function terminateWorker(worker: Worker): void {
  if (workerTerminate) apply(workerTerminate, worker, []);
  else worker.terminate();
}

/**
 * Every builtin above in one plain object, made when the drop-in script
 * starts: what it hands to the overlay's file, which runs later
 * (src/overlay/page-builtins.ts). An object literal, not a module namespace
 * (`import * as`), whose bundled form enumerates with for-in and so breaks on
 * a page that polluted Object.prototype.
 */
export const STARTUP_BUILTINS = {
  apply,
  jsonStringify,
  jsonParse,
  hasOwn,
  objectKeys,
  defineProperty,
  getPrototypeOf,
  isArray,
  ObjectProto,
  ArrayProto,
  NativePromise,
  dateNow,
  push,
  some,
  filter,
  join,
  slice,
  removeAt,
  mapForEach,
  settle,
  chain,
  resolved,
  rejected,
  all,
  objectPrototypePolluted,
  setTimer,
  clearTimer,
  setRepeat,
  clearRepeat,
  microtask,
  afterFrame,
  whenIdle,
  listen,
  unlisten,
  postToWorker,
  terminateWorker,
};
