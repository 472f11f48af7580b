/**
 * The agents table's rows: their order and their text.
 *
 * The table refreshes 4 times a second while call counts climb, so a refresh
 * must not cost a render of every row nor move rows about:
 * - the order is sorted when the user picks a column, when a method comes or
 *   goes, and at most every RESORT_MS otherwise; between, the rows keep their
 *   places (figures passing each other do not reorder the DOM each refresh,
 *   nor move a row under the pointer);
 * - each row's figures are formatted once per refresh into strings and flags
 *   (a MethodRowView), so a row is rendered again only when what it shows
 *   changed (a comparison of primitives).
 */
import type { MethodStats } from '../../analytics/stats';
import { formatCount, formatDuration, formatPercent, formatSeconds } from '../format';
import { BUDGET_60HZ } from './metrics';

export type SortKey = 'name' | 'calls' | 'errors' | 'errorRate' | 'p50' | 'p95' | 'p99' | 'lastTs';
export interface Sort {
  key: SortKey;
  desc: boolean;
}

/** Between two re-sorts of the same column, refreshes keep the rows where they are (ms). */
export const RESORT_MS = 2_000;

export const nameOf = (m: MethodStats) => `${m.agent}.${m.method}`;

/** Sorted copy; nulls last whichever the direction; ties by name. */
export function sortMethods(rows: readonly MethodStats[], sort: Sort): MethodStats[] {
  // Names made once, not at each comparison.
  const keyed = rows.map((m) => ({ m, name: nameOf(m), v: sort.key === 'name' ? null : m[sort.key] }));
  const byName = (a: (typeof keyed)[number], b: (typeof keyed)[number]) => a.name.localeCompare(b.name);
  keyed.sort((a, b) => {
    if (sort.key === 'name') return sort.desc ? -byName(a, b) : byName(a, b);
    const x = a.v;
    const y = b.v;
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    const c = x - y;
    if (c !== 0) return sort.desc ? -c : c;
    return byName(a, b);
  });
  return keyed.map((k) => k.m);
}

/** Clicking a column: the same one flips its direction; another sorts by it (numbers biggest first, names A-Z). */
export function nextSort(sort: Sort, key: SortKey): Sort {
  return sort.key === key ? { key, desc: !sort.desc } : { key, desc: key !== 'name' };
}

/** The order last sorted: by which sort, when (ms, any clock), and the methods' names in it. */
export interface RowOrder {
  sort: Sort;
  at: number;
  names: readonly string[];
}

/**
 * `rows` in the order to show at `now`: the previous order kept when it is
 * for the same sort, younger than RESORT_MS and holds exactly the same
 * methods; else sorted anew (and `order` is the new one).
 */
export function orderRows(prev: RowOrder | null, rows: readonly MethodStats[], sort: Sort, now: number): { rows: MethodStats[]; order: RowOrder } {
  if (prev && prev.sort === sort && now - prev.at < RESORT_MS && now >= prev.at && prev.names.length === rows.length) {
    const byName = new Map<string, MethodStats>();
    for (const m of rows) byName.set(nameOf(m), m);
    const kept: MethodStats[] = [];
    for (const n of prev.names) {
      const m = byName.get(n);
      if (!m) break;
      kept.push(m);
    }
    if (kept.length === rows.length) return { rows: kept, order: prev };
  }
  const sorted = sortMethods(rows, sort);
  return { rows: sorted, order: { sort, at: now, names: sorted.map(nameOf) } };
}

/** What one row shows, as text and flags: equal views render the same row. */
export interface MethodRowView {
  name: string;
  agent: string;
  method: string;
  calls: string;
  errors: string;
  errorRate: string;
  p50: string;
  p95: string;
  p99: string;
  last: string;
  hasErrors: boolean;
  rateBad: boolean;
  p95Slow: boolean;
  p99Slow: boolean;
}

const lat = (v: number | null) => (v === null ? '–' : formatDuration(v));

export function rowView(m: MethodStats): MethodRowView {
  return {
    name: nameOf(m),
    agent: m.agent,
    method: m.method,
    calls: formatCount(m.calls),
    errors: formatCount(m.errors),
    errorRate: m.calls > 0 ? formatPercent(m.errorRate) : '–',
    p50: lat(m.p50),
    p95: lat(m.p95),
    p99: lat(m.p99),
    last: formatSeconds(m.lastTs),
    hasErrors: m.errors > 0,
    rateBad: m.errorRate > 0,
    p95Slow: m.p95 !== null && m.p95 > BUDGET_60HZ,
    p99Slow: m.p99 !== null && m.p99 > BUDGET_60HZ,
  };
}

/** Two views that show the same. */
export function sameRowView(a: MethodRowView, b: MethodRowView): boolean {
  for (const k in a) if (a[k as keyof MethodRowView] !== b[k as keyof MethodRowView]) return false;
  return true;
}
