/**
 * The store's pins, in its worker only (worker-scope.ts gives the host one,
 * as it gives the analytics engine; the main-thread store keeps no pins):
 * the pin state, kept in the ring's meta record (IndexedDB: it outlives a
 * reload), the pin requests, the pins of alerts that fire and anomalies
 * found, and the guard its rings evict by (pins.ts says which blocks a pin holds).
 */
import type { EngineNotice } from '../analytics/engine';
import { describeError } from '../core/errors';
import {
  addPin,
  DEFAULT_PIN_OPTIONS,
  emptyPinState,
  isPinned,
  releaseOverShare,
  removePin,
  reportPins,
  summaryOf,
  windowAround,
  type Pin,
  type PinInput,
  type PinOptions,
  type PinReport,
  type PinState,
  type PinSummary,
} from './pins';
import type { RequestMessage, ResultOf, StoreConfig } from './protocol';
import type { BlockHead, EvictionGuard, KeyedHead, RingLimits, TraceRing } from './ring';

/** The meta record the pins are kept in. */
const PINS_RECORD = 'pins';
/** An automatic pin spans at most this many of its windows (before + after). */
const MAX_SPAN_WINDOWS = 4;

export class PinKeeper implements EvictionGuard {
  private readonly opts: PinOptions;
  private state: PinState = emptyPinState();
  private ring: TraceRing | null = null;
  /** Pin reads and writes that failed, and why the last one did (in the acks' summary: stats(), the store's problems). */
  failures = 0;
  lastFailure: string | null = null;

  constructor(private readonly config: StoreConfig) {
    this.opts = { ...DEFAULT_PIN_OPTIONS, ...config.pins };
  }

  /** The ring the pins guard and are kept in (the memory ring keeps none: they stay here): their saved state is read from it. */
  async use(ring: TraceRing): Promise<void> {
    this.ring = ring;
    try {
      const saved = (await ring.meta?.(PINS_RECORD)) as PinState | undefined;
      if (saved && Array.isArray(saved.pins)) this.state = saved;
    } catch (err) {
      // The store goes on with the pins it holds; the next write saves them again.
      this.failures++;
      this.lastFailure = `the pins could not be read: ${describeError(err)}`;
    }
  }

  // ---- EvictionGuard -------------------------------------------------------

  active(): boolean {
    return this.state.pins.length > 0;
  }

  /**
   * Before an eviction: the pins of sessions no longer stored go, and those past
   * their share of the ring, oldest first (counted); the rest hold their blocks.
   */
  pinned(heads: readonly BlockHead[], limits: RingLimits): (head: BlockHead) => boolean {
    const s = this.state;
    const gone = this.dropGone(new Set(heads.map((h) => h.sessionId)));
    if (releaseOverShare(s, heads, limits, this.opts.maxShare) || gone) void this.save(); // queued behind the eviction's transaction
    const pins = s.pins;
    return (h) => isPinned(pins, h);
  }

  // ---- requests ------------------------------------------------------------

  /** A pin request of the page's, answered (the host passes them on). */
  async answer(msg: Extract<RequestMessage, { op: 'pin' | 'unpin' | 'pins' }>, ring: TraceRing): Promise<ResultOf> {
    switch (msg.op) {
      case 'pin':
      {
        const { sessionId, lastMs, toTs, label } = msg.params;
        return { op: msg.op, result: await this.pin({ sessionId, fromTs: Math.max(0, toTs - lastMs), toTs, reason: 'user', label: label ?? '' }) };
      }
      case 'unpin':
        return { op: msg.op, result: await this.unpin(msg.params.id) };
      case 'pins':
        return { op: msg.op, result: await this.report(ring, msg.params.session) };
    }
  }

  async pin(input: PinInput): Promise<Pin> {
    if (!(input.fromTs <= input.toTs) || !Number.isFinite(input.fromTs) || !Number.isFinite(input.toTs) || typeof input.sessionId !== 'string') {
      throw new Error(`pin: a time range fromTs <= toTs (finite ms) of a session, got ${String(input.fromTs)}..${String(input.toTs)}`);
    }
    // An automatic pin widens up to a few of its windows, then a new one starts.
    const pin = addPin(this.state, input, MAX_SPAN_WINDOWS * (this.opts.before + this.opts.after));
    await this.save();
    return pin;
  }

  async unpin(id: number): Promise<boolean> {
    const removed = removePin(this.state, id);
    if (removed) await this.save();
    return removed;
  }

  /**
   * The pins (of `session`, unless 'all' or absent) with what each holds (the heads of their
   * sessions' blocks). Pins of sessions no longer stored (deleted, rotated out) go here.
   */
  async report(ring: TraceRing, session?: string): Promise<PinReport> {
    const stored = new Set((await ring.sessions()).map((s) => s.id));
    if (this.dropGone(stored)) await this.save();
    const heads: KeyedHead[] = [];
    for (const id of new Set(this.state.pins.map((p) => p.sessionId))) heads.push(...(await ring.heads(id, 'oldest', -Infinity, Infinity, Number.MAX_SAFE_INTEGER)));
    const r = reportPins(this.state, heads);
    if (this.failures > 0) {
      r.saveFailures = this.failures;
      r.lastFailure = this.lastFailure ?? undefined;
    }
    if (session !== undefined && session !== 'all') r.pins = r.pins.filter((p) => p.sessionId === session);
    return r;
  }

  /** Drops the pins of sessions not in `stored` (they hold nothing; not counted as released). Whether any went. */
  private dropGone(stored: Set<string>): boolean {
    const n = this.state.pins.length;
    this.state.pins = this.state.pins.filter((p) => stored.has(p.sessionId));
    return this.state.pins.length < n;
  }

  summary(): PinSummary {
    return summaryOf(this.state, this.failures, this.lastFailure);
  }

  /** An alert that fired or an anomaly found: the window around it is pinned (options.pins.auto), in the session the engine follows. */
  noticed(n: EngineNotice): void {
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
    // Eviction skips its blocks from now; its write is queued behind the block being written.
    void this.pin(input);
  }

  /** Writes the state to the ring's meta record; a failure is counted, never thrown (the pins hold in memory all the same). */
  private async save(): Promise<void> {
    try {
      await this.ring?.meta?.(PINS_RECORD, this.state);
    } catch (err) {
      this.failures++;
      this.lastFailure = `the pins could not be saved: ${describeError(err)}`;
    }
  }
}
