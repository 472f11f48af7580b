/** The store where the page forbids what it prefers: workers (CSP) or IndexedDB. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceFile } from '../../src/export/trace-json';
import { collectErrors, launch, waitForAgent } from './browser';
import { serve, type StaticServer } from './server';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

type Agent = {
  logEvent(t: string, d: object): void;
  flush(): Promise<void>;
  exportTrace(): Promise<TraceFile>;
  stats(): { logged: number; acked: number; storage: { thread: string; backend: string; problems: string[] } };
};

async function logAndExport(page: Page, n: number): Promise<{ trace: TraceFile; stats: ReturnType<Agent['stats']> }> {
  return page.evaluate(async (count) => {
    const ta = (window as unknown as { TraceAgent: Agent }).TraceAgent;
    for (let i = 0; i < count; i++) ta.logEvent('fixture.tick', { i });
    await ta.flush();
    return { trace: await ta.exportTrace(), stats: ta.stats() };
  }, n);
}

async function servePage(headers: Record<string, string>): Promise<StaticServer> {
  return serve(['test/fixtures', 'dist'], { htmlHeaders: headers });
}

describe('store fallbacks in real Chromium', () => {
  it('a CSP that forbids blob: workers: the store runs on the main thread and the trace still lands in IndexedDB', async () => {
    const server = await servePage({ 'Content-Security-Policy': "default-src 'self'; script-src 'self'; worker-src 'none'; style-src 'self'" });
    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(server.url + '/stream.html');
    await waitForAgent(page);
    const { trace, stats } = await logAndExport(page, 2_000);
    expect(stats.storage.thread).toBe('main');
    expect(stats.storage.backend).toBe('indexeddb');
    expect(stats.storage.problems.join(' ')).toMatch(/worker/i);
    expect(trace.entries).toHaveLength(stats.logged);
    expect(stats.acked).toBe(stats.logged);
    // The overlay's stylesheet is constructable: the CSP (no 'unsafe-inline' styles) has nothing to refuse.
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => page.locator('trace-agent-overlay .panel').isVisible()).toBe(true);
    expect(cspViolations.filter((v) => /style/i.test(v))).toEqual([]);
    await page.close();
    await server.close();
  });

  it('IndexedDB that cannot open: the agent keeps logging to memory and says so', async () => {
    const server = await servePage({});
    const page = await browser.newPage();
    const errors = collectErrors(page);
    // Another page of the origin has taken the database to a newer version:
    // the agent's open (version 1) fails with a VersionError, in the worker
    // and on the main thread alike.
    await page.goto(server.url + '/blank.html');
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = indexedDB.open('fixture', 99);
          req.onsuccess = () => {
            req.result.close();
            resolve();
          };
          req.onerror = () => reject(req.error);
        }),
    );
    await page.goto(server.url + '/stream.html');
    await waitForAgent(page);
    const { trace, stats } = await logAndExport(page, 1_000);
    expect(stats.storage.backend).toBe('memory');
    expect(stats.storage.problems.join(' ')).toMatch(/IndexedDB unavailable: VersionError/);
    expect(trace.entries).toHaveLength(stats.logged);
    expect(errors).toEqual([]);
    await page.close();
    await server.close();
  });
});
