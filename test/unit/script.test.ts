// @vitest-environment happy-dom
/**
 * The drop-in entry's worker URL: only the script's own tag
 * (document.currentScript while its top level runs) gives it. Imported here,
 * the script runs with document.currentScript null, as it does when loaded
 * as a module: another tag that names the agent must not become the worker.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TraceAgent } from '../../src/create-agent';

const made: string[] = [];
class RecordingWorker extends EventTarget {
  constructor(url: string | URL) {
    super();
    made.push(String(url));
  }
  postMessage(): void {}
  terminate(): void {}
}

const g = globalThis as { TraceAgent?: TraceAgent };
beforeEach(() => {
  made.length = 0;
  vi.stubGlobal('Worker', RecordingWorker);
  vi.resetModules();
});
afterEach(() => {
  g.TraceAgent?.destroy();
  delete g.TraceAgent;
  document.head.innerHTML = '';
  vi.unstubAllGlobals();
});

describe('the drop-in script without document.currentScript', () => {
  it('takes no worker URL from another tag that names the agent: no worker, the main thread, and health says why', async () => {
    // Another file, or a tag injected into the page, whose URL would run in a worker with the page's origin.
    const other = document.createElement('script');
    other.setAttribute('data-trace-agent', '');
    other.setAttribute('data-overlay', 'false');
    other.setAttribute('data-network', 'false');
    other.setAttribute('data-db', `script-test-${Math.random()}`);
    other.src = 'https://elsewhere.example/js/trace-agent.js';
    document.head.append(other);
    expect(document.currentScript).toBeNull();
    const spawn = await import('../../src/store/spawn-worker');
    await import('../../src/script');
    expect(spawn.workerRouteCount()).toBe(0);
    const agent = g.TraceAgent!;
    await vi.waitFor(async () => expect((await agent.checkHealth()).reasons.map((i) => i.message).join('\n')).toMatch(/document\.currentScript was null/), {
      timeout: 10_000,
      interval: 20,
    });
    expect(made).toEqual([]);
  }, 30_000);
});
