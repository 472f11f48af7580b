/**
 * The store's pins, in its worker only (worker-scope.ts gives the host one,
 * as it gives the analytics engine; the main-thread store keeps no pins):
 * the pin requests, the pins of alerts that fire and anomalies found, and
 * the policy its rings evict by (pins.ts).
 */
import type { EngineNotice } from '../analytics/engine';
import { describeError } from '../core/errors';
import { addPin, dropSessionPins, pinPolicy, removePin, reportPins, windowAround, DEFAULT_PIN_OPTIONS, type Pin, type PinInput, type PinOptions, type PinPolicy, type PinReport, type PinSummary } from './pins';
import type { StoreConfig } from './protocol';
import type { KeyedHead, TraceRing } from './ring';

export class PinKeeper {
  readonly policy: PinPolicy;
  private readonly opts: PinOptions;
  /** Automatic pins the ring could not write, and why the last one failed. */
  failures = 0;
  lastFailure: string | null = null;

  constructor(private readonly config: StoreConfig) {
    this.opts = config.pins ?? DEFAULT_PIN_OPTIONS;
    this.policy = pinPolicy(this.opts.maxShare);
  }

  pin(ring: TraceRing, input: PinInput): Promise<Pin> {
    return ring.updatePins((s) => addPin(s, input));
  }

  unpin(ring: TraceRing, id: number): Promise<boolean> {
    return ring.updatePins((s) => removePin(s, id));
  }

  /** A session deleted on request: its pins go (not counted as released: the user let them go). */
  async deleted(ring: TraceRing, sessionId: string): Promise<void> {
    if (ring.pinState().pins.some((p) => p.sessionId === sessionId)) await ring.updatePins((s) => dropSessionPins(s, sessionId, false));
  }

  /** The pins with what each holds (the heads of their sessions' blocks). */
  async report(ring: TraceRing): Promise<PinReport> {
    const state = ring.pinState();
    const heads: KeyedHead[] = [];
    for (const id of new Set(state.pins.map((p) => p.sessionId))) heads.push(...(await ring.heads(id, 'oldest', -Infinity, Infinity, Number.MAX_SAFE_INTEGER)));
    return reportPins(state, heads);
  }

  summary(ring: TraceRing): PinSummary {
    const s = ring.pinState();
    return { pins: s.pins.length, released: s.released };
  }

  /** An alert that fired or an anomaly found: the window around it is pinned (options.pins.auto), in the session the engine follows. */
  noticed(ring: TraceRing, n: EngineNotice): void {
    const analytics = this.config.analytics;
    if (!this.opts.auto || !analytics || n.kind === 'loop') return;
    let input: PinInput;
    if (n.kind === 'alert') {
      if (n.alert.to !== 'firing') return;
      input = { sessionId: analytics.sessionId, ...windowAround(n.alert.at, n.alert.at, this.opts), reason: 'alert', label: `${n.alert.name}: ${n.alert.summary}` };
    } else {
      const a = n.anomaly;
      input = { sessionId: analytics.sessionId, ...windowAround(a.from, Math.max(a.to, a.at ?? a.to), this.opts), reason: 'anomaly', label: `${a.agent ? `${a.agent} ` : ''}${a.metric} ${a.kind}` };
    }
    // Queued behind the block being written (a ring's writes run in order); a failure loses the pin, not the store.
    this.pin(ring, input).catch((err: unknown) => {
      this.failures++;
      this.lastFailure = describeError(err);
    });
  }
}
