/**
 * The event log's rows, without the DOM: which of three lists (one interface,
 * RowList in log-pager.ts) shows what the tab asks for:
 *
 * - SeqList (log-seq-list.ts): the live session without filters, row i a seq.
 * - CursorList (log-cursor-list.ts): the live session with filters, pages
 *   fetched with `after` as they are wanted ("n+ matches").
 * - ArrayList (log-file-list.ts): a trace file opened for viewing, filtered
 *   in memory by the same rules as the store's query (src/store/query-rules.ts).
 *
 * The filters and their persistence are in log-settings.ts, the scroll math
 * in log-scroll.ts. Nothing here runs per logged event: the tab calls
 * `refresh` on a timer and `want` when the visible rows change; at most
 * MAX_INFLIGHT pages are fetched at once and at most MAX_PAGES are kept
 * (least recently used go first).
 */
import type { TraceEntry } from '../../core/entry';
import type { LogFocus } from '../state';
import { CursorList } from './log-cursor-list';
import { ArrayList } from './log-file-list';
import type { QueryFn, RowList } from './log-pager';
import { SeqList } from './log-seq-list';
import { filtersSomething, filtersToQuery, type LogFilters, type LogOrder } from './log-settings';

/** The list for what the tab shows: a file, or the live session with or without filters. */
export function createRowList(opts: {
  query: QueryFn;
  file: readonly TraceEntry[] | null;
  filters: LogFilters;
  focus: LogFocus | null;
  order: LogOrder;
}): RowList {
  const q = filtersToQuery(opts.filters);
  if (opts.focus) {
    q.fromSeq = opts.focus.seqFrom;
    q.toSeq = opts.focus.seqTo;
  }
  if (opts.file) return new ArrayList(opts.file, opts.order, q);
  if (filtersSomething(q)) return new CursorList(opts.query, opts.order, q);
  const range: { fromSeq?: number; toSeq?: number } = {};
  if (q.fromSeq !== undefined) range.fromSeq = q.fromSeq;
  if (q.toSeq !== undefined) range.toSeq = q.toSeq;
  return new SeqList(opts.query, opts.order, range);
}
