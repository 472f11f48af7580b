/**
 * Spans for the adapters, made through the agent's public `hook()`: the
 * agent has no `span(name, fn)` of its own, so each span name is a method of
 * a holder object that the agent hooks once, and a run calls that method
 * around the work. The span is then a real agent span: it nests under the
 * span running now, parents what the work logs (state changes, network
 * calls), and records its duration, result and error, which it rethrows
 * unchanged.
 *
 * Names come from the game (action types, scene keys): at most `maxNames`
 * become methods of their own, the rest share `other` (with the name in the
 * span's arguments), so a game that makes up names cannot grow the holder
 * without bound.
 */
import type { TraceAgent } from '../create-agent';
import type { HookOptions } from '../hooks/hook';

/** What an adapter needs of the agent to make spans. */
export type SpanAgent = Pick<TraceAgent, 'hook'>;

export interface SpanMaker {
  /** Runs `work` as the span `<agent>.<name>`, with `args` as its arguments; returns what `work` returns. */
  run<T>(name: string, args: unknown[], work: () => T): T;
}

export const OTHER_NAME = 'other';

export function spanMaker(trace: SpanAgent, agent: string, options: Pick<HookOptions, 'captureArgs' | 'captureResult' | 'limits'> & { maxNames?: number } = {}): SpanMaker {
  const maxNames = options.maxNames ?? 200;
  const holder: Record<string, (...args: unknown[]) => unknown> = Object.create(null);
  let names = 0;
  // The work of the run in progress: read by the method as it starts, so a
  // run nested inside another (a dispatch inside a reducer's listener) sets its own.
  let pending: (() => unknown) | null = null;
  const body = (): unknown => {
    const work = pending;
    pending = null;
    return work ? work() : undefined;
  };
  const hookOptions: HookOptions = { captureArgs: options.captureArgs, captureResult: options.captureResult, limits: options.limits };
  const methodFor = (name: string): string | null => {
    if (name in holder) return name;
    if (names >= maxNames && name !== OTHER_NAME) return null;
    names++;
    holder[name] = function (this: unknown) {
      return body();
    };
    try {
      trace.hook(holder, agent, { ...hookOptions, include: [name] });
    } catch {
      // Not hooked (the agent was destroyed): the method still runs the work, untraced.
    }
    return name;
  };
  return {
    run<T>(name: string, args: unknown[], work: () => T): T {
      let method = methodFor(name);
      let callArgs = args;
      if (method === null) {
        method = methodFor(OTHER_NAME) ?? OTHER_NAME;
        callArgs = [name, ...args];
      }
      const fn = holder[method];
      if (!fn) return work();
      pending = work;
      return fn.apply(holder, callArgs) as T;
    },
  };
}
