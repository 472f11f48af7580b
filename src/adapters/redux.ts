/**
 * Redux (and Redux Toolkit): a middleware that makes each dispatched action a
 * span, `redux.<action type>`, with the action as its argument. The reducers
 * run inside it, and so do the store's subscribers: with the store also
 * given to `trace.trackState(store)`, every state change an action causes is
 * recorded with that action's span as its parent. A thunk (a function
 * dispatched, with redux-thunk or RTK's default middleware after this one)
 * is the span `redux.thunk` (`thunk:<name>` when the function has a name),
 * and the actions it dispatches before its first `await` are its children.
 *
 * Written against Redux's middleware contract only (no import of redux).
 */
import type { HookOptions } from '../hooks/hook';
import { spanMaker, type SpanAgent } from './spans';

export interface TraceReduxOptions {
  /** The spans' agent name: `<name>.<action type>`; default `redux`. */
  name?: string;
  /** Distinct action types that get spans of their own (default 200); the rest share `<name>.other`. */
  maxTypes?: number;
  /** How much of an action is copied (the hook's limits). */
  limits?: HookOptions['limits'];
}

/** The shape of a Redux middleware (assignable to Redux's `Middleware`). */
export type TraceMiddleware = (api: unknown) => (next: (action: unknown) => unknown) => (action: unknown) => unknown;

export function traceRedux(trace: SpanAgent, options: TraceReduxOptions = {}): TraceMiddleware {
  // The action is the span's argument; dispatch's result is most often that same action: not copied twice.
  const spans = spanMaker(trace, options.name ?? 'redux', { maxNames: options.maxTypes, captureResult: false, limits: options.limits });
  return () => (next) => (action) => spans.run(actionName(action), typeof action === 'function' ? [] : [action], () => next(action));
}

function actionName(action: unknown): string {
  if (typeof action === 'function') return action.name ? `thunk:${action.name}` : 'thunk';
  const type = action !== null && typeof action === 'object' ? (action as { type?: unknown }).type : undefined;
  return typeof type === 'string' && type ? type : 'unknown';
}
