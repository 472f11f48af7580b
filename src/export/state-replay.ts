/**
 * The state at any seq, rebuilt from a trace: the last `state:checkpoint` or
 * `state:replace` (the game replaced the whole state; the entry holds a
 * checkpoint of the new value) at or before it, then every `state:change`
 * after it in seq order (see src/hooks/state.ts). Values are the copies the
 * trace holds, tags included.
 */
import type { TraceEntry } from '../core/entry';
import { FLAG_TRUNCATED } from '../core/entry';
import { STATE_CHANGE, STATE_CHECKPOINT, STATE_REPLACE, type StateChange, type StateChangeData, type StateCheckpointData } from '../core/event-types';

export interface ReplayedState {
  state: unknown;
  /** The seq of the checkpoint (or replacement) it started from. */
  checkpointSeq: number;
  /** Changes applied after the checkpoint. */
  applied: number;
  /** False when a value on the way was cut to fit the limits (or a store reported more changes than were kept). */
  exact: boolean;
}

/** The state of `source` (default `state`) after entry `seq`; null when no checkpoint precedes it. */
export function stateAt(entries: readonly TraceEntry[], seq: number, source = 'state'): ReplayedState | null {
  const mine = entries.filter((e) => e.kind === 'state' && (e.source ?? 'state') === source && e.seq <= seq).sort((a, b) => a.seq - b.seq);
  let start = -1;
  for (let i = mine.length - 1; i >= 0; i--) {
    if (mine[i]!.type === STATE_CHECKPOINT || mine[i]!.type === STATE_REPLACE) {
      start = i;
      break;
    }
  }
  if (start < 0) return null;
  const cp = mine[start]!;
  let exact = !((cp.flags ?? 0) & FLAG_TRUNCATED);
  let state = structuredClone((cp.data as Partial<StateCheckpointData> | undefined)?.state);
  let applied = 0;
  for (const e of mine.slice(start + 1)) {
    if (e.type !== STATE_CHANGE) continue;
    const data = e.data as Partial<StateChangeData>;
    if ((e.flags ?? 0) & FLAG_TRUNCATED || data.more) exact = false;
    for (const c of data.changes ?? []) {
      state = apply(state, c);
      applied++;
    }
  }
  return { state, checkpointSeq: cp.seq, applied, exact };
}

function apply(root: unknown, c: StateChange): unknown {
  if (c.path.length === 0) return c.op === 'set' ? structuredClone(c.next) : undefined;
  let obj = root as Record<string | number, unknown>;
  if (obj === null || typeof obj !== 'object') obj = (typeof c.path[0] === 'number' ? [] : {}) as Record<string | number, unknown>;
  const top = obj;
  for (let i = 0; i < c.path.length - 1; i++) {
    const k = c.path[i]!;
    let next = obj[k];
    if (next === null || typeof next !== 'object') {
      next = typeof c.path[i + 1] === 'number' ? [] : {};
      obj[k] = next;
    }
    obj = next as Record<string | number, unknown>;
  }
  const last = c.path[c.path.length - 1]!;
  if (c.op === 'delete') delete obj[last];
  else obj[last] = structuredClone(c.next);
  return top;
}
