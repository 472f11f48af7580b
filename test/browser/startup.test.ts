/**
 * What the drop-in script's tag does at once and what it leaves for later
 * (issue 16): the store (its worker, IndexedDB) starts after the script's
 * synchronous run, with what the game logged meanwhile kept and stored; the
 * overlay's file (trace-agent.overlay.js) is neither fetched nor run before
 * the overlay is first opened, by the hotkey or the API; and when it cannot
 * load, the overlay fails closed: counted, said in health and in the trace,
 * the hotkey the game's again.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceFile } from '../../src/export/trace-json';
import { FIXTURE_DIRS, screenshot, useBrowser, waitForAgent } from './browser';
import { serve } from './server';
import { reconcile, type ReconcileStats } from './reconcile';

const env = useBrowser();

interface Agent {
  stats(): ReconcileStats & { internalErrors: number; storage: { thread: string | null } };
  flush(): Promise<void>;
  open(): void;
  readonly isOpen: boolean;
  exportTrace(): Promise<unknown>;
  checkHealth(): Promise<{ reasons: { what: string; message: string }[] }>;
}
const agent = (page: Page) => page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.stats());
const panelVisible = (page: Page) => page.locator('trace-agent-overlay .panel').isVisible();

/** Whether a hotkey press is taken from the game (default prevented) on `page`. */
const hotkeyPrevented = (page: Page) =>
  page.evaluate(() => {
    const ev = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, code: 'KeyD', altKey: true, shiftKey: true });
    window.dispatchEvent(ev);
    return ev.defaultPrevented;
  });

/** A page of startup.html whose requests for the overlay's file are listed. */
async function open(fresh: string): Promise<{ page: Page; overlayRequests: string[] }> {
  const page = await env.browser.newPage();
  const overlayRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('trace-agent.overlay.js')) overlayRequests.push(r.url());
  });
  await page.goto(`${env.server.url}/startup.html?${fresh}`);
  await waitForAgent(page);
  await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.flush());
  return { page, overlayRequests };
}

describe('the drop-in script at start-up', () => {
  it('starts its store after the synchronous run, and stores everything logged before it was up', async () => {
    const { page, overlayRequests } = await open('store');
    const atStart = await page.evaluate(() => (window as unknown as { atStart: { storage: string | null; overlay: boolean; pending: number; logged: number } }).atStart);
    // In the task of the tag, after its run and the 500 events: no store yet, every entry (the 500, the session's start) waiting in the batch.
    expect(atStart).toMatchObject({ storage: null, overlay: false });
    expect(atStart.logged).toBeGreaterThanOrEqual(501);
    expect(atStart.pending).toBe(atStart.logged);
    const s = await agent(page);
    expect(s.storage.thread).toBe('worker');
    expect(s.pending).toBe(0);
    expect(reconcile(s)).toEqual([]); // a fresh context: no earlier page wrote to its database
    const trace = (await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.exportTrace())) as TraceFile;
    expect(trace.entries.filter((e) => e.type === 'early.tick').map((e) => (e.data as { i: number }).i)).toEqual([...Array(500).keys()]);
    // Nothing of the overlay was fetched, nor is on the page.
    expect(overlayRequests).toEqual([]);
    expect(await page.locator('trace-agent-overlay').count()).toBe(0);
    await page.close();
  });

  it('a page that leaves in the task that logged: the next page has all it logged, stored or recovered', async () => {
    const page = await env.browser.newPage();
    await page.goto(`${env.server.url}/startup.html?leave`);
    await page.waitForURL(/\?after$/);
    await waitForAgent(page);
    type Q = { sessions(): Promise<{ id: string }[]>; query(q: object): Promise<{ entries: { data?: unknown }[] }>; stats(): { sessionId: string; recovered: number } };
    const ticksOfFirst = () =>
      page.evaluate(async () => {
        const ta = (window as unknown as { TraceAgent: Q }).TraceAgent;
        const own = ta.stats().sessionId;
        const first = (await ta.sessions()).filter((s) => s.id !== own);
        if (first.length !== 1) return [];
        const r = await ta.query({ sessionId: first[0]!.id, types: ['early.tick'], order: 'oldest', limit: 1_000 });
        return r.entries.map((e) => (e.data as { i: number }).i);
      });
    // Bounded: the replay runs at the second page's first idle moment.
    await expect.poll(ticksOfFirst, { timeout: 20_000 }).toEqual([...Array(500).keys()]);
    // Whether its store had started by then is the browser's timing: the page's busy tasks make it very likely
    // not (checked: with no emergency save before the start, this test fails); the unit tests pin that case.
    console.log(`store thread as the first page left: ${await page.evaluate(() => sessionStorage.getItem('threadAtLeave'))}`);
    await page.close();
  });

  it('loads the overlay on the first hotkey, and the API opens it too', async () => {
    const { page, overlayRequests } = await open('hotkey');
    expect(overlayRequests).toEqual([]);
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panelVisible(page)).toBe(true);
    expect(overlayRequests).toEqual([`${env.server.url}/trace-agent.overlay.js`]);
    // Opened by the key: focus went into the overlay, as the mounted overlay's own hotkey does.
    expect(await page.evaluate(() => document.activeElement?.localName)).toBe('trace-agent-overlay');
    await screenshot(page, 'startup-first-open-by-hotkey');
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panelVisible(page)).toBe(false);
    await page.close();

    const api = await open('api');
    expect(await api.page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.isOpen)).toBe(false);
    await api.page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.open());
    await expect.poll(() => panelVisible(api.page)).toBe(true);
    expect(await api.page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.isOpen)).toBe(true);
    expect(api.overlayRequests).toHaveLength(1);
    expect((await agent(api.page)).internalErrors).toBe(0);
    await api.page.close();
  });

  it('fails closed when the overlay file is missing: counted, in health and the trace, the hotkey left to the game', async () => {
    const page = await env.browser.newPage();
    await page.route('**/trace-agent.overlay.js', (route) => route.fulfill({ status: 404, body: 'not here' }));
    await page.goto(`${env.server.url}/startup.html?missing`);
    await waitForAgent(page);
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(async () => (await agent(page)).internalErrors).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.isOpen)).toBe(false);
    await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.open()); // stays down, counted once
    const health = await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.checkHealth());
    expect(health.reasons.find((r) => r.what === 'overlay')?.message).toMatch(/trace-agent\.overlay\.js could not be loaded/);
    const trace = (await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.exportTrace())) as TraceFile;
    expect(trace.entries.filter((e) => e.type === 'overlay:failed')).toHaveLength(1);
    expect((await agent(page)).internalErrors).toBe(1);
    expect(await page.locator('trace-agent-overlay').count()).toBe(0);
    expect(await hotkeyPrevented(page)).toBe(false);
    await page.close();
  });

  it('fails closed when the overlay URL serves a script that does not hand anything back (another build, a proxy\'s page), and when it throws as it starts', async () => {
    for (const [body, said] of [
      ['window.notOurs = 1;', /loaded but did not start/],
      ['throw new Error("a broken overlay file");', /loaded but did not start/],
    ] as const) {
      const page = await env.browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.route('**/trace-agent.overlay.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body }));
      await page.goto(`${env.server.url}/startup.html?${encodeURIComponent(body)}`);
      await waitForAgent(page);
      await page.keyboard.press('Alt+Shift+KeyD');
      await expect.poll(async () => (await agent(page)).internalErrors).toBe(1);
      const health = await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.checkHealth());
      expect(health.reasons.find((r) => r.what === 'overlay')?.message).toMatch(said);
      expect(await page.evaluate(() => (window as unknown as { TraceAgent: Agent }).TraceAgent.isOpen)).toBe(false);
      // The file's <script> is taken out again; the hotkey is the game's.
      expect(await page.locator('script[src*="trace-agent.overlay.js"]').count()).toBe(0);
      expect(await hotkeyPrevented(page)).toBe(false);
      // A file not of our build that throws is the page's error (ours catch their own: see vite.config.ts); ours never add one.
      expect(pageErrors.filter((m) => !/a broken overlay file/.test(m))).toEqual([]);
      await page.close();
    }
  });

  it("loads the overlay under a nonce policy: its <script> carries the tag's nonce", async () => {
    const server = await serve(FIXTURE_DIRS, { htmlHeaders: { 'Content-Security-Policy': "script-src 'nonce-startup-test'; style-src 'self'" } });
    const page = await env.browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text()) && /overlay/.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${server.url}/startup-nonce.html`);
    await waitForAgent(page);
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panelVisible(page)).toBe(true);
    expect(violations).toEqual([]);
    expect((await agent(page)).internalErrors).toBe(0);
    await page.close();
    await server.close();
  });
});
