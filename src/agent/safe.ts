/**
 * The public API never throws into the game, whatever the page did to its
 * builtins: a failure of ours in a method that returns a value is counted
 * (internalErrors) and gives `fallback`; a method that returns a promise
 * gives a rejected one. Strict mode's TraceError still goes to the caller.
 * `apply`, not a spread: the page's Array.prototype[Symbol.iterator] may be broken.
 */
import type { TraceCore } from '../core/agent';
import { apply, rejected } from '../core/builtins';
import { errorMessage, TraceError } from '../core/errors';

export function safe<A extends unknown[], R>(core: TraceCore, fn: (...args: A) => R, fallback: (err: unknown) => R): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    try {
      return apply(fn, this, args) as R;
    } catch (err) {
      if (core.strict && err instanceof TraceError) throw err;
      core.counters.internalErrors++;
      return fallback(err);
    }
  };
}

export function settles<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return function (this: unknown, ...args: A): Promise<R> {
    try {
      return apply(fn, this, args) as Promise<R>;
    } catch (err) {
      return rejected(err instanceof TraceError ? err : new TraceError('STORE_FAILED', errorMessage(err)));
    }
  };
}

export const nothing = (): undefined => undefined;
