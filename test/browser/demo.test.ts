/**
 * The walking skeleton end to end in real Chromium: the built drop-in script
 * on the built demo, the hotkey, the overlay, Download, and a reload in the
 * middle of the stream.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceFile } from '../../src/export/trace-json';
import { collectErrors, screenshot, useBrowser, waitForAgent, waitForDemo } from './browser';

const env = useBrowser({ dirs: ['dist/demo'] });

interface PageStats {
  sessionId: string;
  logged: number;
  acked: number;
  dropped: number;
  droppedByStore: number;
  rejected: number;
  pending: number;
  recovered: number;
  storage: { thread: string | null; backend: string | null; problems: string[] };
}
const stats = (page: Page) =>
  page.evaluate(() => (window as unknown as { TraceAgent: { stats(): unknown } }).TraceAgent.stats()) as Promise<PageStats>;

async function openDemo(page: Page, query = '?seed=7'): Promise<void> {
  await page.goto(env.server.url + '/' + query);
  await waitForDemo(page);
}

function expectContiguous(seqs: number[], from = 1): void {
  expect(new Set(seqs).size).toBe(seqs.length); // no duplicates
  const sorted = [...seqs].sort((a, b) => a - b);
  expect(sorted[0]).toBe(from);
  expect(sorted.at(-1)! - from + 1).toBe(sorted.length); // no gaps
}

describe('demo with the drop-in script', () => {
  it('hotkey shows the overlay, the game fills it, Download saves exactly what was logged', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 860 }, acceptDownloads: true, colorScheme: 'dark' });
    const errors = collectErrors(page);
    await openDemo(page);

    const host = page.locator('trace-agent-overlay');
    const panel = page.locator('trace-agent-overlay .panel');
    // The demo's tag has data-open: the overlay is up; the hotkey hides it and shows it again.
    await expect.poll(() => panel.isVisible()).toBe(true);
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panel.isVisible()).toBe(false);
    await page.keyboard.press('Alt+Shift+KeyD');
    await expect.poll(() => panel.isVisible()).toBe(true);
    expect(await host.evaluate((el) => el.shadowRoot?.adoptedStyleSheets.length)).toBe(1);

    // Let the game run: agent spans from the hooked agents fill the log.
    await expect.poll(async () => (await stats(page)).acked, { timeout: 15_000 }).toBeGreaterThan(200);
    await page.locator('trace-agent-overlay button[role="tab"]', { hasText: 'log' }).click();
    await expect.poll(() => page.locator('trace-agent-overlay .log-row').count(), { timeout: 5_000 }).toBeGreaterThan(20);
    const s = await stats(page);
    expect(s.storage).toMatchObject({ thread: 'worker', backend: 'indexeddb', problems: [] });
    // Two more seconds of play for the screenshot, which also give the game's own rate.
    const restStart = { at: await page.evaluate(() => performance.now()), logged: (await stats(page)).logged };
    await page.waitForTimeout(2_000);
    const restEnd = { at: await page.evaluate(() => performance.now()), logged: (await stats(page)).logged };
    console.log(`at rest: the demo logged ${Math.round(((restEnd.logged - restStart.logged) * 1000) / (restEnd.at - restStart.at))} events/s (overlay open)`);
    await screenshot(page, 'demo-overlay-open');

    // Stop the game, let in-flight async agent calls settle, then download.
    await page.evaluate(() => (window as unknown as { game: { stop(): void } }).game.stop());
    await page.waitForTimeout(800);
    const before = await stats(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('trace-agent-overlay button.download').click()]);
    expect(download.suggestedFilename()).toBe(`trace-${before.sessionId}.json`);
    const trace = JSON.parse(readFileSync(await download.path(), 'utf8')) as TraceFile;

    expect(trace.format).toBe('trace-agent');
    expect(trace.schemaVersion).toBe(1);
    expect(trace.session).toBe(before.sessionId);
    expect(trace.entries.every((e) => e.sessionId === before.sessionId)).toBe(true);
    expect(trace.entries.length).toBe(trace.counters.logged);
    expect(trace.entries.length).toBeGreaterThanOrEqual(before.logged);
    expectContiguous(trace.entries.map((e) => e.seq));
    expect(trace.counters).toMatchObject({ dropped: 0, rejected: 0 });

    // The agents the script tag hooked by path are all in the trace.
    const sources = new Set(trace.entries.filter((e) => e.kind === 'agent').map((e) => e.source ?? ''));
    for (const agent of ['game.story', 'game.state', 'game.director']) expect(sources.has(agent)).toBe(true);
    expect([...sources].some((x) => x.startsWith('game.npcs['))).toBe(true);
    const spans = trace.entries.filter((e) => e.kind === 'agent');
    expect(spans.every((e) => typeof e.dur === 'number' && (e.status === 'ok' || e.status === 'error'))).toBe(true);
    expect(trace.entries.every((e) => typeof e.frame === 'number' && typeof e.ts === 'number')).toBe(true);
    expect(Math.max(...trace.entries.map((e) => e.frame))).toBeGreaterThan(30);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('the event-flood fault: nothing is lost and the counters add up (prints the rate sustained into IndexedDB)', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors = collectErrors(page);
    await openDemo(page);
    const t0 = await page.evaluate(() => performance.now());
    const start = await stats(page);
    await page.locator('button', { hasText: 'Event flood' }).click();
    await page.waitForTimeout(3_500); // the flood lasts 3 s
    await page.evaluate(() => (window as unknown as { game: { stop(): void } }).game.stop());
    // The game is stopped, but the agent's own frame stats go on: read what was logged when flush() was called.
    const end = await page.evaluate(async () => {
      const ta = (window as unknown as { TraceAgent: { flush(): Promise<void>; stats(): PageStats } }).TraceAgent;
      const loggedAtFlush = ta.stats().logged;
      await ta.flush();
      return { ...ta.stats(), loggedAtFlush };
    });
    const t1 = await page.evaluate(() => performance.now());
    // Checked in the page: the trace is some 60,000 entries, which take many seconds to cross CDP on a loaded machine.
    const trace = await page.evaluate(async () => {
      const t = await (window as unknown as { TraceAgent: { exportTrace(): Promise<TraceFile> } }).TraceAgent.exportTrace();
      return { entries: t.entries.length, logged: t.counters.logged, floods: t.entries.filter((e) => e.type === 'flood.tick').length, seqs: t.entries.map((e) => e.seq) };
    });
    const floods = trace.floods;
    expect(floods).toBeGreaterThan(10_000);
    // Nothing dropped by back-pressure or refused by the store, and all of it durable.
    expect(end.dropped).toBe(0);
    expect(end.droppedByStore).toBe(0);
    expect(end.acked).toBeGreaterThanOrEqual(end.loggedAtFlush);
    expect(trace.entries).toBe(trace.logged);
    expectContiguous(trace.seqs);
    expect(errors).toEqual([]);
    const rate = ((end.acked - start.acked) * 1000) / (t1 - t0);
    console.log(
      `flood: ${floods} flood.tick entries; ${end.acked - start.acked} entries durable in ${((t1 - t0) / 1000).toFixed(2)} s ` +
        `= ${Math.round(rate)} events/s averaged over the window (the flood itself runs 3 s of it); dropped ${end.dropped}`,
    );
    await page.close();
  });

  it('a reload in the middle of the stream loses nothing that was logged', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    await openDemo(page);
    // A steady extra stream on top of the game's own, until the page goes away.
    await page.evaluate(() => {
      const ta = (window as unknown as { TraceAgent: { logEvent(t: string, d: object): void; stats(): { logged: number } } }).TraceAgent;
      let i = 0;
      setInterval(() => {
        for (let k = 0; k < 50; k++) ta.logEvent('test.stream', { i: i++ });
      }, 5);
      // Registered after the agent's own listeners, so each runs after the
      // agent's: the last one to run has seen every entry of this page.
      const note = () => sessionStorage.setItem('loggedAtHide', String(ta.stats().logged));
      addEventListener('pagehide', note);
      document.addEventListener('visibilitychange', note);
    });
    await page.waitForTimeout(1_500);
    // The store is up and storing (it may take seconds to start on a loaded machine) ...
    await expect.poll(async () => (await stats(page)).acked, { timeout: 15_000 }).toBeGreaterThan(500);
    // ... and within 5,000 entries of the stream, well inside what the emergency log holds (1M
    // characters): what the reload saves is then bounded by the moment between this check and the
    // reload, not by how far a loaded machine's worker has fallen behind.
    await expect.poll(async () => (await stats(page)).pending, { timeout: 30_000 }).toBeLessThan(5_000);
    const mid = await stats(page);
    await page.reload();
    await waitForAgent(page);

    const loggedAtHide = Number(await page.evaluate(() => sessionStorage.getItem('loggedAtHide')));
    expect(loggedAtHide).toBeGreaterThanOrEqual(mid.acked);
    // The emergency log of the first load is replayed into its own session. Traces are summed up in
    // the page: their entries take seconds to cross CDP on a loaded machine.
    const exported = (session: string) =>
      page.evaluate(
        async ({ session, mine }) => {
          const t = await (window as unknown as { TraceAgent: { exportTrace(o: object): Promise<TraceFile> } }).TraceAgent.exportTrace({ session });
          const own = t.entries.filter((e) => e.sessionId === mine);
          return { entries: t.entries.length, mine: own.length, seqs: own.map((e) => e.seq), sessions: t.sessions };
        },
        { session, mine: mid.sessionId },
      );
    await expect.poll(async () => (await exported(mid.sessionId)).entries, { timeout: 30_000 }).toBe(loggedAtHide);
    const old = await exported(mid.sessionId);
    expect(old.mine).toBe(old.entries); // that session's entries only
    expectContiguous(old.seqs);
    expect(old.sessions[0]).toMatchObject({ id: mid.sessionId, firstSeq: 1, lastSeq: loggedAtHide, entries: loggedAtHide });

    const after = await stats(page);
    expect(after.sessionId).not.toBe(mid.sessionId);
    const sessions = (await page.evaluate(() =>
      (window as unknown as { TraceAgent: { sessions(): Promise<unknown> } }).TraceAgent.sessions(),
    )) as { id: string }[];
    expect(sessions.map((x) => x.id)).toEqual(expect.arrayContaining([after.sessionId, mid.sessionId]));
    expect((await exported('all')).mine).toBe(loggedAtHide);
    console.log(`reload: ${mid.acked} acked at the reading, ${loggedAtHide} logged at pagehide, recovered after reload: ${after.recovered}`);
    await context.close();
  });
});
