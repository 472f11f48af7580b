/**
 * Agents: one row per agent method (calls, errors, latency percentiles, last
 * call), sortable by any column, and a flame chart of the newest spans (time
 * on x, nesting on y, on one canvas: flame-chart.ts), so a slow frame can be
 * traced to the call that caused it, and a span opened in the log.
 *
 * Polled 4 times a second while the game runs, so a refresh touches only what
 * changed: an unchanged query result sets nothing, rows are memoised (by
 * method), and new spans reach the canvas without a render of their own.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TraceEntry } from '../../core/entry';
import { errorMessage } from '../../core/errors';
import { usePolling } from '../charts';
import { createFlameChart, type FlameChartHandle } from './flame-chart';
import { layoutFlame } from './flame-layout';
import type { OverlaySource } from '../source';
import { REFRESH_MS, type OverlayState } from '../state';
import { memo } from './memo';
import { orderRows, rowView, sameRowView, nextSort, type MethodRowView, type RowOrder, type Sort, type SortKey } from './method-rows';
import { useEngine } from './use-engine';
import { chain } from '../../core/builtins';

/** Spans in the flame chart. */
export const WATERFALL_SPANS = 200;

// ---- the table ---------------------------------------------------------------

export { nextSort, sortMethods, type Sort, type SortKey } from './method-rows';

export const COLUMNS: readonly { key: SortKey; label: string; title: string }[] = [
  { key: 'name', label: 'method', title: 'agent.method' },
  { key: 'calls', label: 'calls', title: 'calls in the session' },
  { key: 'errors', label: 'errors', title: 'calls whose span failed' },
  { key: 'errorRate', label: 'err %', title: 'errors / calls' },
  { key: 'p50', label: 'p50', title: 'latency median' },
  { key: 'p95', label: 'p95', title: 'latency 95th percentile' },
  { key: 'p99', label: 'p99', title: 'latency 99th percentile' },
  { key: 'lastTs', label: 'last', title: 'last call (session time)' },
];

// ---- the waterfall -------------------------------------------------------------

export interface WaterfallRow {
  e: TraceEntry;
  depth: number;
  start: number;
  end: number;
  /** The lowest seq of the span and everything nested under it (children are logged before their parent ends). */
  seqFrom: number;
}

export interface Waterfall {
  rows: WaterfallRow[];
  /** The time axis (ms, session time). */
  from: number;
  to: number;
}

/** Spans laid out on a time axis: parents before their children, each level by start time. */
export function layoutWaterfall(entries: readonly TraceEntry[]): Waterfall {
  const spans = entries.filter((e) => e.kind === 'agent');
  const byId = new Map<number, TraceEntry>();
  for (const e of spans) if (e.spanId !== undefined) byId.set(e.spanId, e);
  const children = new Map<number, TraceEntry[]>();
  const roots: TraceEntry[] = [];
  for (const e of spans) {
    const p = e.parentId;
    if (p !== undefined && p !== 0 && p !== e.spanId && byId.has(p)) {
      let list = children.get(p);
      if (!list) children.set(p, (list = []));
      list.push(e);
    } else roots.push(e);
  }
  // A duration that is not a finite number >= 0 (a file from elsewhere, a broken clock) is taken as 0:
  // one NaN would make the axis NaN, a negative one a span that ends before it starts.
  const startOf = (e: TraceEntry) => (e.dur !== undefined && e.dur > 0 && Number.isFinite(e.dur) ? e.ts - e.dur : e.ts);
  const byStart = (a: TraceEntry, b: TraceEntry) => startOf(a) - startOf(b) || a.seq - b.seq;
  const rows: WaterfallRow[] = [];
  const seen = new Set<TraceEntry>();
  const visit = (e: TraceEntry, depth: number): number => {
    if (seen.has(e)) return e.seq;
    seen.add(e);
    const row: WaterfallRow = { e, depth, start: startOf(e), end: e.ts, seqFrom: e.seq };
    rows.push(row);
    const kids = e.spanId !== undefined ? children.get(e.spanId) : undefined;
    if (kids) for (const k of kids.sort(byStart)) row.seqFrom = Math.min(row.seqFrom, visit(k, depth + 1));
    return row.seqFrom;
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  // Spans in a parent cycle (never in a sane trace) still get a row.
  for (const e of spans) if (!seen.has(e)) visit(e, 0);
  let from = Infinity;
  let to = -Infinity;
  for (const r of rows) {
    from = Math.min(from, r.start);
    to = Math.max(to, r.end);
  }
  if (!Number.isFinite(from)) from = to = 0;
  if (to <= from) to = from + 1;
  return { rows, from, to };
}

/** The newest spans seen again (or still none): nothing to draw anew. */
export function sameSpans(a: readonly TraceEntry[] | null, b: readonly TraceEntry[]): boolean {
  return a !== null && a.length === b.length && a[0]?.seq === b[0]?.seq && a[a.length - 1]?.seq === b[b.length - 1]?.seq && a[0]?.sessionId === b[0]?.sessionId;
}

// ---- the tab ---------------------------------------------------------------------

export function AgentsTab({ source, state }: { source: OverlaySource; state: OverlayState }) {
  const { data: stats, problem: statsProblem } = useEngine(state, 'analytics are off (they run in the store\'s worker): no per-method figures', () => source.stats());
  const methods = stats?.methods ?? null;
  const [sort, setSort] = useState<Sort>({ key: 'calls', desc: true });
  // The order kept between re-sorts (method-rows.ts), and each row's text made once per refresh.
  const order = useRef<RowOrder | null>(null);
  const sorted = useMemo(() => {
    if (!methods) return null;
    const next = orderRows(order.current, methods, sort, Date.now());
    order.current = next.order;
    return next.rows.map(rowView);
  }, [methods, sort]);
  const sortRef = useRef(sort);
  sortRef.current = sort;
  const onSort = useMemo(() => (k: SortKey) => setSort(nextSort(sortRef.current, k)), []);

  // The table and the spans refresh on their own polls, half a period apart: each re-renders its own part, in its own frame.
  return (
    <div class="agents">
      <section aria-label="agent methods">
        {statsProblem && <div class="analytics-off" role="status">{statsProblem}</div>}
        {methods && methods.length === 0 && <div class="empty">No agent calls yet. Hook an agent (agent.hook(obj, 'name')) and its calls appear here.</div>}
        {sorted && sorted.length > 0 && (
          <div class="table-wrap">
            <MethodTable rows={sorted} sort={sort} onSort={onSort} />
          </div>
        )}
      </section>
      <Spans source={source} state={state} />
    </div>
  );
}

/** The newest spans as a flame chart, polled on their own (they need no analytics), half a period after the table. */
const Spans = memo(function Spans({ source, state }: { source: OverlaySource; state: OverlayState }) {
  const [spans, setSpans] = useState<TraceEntry[] | null>(null);
  const [spansProblem, setSpansProblem] = useState<string | null>(null);
  const [frozen, setFrozen] = useState(false);
  const [picked, setPicked] = useState<string | null>(null);

  usePolling(
    () => {
      if (frozen) return;
      return chain(
        source.query({ kinds: ['agent'], order: 'newest', limit: WATERFALL_SPANS }),
        (r) => {
          setSpans((prev) => (sameSpans(prev, r.entries) ? prev : r.entries));
          setSpansProblem(null);
        },
        (err) => setSpansProblem(errorMessage(err)),
      );
    },
    REFRESH_MS,
    [frozen],
    // Half a period after the table's poll: the two refreshes render in different frames.
    REFRESH_MS / 2,
  );

  // Stable, so that the chart keeps its handler.
  const focusRow = useMemo(
    () => (row: WaterfallRow) => {
      state.file.value = null; // a link into the live session leaves a file being viewed
      state.focus.value = { seqFrom: row.seqFrom, seqTo: row.e.seq, label: `${row.e.type} #${row.e.seq}` };
      state.tab.value = 'log';
    },
    [state],
  );

  return (
    <section class="waterfall" aria-label="recent spans">
      <div class="wf-head">
        <span class="fig-title">recent spans</span>
        <span class="dim">{spans ? `${spans.length} newest, nested by parent` : 'loading'}</span>
        <button type="button" class="freeze" aria-pressed={frozen} onClick={() => setFrozen(!frozen)} title={frozen ? 'Follow new spans' : 'Stop updating, to look closely'}>
          {frozen ? '▶ follow' : '❚❚ hold'}
        </button>
      </div>
      {spansProblem && <div class="problems">⚠ {spansProblem}</div>}
      {spans && spans.length === 0 && <div class="empty">No spans stored yet.</div>}
      {spans && spans.length > 0 && <FlameChartView spans={spans} onPick={focusRow} onSelect={setPicked} />}
      {/* Under the chart, so that its text changing height moves nothing above it. */}
      <div class="wf-detail" aria-live="polite">
        {picked ?? 'Hover a span for what it did; click it (or arrow keys, then Enter) for its entries in the log. Wheel or +/− zooms, drag pans, 0 fits.'}
      </div>
    </section>
  );
});

export function MethodTable({ rows, sort, onSort }: { rows: readonly MethodRowView[]; sort: Sort; onSort: (k: SortKey) => void }) {
  return (
    <table class="methods">
      <MethodHead sort={sort} onSort={onSort} />
      <tbody>
        {rows.map((v) => (
          <MethodRow key={v.name} v={v} />
        ))}
      </tbody>
    </table>
  );
}

/** The column headers: memoised, they change with the sort only (not at each refresh of the figures). */
const MethodHead = memo(function MethodHead({ sort, onSort }: { sort: Sort; onSort: (k: SortKey) => void }) {
  return (
      <thead>
        <tr>
          {COLUMNS.map((c) => (
            <th scope="col" aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'} class={c.key === 'name' ? 'name' : 'num'}>
              <button type="button" class="sort" title={`Sort by ${c.title}`} onClick={() => onSort(c.key)}>
                {c.label}
                <span class="arrow" aria-hidden="true">
                  {sort.key === c.key ? (sort.desc ? '▼' : '▲') : ''}
                </span>
              </button>
            </th>
          ))}
        </tr>
      </thead>
  );
});

/** One method's row: rendered again only when what it shows changed (its view's strings and flags). */
const MethodRow = memo(
  function MethodRow({ v }: { v: MethodRowView }) {
    return (
      <tr class={v.hasErrors ? 'has-errors' : ''}>
        <th scope="row" class="name" title={v.name}>
          <span class="agent">{v.agent}</span>.{v.method}
        </th>
        <td class="num">{v.calls}</td>
        <td class={v.hasErrors ? 'num bad' : 'num'}>{v.errors}</td>
        <td class={v.rateBad ? 'num bad' : 'num'}>{v.errorRate}</td>
        <td class="num">{v.p50}</td>
        <td class={v.p95Slow ? 'num slow' : 'num'}>{v.p95}</td>
        <td class={v.p99Slow ? 'num slow' : 'num'}>{v.p99}</td>
        <td class="num">{v.last}</td>
      </tr>
    );
  },
  (a, b) => sameRowView(a.v, b.v),
);

/**
 * The flame chart's canvas: made once on mount, fed each new list of spans,
 * gone on unmount. The spans are laid out after the render (an effect), and
 * drawn in the next animation frame: a refresh's work spread over frames.
 */
export function FlameChartView({ spans, onPick, onSelect }: { spans: readonly TraceEntry[]; onPick: (row: WaterfallRow) => void; onSelect: (text: string | null) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<FlameChartHandle | null>(null);
  const handlers = useRef({ onPick, onSelect });
  handlers.current = { onPick, onSelect };
  useEffect(() => {
    const handle = createFlameChart(box.current!, { onPick: (r) => handlers.current.onPick(r), onSelect: (t) => handlers.current.onSelect(t) });
    chart.current = handle;
    return () => {
      chart.current = null;
      handle.destroy();
    };
  }, []);
  useEffect(() => {
    const w = layoutWaterfall(spans);
    chart.current?.setData(layoutFlame(w.rows, w.from, w.to));
  }, [spans]);
  return <div class="fc" ref={box} />;
}
