/**
 * XState v5, through its own inspection API: pass the inspector to
 * `createActor(machine, { inspect: traceXState(trace) })` and every actor of
 * that system (the root, and the children it invokes or spawns) is traced.
 *
 * - An actor's first snapshot is a `story:enter` entry (its state), each
 *   change of its state value a `story:transition` entry (kind `state`) with
 *   `from`, `to`, the `event` that caused it and `dwellMs`, the time spent
 *   in `from`; a change of status (done, error, stopped) is `xstate:status`.
 *   Source: the actor's id.
 * - Each event sent to an actor is an `xstate:event` entry (kind `agent`)
 *   with the event, its sender (`from`, null from outside the system) and
 *   its target (`to`); source: the sender's id (`outside` when the game sent it).
 *
 * Written against the shapes of XState's inspection events (no import of
 * xstate): a nested state value (`{ chase: 'search' }`) reads `chase.search`,
 * parallel regions are joined with `, `. Nothing here throws into XState:
 * a failure is counted as the agent's rejected or internal errors.
 */
import type { TraceAgent } from '../create-agent';

/** The parts of XState's `InspectionEvent` this reads. */
export interface XStateInspectionEvent {
  type: string;
  actorRef: XStateActorRefLike;
  sourceRef?: XStateActorRefLike | undefined;
  event?: { type: string; [key: string]: unknown };
  snapshot?: { status?: string; value?: unknown };
}

export interface XStateActorRefLike {
  sessionId: string;
  id?: string;
}

export interface TraceXStateOptions {
  /** Record the events sent to actors (default true). */
  events?: boolean;
  /** Event types not recorded as `xstate:event` (default: `xstate.init`, which every actor gets at start). */
  skipEvents?: (string | RegExp)[];
}

/** What this adapter needs of the agent. */
export type XStateAgent = Pick<TraceAgent, 'logEvent'>;

interface ActorState {
  node: string | null;
  status: string | undefined;
  enteredAt: number;
}

const now = typeof performance !== 'undefined' ? performance.now.bind(performance) : Date.now;

/** An inspector for `createActor(machine, { inspect })`. */
export function traceXState(trace: XStateAgent, options: TraceXStateOptions = {}): (event: XStateInspectionEvent) => void {
  const events = options.events ?? true;
  const skip = options.skipEvents ?? ['xstate.init'];
  // Per actor, weakly: a stopped actor the game drops is collected with its entry here.
  const actors = new WeakMap<object, ActorState>();

  const skipped = (type: string) => skip.some((p) => (typeof p === 'string' ? p === type : p.test(type)));

  const onSnapshot = (e: XStateInspectionEvent) => {
    const ref = e.actorRef;
    const source = actorId(ref);
    const snapshot = e.snapshot;
    const node = snapshot && 'value' in snapshot ? stateValue(snapshot.value) : null;
    const status = snapshot?.status;
    const seen = actors.get(ref);
    const t = now();
    if (!seen) {
      actors.set(ref, { node, status, enteredAt: t });
      trace.logEvent('story:enter', { node, status, actor: ref.sessionId }, undefined, { kind: 'state', source });
      return;
    }
    if (node !== seen.node) {
      trace.logEvent(
        'story:transition',
        { from: seen.node, to: node, event: e.event?.type, via: 'xstate', dwellMs: Math.round((t - seen.enteredAt) * 1000) / 1000 },
        undefined,
        { kind: 'state', source },
      );
      seen.node = node;
      seen.enteredAt = t;
    }
    if (status !== seen.status) {
      trace.logEvent('xstate:status', { from: seen.status, to: status, event: e.event?.type }, undefined, { kind: 'state', source, level: status === 'error' ? 'error' : 'info' });
      seen.status = status;
    }
  };

  const onEvent = (e: XStateInspectionEvent) => {
    const type = e.event?.type;
    if (typeof type !== 'string' || skipped(type)) return;
    const from = e.sourceRef ? actorId(e.sourceRef) : null;
    trace.logEvent('xstate:event', { event: e.event, from, to: actorId(e.actorRef) }, undefined, { kind: 'agent', source: from ?? 'outside' });
  };

  return (e: XStateInspectionEvent) => {
    try {
      if (e.type === '@xstate.snapshot') onSnapshot(e);
      else if (events && e.type === '@xstate.event') onEvent(e);
    } catch {
      // An inspector that throws would break the actor system: never. (logEvent itself counts its own failures.)
    }
  };
}

function actorId(ref: XStateActorRefLike): string {
  return typeof ref.id === 'string' && ref.id ? ref.id : ref.sessionId;
}

/** `'idle'`, `{ chase: 'search' }` → `chase.search`, parallel regions joined with `, `. */
export function stateValue(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return null;
  const parts: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const inner = stateValue(child);
    parts.push(inner === null || inner === '' ? key : inner.split(', ').map((p) => `${key}.${p}`).join(', '));
  }
  return parts.join(', ');
}
