/**
 * Open anywhere, in real Chromium on the built demo: a trace file dropped on
 * the overlay (a synthetic drop with a DataTransfer holding a File), and
 * `?trace=<url>` on the demo page (plain, gzipped, a Chrome trace we made);
 * a bad file says what and where in the toolbar and leaves the view as it was.
 */
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectErrors, screenshot, useBrowser, waitForDemo } from './browser';

const env = useBrowser({ dirs: ['dist/demo'] });

type Agent = { stats(): { acked: number }; exportBlob(o?: Record<string, unknown>): Promise<Blob> };

/** A trace of the demo, as Download saves it (or in Chrome's format), once a few hundred entries are stored. */
async function demoTraceText(page: Page, format?: 'chrome'): Promise<string> {
  await expect.poll(() => page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.stats().acked), { timeout: 15_000 }).toBeGreaterThan(300);
  return page.evaluate(async (f) => (await (window as unknown as { TraceAgent: Agent }).TraceAgent.exportBlob(f ? { format: f } : {})).text(), format);
}

/** Drags a file with `text` over the overlay's panel (the hint shows) and drops it. */
async function dropFile(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(
    ({ name, text }) => {
      const panel = document.querySelector('trace-agent-overlay')!.shadowRoot!.querySelector('.panel')!;
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'application/json' }));
      const at = panel.getBoundingClientRect();
      const init = { bubbles: true, cancelable: true, composed: true, dataTransfer: dt, clientX: at.x + 100, clientY: at.y + 100 };
      panel.dispatchEvent(new DragEvent('dragenter', init));
      panel.dispatchEvent(new DragEvent('dragover', init));
      (window as unknown as { __hint: boolean }).__hint = !!panel.querySelector('.drop-hint');
      panel.dispatchEvent(new DragEvent('drop', init));
    },
    { name, text },
  );
  expect(await page.evaluate(() => (window as unknown as { __hint: boolean }).__hint)).toBe(true);
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

    // Cut inside an entry: refused, saying where; the file shown before stays.
    const cut = text.slice(0, Math.floor(text.length * 0.6));
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
      await p.route('**/traces/**', (route) => {
        const f = files[new URL(route.request().url()).pathname];
        return f ? route.fulfill({ body: f.body, contentType: f.type }) : route.fulfill({ status: 404, body: 'not here' });
      });
      await p.goto(`${env.server.url}/?seed=3&trace=${encodeURIComponent(name)}`);
      await waitForDemo(p);
      const file = name.split('/').pop()!;
      await expect.poll(() => banner(p).textContent(), { timeout: 10_000 }).toContain(`viewing ${file}`);
      await expect.poll(() => p.locator('trace-agent-overlay .log-row').count()).toBeGreaterThan(10);
      if (name.endsWith('.gz')) await screenshot(p, 'open-trace-url');
      expect(errors).toEqual([]);
      await p.close();
    }
    const missing = await env.browser.newPage();
    await missing.route('**/traces/**', (route) => route.fulfill({ status: 404, body: 'not here' }));
    await missing.goto(`${env.server.url}/?seed=3&trace=/traces/gone.json`);
    await waitForDemo(missing);
    await expect.poll(() => problem(missing).textContent(), { timeout: 10_000 }).toMatch(/^opening \/traces\/gone\.json: could not fetch http:\/\/.+\/traces\/gone\.json: HTTP 404/);
    expect(await banner(missing).count()).toBe(0);
    await missing.close();
  });
});
