/**
 * Pins in real Chromium, with the store's worker on IndexedDB: an alert the
 * game fires pins the 10 s before it and the 5 s after (the defaults); the pinned
 * entries survive a ring that wraps twice, a reload (and two more wraps by
 * the next page), and the export lists the pin. The counters reconcile.
 */
import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectErrors, useBrowser, waitForAgent, waitForStore } from './browser';
import { reconcile } from './reconcile';
import type { AgentStats } from '../../src/agent/types';
import type { TraceFile } from '../../src/export/trace-json';
import { MAX_PIN_LABEL, MAX_PINS, type PinReport } from '../../src/store/pins';

const env = useBrowser();
/** The trace file's JSON Schema: an export with pins must validate (its header's `pins`). */
const validate = new Ajv2020({ allErrors: true, strict: true, strictTypes: false }).compile(JSON.parse(readFileSync(new URL('../../schema/trace-v1.schema.json', import.meta.url), 'utf8')) as object);

/** The ring's capacity: each wrap logs this many. */
const CAPACITY = 2_000;

interface PageAgent {
  sessionId: string;
  logEvent(type: string, data?: object): void;
  flush(): Promise<void>;
  stats(): AgentStats;
  query(q: Record<string, unknown>): Promise<{ entries: { seq: number; ts: number; type: string }[]; next: number | null }>;
  triggerAlert(a: object): Promise<unknown>;
  pins(): Promise<PinReport>;
  pin(lastMs?: number, label?: string): Promise<{ id: number }>;
  unpin(id: number): Promise<boolean>;
  exportTrace(o?: { session?: string }): Promise<TraceFile>;
}

async function open(page: Page, db: string): Promise<void> {
  await page.goto(`${env.server.url}/store-stream.html?db=${db}&capacity=${CAPACITY}`);
  await waitForAgent(page);
  await waitForStore(page);
}

/** Logs `count` entries of `type` in chunks of 100, each flushed (so blocks stay small), until all are durable. */
function log(page: Page, type: string, count: number): Promise<AgentStats> {
  return page.evaluate(
    async ({ type, count }) => {
      const ta = (window as unknown as { TraceAgent: PageAgent }).TraceAgent;
      for (let i = 0; i < count; i += 100) {
        for (let k = i; k < Math.min(count, i + 100); k++) ta.logEvent(type, { i: k });
        await ta.flush();
      }
      for (let round = 0; round < 5 && ta.stats().pending > 0; round++) await ta.flush();
      return ta.stats();
    },
    { type, count },
  );
}

/** The seqs and times of a session's stored entries of `type`, oldest first. */
function stored(page: Page, type: string, sessionId?: string): Promise<{ seq: number; ts: number }[]> {
  return page.evaluate(
    async ({ type, sessionId }) => {
      const ta = (window as unknown as { TraceAgent: PageAgent }).TraceAgent;
      const out: { seq: number; ts: number }[] = [];
      let after: number | undefined;
      for (;;) {
        const r = await ta.query({ sessionId, types: [type], order: 'oldest', limit: 5_000, after });
        for (const e of r.entries) out.push({ seq: e.seq, ts: e.ts });
        if (r.next === null) return out;
        after = r.next;
      }
    },
    { type, sessionId },
  );
}

/**
 * Waits until the page's trace clock is past `ts` (what is logged from then on is after it):
 * a probe entry is logged and read back until its time is. No time is asserted.
 */
function clockPast(page: Page, ts: number): Promise<void> {
  return page.evaluate(async (ts) => {
    const ta = (window as unknown as { TraceAgent: PageAgent }).TraceAgent;
    for (;;) {
      ta.logEvent('probe');
      await ta.flush();
      const newest = (await ta.query({ types: ['probe'], limit: 1 })).entries[0];
      if (newest && newest.ts > ts) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }, ts);
}

const agentCall = <T,>(page: Page, fn: (ta: PageAgent) => Promise<T> | T): Promise<T> =>
  page.evaluate(`(${fn.toString()})(window.TraceAgent)`) as Promise<T>;

describe('pins', () => {
  it('an alert pins the 10 s before it: those entries survive two wraps, a reload and two more, and the export lists the pin', async () => {
    const db = `pins-${Date.now()}`;
    const page = await env.browser.newPage();
    const errors = collectErrors(page);
    await open(page, db);
    const firstSession = await agentCall(page, (ta) => ta.sessionId);

    await log(page, 'before', 600);
    await agentCall(page, (ta) => ta.triggerAlert({ name: 'pin-test', severity: 'critical', message: 'injected by the test' }));
    // The pin is written by the store after the alert fires.
    await expect.poll(async () => (await agentCall(page, (ta) => ta.pins())).pins.length, { timeout: 15_000 }).toBe(1);
    const pin = (await agentCall(page, (ta) => ta.pins())).pins[0]!;
    expect(pin).toMatchObject({ sessionId: firstSession, reason: 'alert' });
    expect(pin.label).toContain('pin-test');
    expect(pin.toTs - pin.fromTs).toBeLessThanOrEqual(15_000);
    // The entries it covers (all 600, unless logging them took more than 10 s).
    const covered = (await stored(page, 'before')).filter((e) => e.ts >= pin.fromTs && e.ts <= pin.toTs).map((e) => e.seq);
    expect(covered.length).toBeGreaterThan(0);

    // What is logged from here on is past the pin's 5 s after the alert: only the entries before it are pinned.
    await clockPast(page, pin.toTs);
    // Two wraps: twice the capacity through the ring.
    const s1 = await log(page, 'after', 2 * CAPACITY);
    expect(s1.evicted).toBeGreaterThanOrEqual(s1.logged - CAPACITY); // all but a ring's worth went
    expect(s1.stored).toBeLessThanOrEqual(CAPACITY);
    expect((await stored(page, 'after')).length).toBeLessThan(2 * CAPACITY); // the ring did wrap
    const kept = new Set((await stored(page, 'before')).map((e) => e.seq));
    expect(covered.filter((s) => !kept.has(s))).toEqual([]);
    expect(s1.pins).toBe(1);
    expect(s1.pinsReleased).toBe(0);
    expect(s1.pinSaveFailures).toBe(0);
    expect(reconcile(s1)).toEqual([]);

    const file = await agentCall(page, (ta) => ta.exportTrace());
    expect(validate(file) ? [] : validate.errors, 'the export validates against schema/trace-v1.schema.json').toEqual([]);
    expect(file.pins).toEqual([expect.objectContaining({ id: pin.id, sessionId: firstSession, fromTs: pin.fromTs, toTs: pin.toTs, reason: 'alert' })]);
    expect(file.pins![0]!.entries).toBeGreaterThanOrEqual(covered.length);
    const exported = new Set(file.entries.filter((e) => e.type === 'before').map((e) => e.seq));
    expect(covered.filter((s) => !exported.has(s))).toEqual([]);

    // A reload: the pin is in the database, and its entries outlive two more wraps by the next page.
    const appendedBefore = s1.ledger.appended;
    await page.reload();
    await waitForAgent(page);
    await waitForStore(page);
    expect((await agentCall(page, (ta) => ta.pins())).pins.map((p) => p.id)).toEqual([pin.id]);
    const s2 = await log(page, 'next', 2 * CAPACITY);
    const keptAfterReload = new Set((await stored(page, 'before', firstSession)).map((e) => e.seq));
    expect(covered.filter((s) => !keptAfterReload.has(s))).toEqual([]);
    expect(s2.stored).toBeLessThanOrEqual(CAPACITY);
    // The page's and the ring's equations (the link's `earlier` is not known exactly: the first page's
    // last entries, logged as it unloaded, were stored by it or recovered by this one).
    expect(reconcile(s2, null)).toEqual([]);
    expect(s2.ledger.appended).toBeGreaterThanOrEqual(appendedBefore + s2.acked);
    const old = await page.evaluate((session) => (window as unknown as { TraceAgent: PageAgent }).TraceAgent.exportTrace({ session }), firstSession);
    expect(old.pins?.map((p) => p.id)).toEqual([pin.id]);

    // The user's pin, then unpinned: both seen by the store.
    const mine = await agentCall(page, (ta) => ta.pin(5_000, 'mine'));
    expect((await agentCall(page, (ta) => ta.pins())).pins.map((p) => p.reason).sort()).toEqual(['alert', 'user']);
    expect(await page.evaluate((id) => (window as unknown as { TraceAgent: PageAgent }).TraceAgent.unpin(id), mine.id)).toBe(true);
    expect((await agentCall(page, (ta) => ta.pins())).pins.map((p) => p.id)).toEqual([pin.id]);

    // Pins are capped: MAX_PINS + 44 more user pins (labels not strings, or too long) release the oldest 45, the alert's first.
    await page.evaluate(async (n) => {
      const ta = (window as unknown as { TraceAgent: PageAgent }).TraceAgent;
      for (let i = 0; i < n; i++) await ta.pin(1_000 + i, (i % 2 ? 42 : 'y'.repeat(1_000)) as string);
    }, MAX_PINS + 44);
    const capped = await agentCall(page, (ta) => ta.pins());
    expect(capped.pins).toHaveLength(MAX_PINS);
    expect(capped.pins.map((p) => p.id)).not.toContain(pin.id);
    expect(capped.released).toBe(45);
    for (const p of capped.pins) expect(p.label.length).toBeLessThanOrEqual(MAX_PIN_LABEL);
    expect(capped.pins.filter((p) => p.label.endsWith('s pinned')).length).toBe(MAX_PINS / 2);
    // An ack carries the pins' summary. These pins cover the ring's newest blocks: the eviction of this write
    // may release more of them (their share of the ring), each counted.
    const s3 = await log(page, 'last', 100);
    expect(s3.pins).toBeLessThanOrEqual(MAX_PINS);
    expect(s3.pins! + s3.pinsReleased!).toBe(MAX_PINS + 45);
    expect(s3.pinSaveFailures).toBe(0);
    expect(s3.storage.problems).toEqual([]);

    expect(errors).toEqual([]);
    await page.close();
  });
});
