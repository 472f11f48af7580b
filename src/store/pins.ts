/**
 * Pins: time ranges of a session that eviction skips, so the moments that
 * matter (an alert, an anomaly, the user's "keep this") outlive a ring that
 * wraps. A block is pinned when a pin of its session overlaps its time span.
 * Pinned blocks may hold at most `maxShare` of the ring (entries and bytes);
 * past it the oldest pin is released and counted, as it is past MAX_PINS pins. Pure bookkeeping: the
 * store worker's keeper (pin-keeper.ts) holds the state, and the rings evict by it.
 */
import type { TracePin } from '../export/trace-json';
import type { BlockHead, KeyedHead } from './ring';

/** A pin as the store keeps it: the trace file's pin (export/trace-json.ts) without what it holds. */
export type Pin = Omit<TracePin, 'entries' | 'blocks'>;
export type PinReason = Pin['reason'];

export type PinInput = Omit<Pin, 'id'>;

/** The pins' state (kept in IndexedDB's meta record, so they outlive a reload). */
export interface PinState {
  pins: Pin[];
  /** Pins released because pinned blocks passed their share of the ring, or pins passed MAX_PINS. */
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
export type PinInfo = TracePin;

/** The pins as the store reports them (the `pins` request). */
export interface PinReport {
  pins: PinInfo[];
  released: number;
  /** Entries of pinned blocks (a block covered by two pins counted once). */
  pinnedEntries: number;
  /** Reads and writes of the pins' state that failed, and why the last did (both absent while none did). */
  saveFailures?: number;
  lastFailure?: string;
}

/** What an ack carries of the pins, for stats() and the overlay. */
export interface PinSummary {
  /** Pins held now. */
  pins: number;
  /** Pins released since the database was created (pinned blocks past their share of the ring, or pins past MAX_PINS). */
  pinsReleased: number;
  /** Reads and writes of the pins' state that failed since the store started (the pins held in memory all the same). */
  pinSaveFailures: number;
  /** Why the last of them failed (absent while none did). */
  pinLastFailure?: string;
}

export function emptyPinState(): PinState {
  return { pins: [], released: 0, nextId: 1 };
}

export function summaryOf(s: PinState, failures = 0, lastFailure: string | null = null): PinSummary {
  const out: PinSummary = { pins: s.pins.length, pinsReleased: s.released, pinSaveFailures: failures };
  if (lastFailure !== null) out.pinLastFailure = lastFailure;
  return out;
}

function pinCovers(pin: Pin, head: BlockHead): boolean {
  return pin.sessionId === head.sessionId && head.minTs <= pin.toTs && head.maxTs >= pin.fromTs;
}

export function isPinned(pins: readonly Pin[], head: BlockHead): boolean {
  for (let i = 0; i < pins.length; i++) if (pinCovers(pins[i]!, head)) return true;
  return false;
}

/** Pins held at most; past it the oldest is released (counted with the share cap's). */
export const MAX_PINS = 256;
/** A pin's label is cut to this many characters. */
export const MAX_PIN_LABEL = 200;

/**
 * Adds a pin; resolves to it. An automatic pin that overlaps another
 * automatic pin of its session widens that one instead (a burst of anomalies
 * is one pin, not dozens), while the widened one spans at most `maxSpan` ms:
 * past it a new pin starts (a pin never grows over the whole session). A
 * user's pin is its own, unless one of the same range is there already (that
 * one is returned). A label not a string (or empty) is the pin's length; it
 * is cut to MAX_PIN_LABEL. Past MAX_PINS pins the oldest is released and counted.
 */
export function addPin(s: PinState, input: PinInput, maxSpan = Infinity): Pin {
  for (const p of s.pins) {
    if (p.sessionId !== input.sessionId) continue;
    if (input.reason === 'user') {
      if (p.reason === 'user' && p.fromTs === input.fromTs && p.toTs === input.toTs) return { ...p };
    } else if (p.reason !== 'user' && p.fromTs <= input.toTs && p.toTs >= input.fromTs) {
      const fromTs = Math.min(p.fromTs, input.fromTs);
      const toTs = Math.max(p.toTs, input.toTs);
      if (toTs - fromTs > maxSpan) continue;
      p.fromTs = fromTs;
      p.toTs = toTs;
      return { ...p };
    }
  }
  const label = typeof input.label === 'string' && input.label !== '' ? input.label.slice(0, MAX_PIN_LABEL) : `${(input.toTs - input.fromTs) / 1000} s pinned`;
  const pin: Pin = { ...input, label, id: s.nextId++ };
  s.pins.push(pin);
  while (s.pins.length > MAX_PINS) releaseOldest(s);
  return { ...pin };
}

/** Releases the oldest pin (the lowest id: ids grow with each pin) and counts it. */
function releaseOldest(s: PinState): void {
  let oldest = 0;
  for (let i = 1; i < s.pins.length; i++) if (s.pins[i]!.id < s.pins[oldest]!.id) oldest = i;
  s.pins.splice(oldest, 1);
  s.released++;
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
    releaseOldest(s);
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
