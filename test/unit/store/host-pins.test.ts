import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { StoreHost } from '../../../src/store/host';
import { MemoryRing } from '../../../src/store/memory-ring';
import { headOf, type TraceRing } from '../../../src/store/ring';
import { batchBytes } from '../../../src/core/columns';
import { PinKeeper } from '../../../src/store/pin-keeper';
import { PROTOCOL_VERSION, type StoreConfig, type StoreToPage } from '../../../src/store/protocol';
import { batchOf, entry, freshDb, storeHarness, until } from './helpers';

const config = (over: Partial<StoreConfig> = {}): StoreConfig => ({
  dbName: freshDb(),
  capacity: 1e6,
  maxBytes: 1e12,
  maxSessions: 20,
  tailSize: 100,
  analytics: { sessionId: 's', rules: null, thresholds: {} },
  pins: { before: 1_000, after: 500, maxShare: 0.5, auto: true },
  ...over,
});

/** A host with the worker's pin keeper (./helpers' storeHarness). */
function harness(cfg: StoreConfig) {
  return storeHarness(cfg, undefined, (c) => new PinKeeper(c));
}

const ticks = (from: number, to: number) => [...Array(to - from + 1)].map((_, i) => entry(from + i, 's', { ts: (from + i) * 10 }));

describe('the store\'s pins', () => {
  it('pins the window around an alert that fires, and says so in its acks', async () => {
    const h = harness(config());
    h.send(ticks(1, 500));
    await h.acked(500);
    await h.ask('triggerAlert', { name: 'boss-fight', message: 'the boss froze' });
    const report = await h.ask('pins', {});
    expect(report.pins).toHaveLength(1);
    const pin = report.pins[0]!;
    expect(pin).toMatchObject({ sessionId: 's', reason: 'alert' });
    expect(pin.label).toContain('boss-fight');
    expect(pin.toTs - pin.fromTs).toBe(1_500); // 1,000 before, 500 after
    h.send(ticks(501, 600));
    await h.acked(600);
    const last = h.got.filter((m) => m.type === 'ack').pop();
    expect(last?.type === 'ack' && last.pins).toEqual({ pins: 1, pinsReleased: 0, pinSaveFailures: 0 });
  });

  it('refuses pin requests on the main thread (no keeper), where exports go on without them', async () => {
    const got: StoreToPage[] = [];
    const host = new StoreHost((m) => got.push(m));
    host.handle({ type: 'init', version: PROTOCOL_VERSION, config: config() });
    host.handle({ type: 'request', id: 1, op: 'pins', params: {} });
    await until(() => got.some((m) => m.type === 'reply'));
    expect(got.find((m) => m.type === 'reply')).toMatchObject({ ok: false, error: expect.stringContaining('worker') });
  });

  it('takes the user\'s pins and lets them go; no automatic pins when auto is off', async () => {
    const h = harness(config({ pins: { before: 1_000, after: 500, maxShare: 0.5, auto: false } }));
    h.send(ticks(1, 100));
    await h.acked(100);
    await h.ask('triggerAlert', { name: 'boss-fight' });
    expect((await h.ask('pins', {})).pins).toEqual([]);
    const pin = await h.ask('pin', { sessionId: 's', lastMs: 200, toTs: 300, label: 'mine' });
    expect(pin).toMatchObject({ fromTs: 100, toTs: 300, reason: 'user' });
    const report = await h.ask('pins', {});
    expect(report.pins).toMatchObject([{ id: pin.id, label: 'mine', entries: 100 }]);
    expect(await h.ask('unpin', { id: pin.id })).toBe(true);
    expect(await h.ask('unpin', { id: pin.id })).toBe(false);
    expect((await h.ask('pins', {})).pins).toEqual([]);
  });
});

describe('the keeper\'s automatic pins', () => {
  const anomaly = { id: 1, metric: 'latency', agent: 'npc.decide', kind: 'spike', severity: 'warning', from: 20_000, to: 21_000, at: 21_000, seqFrom: 1, seqTo: 2, value: 9, expected: 1, low: 0, high: 2 } as const;

  it('pins an anomaly found over [from - before, at + after], and not a resolved alert or a loop', async () => {
    const k = new PinKeeper(config());
    const ring = new MemoryRing({ capacity: 1000, maxBytes: 1e9, maxSessions: 5 }, undefined, k);
    await k.use(ring);
    const cols = batchOf(ticks(1900, 2200)).cols; // ts 19,000..22,000
    await ring.append({ ...headOf('s', [cols], batchBytes(cols)), startedAt: 5, parts: [cols] });
    k.noticed({ kind: 'anomaly', anomaly: { ...anomaly } } as never);
    k.noticed({ kind: 'alert', alert: { name: 'low-fps', to: 'resolved', severity: 'warning', summary: 'fps', value: 30, at: 50_000 } } as never);
    k.noticed({ kind: 'loop', loop: {} } as never);
    await until(() => k.summary().pins === 1);
    const [pin] = (await k.report(ring)).pins;
    expect(pin).toMatchObject({ sessionId: 's', reason: 'anomaly', fromTs: 19_000, toTs: 21_500, entries: 301 });
    expect(pin!.label).toContain('npc.decide');
    expect(k.summary()).toEqual({ pins: 1, pinsReleased: 0, pinSaveFailures: 0 });
  });

  it('widens a pin over anomalies close together up to 4 windows, then starts a new one', async () => {
    const k = new PinKeeper(config()); // before 1,000, after 500: a window of 1,500 ms, a span of at most 6,000
    const ring = new MemoryRing({ capacity: 1000, maxBytes: 1e9, maxSessions: 5 }, undefined, k);
    await k.use(ring);
    const cols = batchOf(ticks(1900, 8000)).cols; // ts 19,000..80,000
    await ring.append({ ...headOf('s', [cols], batchBytes(cols)), startedAt: 5, parts: [cols] });
    // An anomaly each second for 60 s: each window overlaps the one before.
    for (let t = 20_000; t < 80_000; t += 1_000) k.noticed({ kind: 'anomaly', anomaly: { ...anomaly, from: t, to: t, at: t } } as never);
    await until(() => k.summary().pins >= 10);
    const { pins } = await k.report(ring);
    for (const p of pins) expect(p.toTs - p.fromTs).toBeLessThanOrEqual(6_000);
    expect(pins[0]).toMatchObject({ fromTs: 19_000 });
    expect(pins[pins.length - 1]).toMatchObject({ toTs: 79_500 });
    expect(k.summary().pinsReleased).toBe(0);
  });
});

describe('the keeper\'s failures', () => {
  it('counts a pin save that fails, says why in its summary (the acks) and its report', async () => {
    const k = new PinKeeper(config());
    const ring = new MemoryRing({ capacity: 1000, maxBytes: 1e9, maxSessions: 5 }, undefined, k);
    let reads = 0;
    (ring as TraceRing).meta = async (_key: string, value?: unknown) => {
      if (value === undefined) {
        reads++;
        return undefined;
      }
      throw new Error('QuotaExceededError: full');
    };
    await k.use(ring);
    expect(reads).toBe(1);
    expect(k.summary()).toEqual({ pins: 0, pinsReleased: 0, pinSaveFailures: 0 });
    const cols = batchOf(ticks(1, 100)).cols;
    await ring.append({ ...headOf('s', [cols], batchBytes(cols)), startedAt: 5, parts: [cols] });
    const pin = await k.pin({ sessionId: 's', fromTs: 10, toTs: 500, reason: 'user', label: 'mine' });
    expect(pin.label).toBe('mine'); // the pin holds in memory all the same
    expect(k.summary()).toMatchObject({ pins: 1, pinSaveFailures: 1 });
    expect(k.summary().pinLastFailure).toMatch(/the pins could not be saved: .*full/);
    const report = await k.report(ring);
    expect(report).toMatchObject({ saveFailures: 1, lastFailure: k.summary().pinLastFailure });
    expect(await k.unpin(pin.id)).toBe(true);
    expect(k.summary().pinSaveFailures).toBe(2);
  });
});
