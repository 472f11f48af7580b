/**
 * The demo's fault buttons, in real Chromium: after the game has played a
 * while (the detectors learn for 30 s), each button makes the agents misbehave
 * from inside their own methods, and the trace agent must say so within
 * seconds, as an alert, an anomaly or a loop, found from the trace alone (the
 * demo's own fault:start entries are not looked at), and shown in the
 * overlay's anomalies tab.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectErrors, screenshot, useBrowser, waitForStore } from './browser';

// Precise heap figures: without the flag Chromium gives the page coarse, rarely updated ones.
const env = useBrowser({ dirs: ['dist/demo'], args: ['--enable-precise-memory-info'] });

interface Warning {
  type: string;
  name: string;
  /** A frame:hitch's duration (ms). */
  dur?: number;
}

/** Alerts that fired, anomalies and loops logged after `fromSeq`. */
async function warningsSince(page: Page, fromSeq: number): Promise<Warning[]> {
  return page.evaluate(async (from) => {
    type E = { type: string; data: { name?: string; metric?: string; agent?: string; rule?: string; what?: string; dur?: number } };
    const ta = (window as unknown as { TraceAgent: { query(q: object): Promise<{ entries: E[] }> } }).TraceAgent;
    const r = await ta.query({ types: ['alert:firing', 'anomaly', 'loop:detected', 'frame:hitch'], fromSeq: from, order: 'oldest', limit: 500 });
    return r.entries.map((e) => ({
      type: e.type,
      name: e.type === 'alert:firing' ? e.data.name! : e.type === 'anomaly' ? `${e.data.metric}${e.data.agent ? ` ${e.data.agent}` : ''}` : e.type === 'frame:hitch' ? `${Math.round(e.data.dur ?? 0)} ms` : `${e.data.rule} ${e.data.what}`,
      dur: e.data.dur,
    }));
  }, fromSeq);
}

/** The state of one alert now. */
async function alertState(page: Page, name: string): Promise<string | undefined> {
  return page.evaluate(async (name) => {
    const ta = (window as unknown as { TraceAgent: { alerts(): Promise<{ statuses: { name: string; state: string }[] }> } }).TraceAgent;
    return (await ta.alerts()).statuses.find((s) => s.name === name)?.state;
  }, name);
}

/** What each fault must raise: a predicate over the warnings that follow it. */
const EXPECTED: [fault: string, what: string, test: (w: Warning) => boolean][] = [
  ['slow-agent', "an anomaly in Bram's decide() latency", (w) => w.type === 'anomaly' && /^latency .*Bram.*decide/.test(w.name)],
  ['error-storm', 'the error-rate alert', (w) => w.type === 'alert:firing' && w.name === 'error-rate'],
  ['stuck-loop', "a loop in Pip's replan()", (w) => w.type === 'loop:detected' && /Pip.*replan/.test(w.name)],
  ['event-flood', 'the event-flood alert', (w) => w.type === 'alert:firing' && w.name === 'event-flood'],
  ['frame-hitch', 'the frame-hitch alert', (w) => w.type === 'alert:firing' && w.name === 'frame-hitch'],
  ['memory-leak', 'an anomaly in the heap size', (w) => w.type === 'anomaly' && w.name === 'memory'],
  // Lanterns flipped on and off 400 times a second: an unusual call rate, or the set() calls alternating (a loop).
  ['state-thrash', "an anomaly in the state manager's set() calls per second, or its set() calls looping", (w) => (w.type === 'anomaly' && /^callRate .*state.*set/.test(w.name)) || (w.type === 'loop:detected' && /state.*set/.test(w.name))],
];

describe('every fault button lights its warning', () => {
  it('after 35 s of play, each fault raises its warning within 15 s', async () => {
    const page = await env.browser.newPage();
    const errors = collectErrors(page);
    await page.goto(env.server.url + '/');
    await waitForStore(page);
    await page.waitForTimeout(35_000); // the game plays itself; the detectors learn
    const found: Record<string, Warning[]> = {};
    for (const [fault, what, expected] of EXPECTED) {
      const from = await page.evaluate(() => (window as unknown as { TraceAgent: { stats(): { logged: number } } }).TraceAgent.stats().logged);
      // On a loaded machine the frame-hitch alert may be firing already (slow frames keep it up), so it
      // cannot fire again: then what the fault must raise is its own hitch (it blocks a frame 250 ms)
      // while the alert fires.
      const firing = fault === 'frame-hitch' && (await alertState(page, 'frame-hitch')) === 'firing';
      const test = firing ? (w: Warning) => w.type === 'frame:hitch' && (w.dur ?? 0) >= 250 : expected;
      await page.locator(`button[data-fault="${fault}"]`).click();
      await expect
        .poll(async () => (await warningsSince(page, from)).some(test), { timeout: 15_000, interval: 500, message: `${fault}: expected ${what}` })
        .toBe(true);
      found[fault] = (await warningsSince(page, from)).filter(test);
      if (firing) expect(await alertState(page, 'frame-hitch'), 'frame-hitch: the alert fires through the fault').toBe('firing');
      await page.waitForTimeout(6_000); // let it end before the next one
    }
    console.log(Object.entries(found).map(([f, ws]) => `${f}: ${ws[0]!.type} ${ws[0]!.name}`).join('\n'));
    // The overlay shows them: the anomalies tab has cards.
    await page.evaluate(() => (window as unknown as { TraceAgent: { open(): void } }).TraceAgent.open());
    await page.locator('trace-agent-overlay button[role="tab"]', { hasText: 'anomalies' }).click();
    await expect.poll(() => page.locator('trace-agent-overlay .card, trace-agent-overlay [class*="card"]').count(), { timeout: 5_000 }).toBeGreaterThan(3);
    await screenshot(page, 'demo-faults-anomalies');
    expect(errors.filter((e) => !/AgentFaultError|error storm|price table/.test(e))).toEqual([]);
    await page.close();
  }, 240_000);
});
