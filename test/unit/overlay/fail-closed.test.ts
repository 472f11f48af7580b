// @vitest-environment happy-dom
/** The overlay fails closed: a builtin the page broke after start-up takes it down once, counted and in health, never into the caller. */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTraceAgent, type TraceAgent } from '../../../src/create-agent';
import { HOST_TAG, mountOverlay } from '../../../src/overlay/mount';
import { setOverlayLoader } from '../../../src/agent/overlay-loader';
import { freshDb } from '../store/helpers';

let agent: TraceAgent | null = null;
afterEach(() => {
  agent?.destroy();
  agent = null;
});

describe('the overlay on a page that breaks Array.prototype.push after start-up', () => {
  it('open() does not throw; the overlay is taken down once, the failure counted, said in health and in the trace', async () => {
    const loaded = Promise.resolve(mountOverlay);
    setOverlayLoader(() => loaded);
    agent = createTraceAgent({ dbName: freshDb(), worker: false });
    await agent.flush();
    const push = Array.prototype.push;
    let threw: unknown = null;
    Array.prototype.push = function () {
      throw new Error('push is broken on this page');
    };
    try {
      agent.open(); // loads the overlay's code, then mounts it: a microtask later
      await loaded;
      for (let i = 0; i < 3; i++) await undefined;
      agent.open(); // again: it stays down, and is counted once
    } catch (err) {
      threw = err;
    } finally {
      Array.prototype.push = push;
    }
    expect(threw).toBeNull();
    expect(agent.isOpen).toBe(false);
    await new Promise((r) => setTimeout(r, 20)); // the unmount runs outside the failed render
    expect(document.querySelector(HOST_TAG)).toBeNull();
    expect(agent.stats().internalErrors).toBe(1);
    const health = await agent.checkHealth();
    expect(health.reasons.find((r) => r.what === 'overlay')?.message).toMatch(/push is broken on this page/);
    const trace = await agent.exportTrace();
    expect(trace.entries.filter((e) => e.type === 'overlay:failed')).toEqual([expect.objectContaining({ level: 'warn', data: { reason: 'push is broken on this page' } })]);
    // The hotkey is the game's again: nothing swallows it.
    const ev = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, code: 'KeyD', altKey: true, shiftKey: true });
    window.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(false);
  });
});
