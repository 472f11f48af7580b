// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTraceAgent, type TraceAgent } from '../../../src/create-agent';
import { FRAME_HITCH, FRAME_STATS } from '../../../src/core/event-types';
import { HOST_TAG, mountOverlay } from '../../../src/overlay/mount';
import { setOverlayLoader } from '../../../src/agent/overlay-loader';
import { freshDb } from '../store/helpers';

let agent: TraceAgent | null = null;
// The ESM entry's loader, without the chunk: the overlay's code as this test imported it.
beforeEach(() => setOverlayLoader(async () => mountOverlay));
afterEach(() => {
  agent?.destroy();
  agent = null;
});

const shadow = () => document.querySelector(HOST_TAG)?.shadowRoot ?? null;
const press = (init: KeyboardEventInit) => window.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init }));

describe('the agent in a page (happy-dom)', () => {
  it('logs, hooks and exports a trace whose entries equal what was logged', async () => {
    agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false });
    const npc = {
      decide(x: number) {
        return x * 2;
      },
    };
    agent.hook(npc, 'npc');
    for (let i = 0; i < 40; i++) npc.decide(i);
    agent.logEvent('quest:start', { quest: 'q1' }, undefined, { kind: 'player' });
    const lastSeq = agent.stats().logged; // quest:start's seq: everything the test logged
    const trace = await agent.exportTrace();
    // The file holds the session up to the moment its header was written, and
    // the header counts up to there too: the two agree exactly. The agent goes
    // on logging meanwhile (the frame loop's frame:stats each second of frames,
    // a frame:hitch for a slow one: a busy machine makes them), so the live
    // stats may be ahead of the file, and the file may end with such entries.
    expect(trace.entries).toHaveLength(trace.counters.logged);
    expect(trace.entries.map((e) => e.seq)).toEqual([...Array(trace.entries.length)].map((_, i) => i + 1));
    expect(trace.entries[0]!.type).toBe('session:start');
    expect(trace.entries.filter((e) => e.type === 'npc.decide')).toHaveLength(40);
    expect(trace.entries[lastSeq - 1]).toMatchObject({ seq: lastSeq, type: 'quest:start', kind: 'player', data: { quest: 'q1' } });
    // After what the test logged: only the frame loop's own entries, if any.
    expect(trace.entries.slice(lastSeq).filter((e) => !(e.kind === 'perf' && (e.type === FRAME_STATS || e.type === FRAME_HITCH)))).toEqual([]);
    // Everything logged before the export was stored by its first flush; nothing dropped or refused.
    expect(trace.counters.acked).toBeGreaterThanOrEqual(lastSeq);
    expect(trace.counters).toMatchObject({ dropped: 0, rejected: 0 });
    expect(trace.sessions).toEqual([expect.objectContaining({ id: agent.sessionId })]);
    expect(trace.sessions[0]!.entries).toBeGreaterThanOrEqual(trace.entries.length);
    expect(trace.storage).toMatchObject({ thread: 'main', backend: 'indexeddb' });
  });

  // That a missing path is listed in the overlay's health is checked in Chromium (test/browser/options.test.ts).
  it('hooks global paths, and returns nothing for the ones it cannot find', () => {
    agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false });
    (globalThis as Record<string, unknown>)['story'] = { advance: () => 'next' };
    try {
      expect(agent.hook('window.story')[0]).toMatchObject({ agent: 'story', methods: ['advance'] });
      expect(agent.hook('game.missing')).toEqual([]);
    } finally {
      delete (globalThis as Record<string, unknown>)['story'];
    }
  });

  it('loads nothing of the overlay until the hotkey, which mounts it open in a shadow root and then toggles it', async () => {
    let loads = 0;
    setOverlayLoader(async () => {
      loads++;
      return mountOverlay;
    });
    agent = createTraceAgent({ dbName: freshDb(), worker: false });
    expect(document.querySelector(HOST_TAG)).toBeNull();
    expect(loads).toBe(0);
    press({ code: 'KeyD', key: 'Î', altKey: true, shiftKey: true });
    expect(agent.isOpen).toBe(true); // asked, and loading
    expect(loads).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    const host = document.querySelector(HOST_TAG) as HTMLElement;
    expect(host.hidden).toBe(false);
    const panel = shadow()!.querySelector('.panel');
    expect(panel).not.toBeNull();
    expect(panel!.textContent).toContain('Trace Agent');
    expect(panel!.querySelector('button.download')!.textContent).toBe('JSON');
    press({ code: 'KeyD', key: 'D', shiftKey: true }); // not the hotkey
    expect(agent.isOpen).toBe(true);
    press({ code: 'KeyD', altKey: true, shiftKey: true });
    expect(agent.isOpen).toBe(false);
    expect(host.hidden).toBe(true);
    expect(loads).toBe(1);
  });

  it('does not swallow the game keys', () => {
    agent = createTraceAgent({ dbName: freshDb(), worker: false, open: true });
    let seen = 0;
    const listener = () => seen++;
    window.addEventListener('keydown', listener);
    press({ code: 'KeyW', key: 'w' });
    press({ code: 'Escape', key: 'Escape' }); // focus is in the game, not the overlay
    window.removeEventListener('keydown', listener);
    expect(seen).toBe(2);
    expect(agent.isOpen).toBe(true);
  });

  it('refuses bad options before it starts anything', () => {
    expect(() => createTraceAgent({ capacity: Number.NaN, overlay: false })).toThrow(/capacity/);
    expect(() => createTraceAgent({ hotkey: 'Hyper+D' })).toThrow(/unknown modifier/);
    expect(document.querySelector(HOST_TAG)).toBeNull();
  });

  it('hook never throws into the game outside strict mode, whatever the path holds', () => {
    agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false });
    const g = globalThis as Record<string, unknown>;
    g['weird'] = { title: 'a string', list: [{ act: () => 1 }, null] };
    try {
      expect(agent.hook('weird.title')).toEqual([]);
      expect(agent.hook('weird.list').map((r) => r.methods)).toEqual([['act'], []]);
      expect(agent.stats().logged).toBeGreaterThan(0);
    } finally {
      delete g['weird'];
    }
  });

  it('destroy() unhooks, removes the overlay and stops tracing', async () => {
    agent = createTraceAgent({ dbName: freshDb(), worker: false });
    const npc = { decide: () => 1 };
    const original = npc.decide;
    agent.hook(npc, 'npc');
    expect(npc.decide).not.toBe(original);
    agent.destroy();
    expect(npc.decide).toBe(original);
    expect(document.querySelector(HOST_TAG)).toBeNull();
    const before = agent.stats().pending;
    agent.logEvent('after', {});
    expect(agent.stats().pending).toBe(before);
    expect(agent.hook({ f: () => 1 }, 'late')).toEqual([]);
  });
});

describe('the analytics API where the store runs on the main thread (happy-dom: no Worker)', () => {
  it('says that analytics need the worker, and health still answers from what the page knows', async () => {
    agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false });
    agent.logEvent('tick', { i: 1 });
    await agent.flush();
    await expect(agent.generateStats()).rejects.toThrow(/analytics run in the store's worker/);
    await expect(agent.triggerAlert('boss-stuck')).rejects.toThrow(/worker/);
    const health = await agent.checkHealth();
    expect(health.status).toBe('degraded');
    expect(health.reasons.map((r) => r.what)).toEqual(['worker']);
  });
});
