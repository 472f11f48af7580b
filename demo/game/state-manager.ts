/**
 * StateManager agent: the single source of truth for the game state, read and
 * written by path ("player.hp", "world.weather"). Every write is recorded in a
 * bounded history so a reader can see what changed, when and from what.
 */
import { logEvent } from './trace';

export type TimeOfDay = 'day' | 'night';
export type Weather = 'clear' | 'rain';

export interface GameState {
  tick: number;
  player: {
    x: number;
    y: number;
    hp: number;
    maxHp: number;
    gold: number;
    /** Sword level: 1, or 2 once sharpened by the smith. */
    sword: number;
  };
  inventory: string[];
  flags: Record<string, boolean>;
  world: {
    difficulty: number;
    time: TimeOfDay;
    weather: Weather;
    lanterns: boolean;
    day: number;
  };
  stats: {
    runs: number;
    kills: number;
    deaths: number;
    potionsUsed: number;
  };
}

export interface StateChange {
  seq: number;
  tick: number;
  path: string;
  prev: unknown;
  next: unknown;
}

export interface Checkpoint {
  id: number;
  label: string;
  tick: number;
  state: GameState;
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export function initialState(run = 1): GameState {
  return {
    tick: 0,
    player: { x: 6.5, y: 6.5, hp: 10, maxHp: 10, gold: 5, sword: 1 },
    inventory: [],
    flags: {},
    world: { difficulty: 1, time: 'day', weather: 'clear', lanterns: false, day: 1 },
    stats: { runs: run, kills: 0, deaths: 0, potionsUsed: 0 },
  };
}

const MAX_HISTORY = 50;
const MAX_CHECKPOINTS = 8;

export class StateManager {
  /** The live state. Read it directly for rendering; write through set/update. */
  data: GameState;
  /** The most recent writes, oldest first, at most 50. */
  history: StateChange[] = [];
  checkpoints: Checkpoint[] = [];
  /** Sequence number of the last recorded write. */
  changeSeq = 0;
  private checkpointSeq = 0;

  constructor(initial: GameState = initialState()) {
    this.data = initial;
  }

  /** Reads a value by dotted path; undefined when any segment is missing. */
  get<T = unknown>(path: string): T {
    let node: unknown = this.data;
    for (const key of path.split('.')) {
      if (node === null || typeof node !== 'object') return undefined as T;
      node = (node as Record<string, unknown>)[key];
    }
    return node as T;
  }

  /** Writes a value by dotted path. Returns false (and records nothing) if unchanged. */
  set(path: string, value: unknown): boolean {
    const keys = path.split('.');
    const last = keys.pop();
    if (last === undefined || last === '') throw new TypeError(`StateManager.set: bad path "${path}"`);
    let node = this.data as unknown as Record<string, unknown>;
    for (const key of keys) {
      const child = node[key];
      if (child === null || typeof child !== 'object') {
        const created: Record<string, unknown> = {};
        node[key] = created;
        node = created;
      } else {
        node = child as Record<string, unknown>;
      }
    }
    const prev = node[last];
    if (sameValue(prev, value)) return false;
    node[last] = value;
    recordChange(this, path, prev, value);
    return true;
  }

  /** Deep-merges a patch of plain objects; arrays and primitives replace. Returns changed paths. */
  update(patch: DeepPartial<GameState>): string[] {
    const changed: string[] = [];
    mergeInto(this, this.data as unknown as Record<string, unknown>, patch as Record<string, unknown>, '', changed);
    return changed;
  }

  /** Saves a copy of the state; returns its id. Keeps the newest eight. */
  checkpoint(label = 'manual'): number {
    const id = ++this.checkpointSeq;
    this.checkpoints.push({ id, label, tick: this.data.tick, state: structuredClone(this.data) });
    if (this.checkpoints.length > MAX_CHECKPOINTS) this.checkpoints.splice(0, this.checkpoints.length - MAX_CHECKPOINTS);
    logEvent('state:checkpoint', { id, label, tick: this.data.tick }, { kind: 'state', source: 'state' });
    return id;
  }

  /** Restores a checkpoint (the newest when no id is given). Returns false if none. */
  restore(id?: number): boolean {
    const cp = id === undefined ? this.checkpoints[this.checkpoints.length - 1] : this.checkpoints.find((c) => c.id === id);
    if (cp === undefined) return false;
    const prev = this.data;
    this.data = structuredClone(cp.state);
    this.data.tick = prev.tick;
    recordChange(this, '*', `tick ${prev.tick}`, `checkpoint ${cp.id} (${cp.label})`);
    return true;
  }

  /** Back to a fresh state for a new run (the history is kept). */
  reset(run: number): void {
    const prevTick = this.data.tick;
    this.data = initialState(run);
    this.data.tick = prevTick;
    this.checkpoints = [];
    recordChange(this, '*', 'previous run', `run ${run}`);
  }
}

// Helpers live outside the class so a tracer hooked on the prototype records
// only the public calls (get, set, update, checkpoint, restore, reset).

function mergeInto(
  sm: StateManager,
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  prefix: string,
  changed: string[],
): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeInto(sm, current, value, path, changed);
    } else if (!sameValue(current, value)) {
      target[key] = value;
      recordChange(sm, path, current, value);
      changed.push(path);
    }
  }
}

function recordChange(sm: StateManager, path: string, prev: unknown, next: unknown): void {
  sm.history.push({ seq: ++sm.changeSeq, tick: sm.data.tick, path, prev: copy(prev), next: copy(next) });
  if (sm.history.length > MAX_HISTORY) sm.history.splice(0, sm.history.length - MAX_HISTORY);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  }
  return false;
}

function copy(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? structuredClone(v) : v;
}
