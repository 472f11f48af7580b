/**
 * Fault injection. The buttons in the page only flip a timer here; each fault
 * is carried out inside an agent's own methods (Npc.decide, Npc.remember,
 * Director.broadcastTelemetry, Director.rebuildSpawnMap, Director.flickerLanterns
 * through StateManager.set), so a tracer hooked on the agents sees it as the
 * agent misbehaving, which is the point of the demo.
 */
import { logEvent } from './trace';

export type FaultId =
  | 'slow-agent'
  | 'error-storm'
  | 'stuck-loop'
  | 'event-flood'
  | 'frame-hitch'
  | 'memory-leak'
  | 'state-thrash';

export interface FaultSpec {
  readonly id: FaultId;
  readonly label: string;
  /** How long the fault stays active, in real milliseconds. */
  readonly durationMs: number;
  /** The agent that misbehaves (an NPC id, or 'director'). */
  readonly target: string;
  /** The method, on that agent, where the fault lives. */
  readonly method: string;
  readonly summary: string;
}

export const FAULTS: readonly FaultSpec[] = [
  {
    id: 'slow-agent',
    label: 'Slow agent',
    durationMs: 10_000,
    target: 'bram',
    method: 'Npc.decide',
    summary: 'Bram the smith: decide() resolves after 150-300 ms',
  },
  {
    id: 'error-storm',
    label: 'Error storm',
    durationMs: 5_000,
    target: 'mira',
    method: 'Npc.decide',
    summary: 'Mira the merchant: decide() and trade() throw 80% of calls',
  },
  {
    id: 'stuck-loop',
    label: 'Stuck loop',
    durationMs: 5_000,
    target: 'pip',
    method: 'Npc.replan',
    summary: 'Pip: decide() flips A-B-A-B and calls replan() with the same args',
  },
  {
    id: 'event-flood',
    label: 'Event flood',
    durationMs: 3_000,
    target: 'director',
    method: 'Director.broadcastTelemetry',
    summary: 'Director: ~20,000 flood.tick events/s, spread over frames',
  },
  {
    id: 'frame-hitch',
    label: 'Frame hitch',
    durationMs: 900,
    target: 'director',
    method: 'Director.rebuildSpawnMap',
    summary: 'Director: one spawn-map rebuild blocks the main thread 250 ms',
  },
  {
    id: 'memory-leak',
    label: 'Memory leak',
    durationMs: 10_000,
    target: 'oren',
    method: 'LlmNpc.remember',
    summary: 'Oren the oracle: remember() keeps a growing array every frame',
  },
  {
    id: 'state-thrash',
    label: 'State thrash',
    durationMs: 5_000,
    target: 'director',
    method: 'Director.flickerLanterns',
    summary: 'Director: sets world.lanterns on/off ~400 times a second',
  },
];

export function faultSpec(id: FaultId): FaultSpec {
  const spec = FAULTS.find((f) => f.id === id);
  if (spec === undefined) throw new RangeError(`unknown fault ${id}`);
  return spec;
}

export function isFaultId(value: string): value is FaultId {
  return FAULTS.some((f) => f.id === value);
}

/** The error an agent throws while the "Error storm" fault runs. */
export class AgentFaultError extends Error {
  readonly fault: FaultId;

  constructor(fault: FaultId, message: string) {
    super(message);
    this.name = 'AgentFaultError';
    this.fault = fault;
  }
}

export interface FaultStatus {
  readonly id: FaultId;
  readonly label: string;
  readonly active: boolean;
  readonly remainingMs: number;
  /** Elapsed fraction of the fault's duration, 0..1 (0 when idle). */
  readonly progress: number;
}

type EndListener = (id: FaultId) => void;

/** Timers for the faults, in real time (performance.now), not game time. */
export class FaultController {
  private readonly endsAt = new Map<FaultId, number>();
  private readonly pending = new Set<FaultId>();
  private readonly endListeners: EndListener[] = [];

  /** Starts (or restarts) a fault. */
  trigger(id: FaultId, now: number = performance.now()): void {
    const spec = faultSpec(id);
    this.endsAt.set(id, now + spec.durationMs);
    this.pending.add(id);
    logEvent(
      'fault:start',
      { fault: id, target: spec.target, method: spec.method, durationMs: spec.durationMs },
      { kind: 'custom', level: 'warn', source: 'faults' },
    );
  }

  isActive(id: FaultId, now: number = performance.now()): boolean {
    const end = this.endsAt.get(id);
    return end !== undefined && now < end;
  }

  /** True while the fault runs and `agent` (an NPC id, or 'director') is the one it targets. */
  targets(id: FaultId, agent: string, now: number = performance.now()): boolean {
    return this.isActive(id, now) && faultSpec(id).target === agent;
  }

  /** True once per trigger: for one-shot faults such as the frame hitch. */
  consume(id: FaultId): boolean {
    if (!this.pending.has(id)) return false;
    this.pending.delete(id);
    return this.isActive(id);
  }

  /** True while a one-shot fault has been triggered but not yet carried out. */
  isPending(id: FaultId): boolean {
    return this.pending.has(id) && this.isActive(id);
  }

  remaining(id: FaultId, now: number = performance.now()): number {
    const end = this.endsAt.get(id);
    return end === undefined ? 0 : Math.max(0, end - now);
  }

  /** Milliseconds since the fault was (re)started; 0 when it is not running. */
  elapsed(id: FaultId, now: number = performance.now()): number {
    const left = this.remaining(id, now);
    return left > 0 ? faultSpec(id).durationMs - left : 0;
  }

  onEnd(listener: EndListener): void {
    this.endListeners.push(listener);
  }

  /** Ends the faults whose time is up; call it every frame (cheap). */
  poll(now: number = performance.now()): void {
    for (const [id, end] of this.endsAt) {
      if (now < end) continue;
      this.endsAt.delete(id);
      this.pending.delete(id);
      logEvent('fault:end', { fault: id }, { kind: 'custom', level: 'info', source: 'faults' });
      for (const listener of this.endListeners) {
        try {
          listener(id);
        } catch (err) {
          console.error('fault end listener failed', err);
        }
      }
    }
  }

  status(now: number = performance.now()): FaultStatus[] {
    return FAULTS.map((spec) => {
      const remainingMs = this.remaining(spec.id, now);
      const active = remainingMs > 0;
      return { id: spec.id, label: spec.label, active, remainingMs, progress: active ? 1 - remainingMs / spec.durationMs : 0 };
    });
  }
}

/** Blocks the calling thread for `ms` milliseconds (the frame-hitch fault). */
export function busyWait(ms: number): number {
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  return spins;
}
