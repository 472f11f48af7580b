import { describe, expect, it } from 'vitest';
import { addPin, emptyPinState, MAX_PIN_LABEL, MAX_PINS, isPinned, releaseOverShare, removePin, reportPins, windowAround, type PinInput } from '../../../src/store/pins';
import type { KeyedHead } from '../../../src/store/ring';

function head(key: number, sessionId: string, minTs: number, maxTs: number, count = 100, bytes = 1000): KeyedHead {
  return { key, sessionId, firstSeq: minTs, lastSeq: maxTs, minTs, maxTs, count, bytes, kinds: {}, levels: {}, types: [], sources: [] };
}

const user = (sessionId: string, fromTs: number, toTs: number): PinInput => ({ sessionId, fromTs, toTs, reason: 'user', label: 'mine' });
const auto = (sessionId: string, fromTs: number, toTs: number): PinInput => ({ sessionId, fromTs, toTs, reason: 'anomaly', label: 'frameTime spike' });

describe('the pin set', () => {
  it('covers the blocks of its session whose time span overlaps it, edges included', () => {
    const s = emptyPinState();
    addPin(s, user('a', 100, 200));
    expect(isPinned(s.pins, head(1, 'a', 50, 99))).toBe(false);
    expect(isPinned(s.pins, head(2, 'a', 50, 100))).toBe(true);
    expect(isPinned(s.pins, head(3, 'a', 150, 160))).toBe(true);
    expect(isPinned(s.pins, head(4, 'a', 200, 300))).toBe(true);
    expect(isPinned(s.pins, head(5, 'a', 201, 300))).toBe(false);
    expect(isPinned(s.pins, head(6, 'b', 150, 160))).toBe(false);
  });

  it('gives each pin its own id; overlapping automatic pins widen one, user pins stay apart', () => {
    const s = emptyPinState();
    const a = addPin(s, auto('a', 100, 200));
    const b = addPin(s, auto('a', 150, 300));
    expect(b.id).toBe(a.id);
    expect(s.pins).toHaveLength(1);
    expect(s.pins[0]).toMatchObject({ fromTs: 100, toTs: 300 });
    const c = addPin(s, auto('b', 150, 300)); // another session
    const d = addPin(s, user('a', 150, 300));
    const e = addPin(s, user('a', 150, 301));
    expect(new Set([a.id, c.id, d.id, e.id]).size).toBe(4);
    expect(removePin(s, d.id)).toBe(true);
    expect(removePin(s, d.id)).toBe(false);
    expect(s.pins.map((p) => p.id)).toEqual([a.id, c.id, e.id]);
  });

  it('does not add a user pin twice: one of the same range of its session is returned', () => {
    const s = emptyPinState();
    addPin(s, auto('a', 100, 200));
    const d = addPin(s, user('a', 100, 200)); // an automatic pin of that range is not the user's
    expect(addPin(s, { ...user('a', 100, 200), label: 'again' })).toEqual(d);
    expect(addPin(s, user('b', 100, 200)).id).not.toBe(d.id);
    expect(s.pins).toHaveLength(3);
  });

  it('holds at most MAX_PINS pins: past it the oldest goes, counted as released', () => {
    const s = emptyPinState();
    const pins = [];
    for (let i = 0; i < MAX_PINS + 10; i++) pins.push(addPin(s, user('a', i, i + 30_000)));
    expect(s.pins).toHaveLength(MAX_PINS);
    expect(s.released).toBe(10);
    expect(s.pins[0]!.id).toBe(pins[10]!.id);
    expect(s.pins[MAX_PINS - 1]!.id).toBe(pins[MAX_PINS + 9]!.id);
  });

  it('takes a label that is a string, cut to MAX_PIN_LABEL; else the pin\'s length', () => {
    const s = emptyPinState();
    expect(addPin(s, { ...user('a', 0, 1500), label: 'x'.repeat(10_000) }).label).toBe('x'.repeat(MAX_PIN_LABEL));
    for (const label of [42, { toString: () => 'boom' }, null, '']) {
      expect(addPin(s, { ...user('a', 0, 2500 + s.pins.length), label: label as never }).label).toMatch(/^2\.50\d+ s pinned$/);
    }
  });

  it('widens an automatic pin up to maxSpan only: past it a new pin starts', () => {
    const s = emptyPinState();
    // An anomaly every 10 s, each pinned over 15 s: overlapping, for 100 s.
    const got = [];
    for (let t = 0; t <= 100_000; t += 10_000) got.push(addPin(s, auto('a', t, t + 15_000), 60_000));
    for (const p of s.pins) expect(p.toTs - p.fromTs).toBeLessThanOrEqual(60_000);
    expect(s.pins.length).toBeGreaterThan(1);
    expect(got[0]!.id).toBe(got[1]!.id); // a burst still widens one pin
    // Every moment pinned is still covered.
    for (let t = 0; t <= 115_000; t += 1_000) expect(s.pins.some((p) => p.fromTs <= t && p.toTs >= t)).toBe(true);
  });

  it('releases the oldest pins while pinned blocks pass their share, and counts them', () => {
    const s = emptyPinState();
    const heads = [head(1, 'a', 0, 99), head(2, 'a', 100, 199), head(3, 'a', 200, 299), head(4, 'a', 300, 399)];
    const first = addPin(s, user('a', 0, 150)); // blocks 1, 2
    const second = addPin(s, user('a', 350, 360)); // block 4
    // 300 pinned of a capacity of 1,000 at a share of 0.5: under.
    expect(releaseOverShare(s, heads, { capacity: 1000, maxBytes: 1e9 }, 0.5)).toBe(false);
    expect(s.released).toBe(0);
    // A capacity of 400: 300 > 200, the oldest goes; 100 <= 200 then.
    expect(releaseOverShare(s, heads, { capacity: 400, maxBytes: 1e9 }, 0.5)).toBe(true);
    expect(s.pins.map((p) => p.id)).toEqual([second.id]);
    expect(s.released).toBe(1);
    expect(first.id).toBeLessThan(second.id);
    // Bytes count too: 1,000 pinned bytes of 1,500 at 0.5.
    expect(releaseOverShare(s, heads, { capacity: 1e9, maxBytes: 1500 }, 0.5)).toBe(true);
    expect(s.pins).toEqual([]);
    expect(s.released).toBe(2);
  });

  it('reports what each pin holds, a block under two pins counted once in the total', () => {
    const s = emptyPinState();
    addPin(s, user('a', 0, 150));
    addPin(s, user('a', 120, 130));
    const r = reportPins(s, [head(1, 'a', 0, 99), head(2, 'a', 100, 199, 50), head(3, 'a', 200, 299)]);
    expect(r.pins.map((p) => [p.entries, p.blocks])).toEqual([[150, 2], [50, 1]]);
    expect(r.pinnedEntries).toBe(150);
  });

  it('puts the window around a moment, never before the session', () => {
    expect(windowAround(30_000, 31_000, { before: 10_000, after: 5_000 })).toEqual({ fromTs: 20_000, toTs: 36_000 });
    expect(windowAround(3_000, 3_000, { before: 10_000, after: 5_000 })).toEqual({ fromTs: 0, toTs: 8_000 });
  });
});
