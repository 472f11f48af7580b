/** The script tag's data-* options in real Chromium. */
import { describe, expect, it } from 'vitest';
import type { TraceFile } from '../../src/export/trace-json';
import { screenshot, useBrowser, waitForAgent } from './browser';

const env = useBrowser();

const panelVisible = (page: import('playwright-core').Page) => page.locator('trace-agent-overlay .panel').isVisible();

describe('script tag options', () => {
  it('is hidden by default and Alt+Shift+D opens it; game keys pass through', async () => {
    const page = await env.browser.newPage();
    await page.goto(env.server.url + '/stream.html');
    await waitForAgent(page);
    await page.evaluate(() => {
      const w = window as unknown as { seenKeys: string[] };
      w.seenKeys = [];
      addEventListener('keydown', (e) => w.seenKeys.push(e.code));
    });
    expect(await panelVisible(page)).toBe(false);
    await page.keyboard.press('KeyD');
    await page.keyboard.press('Shift+KeyD');
    expect(await panelVisible(page)).toBe(false);
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panelVisible(page)).toBe(true);
    const seen = await page.evaluate(() => (window as unknown as { seenKeys: string[] }).seenKeys);
    // The game saw its own keys (and the modifiers), never the hotkey's D.
    expect(seen.filter((c) => c === 'KeyD')).toHaveLength(2);
    await page.close();
  });

  it('data-open, data-hotkey, data-capacity and data-hook (retried after DOMContentLoaded) take effect', async () => {
    const page = await env.browser.newPage({ colorScheme: 'light', viewport: { width: 1100, height: 700 } });
    await page.goto(env.server.url + '/options.html');
    await waitForAgent(page);
    await expect.poll(() => panelVisible(page)).toBe(true);
    await page.keyboard.press('Alt+Shift+KeyD'); // not the hotkey here
    expect(await panelVisible(page)).toBe(true);
    await page.keyboard.press('Control+Backquote');
    await expect.poll(() => panelVisible(page)).toBe(false);

    const trace = (await page.evaluate(async () => {
      const w = window as unknown as { later: { agent: { act(n: number): number } }; TraceAgent: { exportTrace(): Promise<unknown> } };
      w.later.agent.act(41);
      return w.TraceAgent.exportTrace();
    })) as TraceFile;
    expect(trace.config).toMatchObject({ capacity: 2000, dbName: 'options', hotkey: 'Ctrl+Backquote' });
    expect(trace.entries.find((e) => e.type === 'later.agent.act')).toMatchObject({ kind: 'agent', args: [41], result: 42, status: 'ok' });
    // The path that never appears is reported in the overlay.
    await page.keyboard.press('Control+Backquote');
    await expect.poll(() => page.locator('trace-agent-overlay .problems').textContent()).toContain('never.there');
    await screenshot(page, 'options-overlay-light');

    // data-capacity: the ring keeps about 2,000 entries (whole blocks evicted, never the newest).
    const s = await page.evaluate(async () => {
      const ta = (window as unknown as { TraceAgent: { logEvent(t: string, d: object): void; flush(): Promise<void>; stats(): { stored: number; evicted: number; logged: number; acked: number; dropped: number; droppedByStore: number } } }).TraceAgent;
      for (let i = 0; i < 5_000; i++) {
        ta.logEvent('fill', { i });
        if (i % 500 === 499) await ta.flush(); // blocks of 500
      }
      // The agent's own frame stats may log while flush() waits: count what was logged when it was called.
      const loggedAtFlush = ta.stats().logged;
      await ta.flush();
      return { ...ta.stats(), loggedAtFlush };
    });
    expect(s.stored).toBeLessThanOrEqual(2_000);
    expect(s.stored).toBeGreaterThan(2_000 - 500 - 5);
    // Nothing dropped by back-pressure or refused by the store (refusals are not acks), and all of it durable.
    expect(s.dropped).toBe(0);
    expect(s.droppedByStore).toBe(0);
    expect(s.acked).toBeGreaterThanOrEqual(s.loggedAtFlush);
    expect(s.stored + s.evicted).toBe(s.acked);
    await page.close();
  });
});
