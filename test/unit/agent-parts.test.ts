// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Disposers } from '../../src/agent/disposers';
import { createTraceAgent } from '../../src/create-agent';
import { freshDb } from './store/helpers';

describe('Disposers (the agent\'s parts)', () => {
  it('stops the parts in reverse order of their start, each on its own: one that throws is counted and the rest still stop', () => {
    const failures: unknown[] = [];
    const parts = new Disposers((err) => failures.push(err));
    const stopped: string[] = [];
    parts.start(() => () => stopped.push('store'));
    parts.start(() => () => {
      throw new Error('a page broke a builtin');
    });
    parts.start(() => undefined); // a part with nothing to stop
    parts.start(() => () => stopped.push('overlay'));
    parts.stopAll();
    parts.stopAll(); // once
    expect(stopped).toEqual(['overlay', 'store']);
    expect(failures).toHaveLength(1);
    expect(parts.done).toBe(true);
  });

  it('a part that throws as it starts stops the parts started before it, and the error goes on', () => {
    const parts = new Disposers(() => undefined);
    const stopped: string[] = [];
    parts.start(() => () => stopped.push('store'));
    parts.start(() => () => stopped.push('frames'));
    expect(() =>
      parts.start(() => {
        throw new Error('the overlay could not mount');
      }),
    ).toThrow('the overlay could not mount');
    expect(stopped).toEqual(['frames', 'store']);
    expect(parts.done).toBe(true);
  });
});

describe('destroy() on a page that broke a builtin since', () => {
  const saved = window.removeEventListener;
  afterEach(() => {
    window.removeEventListener = saved;
    vi.unstubAllGlobals();
  });

  it('a part whose stop throws (window.removeEventListener broken) leaves no other part running', async () => {
    const native = vi.fn(async () => new Response('ok'));
    vi.stubGlobal('fetch', native);
    const a = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: { xhr: false } });
    expect(globalThis.fetch).not.toBe(native);
    const before = a.stats().internalErrors;
    // The page events' stop takes its listeners off with the page's own method (src/hooks/system.ts).
    window.removeEventListener = () => {
      throw new Error('broken by the page');
    };
    expect(() => a.destroy()).not.toThrow();
    expect(a.stats().internalErrors).toBeGreaterThan(before); // counted
    expect(globalThis.fetch).toBe(native); // the network part, started after it, is stopped
    a.logEvent('after', {});
    await expect(a.query()).rejects.toThrow(/no store is running/); // the store part, started before it, is closed
  });
});
