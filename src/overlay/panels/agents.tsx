/**
 * Agents: one row per agent method (calls, errors, latency percentiles, last
 * call), sortable by any column, and a waterfall of the newest spans on a
 * time axis, nested by parent, so a slow frame can be traced to the call that
 * caused it. Bars are DOM elements positioned by CSS custom properties set
 * from script (no inline style attributes, no innerHTML); every value is text.
 *
 * Polled 4 times a second while the game runs, so a refresh touches only what
 * changed: an unchanged query result sets nothing, rows are memoised (by
 * method, by span), and a bar's position is a CSS expression of its own times
 * against the axis set once on the waterfall (`--wf-from`, `--wf-span`), so a
 * moving axis re-renders no row.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { MethodStats } from '../../analytics/stats';
import type { TraceEntry } from '../../core/entry';
import { errorMessage } from '../../core/errors';
import { usePolling } from '../charts';
import { formatCount, formatDuration, formatPercent, formatSeconds } from '../format';
import type { OverlaySource } from '../source';
import { REFRESH_MS, type OverlayState } from '../state';
import { memo } from './memo';
import { BUDGET_60HZ } from './metrics';
import { useEngine } from './use-engine';
import { chain } from '../../core/builtins';

/** Spans in the waterfall. */
export const WATERFALL_SPANS = 200;
/** Indentation stops growing here. */
const MAX_DEPTH = 12;

// ---- the table ---------------------------------------------------------------

export type SortKey = 'name' | 'calls' | 'errors' | 'errorRate' | 'p50' | 'p95' | 'p99' | 'lastTs';
export interface Sort {
  key: SortKey;
  desc: boolean;
}

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

const nameOf = (m: MethodStats) => `${m.agent}.${m.method}`;

/** Sorted copy; nulls last whichever the direction; ties by name. */
export function sortMethods(rows: readonly MethodStats[], sort: Sort): MethodStats[] {
  const val = (m: MethodStats): number | string | null => (sort.key === 'name' ? nameOf(m) : m[sort.key]);
  return [...rows].sort((a, b) => {
    const x = val(a);
    const y = val(b);
    if (x === null || y === null) return x === y ? nameOf(a).localeCompare(nameOf(b)) : x === null ? 1 : -1;
    const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
    if (c !== 0) return sort.desc ? -c : c;
    return nameOf(a).localeCompare(nameOf(b));
  });
}

/** Clicking a column: the same one flips its direction; another sorts by it (numbers biggest first, names A-Z). */
export function nextSort(sort: Sort, key: SortKey): Sort {
  return sort.key === key ? { key, desc: !sort.desc } : { key, desc: key !== 'name' };
}

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
  const startOf = (e: TraceEntry) => e.ts - (e.dur ?? 0);
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

/**
 * A bar's left edge and width (`--x`, `--w`) as CSS, in % of the axis that the
 * waterfall sets (`--wf-from`, `--wf-span`, ms): wide enough to see and to hit,
 * never past the end. Only the span's own times are in it.
 */
export function barStyle(row: WaterfallRow): { '--x': string; '--w': string } {
  const x = `min(calc((${row.start} - var(--wf-from)) * 100% / var(--wf-span)), 99.6%)`;
  const w = `min(max(0.4%, calc(${row.end - row.start} * 100% / var(--wf-span))), calc(100% - var(--x)))`;
  return { '--x': x, '--w': w };
}

/** The axis of a waterfall, for its bars' `barStyle`. */
export function axisStyle(w: Waterfall): { '--wf-from': string; '--wf-span': string } {
  return { '--wf-from': String(w.from), '--wf-span': String(w.to - w.from) };
}

/** The newest spans seen again (or still none): nothing to draw anew. */
export function sameSpans(a: readonly TraceEntry[] | null, b: readonly TraceEntry[]): boolean {
  return a !== null && a.length === b.length && a[0]?.seq === b[0]?.seq && a[a.length - 1]?.seq === b[b.length - 1]?.seq && a[0]?.sessionId === b[0]?.sessionId;
}

function describeSpan(e: TraceEntry): string {
  const parts = [e.type, e.dur !== undefined ? formatDuration(e.dur) : 'no duration', e.status ?? 'ok'];
  if (e.async) parts.push('async');
  parts.push(`#${e.seq}`, `ended ${formatSeconds(e.ts)}`);
  if (e.status === 'error' && e.error) parts.push(`${e.error.name}: ${e.error.message}`);
  return parts.join(' · ');
}

// ---- the tab ---------------------------------------------------------------------

export function AgentsTab({ source, state }: { source: OverlaySource; state: OverlayState }) {
  const { data: stats, problem: statsProblem } = useEngine(state, 'analytics are off (they run in the store\'s worker): no per-method figures', () => source.stats());
  const methods = stats?.methods ?? null;
  const [spans, setSpans] = useState<TraceEntry[] | null>(null);
  const [spansProblem, setSpansProblem] = useState<string | null>(null);
  const [sort, setSort] = useState<Sort>({ key: 'calls', desc: true });
  const [frozen, setFrozen] = useState(false);
  const [hover, setHover] = useState<TraceEntry | null>(null);

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
  );

  // Stable, so that memoised rows keep theirs.
  const focusRow = useMemo(
    () => (row: WaterfallRow) => {
      state.file.value = null; // a link into the live session leaves a file being viewed
      state.focus.value = { seqFrom: row.seqFrom, seqTo: row.e.seq, label: `${row.e.type} #${row.e.seq}` };
      state.tab.value = 'log';
    },
    [state],
  );
  const waterfall = useMemo(() => (spans && spans.length > 0 ? layoutWaterfall(spans) : null), [spans]);
  const sorted = useMemo(() => (methods ? sortMethods(methods, sort) : null), [methods, sort]);
  const sortRef = useRef(sort);
  sortRef.current = sort;
  const onSort = useMemo(() => (k: SortKey) => setSort(nextSort(sortRef.current, k)), []);

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
      <section class="waterfall" aria-label="recent spans">
        <div class="wf-head">
          <span class="fig-title">recent spans</span>
          <span class="dim">{spans ? `${spans.length} newest, nested by parent` : 'loading'}</span>
          <button type="button" class="freeze" aria-pressed={frozen} onClick={() => setFrozen(!frozen)} title={frozen ? 'Follow new spans' : 'Stop updating, to look closely'}>
            {frozen ? '▶ follow' : '❚❚ hold'}
          </button>
        </div>
        <div class="wf-detail" aria-live="polite">
          {hover ? describeSpan(hover) : 'Hover or focus a bar for its span; click it to see its entries in the log.'}
        </div>
        {spansProblem && <div class="problems">⚠ {spansProblem}</div>}
        {spans && spans.length === 0 && <div class="empty">No spans stored yet.</div>}
        {waterfall && <WaterfallView w={waterfall} onHover={setHover} onPick={focusRow} />}
      </section>
    </div>
  );
}

export function MethodTable({ rows, sort, onSort }: { rows: readonly MethodStats[]; sort: Sort; onSort: (k: SortKey) => void }) {
  return (
    <table class="methods">
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
      <tbody>
        {rows.map((m) => (
          <MethodRow key={nameOf(m)} m={m} />
        ))}
      </tbody>
    </table>
  );
}

const MethodRow = memo(
  function MethodRow({ m }: { m: MethodStats }) {
    return (
      <tr class={m.errors > 0 ? 'has-errors' : ''}>
        <th scope="row" class="name" title={nameOf(m)}>
          <span class="agent">{m.agent}</span>.{m.method}
        </th>
        <td class="num">{formatCount(m.calls)}</td>
        <td class={`num${m.errors > 0 ? ' bad' : ''}`}>{formatCount(m.errors)}</td>
        <td class={`num${m.errorRate > 0 ? ' bad' : ''}`}>{m.calls > 0 ? formatPercent(m.errorRate) : '–'}</td>
        <td class="num">{lat(m.p50)}</td>
        <td class={`num${m.p95 !== null && m.p95 > BUDGET_60HZ ? ' slow' : ''}`}>{lat(m.p95)}</td>
        <td class={`num${m.p99 !== null && m.p99 > BUDGET_60HZ ? ' slow' : ''}`}>{lat(m.p99)}</td>
        <td class="num">{formatSeconds(m.lastTs)}</td>
      </tr>
    );
  },
  (a, b) => sameMethod(a.m, b.m),
);

function sameMethod(a: MethodStats, b: MethodStats): boolean {
  return (
    a.agent === b.agent &&
    a.method === b.method &&
    a.calls === b.calls &&
    a.errors === b.errors &&
    a.errorRate === b.errorRate &&
    a.p50 === b.p50 &&
    a.p95 === b.p95 &&
    a.p99 === b.p99 &&
    a.lastTs === b.lastTs
  );
}

const lat = (v: number | null) => (v === null ? '–' : formatDuration(v));

export function WaterfallView({ w, onHover, onPick }: { w: Waterfall; onHover: (e: TraceEntry | null) => void; onPick: (row: WaterfallRow) => void }) {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ f, t: w.from + f * (w.to - w.from) }));
  return (
    <div class="wf" style={axisStyle(w)} onMouseLeave={() => onHover(null)}>
      <div class="wf-axis" aria-hidden="true">
        {ticks.map(({ f, t }) => (
          <span class="tick" style={{ '--x': `${f * 100}%` }}>
            {formatSeconds(t)}
          </span>
        ))}
      </div>
      <div class="wf-rows" role="list">
        {w.rows.map((row) => (
          <WaterfallRowView key={row.e.seq} row={row} onHover={onHover} onPick={onPick} />
        ))}
      </div>
    </div>
  );
}

type RowProps = { row: WaterfallRow; onHover: (e: TraceEntry | null) => void; onPick: (row: WaterfallRow) => void };

/** Entries of the same seq are the same entry: a row renders again only when its place in the tree or its handlers change. */
function sameRow(a: RowProps, b: RowProps): boolean {
  const x = a.row;
  const y = b.row;
  return x.e.seq === y.e.seq && x.e.sessionId === y.e.sessionId && x.depth === y.depth && x.start === y.start && x.end === y.end && x.seqFrom === y.seqFrom && a.onHover === b.onHover && a.onPick === b.onPick;
}

const WaterfallRowView = memo(function WaterfallRowView({ row, onHover, onPick }: RowProps) {
  const e = row.e;
  const cls = `wf-bar${e.status === 'error' ? ' err' : ''}${(e.dur ?? 0) > BUDGET_60HZ ? ' slow' : ''}`;
  const label = describeSpan(e);
  return (
    <div class="wf-row" role="listitem">
      <span class="wf-name" style={{ '--depth': String(Math.min(row.depth, MAX_DEPTH)) }} title={e.type}>
        {e.source ? `${e.source}.` : ''}
        {e.method ?? e.type}
      </span>
      <span class="wf-track">
        <button
          type="button"
          class={cls}
          style={barStyle(row)}
          title={label}
          aria-label={label}
          onMouseEnter={() => onHover(e)}
          onFocus={() => onHover(e)}
          onBlur={() => onHover(null)}
          onClick={() => onPick(row)}
        />
      </span>
    </div>
  );
}, sameRow);
