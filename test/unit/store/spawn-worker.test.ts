/**
 * How the store's worker is started: the routes of the drop-in script, the
 * order they are tried in, and when one is given up. A fake Worker stands in
 * for the browser's (the real ones run in test/browser/fallbacks.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { policyRefusesBlobWorkers } from '../../../src/store/csp-blob';
import { workerTransport } from '../../../src/store/transport';

type SpawnModule = typeof import('../../../src/store/spawn-worker');

/** A Worker that records how it was made; the test makes it say hello or fail. */
class FakeWorker extends EventTarget {
  static made: FakeWorker[] = [];
  static refuse: ((url: string) => boolean) | null = null;
  static onMade: (w: FakeWorker) => void = () => {};
  constructor(
    readonly url: string,
    readonly options: { name?: string },
  ) {
    super();
    if (FakeWorker.refuse?.(url)) throw new DOMException('refused', 'SecurityError');
    FakeWorker.made.push(this);
    FakeWorker.onMade(this);
  }
  hello(): void {
    this.dispatchEvent(new MessageEvent('message', { data: { type: 'hello' } }));
  }
  fail(): void {
    this.dispatchEvent(new Event('error'));
  }
  readonly posted: unknown[] = [];
  postMessage(msg: unknown): void {
    this.posted.push(msg);
  }
  terminate(): void {}
}

let spawn: SpawnModule;
let clock = 0;
beforeEach(async () => {
  FakeWorker.made = [];
  FakeWorker.refuse = null;
  FakeWorker.onMade = () => {};
  vi.stubGlobal('Worker', FakeWorker);
  let blobs = 0;
  vi.spyOn(URL, 'createObjectURL').mockImplementation(() => `blob:fake/${++blobs}`);
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
  clock = 0;
  // The agent's clock reads the prototype's now (captured at start-up), so the fake goes there.
  vi.spyOn(Performance.prototype, 'now').mockImplementation(() => clock);
  vi.resetModules(); // the routes are module state: a fresh one per test
  spawn = await import('../../../src/store/spawn-worker');
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const PAGE = 'https://game.example';

describe('scriptWorkerRoutes', () => {
  it("a same-origin script: its own URL first, then a blob: that imports it", () => {
    expect(spawn.scriptWorkerRoutes(`${PAGE}/js/trace-agent.js`, PAGE).map((r) => [r.kind, r.url])).toEqual([
      ['script-url', `${PAGE}/js/trace-agent.js`],
      ['blob', undefined],
    ]);
  });
  it('a script from another origin (a CDN): blob: only, as a worker script must have the page\'s origin', () => {
    expect(spawn.scriptWorkerRoutes('https://cdn.example/trace-agent.js', PAGE).map((r) => r.kind)).toEqual(['blob']);
    expect(spawn.scriptWorkerRoutes('http://game.example/trace-agent.js', PAGE).map((r) => r.kind)).toEqual(['blob']);
  });
  it('a script without a URL (inlined in the page), or a page with an opaque origin', () => {
    expect(spawn.scriptWorkerRoutes('', PAGE)).toEqual([]);
    expect(spawn.scriptWorkerRoutes(undefined, PAGE)).toEqual([]);
    expect(spawn.scriptWorkerRoutes('file:///game/trace-agent.js', 'null').map((r) => r.kind)).toEqual(['blob']);
  });
  it('the blob: holds only the import of the script, as a JSON string, and is revoked once the worker has run it', async () => {
    const parts: BlobPart[][] = [];
    const RealBlob = Blob;
    vi.stubGlobal(
      'Blob',
      class extends RealBlob {
        constructor(p: BlobPart[], o?: BlobPropertyBag) {
          super(p, o);
          parts.push(p);
        }
      },
    );
    const url = `${PAGE}/a "quoted" path/trace-agent.js?v=1`;
    const [blob] = spawn.scriptWorkerRoutes(url, 'https://other.example');
    const worker = blob!.start('trace-agent-store') as unknown as FakeWorker;
    expect(parts).toEqual([[`importScripts(${JSON.stringify(new URL(url).href)});`]]);
    expect(worker.url).toBe('blob:fake/1');
    expect(worker.options.name).toBe('trace-agent-store');
    // Some browsers fetch a worker's script after the constructor returns: not revoked yet.
    expect(URL.revokeObjectURL).not.toHaveBeenCalled();
    worker.hello();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:fake/1');
    expect(URL.revokeObjectURL).toHaveBeenCalledTimes(1);
  });

  it('the blob: URL is revoked when its worker fails, or after a bound when it does neither (it never leaks)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const [blob] = spawn.scriptWorkerRoutes(`${PAGE}/trace-agent.js`, 'https://other.example');
      const failing = blob!.start('trace-agent-store') as unknown as FakeWorker;
      failing.fail();
      expect(URL.revokeObjectURL).toHaveBeenCalledWith(failing.url);
      const silent = blob!.start('trace-agent-store') as unknown as FakeWorker;
      vi.advanceTimersByTime(29_999);
      expect(URL.revokeObjectURL).not.toHaveBeenCalledWith(silent.url);
      vi.advanceTimersByTime(1);
      expect(URL.revokeObjectURL).toHaveBeenCalledWith(silent.url);
      silent.hello(); // too late: revoked once only
      expect(URL.revokeObjectURL).toHaveBeenCalledTimes(2);
      FakeWorker.refuse = () => true;
      expect(() => blob!.start('trace-agent-store')).toThrow();
      expect(URL.revokeObjectURL).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('spawnStoreWorker', () => {
  const useScript = () => {
    spawn.setWorkerRoutes(spawn.scriptWorkerRoutes(`${PAGE}/trace-agent.js`, PAGE));
  };

  it('starts the worker from the script URL, named as the store worker; a restart after its hello takes the same route', () => {
    useScript();
    expect(spawn.workerRouteCount()).toBe(2);
    const first = spawn.spawnStoreWorker() as unknown as FakeWorker;
    expect(first.url).toBe(`${PAGE}/trace-agent.js`);
    expect(first.options.name).toBe('trace-agent-store');
    expect(spawn.workerRouteOf(first as unknown as Worker)).toBe('script-url');
    first.hello();
    first.fail(); // it crashed later: the route still works
    clock = 60_000;
    const again = spawn.spawnStoreWorker() as unknown as FakeWorker;
    expect(again.url).toBe(`${PAGE}/trace-agent.js`);
  });

  it('a worker that fails before its hello gives its route up: the next start is the blob:', () => {
    useScript();
    (spawn.spawnStoreWorker() as unknown as FakeWorker).fail();
    expect(spawn.workerRouteCount()).toBe(1); // the next agent on the page gets one worker transport, not two
    const next = spawn.spawnStoreWorker() as unknown as FakeWorker;
    expect(next.url).toMatch(/^blob:/);
    expect(spawn.workerRouteOf(next as unknown as Worker)).toBe('blob');
  });

  it('a worker refused at once: the blob: is tried in the same call', () => {
    FakeWorker.refuse = (url) => url.startsWith('https:');
    useScript();
    expect((spawn.spawnStoreWorker() as unknown as FakeWorker).url).toMatch(/^blob:/);
  });

  it('a silent worker counts as failed once the hello bound has passed, not before (two agents starting at once share a route)', () => {
    useScript();
    spawn.spawnStoreWorker();
    clock = 10;
    expect((spawn.spawnStoreWorker() as unknown as FakeWorker).url).toBe(`${PAGE}/trace-agent.js`);
    clock = 5_000; // the client's ready timeout replaced it
    expect((spawn.spawnStoreWorker() as unknown as FakeWorker).url).toMatch(/^blob:/);
  });

  it('throws when every route is refused, or there is none, or no Worker', () => {
    FakeWorker.refuse = () => true;
    useScript();
    expect(() => spawn.spawnStoreWorker()).toThrow(/the script-url worker was refused: .*refused; the blob worker was refused/);
    expect(() => spawn.spawnStoreWorker()).toThrow(/every way to start the worker failed/);
    spawn.setWorkerRoutes([]);
    expect(() => spawn.spawnStoreWorker()).toThrow(/no URL to start the worker from/);
    vi.stubGlobal('Worker', undefined);
    expect(() => spawn.spawnStoreWorker()).toThrow(/no Worker/);
  });

  it('the same routes set again (each createTraceAgent of the ESM entry) keep what was learnt', () => {
    const routes = spawn.scriptWorkerRoutes(`${PAGE}/trace-agent.js`, PAGE);
    spawn.setWorkerRoutes(routes);
    (spawn.spawnStoreWorker() as unknown as FakeWorker).fail();
    spawn.setWorkerRoutes(routes);
    expect((spawn.spawnStoreWorker() as unknown as FakeWorker).url).toMatch(/^blob:/);
  });
});

describe('a CSP violation for the script URL', () => {
  const violation = (blockedURI: string, originalPolicy: string) =>
    Object.assign(new Event('securitypolicyviolation'), { disposition: 'enforce', effectiveDirective: 'worker-src', blockedURI, originalPolicy });
  let page: EventTarget;
  /** Starts the first worker, as the agent does (a worker transport that waits for routeChoiceReady). */
  const startFirst = () => {
    page = new EventTarget();
    vi.stubGlobal('document', page);
    spawn.setWorkerRoutes(spawn.scriptWorkerRoutes(`${PAGE}/trace-agent.js`, PAGE));
    workerTransport(spawn.spawnStoreWorker, spawn.routeChoiceReady);
    return FakeWorker.made[0]!;
  };
  /** The start that follows the failed one: the worker it made, or why it failed. */
  const nextStart = (): Promise<FakeWorker | string> =>
    new Promise((resolve) => {
      FakeWorker.onMade = resolve;
      try {
        workerTransport(spawn.spawnStoreWorker, spawn.routeChoiceReady).onFailure = resolve;
      } catch (err) {
        resolve((err as Error).message);
      }
    });
  const refusesBlob = "default-src 'self'; worker-src 'none'";
  const allowsBlob = "default-src 'self'; worker-src blob:";

  // The browser queues the violation and the worker's error as two tasks, in no set order: both are taken.
  for (const order of ['violation, then error', 'error, then violation'] as const) {
    const refuse = (first: FakeWorker, policy: string) => {
      if (order === 'violation, then error') {
        page.dispatchEvent(violation(`${PAGE}/trace-agent.js`, policy));
        first.fail();
        return;
      }
      first.fail();
      // The next start has begun (inside the error's handler, as the client does) before the violation comes.
      setTimeout(() => page.dispatchEvent(violation(`${PAGE}/trace-agent.js`, policy)), 0);
    };

    it(`${order}, whose policy refuses blob: too: blob: is not tried (no second violation for the site to receive)`, async () => {
      const first = startFirst();
      let next: Promise<FakeWorker | string> | null = null;
      first.addEventListener('error', () => (next = nextStart()));
      refuse(first, refusesBlob);
      expect(await next!).toMatch("the blob worker was not tried: the page's Content-Security-Policy refuses blob: workers");
      expect(FakeWorker.made).toHaveLength(1);
    });

    it(`${order}, whose policy allows blob:: the blob: is the next start`, async () => {
      const first = startFirst();
      let next: Promise<FakeWorker | string> | null = null;
      first.addEventListener('error', () => (next = nextStart()));
      refuse(first, allowsBlob);
      expect(((await next!) as FakeWorker).url).toMatch(/^blob:/);
    });
  }

  it('no violation at all (the script did not load): the blob: is started once the wait for one is over', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const first = startFirst();
      first.fail();
      const t = workerTransport(spawn.spawnStoreWorker, spawn.routeChoiceReady);
      t.post({ type: 'ping', id: 1 });
      expect(FakeWorker.made).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(249);
      expect(FakeWorker.made).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeWorker.made).toHaveLength(2);
      const blob = FakeWorker.made[1]!;
      expect(blob.url).toMatch(/^blob:/);
      expect(blob.posted).toEqual([{ type: 'ping', id: 1 }]); // what was posted while waiting is sent
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('policyRefusesBlobWorkers', () => {
  it('follows worker-src, then child-src, script-src, default-src', () => {
    expect(policyRefusesBlobWorkers("default-src 'self'")).toBe(true);
    expect(policyRefusesBlobWorkers("default-src 'self'; worker-src 'none'")).toBe(true);
    expect(policyRefusesBlobWorkers("default-src 'self' blob:; worker-src 'self'")).toBe(true);
    expect(policyRefusesBlobWorkers("default-src 'self'; worker-src blob:")).toBe(false);
    expect(policyRefusesBlobWorkers("default-src 'none'; child-src BLOB:")).toBe(false);
    expect(policyRefusesBlobWorkers("default-src 'none'; script-src 'self' blob:")).toBe(false);
    expect(policyRefusesBlobWorkers("img-src 'self'")).toBe(false);
  });
  it("'*' does not allow blob: (CSP3), and 'strict-dynamic' is left to the browser", () => {
    expect(policyRefusesBlobWorkers('worker-src *')).toBe(true);
    expect(policyRefusesBlobWorkers("script-src 'nonce-abc' 'strict-dynamic'")).toBe(false);
  });
  it('the first of a repeated directive counts, as browsers do', () => {
    expect(policyRefusesBlobWorkers("worker-src 'self'; worker-src blob:")).toBe(true);
  });
});

describe('the CSP violation listener', () => {
  it('is held by the agents that may start a worker, and goes when the last lets go (it used to stay for the page\'s life)', () => {
    // A document that records its listeners (not an EventTarget of this realm: its own methods are called).
    const page = { addEventListener: vi.fn(), removeEventListener: vi.fn() };
    const of = (m: typeof page.addEventListener) => m.mock.calls.filter((c) => c[0] === 'securitypolicyviolation');
    vi.stubGlobal('document', page);
    spawn.setWorkerRoutes(spawn.scriptWorkerRoutes(`${PAGE}/trace-agent.js`, PAGE));
    const first = spawn.holdViolationWatch();
    const second = spawn.holdViolationWatch();
    spawn.spawnStoreWorker(); // a start while held adds no second listener
    expect(of(page.addEventListener)).toHaveLength(1);
    first();
    first(); // letting go twice counts once
    expect(of(page.removeEventListener)).toHaveLength(0);
    second();
    expect(of(page.removeEventListener)).toHaveLength(1);
    expect(of(page.removeEventListener)[0]![1]).toBe(of(page.addEventListener)[0]![1]);
    // Held again (a later agent of the page): followed again.
    spawn.holdViolationWatch()();
    expect(of(page.addEventListener)).toHaveLength(2);
    expect(of(page.removeEventListener)).toHaveLength(2);
  });
});
