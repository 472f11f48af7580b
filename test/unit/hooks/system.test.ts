// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { SystemEvents, type SystemEventsOptions } from '../../../src/hooks/system';

let system: SystemEvents | null = null;
afterEach(() => {
  system?.stop();
  system = null;
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function setup(options: SystemEventsOptions = {}, sink?: (e: TraceEntry) => void) {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: sink ?? ((e) => entries.push(e)) });
  system = new SystemEvents(core, options);
  system.start();
  return { core, system, entries };
}

const errorEvent = (init: ErrorEventInit) => window.dispatchEvent(new ErrorEvent('error', init));
const rejection = (reason: unknown) => window.dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason, promise: null }));

/** A PerformanceObserver that supports `types`, delivering what a test hands it. */
function fakeObserver(types: string[]) {
  const live: { type: string; cb: PerformanceObserverCallback; disconnected: boolean }[] = [];
  class FakePO {
    static supportedEntryTypes = types;
    private entry?: (typeof live)[number];
    constructor(private readonly cb: PerformanceObserverCallback) {}
    observe(o: { type: string; buffered?: boolean }) {
      this.entry = { type: o.type, cb: this.cb, disconnected: false };
      live.push(this.entry);
    }
    disconnect() {
      if (this.entry) this.entry.disconnected = true;
    }
  }
  vi.stubGlobal('PerformanceObserver', FakePO);
  const deliver = (type: string, entries: object[]) => {
    for (const o of live) {
      if (o.type === type && !o.disconnected) o.cb({ getEntries: () => entries } as unknown as PerformanceObserverEntryList, {} as PerformanceObserver);
    }
  };
  return { live, deliver };
}

describe('SystemEvents', () => {
  it('records uncaught errors with message, place, and the error (URL without its query string)', () => {
    const { entries } = setup();
    const err = new TypeError('hp is undefined');
    errorEvent({ message: 'Uncaught TypeError: hp is undefined', filename: 'https://game.example/js/npc.js?v=3#x', lineno: 12, colno: 7, error: err });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      kind: 'error',
      type: 'page:error',
      level: 'error',
      source: 'page',
      data: { message: 'Uncaught TypeError: hp is undefined', filename: 'https://game.example/js/npc.js', line: 12, col: 7 },
      error: { name: 'TypeError', message: 'hp is undefined' },
    });
    expect(entries[0]!.error!.stack).toContain('hp is undefined');
  });

  it('records a thrown non-Error value as a safe copy, and cross-origin errors as they come', () => {
    const { entries } = setup();
    const thrown: Record<string, unknown> = { code: 3 };
    thrown['self'] = thrown;
    errorEvent({ message: 'Uncaught [object Object]', error: thrown });
    errorEvent({ message: 'Script error.' });
    expect(entries[0]!.data).toMatchObject({ thrown: { code: 3, self: { $t: 'cycle' } } });
    expect(entries[0]!.error).toBeUndefined();
    expect(entries[1]!.data).toEqual({ message: 'Script error.', filename: undefined, line: undefined, col: undefined });
  });

  it('records unhandled rejections: an Error, or any reason copied small', () => {
    const { entries } = setup();
    rejection(new RangeError('no path'));
    rejection({ status: 503, body: 'x'.repeat(5_000) });
    expect(entries.map((e) => e.type)).toEqual(['page:unhandledrejection', 'page:unhandledrejection']);
    expect(entries[0]).toMatchObject({ kind: 'error', level: 'error', data: { message: 'no path' }, error: { name: 'RangeError', message: 'no path' } });
    const reason = (entries[1]!.data as { reason: { status: number; body: unknown } }).reason;
    expect(reason.status).toBe(503);
    expect(JSON.stringify(reason).length).toBeLessThan(1_000);
    expect(entries[1]!.flags).toBe(1); // truncated
  });

  it('records the window gaining and losing focus, not elements', () => {
    const { entries } = setup();
    window.dispatchEvent(new Event('blur'));
    window.dispatchEvent(new Event('focus'));
    const input = document.createElement('input');
    document.body.append(input);
    input.dispatchEvent(new FocusEvent('focus'));
    input.dispatchEvent(new FocusEvent('blur'));
    input.remove();
    expect(entries.map((e) => [e.kind, e.type, e.level])).toEqual([
      ['system', 'page:blur', 'info'],
      ['system', 'page:focus', 'info'],
    ]);
  });

  describe('console', () => {
    it('is left alone by default', () => {
      const original = console.error;
      const { entries } = setup();
      expect(console.error).toBe(original);
      expect(entries).toEqual([]);
    });

    it('wraps error and warn, calls through with the same arguments, and restores both on stop', () => {
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const originals = { error: console.error, warn: console.warn };
      const { entries, system } = setup({ console: true });
      expect(console.error).not.toBe(originals.error);
      const big = { list: Array.from({ length: 100 }, (_, i) => i), nested: { a: { b: { c: { d: 1 } } } } };
      console.error('save failed', big);
      console.warn('low fps', 12);
      expect(err).toHaveBeenCalledWith('save failed', big);
      expect(warn).toHaveBeenCalledWith('low fps', 12);
      expect(entries.map((e) => [e.kind, e.type, e.level, e.source])).toEqual([
        ['error', 'console:error', 'error', 'console'],
        ['system', 'console:warn', 'warn', 'console'],
      ]);
      const args = (entries[0]!.data as { args: [string, { list: unknown[] }] }).args;
      expect(args[0]).toBe('save failed');
      expect(JSON.stringify(args).length).toBeLessThan(1_200); // small limits
      expect(entries[0]!.flags).toBe(1); // truncated
      expect(entries[1]!.data).toEqual({ args: ['low fps', 12] });
      system.stop();
      expect(console.error).toBe(originals.error);
      expect(console.warn).toBe(originals.warn);
      console.error('after');
      expect(entries).toHaveLength(2);
    });

    it('redacts secrets in console arguments', () => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      const { entries } = setup({ console: true });
      console.warn('login', { user: 'ann', password: 'hunter2' });
      expect(JSON.stringify(entries[0]!.data)).not.toContain('hunter2');
      expect(entries[0]!.flags! & 2).toBe(2);
    });

    it('is not re-entrant: what is logged while a console call is recorded prints but is not recorded', () => {
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      let writes = 0;
      const entries: TraceEntry[] = [];
      // A sink that complains on every write (a store in trouble), and a
      // getter that complains when read (while we copy it).
      setup({ console: true }, (e) => {
        entries.push(e);
        writes++;
        console.error('sink: write', writes);
      });
      const noisy = {
        get hp() {
          console.error('getter read');
          return 3;
        },
      };
      console.error('boom', noisy);
      expect(entries).toHaveLength(1);
      expect(entries[0]!.data).toEqual({ args: ['boom', { hp: 3 }] });
      expect(err.mock.calls.map((c) => c[0])).toEqual(['getter read', 'sink: write', 'boom']);
      console.error('again');
      expect(entries).toHaveLength(2);
    });

    it('leaves a wrapper added over ours in place on stop, and ours then only calls through', () => {
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { entries, system } = setup({ console: true });
      const ours = console.error;
      const theirs = vi.fn((...args: unknown[]) => ours(...args));
      console.error = theirs;
      system.stop();
      expect(console.error).toBe(theirs);
      console.error('late');
      expect(theirs).toHaveBeenCalledOnce();
      expect(err).toHaveBeenCalledWith('late');
      expect(entries).toEqual([]);
    });

    it('a failure while recording is counted; the console still prints and nothing throws', () => {
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { core } = setup({ console: true }, () => {
        throw new Error('sink down');
      });
      expect(() => console.error('x')).not.toThrow();
      expect(err).toHaveBeenCalledWith('x');
      expect(core.counters.internalErrors).toBe(1);
    });
  });

  describe('long tasks and long animation frames', () => {
    it('reports the entry types the browser lacks', () => {
      fakeObserver(['longtask']);
      expect(setup().system.unsupported).toEqual(['long-animation-frame']);
      system!.stop();
      vi.stubGlobal('PerformanceObserver', undefined);
      expect(setup().system.unsupported).toEqual(['longtask', 'long-animation-frame']);
    });

    it('records long tasks with duration and start in session time', () => {
      const po = fakeObserver(['longtask', 'long-animation-frame']);
      const { entries, system, core } = setup();
      expect(system.unsupported).toEqual([]);
      const start = performance.now() - core.elapsed(); // the session's start, in performance time
      po.deliver('longtask', [{ name: 'self', entryType: 'longtask', startTime: start + 100.123, duration: 73.456 }]);
      expect(entries[0]).toMatchObject({ kind: 'perf', type: 'perf:longtask', level: 'warn', source: 'page', data: { duration: 73.46 } });
      expect((entries[0]!.data as { startTime: number }).startTime).toBeCloseTo(100.12, 0);
    });

    it('records long animation frames with their three longest scripts, cut short', () => {
      const po = fakeObserver(['longtask', 'long-animation-frame']);
      const { entries } = setup();
      const script = (duration: number, name: string) => ({
        duration,
        invoker: `${name}.onclick`,
        invokerType: 'event-listener',
        sourceURL: `https://game.example/${name}.js?token=abc`,
        sourceFunctionName: name.repeat(50),
      });
      po.deliver('long-animation-frame', [
        { entryType: 'long-animation-frame', startTime: 0, duration: 180, blockingDuration: 120.5, scripts: [script(10, 'a'), script(90, 'b'), script(50, 'c'), script(30, 'd')] },
      ]);
      const data = entries[0]!.data as { duration: number; blockingDuration: number; scripts: { src: string; fn: string; duration: number; invoker: string; type: string }[]; moreScripts: number };
      expect(entries[0]).toMatchObject({ kind: 'perf', type: 'perf:longframe', level: 'warn' });
      expect(data).toMatchObject({ duration: 180, blockingDuration: 120.5, moreScripts: 1 });
      expect(data.scripts.map((s) => s.duration)).toEqual([90, 50, 30]);
      expect(data.scripts[0]).toMatchObject({ invoker: 'b.onclick', type: 'event-listener', src: 'https://game.example/b.js' });
      expect(data.scripts[0]!.fn.length).toBeLessThanOrEqual(81);
    });

    it('longTasks: false observes nothing; stop disconnects', () => {
      const po = fakeObserver(['longtask', 'long-animation-frame']);
      const off = setup({ longTasks: false });
      expect(po.live).toHaveLength(0);
      expect(off.system.unsupported).toEqual([]);
      off.system.stop();
      const on = setup();
      expect(po.live).toHaveLength(2);
      on.system.stop();
      expect(po.live.every((o) => o.disconnected)).toBe(true);
      po.deliver('longtask', [{ startTime: 0, duration: 60 }]);
      expect(on.entries).toEqual([]);
    });

    it('a bad entry is counted, not thrown into the observer', () => {
      const po = fakeObserver(['longtask']);
      const { core } = setup();
      expect(() => po.deliver('longtask', [null as unknown as object])).not.toThrow();
      expect(core.counters.internalErrors).toBe(1);
    });
  });

  it('turns errors and focus off by their options', () => {
    fakeObserver([]);
    const { entries } = setup({ errors: false, focus: false });
    errorEvent({ message: 'x', error: new Error('x') });
    rejection('nope');
    window.dispatchEvent(new Event('focus'));
    expect(entries).toEqual([]);
  });

  it('removes every listener on stop', () => {
    fakeObserver([]);
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const { entries, system } = setup();
    expect(add.mock.calls.map((c) => c[0]).sort()).toEqual(['blur', 'error', 'focus', 'unhandledrejection']);
    system.stop();
    expect(remove.mock.calls.map((c) => [c[0], c[1]])).toEqual(add.mock.calls.map((c) => [c[0], c[1]]));
    errorEvent({ message: 'x' });
    rejection('nope');
    window.dispatchEvent(new Event('blur'));
    expect(entries).toEqual([]);
    system.stop(); // twice is fine
  });

  it('never lets its own errors reach the page', () => {
    fakeObserver([]);
    const { core } = setup({}, () => {
      throw new Error('sink down');
    });
    const pageHandler = vi.fn();
    window.addEventListener('error', pageHandler);
    expect(() => {
      errorEvent({ message: 'x', error: new Error('x') });
      rejection('nope');
      window.dispatchEvent(new Event('focus'));
    }).not.toThrow();
    window.removeEventListener('error', pageHandler);
    expect(pageHandler).toHaveBeenCalledOnce(); // the page's own handler, once: we added no error of ours
    expect(core.counters.internalErrors).toBe(3);
  });
});

describe('SystemEvents honours the page redaction rule', () => {
  it('in console arguments, rejection reasons and thrown values, as spans do', () => {
    const entries: TraceEntry[] = [];
    const core = new TraceCore({ write: (e) => entries.push(e) }, { limits: { redact: (key) => key === 'playerName' } });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    system = new SystemEvents(core, { console: true });
    system.start();
    console.warn('who', { playerName: 'ann', hp: 3 });
    rejection({ playerName: 'bob' });
    errorEvent({ message: 'x', error: { playerName: 'cy' } });
    expect(entries.map((e) => e.data)).toEqual([
      { args: ['who', { playerName: { $t: 'redacted' }, hp: 3 }] },
      { reason: { playerName: { $t: 'redacted' } } },
      expect.objectContaining({ thrown: { playerName: { $t: 'redacted' } } }),
    ]);
  });
});
