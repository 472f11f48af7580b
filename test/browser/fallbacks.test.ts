/**
 * How the store's worker starts, and the store where the page forbids what it
 * prefers: workers (CSP) or IndexedDB. The CSP is sent as a header, as sites
 * do; test/fixtures/csp-violations.js, the page's first script, records every
 * violation the page sees (what would reach the site's report endpoint) and
 * every blob: URL made.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceFile } from '../../src/export/trace-json';
import { collectErrors, useChromium, waitForAgent } from './browser';
import { serve, type StaticServer } from './server';

const env = useChromium();

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

async function servePage(headers: Record<string, string>, handle?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<StaticServer> {
  return serve(['test/fixtures', 'dist'], { htmlHeaders: headers, ...(handle ? { handle } : {}) });
}

interface CspReport {
  violations: { directive: string; blocked: string; source: string; disposition: string }[];
  blobs: string[];
}
const cspReport = (page: Page): Promise<CspReport> => page.evaluate(() => (window as unknown as { cspReport: CspReport }).cspReport);

/** The URLs of the workers the page started (Playwright sees each one that runs). */
function workerUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on('worker', (w) => urls.push(w.url()));
  return urls;
}

/** The analytics engine answers (it runs in the worker only): its count of this session's entries. */
const engineTotal = (page: Page): Promise<number> =>
  page.evaluate(async () => (await (window as unknown as { TraceAgent: { generateStats(): Promise<{ total: { count: number } }> } }).TraceAgent.generateStats()).total.count);

describe('the store worker under a CSP header, in real Chromium', () => {
  it("default-src 'self': the worker starts from the script's own URL, on IndexedDB, analytics answer, and the page sees no CSP violation", async () => {
    const server = await servePage({ 'Content-Security-Policy': "default-src 'self'" });
    const page = await env.browser.newPage();
    const errors = collectErrors(page);
    const workers = workerUrls(page);
    await page.goto(server.url + '/csp-stream.html');
    await waitForAgent(page);
    const { trace, stats } = await logAndExport(page, 2_000);
    expect(stats.storage).toMatchObject({ thread: 'worker', backend: 'indexeddb', problems: [] });
    expect(trace.entries).toHaveLength(stats.logged);
    expect(stats.acked).toBe(stats.logged);
    expect(await engineTotal(page)).toBeGreaterThanOrEqual(2_000);
    const report = await cspReport(page);
    console.log(`default-src 'self': ${report.violations.length} CSP violations, thread ${stats.storage.thread}, backend ${stats.storage.backend}, workers ${JSON.stringify(workers)}`);
    expect(report.violations).toEqual([]);
    // The URL route was taken first: no blob: was made, and the one worker is the script's worker file beside it.
    expect(report.blobs).toEqual([]);
    expect(workers).toEqual([server.url + '/trace-agent.worker.js']);
    expect(errors).toEqual([]);
    await page.close();
    await server.close();
  });

  it("worker-src blob: only: the script's URL is refused (one violation), a blob: importing the script takes over in a worker", async () => {
    const server = await servePage({ 'Content-Security-Policy': "default-src 'self'; worker-src blob:" });
    const page = await env.browser.newPage();
    const workers = workerUrls(page);
    await page.goto(server.url + '/csp-stream.html');
    await waitForAgent(page);
    const { trace, stats } = await logAndExport(page, 1_000);
    expect(stats.storage.thread).toBe('worker');
    expect(stats.storage.backend).toBe('indexeddb');
    expect(stats.storage.problems).toEqual([expect.stringMatching(/script-url worker could not start/)]);
    expect(trace.entries).toHaveLength(stats.logged);
    expect(await engineTotal(page)).toBeGreaterThanOrEqual(1_000);
    const report = await cspReport(page);
    console.log(`worker-src blob:: ${report.violations.length} CSP violations, thread ${stats.storage.thread}, backend ${stats.storage.backend}`);
    expect(report.violations.map((v) => `${v.directive} ${v.blocked}`)).toEqual([`worker-src ${server.url}/trace-agent.worker.js`]);
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatch(/^blob:/);
    await page.close();
    await server.close();
  });

  it('a script URL whose worker never says hello: given up after the ready timeout, without hanging the page; blob: takes over', async () => {
    let silent = 0;
    // The worker's own fetch of its file (Sec-Fetch-Dest: worker) gets another script, which never says hello
    // (a hung fetch would hold importScripts' fetch of the same URL too, behind the HTTP cache's lock).
    const server = await servePage({}, (req, res) => {
      if (req.url !== '/trace-agent.worker.js' || req.headers['sec-fetch-dest'] !== 'worker') return false;
      silent++;
      res.setHeader('Content-Type', 'text/javascript');
      res.end('// a script that loads and never says a word\n');
      return true;
    });
    const page = await env.browser.newPage();
    const workers = workerUrls(page);
    await page.goto(server.url + '/csp-stream.html');
    await waitForAgent(page);
    // Logging goes on while the store starts: entries wait in the page's batch.
    const { trace, stats } = await logAndExport(page, 500);
    expect(silent).toBe(1);
    expect(stats.storage.thread).toBe('worker');
    expect(stats.storage.backend).toBe('indexeddb');
    expect(stats.storage.problems).toEqual(['the worker store did not start in time']);
    expect(trace.entries).toHaveLength(stats.logged);
    expect(workers.some((u) => u.startsWith('blob:'))).toBe(true);
    await page.close();
    await server.close();
  });

  it('the script from another origin: no URL worker is tried; a blob: importing it runs the store where the CSP allows blob:, with no violation', async () => {
    const scripts = await serve(['dist']);
    const page = await env.browser.newPage();
    const errors = collectErrors(page);
    const workers = workerUrls(page);
    const html = [
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cross-origin script</title></head><body>',
      '<script src="/csp-violations.js"></script>',
      `<script src="${scripts.url}/trace-agent.js" data-db="fixture" data-frame-stats="false" data-long-tasks="false"></script>`,
      '</body></html>',
    ].join('\n');
    const csp = `default-src 'self'; script-src 'self' ${scripts.url}; worker-src 'self' blob:`;
    const server = await servePage({}, (req, res) => {
      if (req.url !== '/cross-origin.html') return false;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Content-Security-Policy', csp);
      res.end(html);
      return true;
    });
    await page.goto(server.url + '/cross-origin.html');
    await waitForAgent(page);
    const { trace, stats } = await logAndExport(page, 1_000);
    expect(stats.storage).toMatchObject({ thread: 'worker', backend: 'indexeddb', problems: [] });
    expect(trace.entries).toHaveLength(stats.logged);
    expect(await engineTotal(page)).toBeGreaterThanOrEqual(1_000);
    const report = await cspReport(page);
    console.log(`cross-origin script (${csp}): ${report.violations.length} CSP violations, workers ${JSON.stringify(workers)}`);
    expect(report.violations).toEqual([]);
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatch(/^blob:/);
    expect(errors).toEqual([]);
    await page.close();
    await server.close();
    await scripts.close();
  });
});

describe('store fallbacks in real Chromium', () => {
  it("worker-src 'none': the store runs on the main thread, health says why, the trace still lands in IndexedDB, and blob: is not tried", async () => {
    const server = await servePage({ 'Content-Security-Policy': "default-src 'self'; script-src 'self'; worker-src 'none'; style-src 'self'" });
    const page = await env.browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(server.url + '/csp-stream.html');
    await waitForAgent(page);
    const { trace, stats } = await logAndExport(page, 2_000);
    expect(stats.storage.thread).toBe('main');
    expect(stats.storage.backend).toBe('indexeddb');
    expect(stats.storage.problems).toEqual([
      expect.stringMatching(/the script-url worker could not start/),
      "store could not start: the blob worker was not tried: the page's Content-Security-Policy refuses blob: workers",
    ]);
    expect(trace.entries).toHaveLength(stats.logged);
    expect(stats.acked).toBe(stats.logged);
    // Health is honest: the store is on the main thread, and analytics (which need the worker) say they are off.
    const health = await page.evaluate(() => (window as unknown as { TraceAgent: { checkHealth(): Promise<{ status: string; reasons: { status: string; what: string }[] }> } }).TraceAgent.checkHealth());
    expect(health.status).toBe('degraded');
    expect(health.reasons).toContainEqual(expect.objectContaining({ status: 'degraded', what: 'worker' }));
    const analytics = await page.evaluate(() =>
      (window as unknown as { TraceAgent: { generateStats(): Promise<unknown> } }).TraceAgent.generateStats().then(
        () => 'answered',
        (e: Error) => e.message,
      ),
    );
    expect(analytics).toMatch(/main thread/);
    // One violation, for the one worker tried: the policy refuses blob: too, so no blob: worker was attempted.
    const report = await cspReport(page);
    console.log(`worker-src 'none': ${report.violations.length} CSP violations (${report.violations.map((v) => v.directive).join(', ')}), thread ${stats.storage.thread}, backend ${stats.storage.backend}`);
    expect(report.violations.map((v) => `${v.directive} ${v.blocked}`)).toEqual([`worker-src ${server.url}/trace-agent.worker.js`]);
    expect(report.blobs).toEqual([]);
    // The overlay's stylesheet is constructable: the CSP (no 'unsafe-inline' styles) has nothing to refuse.
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => page.locator('trace-agent-overlay .panel').isVisible()).toBe(true);
    expect(cspViolations.filter((v) => /style/i.test(v))).toEqual([]);
    await page.close();
    await server.close();
  });

  it('the drop-in script loaded as a module (document.currentScript is null): no worker from another tag\'s URL; the main thread, and health says why', async () => {
    const page = await env.browser.newPage();
    const errors = collectErrors(page);
    const workers = workerUrls(page);
    // Another tag that names the agent (here the same file again, as a page's leftover tag would): its URL is not trusted.
    const html = [
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>module load</title></head><body>',
      '<script src="/csp-violations.js"></script>',
      '<script type="text/plain" data-trace-agent src="/trace-agent.js"></script>',
      '<script type="module" src="/trace-agent.js" data-db="fixture" data-frame-stats="false" data-long-tasks="false"></script>',
      '</body></html>',
    ].join('\n');
    const server = await servePage({}, (req, res) => {
      if (req.url !== '/module-load.html') return false;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(html);
      return true;
    });
    await page.goto(server.url + '/module-load.html');
    await waitForAgent(page);
    const { trace, stats } = await logAndExport(page, 100);
    expect(stats.storage).toMatchObject({ thread: 'main', backend: 'indexeddb' });
    expect(stats.storage.problems).toEqual([expect.stringMatching(/document\.currentScript was null/)]);
    expect(trace.entries).toHaveLength(stats.logged);
    const health = await page.evaluate(() => (window as unknown as { TraceAgent: { checkHealth(): Promise<{ reasons: { what: string; message: string }[] }> } }).TraceAgent.checkHealth());
    expect(health.reasons.find((r) => r.what === 'worker')?.message).toMatch(/document\.currentScript was null/);
    expect(workers).toEqual([]);
    expect((await cspReport(page)).blobs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
    await server.close();
  });

  it('IndexedDB that cannot open: the agent keeps logging to memory and says so', async () => {
    const server = await servePage({});
    const page = await env.browser.newPage();
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
