import * as TraceEngine from '@paulirish/trace_engine';
import { buildModel } from '@tracerbench/trace-model';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { ChromeTraceWriter, type ChromeEvent } from '../../../src/export/chrome-trace';
import { demoTrace } from './demo-trace';

interface SpanArgs {
  spanId?: number;
  parentId?: number;
}

/** The file a Chrome export writes for `entries`, parsed. */
function chromeFile(entries: TraceEntry[], clamp = true): { traceEvents: ChromeEvent[] } {
  const w = new ChromeTraceWriter({ clamp });
  let text = w.fileHead({ session: 'demo' });
  for (const e of entries) text += w.entryText(e);
  return JSON.parse(text + w.fileTail()) as { traceEvents: ChromeEvent[] };
}

/** Per sync span, the parent a consumer should nest it in: its parent span when that one is synchronous and in the file. */
function expectedParents(entries: TraceEntry[]): Map<number, number | undefined> {
  const spans = new Map(entries.filter((e) => e.dur !== undefined && e.spanId !== undefined).map((e) => [e.spanId!, e]));
  const out = new Map<number, number | undefined>();
  for (const e of spans.values()) {
    if (e.async) continue;
    const p = e.parentId === undefined ? undefined : spans.get(e.parentId);
    out.set(e.spanId!, p && !p.async ? p.spanId : undefined);
  }
  return out;
}

/** What a consumer made of our sync spans: present (by span id) and the span id of the parent it nested each in. */
interface Nesting {
  present: number;
  wrong: string[];
}

function compare(expected: Map<number, number | undefined>, got: Map<number, number | undefined>): Nesting {
  const wrong: string[] = [];
  for (const [id, parent] of expected) {
    if (!got.has(id)) wrong.push(`span ${id} missing`);
    else if (got.get(id) !== parent) wrong.push(`span ${id} in ${String(got.get(id))}, not ${String(parent)}`);
  }
  return { present: [...expected.keys()].filter((id) => got.has(id)).length, wrong };
}

function polyfillDOMRect(): void {
  const g = globalThis as Record<string, unknown>;
  if (g['DOMRect']) return;
  g['DOMRect'] = class DOMRect {
    constructor(
      public x = 0,
      public y = 0,
      public width = 0,
      public height = 0,
    ) {}
  };
}

/** DevTools' Performance panel engine: its renderer handler's per-thread trees. */
async function devtoolsNesting(file: { traceEvents: ChromeEvent[] }): Promise<Map<number, number | undefined>> {
  polyfillDOMRect();
  const model = TraceEngine.TraceModel.Model.createWithAllHandlers();
  await model.parse(file.traceEvents as never);
  const parsed = model.parsedTrace();
  const got = new Map<number, number | undefined>();
  for (const [, node] of parsed!.data.Renderer.entryToNode) {
    const args = node.entry.args as SpanArgs | undefined;
    if (node.entry.ph !== 'X' || args?.spanId === undefined) continue;
    got.set(args.spanId, (node.parent?.entry.args as SpanArgs | undefined)?.spanId);
  }
  return got;
}

/** tracerbench's trace model: each event's parent on its thread. */
function tracerbenchNesting(file: { traceEvents: ChromeEvent[] }): Map<number, number | undefined> {
  const model = buildModel(file.traceEvents as never);
  const got = new Map<number, number | undefined>();
  for (const ev of model.events) {
    const args = ev.args as SpanArgs | undefined;
    if (!ev.isComplete() || args?.spanId === undefined) continue;
    got.set(args.spanId, (ev.parent?.args as SpanArgs | undefined)?.spanId);
  }
  return got;
}

describe('the Chrome trace in real consumers', () => {
  const entries = demoTrace();
  const expected = expectedParents(entries);

  it('the demo-like trace is what the test needs: nested spans, many under the clock\'s 100 µs, async ones', () => {
    expect(expected.size).toBeGreaterThan(150);
    expect([...expected.values()].filter((p) => p !== undefined).length).toBeGreaterThan(60);
    expect(entries.filter((e) => e.async).length).toBeGreaterThan(5);
    expect(entries.filter((e) => e.dur === 0).length).toBeGreaterThan(20);
  });

  it("DevTools' engine (@paulirish/trace_engine) has every span, nested as its parent says; without the clamp it does not", async () => {
    const r = compare(expected, await devtoolsNesting(chromeFile(entries)));
    console.info(`trace_engine: ${r.present}/${expected.size} sync spans present, ${expected.size - r.wrong.length}/${expected.size} nested as their parent says`);
    expect(r.wrong).toEqual([]);
    const raw = compare(expected, await devtoolsNesting(chromeFile(entries, false)));
    console.info(`trace_engine without the clamp: ${raw.present}/${expected.size} present, ${expected.size - raw.wrong.length}/${expected.size} nested right`);
    expect(raw.wrong.length).toBeGreaterThan(10);
  });

  it("DevTools' engine nests every span of other demo-like sessions too (other seeds, longer)", async () => {
    let spans = 0;
    for (const seed of [11, 23, 42, 99]) {
      const other = demoTrace(seed, 120);
      const want = expectedParents(other);
      const r = compare(want, await devtoolsNesting(chromeFile(other)));
      expect(r.wrong, `seed ${seed}`).toEqual([]);
      spans += want.size;
    }
    console.info(`trace_engine, 4 more sessions: ${spans}/${spans} sync spans nested as their parent says`);
  });

  it('tracerbench (@tracerbench/trace-model) has every span, nested as its parent says; without the clamp it does not', () => {
    const r = compare(expected, tracerbenchNesting(chromeFile(entries)));
    console.info(`tracerbench: ${r.present}/${expected.size} present, ${expected.size - r.wrong.length}/${expected.size} nested right`);
    expect(r.wrong).toEqual([]);
    const raw = compare(expected, tracerbenchNesting(chromeFile(entries, false)));
    console.info(`tracerbench without the clamp: ${raw.present}/${expected.size} present, ${expected.size - raw.wrong.length}/${expected.size} nested right`);
    expect(raw.wrong.length).toBeGreaterThan(10);
  });

  it('tracerbench reads one process per session, a named thread per agent, async pairs, counters and analytics instants', () => {
    const two = [...entries, ...demoTrace(8, 10, 'second')];
    const model = buildModel(chromeFile(two).traceEvents as never);
    expect(model.processes.map((p) => p.name).sort()).toEqual(['trace-agent session demo', 'trace-agent session second']);
    const demo = model.processes.find((p) => p.name.endsWith('demo'))!;
    const threads = demo.threads.map((t) => t.name);
    for (const agent of ['npc', 'llm', 'path', 'quest', 'events', 'frames', 'analytics']) expect(threads).toContain(agent);
    const ofDemo = demo.events;
    const asyncSpans = entries.filter((e) => e.async);
    const begins = ofDemo.filter((e) => e.isNestableAsyncBegin());
    expect(begins.map((e) => e.args['spanId']).sort()).toEqual(asyncSpans.map((e) => e.spanId).sort());
    expect(ofDemo.filter((e) => e.isNestableAsyncEnd())).toHaveLength(asyncSpans.length);
    const counters = new Set(ofDemo.filter((e) => e.isCounter()).map((e) => e.name));
    expect([...counters].sort()).toEqual(['event rate (/s)', 'fps', 'frame time (ms)', 'latency (ms)']);
    const analyticsTid = demo.threads.find((t) => t.name === 'analytics')!.id;
    const analytics = ofDemo.filter((e) => e.isInstant() && e.tid === analyticsTid).map((e) => e.name);
    expect(analytics.sort()).toEqual(['alert:firing', 'anomaly']);
    // Every entry is in the file: sync spans as complete events, async ones as pairs, the rest as instants (frame stats also as counters).
    const instants = new Set(ofDemo.filter((e) => e.isInstant()).map((e) => e.args['seq']));
    expect(instants.size).toBe(entries.filter((e) => e.dur === undefined).length);
  });
});
