/**
 * The hostile-page half in Node: builtins the page breaks after start-up,
 * values that change between reads, a clock that jumps, input that cannot
 * be read. (The same in real Chromium: test/browser/battery-hostile.test.ts.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import { all, settle } from '../../../src/core/builtins';
import { spanDuration } from '../../../src/core/clock';
import { FLAG_CLOCK, type TraceEntry } from '../../../src/core/entry';
import { assessHealth } from '../../../src/analytics/health';
import { BatchEncoder, decodeBatch } from '../../../src/core/columns';

function collect() {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: (e) => (entries[entries.length] = e) });
  return { core, entries };
}

/** Replaces `obj[key]` for the test; put back after each test. */
const undo: (() => void)[] = [];
function breakIt<T extends object>(obj: T, key: PropertyKey, value: unknown): void {
  const had = Object.getOwnPropertyDescriptor(obj, key);
  Object.defineProperty(obj, key, { value, configurable: true, writable: true, enumerable: false });
  undo.splice(0, 0, () => {
    if (had) Object.defineProperty(obj, key, had);
    else delete (obj as Record<PropertyKey, unknown>)[key];
  });
}
/** Index loops only: the array iterator may be one of the things broken. */
function repair(): void {
  for (let i = 0; i < undo.length; i++) undo[i]!();
  undo.length = 0;
}
afterEach(repair);
/** Runs `fn` with the page broken, synchronously, and repairs before returning: the test runner itself needs the builtins. */
function whileBroken<T>(fn: () => T): T {
  try {
    return fn();
  } finally {
    repair();
  }
}
const thrower = (what: string) =>
  function () {
    throw new Error(`${what} is broken`);
  };

describe('builtins the page breaks after start-up', () => {
  it("Array.prototype.toJSON (Prototype.js): encoded arrays stay arrays, and Object.prototype's enumerable keys stay out", () => {
    const { core, entries } = collect();
    const enc = new BatchEncoder(10);
    const added = whileBroken(() => {
      breakIt(Array.prototype, 'toJSON', function (this: unknown[]) {
        return `[${this.length} items]`;
      });
      breakIt(Object.prototype, 'polluted', 'yes');
      Object.defineProperty(Object.prototype, 'polluted', { enumerable: true });
      core.logEvent('inv', { list: [1, 'a', [2, 3]], bag: { items: [true, null] } });
      return enc.add(entries[0]!);
    });
    expect(added).toBe(true);
    const [back] = decodeBatch(enc.take(), 's');
    expect(back!.data).toEqual({ list: [1, 'a', [2, 3]], bag: { items: [true, null] } });
    expect(Object.keys(back!.data as object)).toEqual(['list', 'bag']);
  });

  it('a throwing Array.prototype.push, JSON.stringify or Symbol.iterator: logging, encoding and taking a batch go on', () => {
    const { core, entries } = collect();
    const enc = new BatchEncoder(4);
    const { added, batch } = whileBroken(() => {
      breakIt(Array.prototype, 'push', thrower('push'));
      breakIt(JSON, 'stringify', thrower('JSON.stringify'));
      breakIt(Array.prototype, Symbol.iterator, thrower('the array iterator'));
      for (let i = 0; i < 6; i++) core.logEvent('tick', { i, list: [i] }, undefined, { source: `s${i % 2}` });
      let added = 0;
      for (let i = 0; i < 4; i++) if (enc.add(entries[i]!)) added++;
      return { added, batch: enc.take() };
    });
    expect(core.counters).toMatchObject({ logged: 6, internalErrors: 0, rejected: 0 });
    expect(added).toBe(4);
    expect(decodeBatch(batch, 's').map((e) => e.data)).toEqual([0, 1, 2, 3].map((i) => ({ i, list: [i] })));
  });

  it('settle and all use the original Promise.prototype.then', async () => {
    const seen: unknown[] = [];
    const both = whileBroken(() => {
      breakIt(Promise.prototype, 'then', thrower('then'));
      settle(Promise.resolve(1), (v) => (seen[seen.length] = v));
      return all([Promise.resolve('a'), Promise.resolve('b')] as const);
    });
    const out = await both;
    expect(seen).toEqual([1]);
    expect([out[0], out[1]]).toEqual(['a', 'b']);
  });
});

describe('values read once', () => {
  it('an option getter that answers differently the second time: what is checked is what is stored', () => {
    const { core, entries } = collect();
    let reads = 0;
    core.logEvent('shifty', {}, undefined, {
      get source() {
        return (reads++ === 0 ? 'npc' : Symbol('x')) as string;
      },
    });
    expect(reads).toBe(1);
    expect(entries[0]).toMatchObject({ type: 'shifty', source: 'npc' });
    expect(new BatchEncoder(2).add(entries[0]!)).toBe(true);
  });

  it('a kind whose toString throws is refused (rejected), and the encoder never keeps a half-written slot', () => {
    const { core, entries } = collect();
    const evil = {
      toString() {
        throw new Error('no');
      },
    };
    core.logEvent('bad', {}, undefined, { kind: evil as never });
    expect(core.counters).toMatchObject({ rejected: 1, internalErrors: 0, logged: 1 }); // logged: the trace:rejected report
    expect(entries[0]!.type).toBe('trace:rejected');
    const enc = new BatchEncoder(4);
    const good: TraceEntry = { ...entries[0]!, seq: 1 };
    expect(enc.add({ ...good, seq: 2, kind: evil as never })).toBe(false);
    expect(enc.add({ ...good, seq: 3, source: Symbol('s') as never })).toBe(false);
    expect(enc.length).toBe(0);
    expect(enc.add({ ...good, seq: 4 })).toBe(true);
    const batch = enc.take();
    expect(batch.count).toBe(1);
    expect(batch.strings.every((s) => typeof s === 'string')).toBe(true);
  });

  it("a revoked Proxy as data, metadata or options is the caller's bad input; nested, it is a marker", () => {
    const { core, entries } = collect();
    const r = Proxy.revocable({}, {});
    r.revoke();
    core.logEvent('a', r.proxy);
    core.logEvent('b', {}, r.proxy);
    core.logEvent('c', {}, undefined, r.proxy);
    core.logEvent('d', { p: r.proxy });
    expect(core.counters).toMatchObject({ rejected: 3, internalErrors: 0 });
    expect(entries.at(-1)).toMatchObject({ type: 'd', data: { p: { $t: 'throws' } } });
    const health = assessHealth({
      at: 0,
      storage: { thread: 'worker', backend: 'indexeddb', ready: true, problems: [] },
      store: { pending: 0, stalledMs: 0, behind: false, deadStores: 0, quotaEvicted: 0, quotaRefused: 0, quotaNotices: 0, emergencyWritable: true },
      counters: { dropped: 0, droppedByStore: 0, lostOnUnload: 0, internalErrors: core.counters.internalErrors, badInput: core.counters.rejected },
      fps: null,
      errorRate: null,
      alerts: [],
      recentAnomalies: 0,
    });
    expect(health.reasons.map((x) => x.what)).toEqual(['input']);
  });
});

describe('clock jumps', () => {
  it('spanDuration: -1 for a clock that went back, or forward past the session start', () => {
    expect(spanDuration(100, 100.25, 50)).toBe(0.25);
    expect(spanDuration(100, 90, 50)).toBe(-1);
    expect(spanDuration(100, 100 + 3_600_000, 5_000)).toBe(-1);
    expect(spanDuration(100, NaN, 50)).toBe(-1);
  });

  it('entry times never run backwards, and a span over a jump is flagged, dur 0, and kept out of latency', async () => {
    // A clock the page installed before the agent: the agent's modules are loaded again after it.
    let clock = 1_000;
    breakIt(Performance.prototype, 'now', () => clock);
    vi.resetModules();
    const { TraceCore } = await import('../../../src/core/agent');
    const { Hooks } = await import('../../../src/hooks/hook');
    const { StatsCollector } = await import('../../../src/analytics/stats');
    const { BatchEncoder } = await import('../../../src/core/columns');
    const entries: TraceEntry[] = [];
    const core = new TraceCore({ write: (e) => (entries[entries.length] = e) });
    const hooks = new Hooks(core);
    const npc = {
      step() {
        clock += 1;
      },
      jumpBack() {
        clock -= 3_600_000;
      },
      jumpForward() {
        clock += 3_600_000;
      },
    };
    hooks.hook(npc, 'npc');
    npc.step();
    npc.jumpBack();
    npc.step();
    core.logEvent('during');
    npc.jumpForward();
    npc.step();
    const ts = entries.map((e) => e.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    const spans = entries.filter((e) => e.kind === 'agent');
    expect(spans.map((e) => [e.method, e.dur, e.flags])).toEqual([
      ['step', 1, undefined],
      ['jumpBack', 0, FLAG_CLOCK],
      ['step', 1, undefined],
      ['jumpForward', 0, FLAG_CLOCK],
      ['step', 1, undefined],
    ]);
    const stats = new StatsCollector();
    const enc = new BatchEncoder(20);
    for (const e of entries) enc.add(e);
    stats.consume(enc.take(), core.sessionId);
    const methods = stats.snapshot().methods;
    expect(methods.find((m) => m.method === 'step')).toMatchObject({ calls: 3, p50: 1, max: 1 });
    expect(methods.find((m) => m.method === 'jumpBack')).toBeUndefined();
  });
});
