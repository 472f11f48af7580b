/**
 * The hostile-page battery, in real Chromium: a small classic-script game
 * (test/fixtures/hostile-game.html) whose page breaks, replaces or pollutes
 * the builtins the agent relies on, after the agent started (or, for the
 * clock, before). Each scenario asserts:
 * - the game kept running (its own frame loop still ticks);
 * - no public call threw into the caller, and every public promise settled;
 * - lost = counted (and here, 0 lost), and the counters reconcile
 *   (reconcile.ts): `hostileCounts` below;
 * - health said why (or, where nothing failed, blamed nothing);
 * - no uncaught page error (the page's own code here does not throw either,
 *   so every one would be the agent's).
 * Each prints `name: logged L stored S lost X counted C`.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowser } from './browser';
import { countedOnPage, reconcile, type ReconcileStats } from './reconcile';

const env = useBrowser();

interface Stats extends ReconcileStats {
  sessionId: string;
  rejected: number;
  internalErrors: number;
  storage: { thread: string | null; backend: string | null; problems: string[] };
}
interface Reason {
  status: string;
  what: string;
  message: string;
}
interface Outcome {
  ticksDuring: number;
  syncThrows: string[];
  promises: { name: string; state: string; error: string }[];
  stats: Stats;
  /** Entries of this session in the store (its session record). */
  storedInSession: number;
  reasons: Reason[];
  overlayOpen: boolean;
  /** Scenario-specific findings read back after the page's builtins were put back. */
  extra: Record<string, unknown>;
}

/**
 * The counters add up (reconcile.ts; a fresh database, so no earlier pages):
 * every entry the agent stamped (`logged`) is stored (`acked`), or counted as
 * not stored (behind, refused by the store, unserialisable, paused); nothing
 * is pending after the final flush, and the session holds what was acked.
 * Lost = logged - stored; counted = what the page counts.
 */
function hostileCounts(s: Stats, storedInSession: number): { logged: number; stored: number; lost: number; counted: number } {
  expect(s.pending, 'nothing pending after the final flush').toBe(0);
  expect(reconcile(s), 'the counters reconcile').toEqual([]);
  expect(storedInSession, 'the store holds what it acked').toBe(s.acked);
  return { logged: s.logged, stored: storedInSession, lost: s.logged - storedInSession, counted: countedOnPage(s) };
}

/**
 * Runs scenario `name` inside the page: breaks the page, uses the public API
 * through it for 2 s while the game plays, waits (bounded) for every promise,
 * puts the builtins back, flushes and reads the outcome. The harness takes
 * its own builtins before the scenario breaks the page's, and uses no Array
 * method, spread or destructuring while the page is broken.
 */
async function runScenario(page: Page, name: string): Promise<Outcome> {
  return page.evaluate(async (name) => {
    type Agent = {
      logEvent(type: string, data?: unknown, metadata?: unknown, options?: unknown): void;
      hook(target: unknown, name?: string): unknown[];
      flush(): Promise<void>;
      open(): void;
      readonly isOpen: boolean;
      stats(): Stats;
      query(q: object): Promise<{ entries: { type: string; data?: unknown; args?: unknown; result?: unknown; flags?: number; dur?: number; ts: number; seq: number; source?: string; method?: string }[] }>;
      sessions(): Promise<{ id: string; entries: number }[]>;
      checkHealth(): Promise<{ reasons: Reason[] }>;
      generateStats(): Promise<{ methods: { agent: string; method: string; calls: number; p50: number | null; max: number | null }[] }>;
    };
    const w = window as unknown as { TraceAgent: Agent; Game: { ticks(): number; npcs: { think(n: unknown): unknown }[] }; clockOffset: number };
    const ta = w.TraceAgent;
    const st = setTimeout.bind(window);
    const wait = (ms: number) => new Promise<void>((r) => st(r, ms));
    const syncThrows: string[] = [];
    const promises: { name: string; state: string; error: string }[] = [];
    const extra: Record<string, unknown> = {};
    const call = (what: string, fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        syncThrows[syncThrows.length] = `${what}: ${String(e)}`;
      }
    };
    /** A public call that returns a promise: it must not throw, and it must settle. */
    const track = (what: string, fn: () => Promise<unknown>) => {
      let p: Promise<unknown>;
      try {
        p = fn();
      } catch (e) {
        syncThrows[syncThrows.length] = `${what}: ${String(e)}`;
        return;
      }
      const h = { name: what, state: 'pending', error: '' };
      promises[promises.length] = h;
      // `await`, not .then: a native promise's await does not look up Promise.prototype.then.
      void (async () => {
        try {
          await p;
          h.state = 'resolved';
        } catch (e) {
          h.state = 'rejected';
          h.error = String(e);
        }
      })();
    };
    const logMany = (n: number, type = 'tick') => {
      for (let i = 0; i < n; i++) ta.logEvent(type, { i, list: [i, i + 1] });
    };
    const publicCalls = () => {
      track('flush', () => ta.flush());
      track('query', () => ta.query({ limit: 10 }));
      track('checkHealth', () => ta.checkHealth());
      track('sessions', () => ta.sessions());
      call('stats', () => ta.stats());
    };

    let restore = () => {};
    let after = async () => {};
    const ticks0 = w.Game.ticks();
    switch (name) {
      case 'array-toJSON': {
        // Prototype.js 1.6: Array.prototype.toJSON, which JSON.stringify calls for every array.
        const AP = Array.prototype as unknown as { toJSON?: () => string };
        AP.toJSON = function (this: unknown[]) {
          return '[' + Array.prototype.join.call(this, ', ') + ']';
        };
        restore = () => delete AP.toJSON;
        for (let i = 0; i < 1000; i++) ta.logEvent('inventory', { list: [i, 'sword', [1, 2]], bag: { items: ['a'] } });
        publicCalls();
        call('open', () => ta.open());
        after = async () => {
          const r = await ta.query({ types: ['inventory'], limit: 1000 });
          let arrays = 0;
          for (const e of r.entries) {
            const d = e.data as { list: unknown; bag: { items: unknown } };
            if (Array.isArray(d.list) && Array.isArray(d.list[2]) && Array.isArray(d.bag.items)) arrays++;
          }
          const spans = await ta.query({ types: ['npcs*'], limit: 50 });
          extra['inventoryEntries'] = r.entries.length;
          extra['arraysKept'] = arrays;
          extra['spanResultsWithArrays'] = spans.entries.filter((e) => Array.isArray((e.result as { plan?: unknown })?.plan)).length;
          extra['spans'] = spans.entries.length;
        };
        break;
      }
      case 'array-push-throws': {
        const push = Array.prototype.push;
        Array.prototype.push = function () {
          throw new Error('push is broken on this page');
        };
        restore = () => (Array.prototype.push = push);
        logMany(10_000);
        publicCalls();
        call('open', () => ta.open());
        break;
      }
      case 'promise-then-throws': {
        const then = Promise.prototype.then;
        Promise.prototype.then = function () {
          throw new Error('then is broken on this page');
        } as typeof then;
        restore = () => (Promise.prototype.then = then);
        call('open', () => ta.open());
        logMany(2_000);
        publicCalls();
        track('generateStats', () => ta.generateStats());
        break;
      }
      case 'addEventListener-throws': {
        const add = EventTarget.prototype.addEventListener;
        EventTarget.prototype.addEventListener = function () {
          throw new Error('addEventListener is broken on this page');
        };
        restore = () => (EventTarget.prototype.addEventListener = add);
        call('open', () => ta.open());
        logMany(2_000);
        publicCalls();
        break;
      }
      case 'option-getter-changes': {
        // `source` is a string when checked, a Symbol when read again; `kind` is a string, then an object whose toString throws.
        for (let k = 0; k < 10; k++) {
          let reads = 0;
          ta.logEvent('shifty', { k }, undefined, {
            get source() {
              return reads++ === 0 ? 'npc' : Symbol('not a string');
            },
          });
          let kindReads = 0;
          ta.logEvent('shifty-kind', { k }, undefined, {
            get kind() {
              return kindReads++ === 0
                ? 'agent'
                : {
                    toString() {
                      throw new Error('no string for you');
                    },
                  };
            },
          });
          for (let i = 0; i < 999; i++) ta.logEvent('tick', { i });
        }
        // A kind that is an object with a throwing toString from the start: refused, counted as rejected.
        for (let k = 0; k < 10; k++) {
          ta.logEvent('bad-kind', { k }, undefined, {
            kind: {
              toString() {
                throw new Error('no string for you');
              },
            },
          });
        }
        // A query the structured clone refuses (a Symbol in it): that request alone is rejected.
        track('query with a Symbol', () => ta.query({ types: [Symbol('not cloneable')] }));
        publicCalls();
        after = async () => {
          const r = await ta.query({ types: ['shifty', 'shifty-kind'], limit: 100 });
          extra['shifty'] = r.entries.filter((e) => e.type === 'shifty' && e.source === 'npc').length;
          extra['shiftyKind'] = r.entries.filter((e) => e.type === 'shifty-kind').length;
        };
        break;
      }
      case 'clock-jumps': {
        // The page's own clock (installed before the agent: ?pre=clock) jumps back an hour inside one call and forward inside another.
        const clocky = {
          steady(n: number) {
            return n;
          },
          jumpBack() {
            w.clockOffset -= 3_600_000;
            return 'back';
          },
          jumpForward() {
            w.clockOffset += 3_600_000;
            return 'forward';
          },
        };
        ta.hook(clocky, 'clocky');
        for (let i = 0; i < 20; i++) clocky.steady(i);
        clocky.jumpBack();
        for (let i = 0; i < 20; i++) clocky.steady(i);
        logMany(100, 'during');
        await wait(300);
        clocky.jumpForward();
        for (let i = 0; i < 20; i++) clocky.steady(i);
        logMany(100, 'after');
        publicCalls();
        after = async () => {
          const r = await ta.query({ sources: ['clocky'], order: 'oldest', limit: 200 });
          const byMethod = (m: string) => r.entries.filter((e) => e.method === m);
          extra['jumpBack'] = byMethod('jumpBack').map((e) => ({ dur: e.dur, flags: e.flags }));
          extra['jumpForward'] = byMethod('jumpForward').map((e) => ({ dur: e.dur, flags: e.flags }));
          extra['steadyFlagged'] = byMethod('steady').filter((e) => (e.flags ?? 0) & 4).length;
          extra['steady'] = byMethod('steady').length;
          const all = await ta.query({ order: 'oldest', limit: 5000 });
          let backwards = 0;
          for (let i = 1; i < all.entries.length; i++) if (all.entries[i]!.ts < all.entries[i - 1]!.ts) backwards++;
          extra['tsBackwards'] = backwards;
          extra['minTs'] = Math.min(...all.entries.map((e) => e.ts));
          const stats = await ta.generateStats();
          extra['methods'] = stats.methods.filter((m) => m.agent === 'clocky').map((m) => ({ method: m.method, calls: m.calls, p50: m.p50, max: m.max }));
        };
        break;
      }
      case 'revoked-proxy': {
        const r = Proxy.revocable({}, {});
        r.revoke();
        call('logEvent(data)', () => ta.logEvent('x', r.proxy));
        call('logEvent(metadata)', () => ta.logEvent('x', {}, r.proxy));
        call('logEvent(options)', () => ta.logEvent('x', {}, undefined, r.proxy));
        call('logEvent(nested)', () => ta.logEvent('nested', { p: r.proxy, list: [r.proxy] }));
        // A traced call that takes it without reading it (the game's own code would throw on reading it).
        const courier = { carry: (parcel: unknown) => (parcel ? 'carried' : 'empty') };
        ta.hook(courier, 'courier');
        call('hooked call', () => courier.carry(r.proxy));
        track('query(revoked)', () => ta.query(r.proxy as object));
        logMany(500);
        publicCalls();
        after = async () => {
          const n = await ta.query({ types: ['nested'], limit: 5 });
          extra['nested'] = n.entries.map((e) => e.data);
          const c = await ta.query({ sources: ['courier'], limit: 5 });
          extra['courier'] = c.entries.map((e) => ({ args: e.args, result: e.result }));
        };
        break;
      }
      case 'strict-mode-page': {
        // test/fixtures/hostile-strict.js, a module (strict mode): frozen and sealed agents.
        const strict = (window as unknown as { StrictGame: { run(ta: Agent): unknown } }).StrictGame;
        call('strict game', () => (extra['reports'] = strict.run(ta)));
        after = async () => {
          const g = await ta.query({ types: ['Guard.hit'], limit: 100 });
          extra['guardSpans'] = g.entries.length;
        };
        logMany(500);
        publicCalls();
        call('open', () => ta.open());
        break;
      }
      case 'object-prototype-polluted': {
        const OP = Object.prototype as unknown as Record<string, unknown>;
        OP['polluted'] = 'yes';
        OP['extend'] = function () {};
        restore = () => {
          delete OP['polluted'];
          delete OP['extend'];
        };
        logMany(2_000, 'polluted');
        publicCalls();
        call('open', () => ta.open());
        after = async () => {
          const r = await ta.query({ types: ['polluted'], limit: 100 });
          extra['withPollution'] = r.entries.filter((e) => Object.keys(e.data as object).some((k) => k === 'polluted' || k === 'extend')).length;
          extra['read'] = r.entries.length;
        };
        break;
      }
      case 'frozen-performance-shim': {
        // ?pre=frozen-perf: window.performance is a frozen plain object from before the agent loaded.
        logMany(1_000);
        publicCalls();
        call('open', () => ta.open());
        after = async () => {
          const r = await ta.query({ types: ['npcs*'], limit: 50 });
          extra['spans'] = r.entries.length;
          extra['badDurations'] = r.entries.filter((e) => !(typeof e.dur === 'number' && e.dur >= 0)).length;
        };
        break;
      }
      case 'json-replaced': {
        const parse = JSON.parse;
        const stringify = JSON.stringify;
        JSON.parse = () => {
          throw new Error('JSON.parse is broken on this page');
        };
        JSON.stringify = () => '"hijacked"';
        restore = () => {
          JSON.parse = parse;
          JSON.stringify = stringify;
        };
        logMany(2_000, 'json');
        publicCalls();
        call('open', () => ta.open());
        after = async () => {
          const r = await ta.query({ types: ['json'], limit: 100 });
          extra['intact'] = r.entries.filter((e) => typeof (e.data as { i?: unknown }).i === 'number').length;
          extra['read'] = r.entries.length;
        };
        break;
      }
      case 'array-iterator-broken': {
        const AP = Array.prototype as unknown as Record<symbol, unknown>;
        const iterator = AP[Symbol.iterator];
        AP[Symbol.iterator] = function () {
          throw new Error('Array.prototype[Symbol.iterator] is broken on this page');
        };
        restore = () => (AP[Symbol.iterator] = iterator);
        logMany(5_000);
        publicCalls();
        call('open', () => ta.open());
        break;
      }
      case 'timers-replaced': {
        const g = window as unknown as Record<string, unknown>;
        const saved = { setTimeout: g['setTimeout'], setInterval: g['setInterval'], clearTimeout: g['clearTimeout'], queueMicrotask: g['queueMicrotask'] };
        const broken = () => {
          throw new Error('timers are broken on this page');
        };
        g['setTimeout'] = broken;
        g['setInterval'] = broken;
        g['clearTimeout'] = broken;
        g['queueMicrotask'] = broken;
        restore = () => Object.assign(g, saved);
        // Fewer than a batch: only the client's own flush timer sends them.
        logMany(300, 'timed');
        const target = ta.stats().logged;
        call('open', () => ta.open());
        // Acks come in seq order: once `acked` reaches `target`, all 300 were sent by the timer and stored (bounded: 15 s).
        for (let k = 0; k < 150 && ta.stats().acked < target; k++) await wait(100);
        extra['sentByTimer'] = ta.stats().acked >= target;
        publicCalls();
        break;
      }
      case 'postMessage-replaced': {
        const post = Worker.prototype.postMessage;
        Worker.prototype.postMessage = function () {
          throw new DOMException('postMessage is broken on this page', 'DataCloneError');
        };
        restore = () => (Worker.prototype.postMessage = post);
        logMany(5_000);
        publicCalls();
        break;
      }
      default:
        throw new Error(`no scenario ${name}`);
    }

    await wait(2_000); // the game plays on the broken page
    const ticksDuring = w.Game.ticks() - ticks0;
    // Every public promise settles while the page is still broken (a generous bound: 20 s).
    for (let k = 0; k < 200; k++) {
      let open = false;
      for (let i = 0; i < promises.length; i++) if (promises[i]!.state === 'pending') open = true;
      if (!open) break;
      await wait(100);
    }
    const overlayOpen = ta.isOpen && !!document.querySelector('trace-agent-overlay')?.shadowRoot?.querySelector('.panel');
    const settled = promises.map((p) => ({ ...p }));
    restore();
    await after();
    // Flushed until nothing is pending (bounded): the game plays on during a flush (its rAF loop
    // logs two npcs[*].think every 10 frames, with frame:stats and alert:firing now and then; long
    // tasks are off on this page), and those entries, logged after the flush was called, are not
    // its to wait for. Each flush must still have stored all that was logged before it was called:
    // what is pending after it must be no more than what was logged since (checked in battery()).
    for (let k = 0; k < 20; k++) {
      const before = ta.stats().logged;
      await ta.flush();
      const s = ta.stats();
      if (s.pending > s.logged - before) extra['flushLeftBehind'] = s.pending - (s.logged - before);
      if (s.pending === 0) break;
      await wait(100);
    }
    const stats = ta.stats();
    const sessions = await ta.sessions();
    const health = await ta.checkHealth();
    return {
      ticksDuring,
      syncThrows,
      promises: settled,
      stats,
      storedInSession: sessions.find((s) => s.id === stats.sessionId)?.entries ?? -1,
      reasons: health.reasons,
      overlayOpen,
      extra,
    };
  }, name);
}

/** Opens the fixture on a fresh database, runs the scenario, and checks what every scenario must hold. */
async function battery(name: string, opts: { pre?: string; expectReason?: string; overlay?: 'works' | 'fails-closed' } = {}): Promise<Outcome> {
  const page = await env.browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    const db = `hostile-${name}-${Date.now()}`;
    await page.goto(`${env.server.url}/hostile-game.html?db=${db}${opts.pre ? `&pre=${opts.pre}` : ''}`);
    await page.waitForFunction(() => !!(window as unknown as { TraceAgent?: { stats(): { storage: { backend: string | null } } } }).TraceAgent?.stats().storage.backend, null, { timeout: 30_000 });
    await page.waitForLoadState('load');
    const r = await runScenario(page, name);
    const counts = hostileCounts(r.stats, r.storedInSession);
    console.log(`${name}: logged ${counts.logged} stored ${counts.stored} lost ${counts.lost} counted ${counts.counted}`);
    expect(r.ticksDuring, 'the game kept running').toBeGreaterThan(10);
    expect(r.syncThrows, 'no public call threw into the caller').toEqual([]);
    expect(r.promises.filter((p) => p.state === 'pending'), 'every public promise settled').toEqual([]);
    expect(counts.lost, 'lost = counted').toBe(counts.counted);
    expect(counts.lost, 'nothing lost').toBe(0);
    expect(r.extra['flushLeftBehind'], 'a flush stored all that was logged before it').toBeUndefined();
    expect(pageErrors, 'no uncaught page error').toEqual([]);
    expect(r.stats.storage.thread, 'the store stays in its worker').toBe('worker');
    const what = r.reasons.map((x) => x.what);
    // Never blamed on a store that moved or entries that were dropped.
    expect(what).not.toContain('worker');
    expect(what).not.toContain('drops');
    expect(what).not.toContain('storage');
    if (opts.expectReason) expect(what, `health says why (${opts.expectReason})`).toContain(opts.expectReason);
    if (opts.overlay === 'works') expect(r.overlayOpen, 'the overlay opened and shows its panel').toBe(true);
    if (opts.overlay === 'fails-closed') {
      expect(r.overlayOpen, 'the overlay is down').toBe(false);
      expect(what).toContain('overlay');
    }
    if (opts.overlay !== 'fails-closed') expect(what, 'no failure inside the agent').not.toContain('internal');
    return r;
  } finally {
    await page.close();
  }
}

describe('the hostile-page battery', () => {
  it("Array.prototype.toJSON (Prototype.js): stored arrays stay arrays, in events and in spans' results", async () => {
    const r = await battery('array-toJSON', { overlay: 'works' });
    expect(r.extra['inventoryEntries']).toBe(1000);
    expect(r.extra['arraysKept']).toBe(1000);
    expect(r.extra['spans']).toBeGreaterThan(0);
    expect(r.extra['spanResultsWithArrays']).toBe(r.extra['spans']);
  });

  it('a throwing Array.prototype.push: flush() and open() do not throw, 10,000 entries are all stored, the overlay fails closed and health says so', async () => {
    const r = await battery('array-push-throws', { overlay: 'fails-closed', expectReason: 'overlay' });
    expect(r.stats.logged).toBeGreaterThanOrEqual(10_000);
    expect(r.promises.find((p) => p.name === 'flush')?.state).toBe('resolved');
  });

  it('a throwing Promise.prototype.then: the overlay opens and works, no error loop, every promise settles', async () => {
    const r = await battery('promise-then-throws', { overlay: 'works' });
    expect(r.promises.find((p) => p.name === 'flush')?.state).toBe('resolved');
  });

  it('a throwing addEventListener: open() does not throw; the overlay (whose elements need it) fails closed, once, and health says so', async () => {
    await battery('addEventListener-throws', { overlay: 'fails-closed', expectReason: 'overlay' });
  });

  it('options whose getters change between reads: each read once, nothing refused but the bad kinds, the store stays in its worker', async () => {
    const r = await battery('option-getter-changes', { expectReason: 'input' });
    expect(r.extra['shifty']).toBe(10);
    expect(r.extra['shiftyKind']).toBe(10);
    expect(r.stats.rejected).toBe(10); // the kinds that never were strings
    expect(r.stats.internalErrors).toBe(0);
    expect(r.stats.acked).toBeLessThanOrEqual(r.stats.logged);
    expect(r.promises.find((p) => p.name === 'query with a Symbol')).toMatchObject({ state: 'rejected', error: expect.stringContaining('cannot be sent to the store') });
  });

  it('the clock jumps back an hour and forward again: those spans are flagged with dur 0, latency stays sane, entry times never run backwards', async () => {
    const r = await battery('clock-jumps', { pre: 'clock' });
    expect(r.extra['jumpBack']).toEqual([{ dur: 0, flags: 4 }]);
    expect(r.extra['jumpForward']).toEqual([{ dur: 0, flags: 4 }]);
    expect(r.extra['steadyFlagged']).toBe(0);
    expect(r.extra['steady']).toBe(60);
    expect(r.extra['tsBackwards']).toBe(0);
    expect(r.extra['minTs']).toBeGreaterThanOrEqual(0);
    const methods = r.extra['methods'] as { method: string; calls: number; p50: number | null; max: number | null }[];
    expect(methods.length).toBeGreaterThan(0);
    for (const m of methods) {
      if (m.p50 !== null) expect(m.p50).toBeGreaterThanOrEqual(0);
      if (m.max !== null) {
        expect(m.max).toBeGreaterThanOrEqual(0);
        expect(m.max).toBeLessThan(60_000);
      }
    }
  });

  it("a revoked Proxy as data, metadata or options is the caller's bad input: rejected, not an internal error", async () => {
    const r = await battery('revoked-proxy', { expectReason: 'input' });
    expect(r.stats.rejected).toBe(3);
    expect(r.stats.internalErrors).toBe(0);
    expect(r.promises.find((p) => p.name === 'query(revoked)')?.state).toBe('rejected');
    const unreadable = { $t: 'throws', message: expect.any(String) };
    expect(r.extra['nested']).toEqual([{ p: unreadable, list: [unreadable] }]);
    expect(r.extra['courier']).toEqual([{ args: [unreadable], result: 'carried' }]);
  });

  it('a strict-mode game with frozen and sealed agents: hooked where it can be, nothing thrown', async () => {
    const r = await battery('strict-mode-page', { overlay: 'works' });
    const reports = r.extra['reports'] as { agent: string; methods: string[]; skipped: { method: string }[] }[][];
    // A frozen object and a sealed instance cannot take a wrapper: said, not thrown. The class's prototype can.
    expect(reports[0]![0]!.skipped.map((s) => s.method)).toContain('act');
    expect(reports[1]![0]!.skipped.map((s) => s.method)).toContain('hit');
    expect(reports[2]!.flatMap((x) => x.methods)).toContain('hit');
    expect(r.extra['guardSpans']).toBe(50);
  });

  it('Object.prototype polluted with enumerable properties: stored entries hold only their own keys', async () => {
    const r = await battery('object-prototype-polluted', { overlay: 'works' });
    expect(r.extra['read']).toBe(100);
    expect(r.extra['withPollution']).toBe(0);
  });

  it('a frozen plain object in place of window.performance, from before the agent: it keeps time with it', async () => {
    const r = await battery('frozen-performance-shim', { pre: 'frozen-perf', overlay: 'works' });
    expect(r.extra['spans']).toBeGreaterThan(0);
    expect(r.extra['badDurations']).toBe(0);
  });

  it('JSON.parse and JSON.stringify replaced: the agent writes and reads with its own', async () => {
    const r = await battery('json-replaced', { overlay: 'works' });
    expect(r.extra['read']).toBe(100);
    expect(r.extra['intact']).toBe(100);
  });

  it('Array.prototype[Symbol.iterator] broken: logging, flush and stats go on; the overlay fails closed', async () => {
    await battery('array-iterator-broken', { overlay: 'fails-closed', expectReason: 'overlay' });
  });

  it('setTimeout, setInterval and queueMicrotask replaced: the client still sends its partial batch on time', async () => {
    const r = await battery('timers-replaced', { overlay: 'works' });
    expect(r.extra['sentByTimer']).toBe(true);
  });

  it('Worker.prototype.postMessage replaced with one that throws DataCloneError: the store stays in its worker', async () => {
    await battery('postMessage-replaced');
  });
});
