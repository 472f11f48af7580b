// @vitest-environment happy-dom
/**
 * One hitch threshold: `data-hitch-ms` (`frames.hitchMs`) moves the frame
 * loop's threshold, and the analytics in the store's worker must count the
 * same frames as hitches (they kept their own 50 ms, so with the option set
 * the overlay's `frame:hitch` entries and `generateStats().frames.hitches`
 * disagreed). The page runs here with the real agent; what it sends its
 * store (the init config and the batches) is replayed into a store host with
 * the analytics engine, as the worker runs it (src/store/worker-scope.ts).
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnalyticsEngine } from '../../src/analytics/engine';
import { decodeBatch } from '../../src/core/columns';
import { FRAME_HITCH } from '../../src/core/event-types';
import { createTraceAgent, type TraceAgent } from '../../src/create-agent';
import { StoreHost } from '../../src/store/host';
import type { PageToStore, StoreToPage } from '../../src/store/protocol';
import { freshDb, until } from './store/helpers';

let agent: TraceAgent | null = null;
afterEach(() => {
  agent?.destroy();
  agent = null;
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/**
 * Runs the page's agent over frames of these lengths (ms), which add up to a
 * second (one `frame:stats` entry), and returns what it sent its store.
 */
async function pageSends(frameMs: number[], hitchMs?: number): Promise<PageToStore[]> {
  const callbacks: FrameRequestCallback[] = [];
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => callbacks.push(cb));
  vi.stubGlobal('cancelAnimationFrame', () => {});
  const sent: PageToStore[] = [];
  const handle = StoreHost.prototype.handle;
  const spy = vi.spyOn(StoreHost.prototype, 'handle').mockImplementation(function (this: StoreHost, msg: PageToStore) {
    sent.push(structuredClone(msg));
    handle.call(this, msg);
  });
  agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, frames: hitchMs === undefined ? {} : { hitchMs } });
  let t = 1_000;
  callbacks.shift()!(t); // the first frame only starts the clock
  for (const ms of frameMs) callbacks.shift()!((t += ms));
  await agent.flush();
  spy.mockRestore(); // the host the messages are replayed into is not the page's
  return sent;
}

/** Replays the page's messages into a store host with the analytics engine, and asks it for the stats. */
async function workerStats(sent: PageToStore[]) {
  const got: StoreToPage[] = [];
  const host = new StoreHost((m) => got.push(m), (o) => new AnalyticsEngine(o));
  for (const m of sent) {
    // A database of its own: in the page's, which the page's store wrote, every batch is a duplicate.
    if (m.type === 'init') host.handle({ ...m, config: { ...m.config, dbName: freshDb() } });
    if (m.type === 'batch') host.handle(m);
  }
  const last = sent.filter((m) => m.type === 'batch').at(-1)!;
  await until(() => got.some((m) => m.type === 'ack' && m.upTo >= last.lastSeq), 10_000);
  host.handle({ type: 'request', id: 1, op: 'stats', params: {} });
  await until(() => got.some((m) => m.type === 'reply' && m.id === 1), 10_000);
  const reply = got.find((m) => m.type === 'reply' && m.id === 1)!;
  if (reply.type !== 'reply' || !reply.ok) throw new Error('no stats');
  return reply.result as Awaited<ReturnType<TraceAgent['generateStats']>>;
}

const hitchEntries = (sent: PageToStore[]) =>
  sent.flatMap((m) => (m.type === 'batch' ? decodeBatch(m.cols, m.sessionId) : [])).filter((e) => e.type === FRAME_HITCH).map((e) => e.data);

/** 62 frames over 1,006 ms: the third is 30 ms, the rest 16 ms (the last one completes the second). */
const WITH_30 = [16, 16, 30, ...new Array<number>(59).fill(16)];
/** 59 frames over 1,002 ms: a 30 ms and a 60 ms frame among 16 ms ones. */
const WITH_30_AND_60 = [16, 16, 30, 60, ...new Array<number>(55).fill(16)];

describe('one hitch threshold (data-hitch-ms)', () => {
  it('hitchMs 20 and a 30 ms frame: counted as a hitch by the frame loop and by the analytics alike', async () => {
    const sent = await pageSends(WITH_30, 20);
    expect(hitchEntries(sent)).toEqual([{ frame: 3, dur: 30 }]);
    const stats = await workerStats(sent);
    expect(stats.frames.frames).toBe(62);
    expect(stats.frames.hitches).toBe(1);
  });

  it('without the option both keep the default, 50 ms: the 60 ms frame is a hitch for both, the 30 ms one for neither', async () => {
    const sent = await pageSends(WITH_30_AND_60);
    expect(hitchEntries(sent)).toEqual([{ frame: 4, dur: 60 }]);
    const stats = await workerStats(sent);
    expect(stats.frames.frames).toBe(59);
    expect(stats.frames.hitches).toBe(1);
  });
});
