/**
 * What a row of the event log shows of an entry, as text, formatted once per
 * entry: the rows in view are rendered again at every refresh and scroll, and
 * a page fetched again (the newest one, while following) brings the same
 * entries as new objects, so the cache is keyed by session and seq (an
 * entry's seq never changes its entry), not by object.
 */
import type { TraceEntry } from '../../core/entry';
import { formatDuration, formatSeconds, preview } from '../format';
import { Lru } from './lru';

export interface RowText {
  /** The row's element id (for aria-activedescendant): the key, made safe for an id. */
  id: string;
  title: string;
  /** `#` and the seq: one text node, not two. */
  seq: string;
  ts: string;
  /** The duration, '' when the entry has none. */
  dur: string;
  /** A one-line preview of the entry's data (an agent call's args, or its error). */
  data: string;
}

/** Rows kept formatted: a few screens of rows, and the pages around them. */
const ROW_TEXT_MAX = 1_024;

/** The key of an entry in the log: its session and seq. */
export function entryKey(e: TraceEntry): string {
  return `${e.sessionId}:${e.seq}`;
}

/** An element id for a row key (ids of `log-row-` and word characters). */
export function rowId(key: string): string {
  return `log-row-${key.replace(/[^\w-]/g, '_')}`;
}

export class RowTextCache {
  private readonly lru: Lru<string, RowText>;
  constructor(max = ROW_TEXT_MAX) {
    this.lru = new Lru(max);
  }

  get(e: TraceEntry): RowText {
    const key = entryKey(e);
    let t = this.lru.get(key);
    if (t === undefined) {
      const detail = e.kind === 'agent' ? (e.status === 'error' ? e.error?.message : e.args) : e.data;
      t = { id: rowId(key), title: `${e.type} · frame ${e.frame}`, seq: `#${e.seq}`, ts: formatSeconds(e.ts), dur: e.dur !== undefined ? formatDuration(e.dur) : '', data: preview(detail) };
      this.lru.set(key, t);
    }
    return t;
  }

  get size(): number {
    return this.lru.size;
  }
}
