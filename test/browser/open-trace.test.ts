/**
 * Open anywhere, in real Chromium on the built demo: a trace file dropped on
 * the overlay (a synthetic drop with a DataTransfer holding a File), and
 * `?trace=<url>` on the demo page (plain, gzipped, a Chrome trace we made);
 * a bad file says what and where in the toolbar and leaves the view as it was.
 */
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectErrors, screenshot, useBrowser, useServer, waitForAgent, waitForDemo } from './browser';

const env = useBrowser({ dirs: ['dist/demo'] });
const fixtures = useServer();

type Agent = { stats(): { acked: number }; exportBlob(o?: Record<string, unknown>): Promise<Blob> };

/** A trace of the demo, as Download saves it (or in Chrome's format), once a few hundred entries are stored. */
async function demoTraceText(page: Page, format?: 'chrome'): Promise<string> {
  await expect.poll(() => page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.stats().acked), { timeout: 15_000 }).toBeGreaterThan(300);
  return page.evaluate(async (f) => (await (window as unknown as { TraceAgent: Agent }).TraceAgent.exportBlob(f ? { format: f } : {})).text(), format);
}

/** Drags a file with `text` over the overlay's panel (the hint shows), and drops it. */
async function dropFile(page: Page, name: string, text: string): Promise<void> {
  const panel = page.locator('trace-agent-overlay .panel');
  const init = await page.evaluate(
    ({ name, text }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'application/json' }));
      (window as unknown as { __drop: DataTransfer }).__drop = dt;
      return dt.items.length;
    },
    { name, text },
  );
  expect(init, 'the file is in the drag data').toBe(1);
  const fire = (type: string) =>
    panel.evaluate((el, type) => {
      const dataTransfer = (window as unknown as { __drop: DataTransfer }).__drop;
      const at = el.getBoundingClientRect();
      el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, composed: true, dataTransfer, clientX: at.x + 100, clientY: at.y + 100 }));
    }, type);
  await fire('dragenter');
  await fire('dragover');
  await expect.poll(() => page.locator('trace-agent-overlay .drop-hint').count()).toBe(1);
  await fire('drop');
}

const banner = (page: Page) => page.locator('trace-agent-overlay .log-banner');
const problem = (page: Page) => page.locator('trace-agent-overlay .toolbar-problem');

describe('open a trace anywhere', () => {
  it('a file dropped on the overlay opens in the log; a truncated one says where it ends and leaves the view', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 860 }, colorScheme: 'dark' });
    const errors = collectErrors(page);
    await page.goto(env.server.url + '/?seed=7');
    await waitForDemo(page);
    const text = await demoTraceText(page);
    const entries = (JSON.parse(text) as { entries: unknown[] }).entries.length;

    await dropFile(page, 'dropped.json', text);
    await expect.poll(() => banner(page).textContent(), { timeout: 10_000 }).toContain('viewing dropped.json');
    expect(await page.locator('trace-agent-overlay .drop-hint').count()).toBe(0);
    await expect.poll(() => page.locator('trace-agent-overlay .log-count').textContent()).toContain(entries.toLocaleString('en'));
    await expect.poll(() => page.locator('trace-agent-overlay .log-row').count()).toBeGreaterThan(10);
    const shot = await screenshot(page, 'open-trace-dropped');
    console.log(`dropped a ${entries}-entry trace; screenshot ${shot}`);

    // Cut inside an entry (10 bytes into the first entry past 60% of the file, so never
    // between two entries, whose message differs): refused, saying where; the file shown before stays.
    const cut = text.slice(0, text.indexOf('{"seq"', Math.floor(text.length * 0.6)) + 10);
    await dropFile(page, 'cut.json', cut);
    await expect.poll(() => problem(page).textContent(), { timeout: 10_000 }).toMatch(/^opening cut\.json: the file ends inside entry \d+ \(which starts at byte \d+\): it was cut short/);
    expect(await banner(page).textContent()).toContain('viewing dropped.json');
    await screenshot(page, 'open-trace-refused');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('?trace=<url> opens the trace at that URL: plain, gzipped, a Chrome trace we made; a missing one says so', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 860 }, colorScheme: 'dark' });
    await page.goto(env.server.url + '/?seed=3');
    await waitForDemo(page);
    const plain = await demoTraceText(page);
    const chrome = await demoTraceText(page, 'chrome');
    await page.close();
    const files: Record<string, { body: Buffer; type: string }> = {
      '/traces/run.json': { body: Buffer.from(plain), type: 'application/json' },
      '/traces/run.json.gz': { body: gzipSync(plain), type: 'application/gzip' },
      '/traces/run.chrome.json': { body: Buffer.from(chrome), type: 'application/json' },
    };
    for (const name of Object.keys(files)) {
      const p = await env.browser.newPage({ viewport: { width: 1400, height: 860 }, colorScheme: 'dark' });
      const errors = collectErrors(p);
      await p.route((u) => u.pathname.startsWith('/traces/'), (route) => {
        const f = files[new URL(route.request().url()).pathname];
        return f ? route.fulfill({ body: f.body, contentType: f.type }) : route.fulfill({ status: 404, body: 'not here' });
      });
      await p.goto(`${env.server.url}/?seed=3&trace=${encodeURIComponent(name)}`);
      const file = name.split('/').pop()!;
      await expect.poll(async () => ((await banner(p).count()) ? banner(p).textContent() : errors.join('\n')), { timeout: 15_000 }).toContain(`viewing ${file}`);
      await expect.poll(() => p.locator('trace-agent-overlay .log-row').count()).toBeGreaterThan(10);
      if (name.endsWith('.gz')) await screenshot(p, 'open-trace-url');
      expect(errors).toEqual([]);
      await p.close();
    }
    const missing = await env.browser.newPage();
    const said: string[] = [];
    missing.on('console', (m) => said.push(`${m.type()}: ${m.text()}`));
    await missing.route((u) => u.pathname.startsWith('/traces/'), (route) => route.fulfill({ status: 404, body: 'not here' }));
    await missing.goto(`${env.server.url}/?seed=3&trace=/traces/gone.json`);
    await expect.poll(async () => ((await problem(missing).count()) ? problem(missing).textContent() : said.join('\n')), { timeout: 10_000 }).toMatch(/^opening \/traces\/gone\.json: could not fetch http:\/\/.+\/traces\/gone\.json: HTTP 404/);
    expect(await banner(missing).count()).toBe(0);
    await missing.close();
  });

  it("with the store on the main thread and no overlay: the Chrome trace's writer and the reader load from the overlay's file, and openTrace reads the export back", async () => {
    const page = await env.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(fixtures.url + '/blank.html');
    await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const s = document.createElement('script');
          s.src = '/trace-agent.js';
          s.dataset['worker'] = 'false';
          s.dataset['overlay'] = 'false';
          s.onload = resolve;
          s.onerror = reject;
          document.head.append(s);
        }),
    );
    await waitForAgent(page);
    type A = { logEvent(t: string, d: object): void; flush(): Promise<void>; exportBlob(o: object): Promise<Blob>; openTrace(x: string): Promise<{ entries: { type: string }[] }>; stats(): { storage: { thread: string } } };
    const r = await page.evaluate(async () => {
      const a = (window as unknown as { TraceAgent: A }).TraceAgent;
      for (let i = 0; i < 50; i++) a.logEvent('quest:step', { i });
      await a.flush();
      const chrome = await (await a.exportBlob({ format: 'chrome' })).text();
      const back = await a.openTrace(chrome);
      return { thread: a.stats().storage.thread, phases: [...new Set((JSON.parse(chrome) as { traceEvents: { ph: string }[] }).traceEvents.map((e) => e.ph))].sort(), steps: back.entries.filter((e) => e.type === 'quest:step').length };
    });
    expect(r.thread).toBe('main');
    expect(r.phases).toEqual(expect.arrayContaining(['C', 'I', 'M']));
    expect(r.steps).toBe(50);
    expect(errors).toEqual([]);
    await page.close();
  });
});
