/**
 * The rules of a query over trace entries, written once: which entries match
 * (QueryParams, see protocol.ts), the page limits, and how `order`, `after`
 * and `next` page through them. Two readers apply them:
 *
 * - the store's query (query.ts: in the worker, and on the main thread when
 *   the store falls back there), which rejects what it can from a block's
 *   summary and columns first and then asks `matches` of each entry left;
 * - the overlay's file mode (overlay/panels/log-file-list.ts: a trace file
 *   opened for viewing), which asks `matches` of every entry in memory.
 *
 * It lives in the store (not in core) because it is the store's query
 * contract: it reads QueryParams and writes the JSON of values with the
 * column format's writer, as the store keeps them; the overlay already
 * depends on the store's protocol. Pure functions and data only: the worker
 * imports it.
 *
 * The text rule: case-insensitive, in the type as it is, or in the JSON of one
 * of the values (data, metadata, args, result, error) as the log shows them,
 * with the search written as JSON writes it: `say "hi"` finds the string
 * `say "hi"` (shown `"say \"hi\""`). Each value on its own: a search finds
 * neither the names of those fields nor the text between two of them.
 */
import type { TraceEntry } from '../core/entry';
import { copyJson } from '../core/columns';
import type { QueryParams } from './protocol';

export const DEFAULT_QUERY_LIMIT = 200;
export const MAX_QUERY_LIMIT = 5_000;

/** A query as the rules read it: the session is optional (a trace file may hold several). */
export type EntryQuery = Omit<QueryParams, 'sessionId'> & { sessionId?: string };

export type QueryOrder = 'newest' | 'oldest';

/** Entries per page: the default when unset (or NaN), within 1..MAX_QUERY_LIMIT. */
export function queryLimit(q: EntryQuery): number {
  const limit = q.limit === undefined || Number.isNaN(q.limit) ? DEFAULT_QUERY_LIMIT : q.limit;
  return Math.max(1, Math.min(MAX_QUERY_LIMIT, Math.floor(limit)));
}

export function queryOrder(q: EntryQuery): QueryOrder {
  return q.order ?? 'newest';
}

/** The seq range a page may hold: fromSeq..toSeq, narrowed past `after` in the query's order. */
export function seqWindow(q: EntryQuery): { fromSeq: number; toSeq: number } {
  let fromSeq = q.fromSeq ?? -Infinity;
  let toSeq = q.toSeq ?? Infinity;
  if (q.after !== undefined) {
    if (queryOrder(q) === 'newest') toSeq = Math.min(toSeq, q.after - 1);
    else fromSeq = Math.max(fromSeq, q.after + 1);
  }
  return { fromSeq, toSeq };
}

/** A full page continues after its last entry; a short one is the last. */
export function nextCursor(page: readonly TraceEntry[], limit: number): number | null {
  return page.length >= limit ? page[page.length - 1]!.seq : null;
}

/** Exact match, or a prefix when the pattern ends in `*`. */
export function typeMatches(type: string, patterns: readonly string[]): boolean {
  for (const pat of patterns) {
    if (pat.endsWith('*') ? type.startsWith(pat.slice(0, -1)) : type === pat) return true;
  }
  return false;
}

/** A text search, lowercased: as typed (for the type) and as JSON writes it inside a string (for the values). */
export interface TextNeedle {
  plain: string;
  json: string;
}

export function textNeedle(text: string | undefined): TextNeedle | null {
  if (!text) return null;
  return { plain: text.toLowerCase(), json: JSON.stringify(text).slice(1, -1).toLowerCase() };
}

/**
 * Whether a JSON text may hold the needle in one of its values: a necessary
 * condition the store checks on an entry's stored JSON line before decoding it.
 */
export function jsonMayHold(json: string, needle: TextNeedle): boolean {
  return json.toLowerCase().includes(needle.json);
}

const SEARCHED = ['data', 'metadata', 'args', 'result', 'error'] as const;

/** Whether the needle is in the entry's type or in the JSON of one of its values (the text rule above). */
export function textMatches(e: TraceEntry, needle: TextNeedle): boolean {
  if (e.type.toLowerCase().includes(needle.plain)) return true;
  for (const field of SEARCHED) {
    const v = e[field];
    if (v === undefined) continue;
    let json: string | undefined;
    try {
      json = copyJson(v);
    } catch {
      continue; // not JSON-able (an entry built by hand): nothing to search
    }
    if (json !== undefined && jsonMayHold(json, needle)) return true;
  }
  return false;
}

/** A query's filter, made once per query and asked of each entry. */
export class EntryRules {
  readonly text: TextNeedle | null;
  readonly fromSeq: number;
  readonly toSeq: number;

  constructor(readonly q: EntryQuery) {
    this.text = textNeedle(q.text);
    const w = seqWindow(q);
    this.fromSeq = w.fromSeq;
    this.toSeq = w.toSeq;
  }

  matches(e: TraceEntry): boolean {
    const q = this.q;
    if (q.sessionId !== undefined && e.sessionId !== q.sessionId) return false;
    if (e.seq < this.fromSeq || e.seq > this.toSeq) return false;
    if (q.fromTs !== undefined && e.ts < q.fromTs) return false;
    if (q.toTs !== undefined && e.ts > q.toTs) return false;
    if (q.kinds && !q.kinds.includes(e.kind)) return false;
    if (q.levels && !q.levels.includes(e.level)) return false;
    if (q.types && !typeMatches(e.type, q.types)) return false;
    if (q.sources && (e.source === undefined || !q.sources.includes(e.source))) return false;
    if (q.spanIds && (e.spanId === undefined || !q.spanIds.includes(e.spanId))) return false;
    if (q.parentIds && (e.parentId === undefined || !q.parentIds.includes(e.parentId))) return false;
    if (this.text && !textMatches(e, this.text)) return false;
    return true;
  }
}
