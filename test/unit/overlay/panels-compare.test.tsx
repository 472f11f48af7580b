// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import type { TraceFile } from '../../../src/export/trace-json';
import { DIGEST_LIMITS } from '../../../src/analytics/compare';
import { CompareTab } from '../../../src/overlay/panels/compare';
import { LIVE_MAX } from '../../../src/overlay/panels/compare-sides';
import type { OverlayQuery } from '../../../src/overlay/source';
import { demoEntries, demoHeader } from '../../tools/demo-trace.mjs';
import { buttonByText, click, fakeSource, mount, recordingCharts, settle, type Mounted } from './panels-fake';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const N = 8_000;
const good = [...demoEntries(N, { seed: 1 })];
const bad = [...demoEntries(N, { seed: 2, fault: { method: 'pathfinder.findPath', slow: 5 } })];
const file = (entries: TraceEntry[]): TraceFile => ({ ...demoHeader(entries.length), entries });

/** A store of `entries` paged as the store pages them (oldest first, `after` the last seq). */
function paged(entries: TraceEntry[]) {
  return (q: OverlayQuery) => {
    const from = q.after ?? 0;
    return entries.filter((e) => e.seq > from).slice(0, q.limit ?? 200);
  };
}

/** Picks `f` in the file input labelled `label`, as the browser's picker would. */
async function pickFile(root: HTMLElement, label: string, f: File): Promise<void> {
  const input = root.querySelector<HTMLInputElement>(`input[type="file"][aria-label="${label}"]`)!;
  Object.defineProperty(input, 'files', { value: [f], configurable: true });
  await act(() => {
    input.dispatchEvent(new Event('change'));
  });
  await settle();
}

const rows = (root: HTMLElement) => [...root.querySelectorAll('table.methods tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent));

describe('the compare tab', () => {
  it('compares the opened file with the live session: the faulty method first, frame times overlaid', async () => {
    const fake = fakeSource({ query: paged(bad) });
    // query answers pages with `next` the last seq of the page (the fake says null: give it the store's paging).
    fake.source.query = vi.fn(async (q: OverlayQuery) => {
      const entries = paged(bad)(q);
      return { entries, next: entries.length === (q.limit ?? 200) ? entries[entries.length - 1]!.seq : null, blocksRead: 0 };
    });
    const charts = recordingCharts();
    m = await mount(fake.source, (state) => {
      state.file.value = { name: 'good.json', trace: file(good) };
      return <CompareTab source={fake.source} state={state} />;
    }, charts.factory);
    expect(m.text()).toContain('A (reference) good.json');
    await click(buttonByText(m.root, 'compare'));
    await vi.waitFor(() => expect(m!.root.querySelector('table.methods')).not.toBeNull());
    const r = rows(m.root);
    expect(r[0]![0]).toBe('pathfinder.findPath');
    // What changed: a row under the method, and under no other.
    expect(r[1]).toEqual([expect.stringMatching(/p95 [\d.]+ → [\d.]+ ms \(×[\d.]+; A [\d.]+–[\d.]+, B [\d.]+–[\d.]+ ms\)/)]);
    expect(m.root.querySelectorAll('tr.what')).toHaveLength(1);
    expect(r.slice(2).map((row) => row[0])).toEqual(['npc.decide', 'npc.move', 'director.plan']);
    expect(m.text()).toContain(`B live session: ${N} entries`);
    expect(m.text()).toContain('1 method changed');
    // Every page of the store was read, oldest first.
    const qs = (fake.source.query as ReturnType<typeof vi.fn>).mock.calls.map((c) => c[0] as OverlayQuery);
    expect(qs[0]).toMatchObject({ order: 'oldest', limit: 5_000 });
    expect(qs.length).toBe(2);
    expect(qs[1]!.after).toBe(5_000);
    // The frame-time chart: percentiles on x, A and B.
    const chart = charts.byLabel('frame time distributions')!;
    const fed = chart.data[chart.data.length - 1]!;
    expect(fed[0]![0]).toBe(1);
    expect(fed[0]![98]).toBe(99);
    expect(fed).toHaveLength(3);
    expect(fed[1]!.every((v) => typeof v === 'number' && v > 10 && v < 40)).toBe(true);
    expect(chart.spec.xFormat!(95)).toBe('p95');
    expect(m.text()).toMatch(/story.*the same path \(\d+ steps\)/);
  });

  it('compares two files picked in the tab, and says what only one has', async () => {
    const fake = fakeSource();
    const extra = [...good, { seq: N + 1, ts: 3_000, sessionId: 'x', kind: 'custom', type: 'boss:spawned', level: 'info', frame: 1 } as TraceEntry];
    fake.source.openTraceFile = vi.fn(async (f: Blob) => file((f as File).name === 'a.json' ? good : extra));
    m = await mount(fake.source, (state) => <CompareTab source={fake.source} state={state} />);
    expect(m.text()).toContain('Open a trace file');
    expect(buttonByText(m.root, 'compare')!.disabled).toBe(true);
    await pickFile(m.root, 'open file A', new File(['{}'], 'a.json'));
    await click(m.root.querySelectorAll<HTMLInputElement>('input[type="radio"]')[1]);
    expect(buttonByText(m.root, 'compare')!.disabled).toBe(true); // no second file yet
    await pickFile(m.root, 'open file B', new File(['{}'], 'b.json'));
    await click(buttonByText(m.root, 'compare'));
    await vi.waitFor(() => expect(m!.root.querySelector('section.types')).not.toBeNull());
    expect(m.root.querySelector('section.types')!.textContent).toContain('only in B boss:spawned ×1');
    expect(m.text()).toContain('No method changed beyond the sketches’ error');
    expect(fake.calls.query).toBeUndefined(); // the live store was not read
  });

  it('shows what the digests and the lists left out, counted', async () => {
    const fake = fakeSource();
    const METHODS = 60;
    const TYPES = DIGEST_LIMITS.types + 3;
    const wide: TraceEntry[] = [];
    for (let k = 0; k < TYPES; k++) wide.push({ seq: k + 1, ts: k, sessionId: 'w', kind: 'custom', type: `t${k}`, level: 'info', frame: 0 } as TraceEntry);
    for (let k = 0; k < METHODS; k++) wide.push({ seq: TYPES + k + 1, ts: TYPES + k, sessionId: 'w', kind: 'agent', type: `m${k}.go`, source: `m${k}`, method: 'go', level: 'info', frame: 0, dur: 1, status: 'ok' } as TraceEntry);
    fake.source.openTraceFile = vi.fn(async (f: Blob) => file((f as File).name === 'a.json' ? good : wide));
    m = await mount(fake.source, (state) => <CompareTab source={fake.source} state={state} />);
    await pickFile(m.root, 'open file A', new File(['{}'], 'a.json'));
    await click(m.root.querySelectorAll<HTMLInputElement>('input[type="radio"]')[1]);
    await pickFile(m.root, 'open file B', new File(['{}'], 'b.json'));
    await click(buttonByText(m.root, 'compare'));
    await vi.waitFor(() => expect(m!.root.querySelector('section.types')).not.toBeNull());
    // B's types past the digest's limit (3 type entries and the 60 method types) are counted under '(other)'.
    expect(m.text()).toContain(`counted under '(other)' or not kept: ${3 + METHODS} entries of types past ${DIGEST_LIMITS.types}`);
    // Types of B only: 200 listed, the rest counted.
    expect(m.root.querySelector('section.types')!.textContent).toContain(`and ${DIGEST_LIMITS.types - 200} more`);
    expect(m.text()).toContain(`${METHODS + 4 - 50} more methods`);
  });

  it('says why a file cannot be opened, and compares nothing', async () => {
    const fake = fakeSource();
    fake.source.openTraceFile = vi.fn(async () => {
      throw new Error('entry 7: lacks seq, ts or type');
    });
    m = await mount(fake.source, (state) => <CompareTab source={fake.source} state={state} />);
    await pickFile(m.root, 'open file A', new File(['{}'], 'broken.json'));
    expect(m.root.querySelector('[role="alert"]')!.textContent).toBe('⚠ broken.json: entry 7: lacks seq, ts or type');
    expect(buttonByText(m.root, 'compare')!.disabled).toBe(true);
  });

  it('reads at most LIVE_MAX entries of the live session, and says so', async () => {
    const fake = fakeSource();
    let served = 0;
    fake.source.query = vi.fn(async (q: OverlayQuery) => {
      const entries = Array.from({ length: q.limit! }, (_, k) => ({ seq: served + k + 1, ts: served + k, sessionId: 's1', kind: 'custom', type: 'tick', level: 'info', frame: 0 }) as TraceEntry);
      served += entries.length;
      return { entries, next: served, blocksRead: 1 };
    });
    m = await mount(fake.source, (state) => {
      state.file.value = { name: 'good.json', trace: file(good) };
      return <CompareTab source={fake.source} state={state} />;
    });
    await click(buttonByText(m.root, 'compare'));
    await vi.waitFor(() => expect(m!.root.querySelector('section.summary')).not.toBeNull(), { timeout: 30_000 });
    expect(served).toBe(LIVE_MAX);
    expect(m.text()).toContain(`the first ${(LIVE_MAX / 1000).toFixed(0)}`);
  }, 60_000);
});
