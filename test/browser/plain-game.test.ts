/**
 * Instrumentation from the outside, in real Chromium: a small game written
 * without tracing in mind (plain global constructor functions, an async
 * "LLM" call, a state object, a story), loaded exactly as its own index.html
 * loads it plus the one script tag, played with the keyboard; then the
 * downloaded trace is checked for spans, parents, state changes, story
 * transitions and player input.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../src/core/entry';
import type { TraceFile } from '../../src/export/trace-json';
import { collectErrors, screenshot, useBrowser, waitForStore } from './browser';

const env = useBrowser();

/** A fresh page on the game, its agent's store up, the keyboard on the game's board (not the text field). */
async function openGame(): Promise<{ page: Page; errors: string[] }> {
  const page = await env.browser.newPage();
  const errors = collectErrors(page);
  await page.goto(env.server.url + '/plain-game/index.html');
  await waitForStore(page);
  await page.locator('#board').click();
  return { page, errors };
}

describe('a game the project did not write, traced from one script tag', () => {
  it('records its agent calls with parents, its state and story, and the player\'s keys', async () => {
    const { page, errors } = await openGame();
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('t');
    await page.locator('#name').pressSequentially('Ann'); // typed text is not the trace's business
    await page.locator('#board').click();
    await expect.poll(() => page.evaluate(() => (window as unknown as { game: { state: { lines: number } } }).game.state.lines)).toBe(1);
    await expect.poll(() => page.locator('#status').textContent()).toBe('You reached the lantern.');

    // At least one second of frames has been summed up.
    await expect
      .poll(() => page.evaluate(async () => (await (window as unknown as { TraceAgent: { query(q: object): Promise<{ entries: unknown[] }> } }).TraceAgent.query({ types: ['frame:stats'], limit: 1 })).entries.length), { timeout: 5_000 })
      .toBe(1);
    await page.evaluate(() => (window as unknown as { TraceAgent: { open(): void } }).TraceAgent.open());
    await screenshot(page, 'plain-game-overlay');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('trace-agent-overlay button.download').click()]);
    const trace = JSON.parse(readFileSync(await download.path(), 'utf8')) as TraceFile;
    const e = trace.entries;
    const of = (type: string) => e.filter((x) => x.type === type);

    // Spans: Player.move calls World.collide inside it; hooking happened after the game built its objects.
    const moves = of('Player.move');
    expect(moves).toHaveLength(6); // six steps right, none into a wall (the world is 8 wide)
    expect(moves.every((m) => m.status === 'ok' && m.source === 'Player')).toBe(true);
    const collides = of('World.collide');
    expect(collides).toHaveLength(6);
    for (const c of collides) expect(moves.map((m) => m.spanId)).toContain(c.parentId);
    expect(moves[0]).toMatchObject({ args: [1], result: true });

    // The async agent call and its "LLM" call beneath it.
    const [talk] = of('game.npcs[keeper].talk');
    const [ask] = of('Oracle.ask');
    expect(talk).toMatchObject({ status: 'ok', async: true, args: ['hello'], result: 'The road is long, hello.' });
    expect(ask!.parentId).toBe(talk!.spanId);
    expect(ask!.dur).toBeGreaterThanOrEqual(15);

    // State changes name the span that made them; the story moved once.
    const xChanges = of('state:change').filter((s) => JSON.stringify((s.data as { changes: { path: unknown[] }[] }).changes[0]!.path) === '["x"]');
    expect(xChanges).toHaveLength(6);
    for (const s of xChanges) expect(moves.map((m) => m.spanId)).toContain(s.parentId);
    expect(of('state:checkpoint').length).toBeGreaterThanOrEqual(1);
    expect(of('story:transition')).toMatchObject([{ data: { from: 'road', to: 'lantern', choice: 'lantern', via: 'reach' } }]);

    // The player's keys, and nothing of what was typed into the text field.
    const keys = of('input:keydown').map((k) => (k.data as { key: string }).key);
    expect(keys.filter((k) => k === 'ArrowRight')).toHaveLength(6);
    expect(keys).toContain('t');
    expect(keys).not.toContain('A');
    expect(keys.filter((k) => k === '…').length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(e)).not.toContain('"Ann"');
    expect(of('frame:stats').length).toBeGreaterThanOrEqual(1);
    expect(e.every((x: TraceEntry) => typeof x.frame === 'number')).toBe(true);

    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the analytics engine in the worker, through window.TraceAgent', () => {
  it('answers stats, patterns, alerts and health for the game being played', async () => {
    const { page, errors } = await openGame();
    for (let i = 0; i < 7; i++) await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight');
    const r = await page.evaluate(async () => {
      type Api = {
        flush(): Promise<void>;
        generateStats(): Promise<{ methods: { agent: string; method: string; calls: number }[]; engine: { entries: number } }>;
        analyzePatterns(t: string): Promise<{ busiestAgents: { agent: string }[]; sequences: Record<string, { types: string[] }[]> }>;
        analyzeTrends(t: string): Promise<{ metrics: { metric: string; direction: string; series: unknown[] }[] }>;
        triggerAlert(a: object): Promise<{ name: string; state: string }[]>;
        alerts(): Promise<{ rules: { name: string }[] }>;
        checkHealth(): Promise<{ status: string; reasons: { what: string }[] }>;
        detectAnomalies(): Promise<{ anomalies: unknown[]; total: number }>;
        query(q: object): Promise<{ entries: { type: string; data: { name?: string } }[] }>;
        stats(): { storage: { thread: string } };
      };
      const ta = (window as unknown as { TraceAgent: Api }).TraceAgent;
      await ta.flush();
      const stats = await ta.generateStats();
      const patterns = await ta.analyzePatterns('30s');
      const trends = await ta.analyzeTrends('30s');
      const statuses = await ta.triggerAlert({ name: 'lantern-unlit', severity: 'warning', message: 'the lantern is still dark' });
      await ta.flush();
      const alertEntries = await ta.query({ types: ['alert:firing'] });
      return {
        thread: ta.stats().storage.thread,
        moves: stats.methods.find((m) => m.agent === 'Player' && m.method === 'move')?.calls,
        engineEntries: stats.engine.entries,
        busiest: patterns.busiestAgents.map((a) => a.agent),
        pairs: patterns.sequences['2']!.map((s) => s.types.join(' > ')),
        trendMetrics: trends.metrics.map((m) => m.metric),
        fired: statuses.find((s) => s.name === 'lantern-unlit')?.state,
        alertEntry: alertEntries.entries[0]?.data.name,
        rules: (await ta.alerts()).rules.map((x) => x.name),
        health: await ta.checkHealth(),
        anomalies: await ta.detectAnomalies(),
      };
    });
    expect(r.thread).toBe('worker');
    expect(r.moves).toBe(7);
    expect(r.engineEntries).toBeGreaterThan(20);
    expect(r.busiest).toContain('Player');
    expect(r.pairs).toContain('World.collide > state:change');
    expect(r.trendMetrics).toEqual(expect.arrayContaining(['eventRate', 'fps']));
    expect(r.fired).toBe('firing');
    expect(r.alertEntry).toBe('lantern-unlit');
    expect(r.rules).toEqual(expect.arrayContaining(['low-fps', 'error-rate', 'event-flood', 'slow-agents']));
    expect(r.health.status).toBe('degraded');
    expect(r.health.reasons.map((x) => x.what)).toContain('alert:lantern-unlit');
    expect(r.anomalies).toEqual({ anomalies: [], total: 0 }); // seconds of play: the detectors are still learning
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the event log in real Chromium', () => {
  it('filters narrow the log (applied by the store), and an entry opens its detail with its parent span', async () => {
    const { page, errors } = await openGame();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await page.evaluate(() => (window as unknown as { TraceAgent: { open(): void; flush(): Promise<void> } }).TraceAgent.open());
    const overlay = (sel: string) => page.locator(`trace-agent-overlay ${sel}`);
    await overlay('button[role="tab"]').filter({ hasText: 'log' }).click();
    const typesShown = () => overlay('.log-row .type').allTextContents();
    await expect.poll(async () => new Set(await typesShown()).size, { timeout: 5_000 }).toBeGreaterThan(3);

    // Text filter: only World.collide spans are left.
    await overlay('.lf-text').fill('collide');
    await expect.poll(async () => [...new Set(await typesShown())], { timeout: 5_000 }).toEqual(['World.collide']);
    expect(await overlay('.log-row .type').count()).toBe(4);
    await screenshot(page, 'log-filtered');

    // An entry opens its detail: its fields, and its parent span (Player.move) as a link.
    await overlay('.log-row .type').first().click();
    const detail = overlay('.log-detail');
    await expect.poll(() => detail.isVisible(), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => detail.textContent(), { timeout: 5_000 }).toContain('Player.move');
    expect(await detail.textContent()).toContain('World.collide');
    await screenshot(page, 'log-detail');
    expect(errors).toEqual([]);
    await page.close();
  });
});
