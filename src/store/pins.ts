/**
 * Pins: time ranges of a session that eviction skips, so the moments that
 * matter (an alert, an anomaly, the user's "keep this") outlive a ring that
 * wraps. A block is pinned when a pin of its session overlaps its time span.
 * Pinned blocks may hold at most `maxShare` of the ring (entries and bytes);
 * past it the oldest pin is released and counted. Pure bookkeeping: the
 * store worker's keeper (pin-keeper.ts) holds the state, and the rings evict by it.
 */
import type { BlockHead, KeyedHead } from './ring';

export type PinReason = 'alert' | 'anomaly' | 'user';

export interface Pin {
  id: number;
  sessionId: string;
  /** Trace time (ms since the session started), inclusive. */
  fromTs: number;
  toTs: number;
  reason: PinReason;
  /** What it was pinned for (the alert's or anomaly's summary, or the user's label). */
  label: string;
}

export type PinInput = Omit<Pin, 'id'>;

/** The pins' state (kept in IndexedDB's meta record, so they outlive a reload). */
export interface PinState {
  pins: Pin[];
  /** Pins released because pinned blocks passed their share of the ring. */
  released: number;
  nextId: number;
}

/** The pins' options (TraceAgentOptions.pins, StoreConfig.pins). */
export interface PinOptions {
  /** ms before an alert or anomaly that its pin covers; default 10,000. */
  before: number;
  /** ms after it; default 5,000. */
  after: number;
  /** The share of the ring (entries, and bytes) pinned blocks may hold; past it the oldest pin is released. Default 0.5. */
  maxShare: number;
  /** Pin alerts that fire and anomalies found; default true. */
  auto: boolean;
}

export const DEFAULT_PIN_OPTIONS: PinOptions = { before: 10_000, after: 5_000, maxShare: 0.5, auto: true };

/** A pin with what it holds now: the stored entries of the blocks it covers. */
export interface PinInfo extends Pin {
  entries: number;
  blocks: number;
}

/** The pins as the store reports them (the `pins` request). */
export interface PinReport {
  pins: PinInfo[];
  released: number;
  /** Entries of pinned blocks (a block covered by two pins counted once). */
  pinnedEntries: number;
}

/** What an ack carries of the pins, for stats() and the overlay. */
export interface PinSummary {
  /** Pins held now. */
  pins: number;
  /** Pins released since the database was created (pinned blocks past their share of the ring). */
  pinsReleased: number;
}

export function emptyPinState(): PinState {
  return { pins: [], released: 0, nextId: 1 };
}

export function summaryOf(s: PinState): PinSummary {
  return { pins: s.pins.length, pinsReleased: s.released };
}

export function pinCovers(pin: Pin, head: BlockHead): boolean {
  return pin.sessionId === head.sessionId && head.minTs <= pin.toTs && head.maxTs >= pin.fromTs;
}

export function isPinned(pins: readonly Pin[], head: BlockHead): boolean {
  for (let i = 0; i < pins.length; i++) if (pinCovers(pins[i]!, head)) return true;
  return false;
}

/**
 * Adds a pin; resolves to it. An automatic pin that overlaps another
 * automatic pin of its session widens that one instead (a burst of anomalies
 * is one pin, not dozens); a user's pin is always its own.
 */
export function addPin(s: PinState, input: PinInput): Pin {
  if (input.reason !== 'user') {
    for (const p of s.pins) {
      if (p.reason !== 'user' && p.sessionId === input.sessionId && p.fromTs <= input.toTs && p.toTs >= input.fromTs) {
        p.fromTs = Math.min(p.fromTs, input.fromTs);
        p.toTs = Math.max(p.toTs, input.toTs);
        return { ...p };
      }
    }
  }
  const pin: Pin = { ...input, id: s.nextId++ };
  s.pins.push(pin);
  return { ...pin };
}

/** Removes a pin; whether it was there. */
export function removePin(s: PinState, id: number): boolean {
  const n = s.pins.length;
  s.pins = s.pins.filter((p) => p.id !== id);
  return s.pins.length < n;
}

/**
 * The share cap: while the blocks the pins cover hold more than `maxShare`
 * of the ring's capacity (entries) or of its bytes, the oldest pin is
 * released and counted. `heads` are every stored block. Returns whether any was released.
 */
export function releaseOverShare(s: PinState, heads: readonly BlockHead[], limits: { capacity: number; maxBytes: number }, maxShare: number): boolean {
  let released = false;
  for (;;) {
    if (s.pins.length === 0) return released;
    let entries = 0;
    let bytes = 0;
    for (const h of heads) {
      if (isPinned(s.pins, h)) {
        entries += h.count;
        bytes += h.bytes;
      }
    }
    if (entries <= maxShare * limits.capacity && bytes <= maxShare * limits.maxBytes) return released;
    // The oldest pin: the lowest id (ids grow with each pin).
    let oldest = 0;
    for (let i = 1; i < s.pins.length; i++) if (s.pins[i]!.id < s.pins[oldest]!.id) oldest = i;
    s.pins.splice(oldest, 1);
    s.released++;
    released = true;
  }
}

/** The pins with what each holds in `heads` (every stored block). */
export function reportPins(s: PinState, heads: readonly KeyedHead[]): PinReport {
  const pins: PinInfo[] = s.pins.map((p) => ({ ...p, entries: 0, blocks: 0 }));
  let pinnedEntries = 0;
  for (const h of heads) {
    let any = false;
    for (const p of pins) {
      if (pinCovers(p, h)) {
        p.entries += h.count;
        p.blocks++;
        any = true;
      }
    }
    if (any) pinnedEntries += h.count;
  }
  return { pins, released: s.released, pinnedEntries };
}

/** The window an automatic pin covers around a moment [from, to] of trace time. */
export function windowAround(from: number, to: number, opts: Pick<PinOptions, 'before' | 'after'>): { fromTs: number; toTs: number } {
  return { fromTs: Math.max(0, from - opts.before), toTs: to + opts.after };
}
