/**
 * The event log's data, without the DOM: the filters (persisted), how they
 * become a store query, and three row lists behind one interface:
 *
 * - SeqList: the live session without filters. The store keeps seqs
 *   contiguous (but for evicted, dropped or paused entries), so row i is a seq
 *   and pages are seq windows fetched with fromSeq/toSeq: the scroll height
 *   stands for the whole session from the first query on.
 * - CursorList: the live session with filters. The number of matches is
 *   unknown; pages are fetched with `after`, newest first, on demand, and the
 *   list grows as they arrive ("n+ matches").
 * - ArrayList: a trace file opened for viewing, filtered in memory by the
 *   same rules as the store's query.
 *
 * Nothing here runs per logged event: the tab calls `refresh` on a timer and
 * `want` when the visible rows change; at most MAX_INFLIGHT pages are fetched
 * at once and at most MAX_PAGES are kept (least recently used go first).
 */
import { signal, type Signal } from '@preact/signals';
import { KINDS, LEVELS, type Kind, type Level, type TraceEntry } from '../../core/entry';
import { errorMessage } from '../../core/errors';
import type { QueryResult } from '../../store/protocol';
import type { LogFocus } from '../state';
import type { OverlayQuery } from '../source';
import { all, resolved } from '../../core/builtins';
import { timers } from '../timers';

/** Row height in px: fixed, so the row under any scroll position is arithmetic. */
export const ROW_H = 20;
/** Rows per fetched page. */
export const PAGE = 100;
/** Pages fetched at the same time. */
export const MAX_INFLIGHT = 3;
/** Pages kept in memory per list. */
export const MAX_PAGES = 48;
/** Rows rendered above and below the visible ones. */
export const OVERSCAN = 8;
/** Browsers cap an element's height (Firefox near 17.9M px): beyond this the scroll position is scaled. */
export const MAX_SCROLL_PX = 8_000_000;
/** A failed page is not asked for again before this many ms. */
const RETRY_MS = 2_000;

// ---- filters ----------------------------------------------------------------

export interface LogFilters {
  /** Kinds shown; empty: all. */
  kinds: Kind[];
  /** The lowest level shown ('debug': all). */
  minLevel: Level;
  /** Types separated by commas or spaces; `npc.*` is a prefix. */
  types: string;
  /** Sources separated by commas or spaces. */
  sources: string;
  text: string;
}

export type LogOrder = 'newest' | 'oldest';

export interface LogSettings {
  filters: LogFilters;
  order: LogOrder;
}

export const LOG_SETTINGS_KEY = 'trace-agent:overlay:log-filters';

export function defaultFilters(): LogFilters {
  return { kinds: [], minLevel: 'debug', types: '', sources: '', text: '' };
}

/** The saved filters and order; the defaults when storage is forbidden, empty or unreadable. */
export function loadSettings(storage: () => Storage | null = pageStorage): LogSettings {
  const settings: LogSettings = { filters: defaultFilters(), order: 'newest' };
  try {
    const raw = storage()?.getItem(LOG_SETTINGS_KEY);
    if (!raw) return settings;
    const saved = JSON.parse(raw) as Partial<{ filters: Partial<LogFilters>; order: unknown }>;
    const f = saved.filters ?? {};
    if (Array.isArray(f.kinds)) settings.filters.kinds = f.kinds.filter((k): k is Kind => (KINDS as readonly unknown[]).includes(k));
    if ((LEVELS as readonly unknown[]).includes(f.minLevel)) settings.filters.minLevel = f.minLevel as Level;
    for (const k of ['types', 'sources', 'text'] as const) if (typeof f[k] === 'string') settings.filters[k] = f[k].slice(0, 500);
    if (saved.order === 'oldest' || saved.order === 'newest') settings.order = saved.order;
  } catch {
    // A page may forbid storage, or hold something else under our key: start from the defaults.
  }
  return settings;
}

export function saveSettings(settings: LogSettings, storage: () => Storage | null = pageStorage): void {
  try {
    storage()?.setItem(LOG_SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Forbidden or full: the filters hold for this page only.
  }
}

function pageStorage(): Storage | null {
  return typeof localStorage === 'undefined' ? null : localStorage;
}

function words(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
}

/** What the filters ask of the store's query (nothing for a filter that is off). */
export function filtersToQuery(f: LogFilters): OverlayQuery {
  const q: OverlayQuery = {};
  if (f.kinds.length > 0 && f.kinds.length < KINDS.length) q.kinds = [...f.kinds];
  const min = LEVELS.indexOf(f.minLevel);
  if (min > 0) q.levels = LEVELS.slice(min);
  const types = words(f.types);
  if (types.length) q.types = types;
  const sources = words(f.sources);
  if (sources.length) q.sources = sources;
  const text = f.text.trim();
  if (text) q.text = text;
  return q;
}

/** Whether a query filters anything beyond a seq range. */
export function filtersSomething(q: OverlayQuery): boolean {
  return q.kinds !== undefined || q.levels !== undefined || q.types !== undefined || q.sources !== undefined || q.text !== undefined;
}

// ---- the store's query, in memory (trace files) -------------------------------

/** Whether an entry matches a query, by the rules of src/store/query.ts. */
export function entryMatches(e: TraceEntry, q: OverlayQuery, text = q.text?.toLowerCase()): boolean {
  if (q.sessionId !== undefined && e.sessionId !== q.sessionId) return false;
  if (q.fromSeq !== undefined && e.seq < q.fromSeq) return false;
  if (q.toSeq !== undefined && e.seq > q.toSeq) return false;
  if (q.fromTs !== undefined && e.ts < q.fromTs) return false;
  if (q.toTs !== undefined && e.ts > q.toTs) return false;
  if (q.kinds && !q.kinds.includes(e.kind)) return false;
  if (q.levels && !q.levels.includes(e.level)) return false;
  if (q.types && !q.types.some((t) => (t.endsWith('*') ? e.type.startsWith(t.slice(0, -1)) : e.type === t))) return false;
  if (q.sources && (e.source === undefined || !q.sources.includes(e.source))) return false;
  if (q.spanIds && (e.spanId === undefined || !q.spanIds.includes(e.spanId))) return false;
  if (q.parentIds && (e.parentId === undefined || !q.parentIds.includes(e.parentId))) return false;
  if (text && !e.type.toLowerCase().includes(text) && !searchable(e).includes(text)) return false;
  return true;
}

function searchable(e: TraceEntry): string {
  try {
    return JSON.stringify([e.data, e.metadata, e.args, e.result, e.error]).toLowerCase();
  } catch {
    return '';
  }
}

/** A page of a query over entries in memory, with `after` and `next` as the store has them. */
export function queryEntries(entries: readonly TraceEntry[], q: OverlayQuery): QueryResult {
  const limit = Math.max(1, Math.min(5_000, Math.floor(q.limit ?? 200)));
  const newest = (q.order ?? 'newest') === 'newest';
  const p: OverlayQuery = { ...q };
  if (q.after !== undefined) {
    if (newest) p.toSeq = Math.min(q.toSeq ?? Infinity, q.after - 1);
    else p.fromSeq = Math.max(q.fromSeq ?? -Infinity, q.after + 1);
  }
  const text = q.text?.toLowerCase();
  const out: TraceEntry[] = [];
  const n = entries.length;
  for (let j = 0; j < n && out.length < limit; j++) {
    const e = entries[newest ? n - 1 - j : j]!;
    if (entryMatches(e, p, text)) out.push(e);
  }
  return { entries: out, next: out.length >= limit ? out[out.length - 1]!.seq : null, blocksRead: 0 };
}

// ---- the rows -----------------------------------------------------------------

/** A row: its entry, the seq of an entry that is not stored (a number), or null while it loads. */
export type Row = TraceEntry | number | null;

export type QueryFn = (q: OverlayQuery) => Promise<QueryResult>;

export interface RowList {
  readonly kind: 'seq' | 'cursor' | 'array';
  /** Bumped whenever rows change: read it to re-render. */
  readonly version: Signal<number>;
  /** The last failure of a query, '' when the last one worked. */
  readonly problem: Signal<string>;
  /** Rows in the scroll height. */
  size(): number;
  /** The row at display position i. */
  row(i: number): Row;
  /** The rows [from, to) are visible: fetch what is missing. */
  want(from: number, to: number): void;
  /** Catches up with the newest entries (while following). */
  refresh(): Promise<void>;
  /** While paused: whether (or how many) newer entries than those in view exist. */
  checkNewer(): Promise<void>;
  /** Newer entries than those in view (a count, or 1 when only known to exist). */
  readonly newer: Signal<number>;
  /** A short text of what the list holds. */
  countLabel(): string;
  /** The display position of an entry, -1 when not known. */
  indexOf(e: TraceEntry): number;
  dispose(): void;
}

/** Least recently used first out (a Map keeps insertion order). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  peek(k: K): V | undefined {
    return this.map.get(k);
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  delete(k: K): void {
    this.map.delete(k);
  }
  keys(): K[] {
    return [...this.map.keys()];
  }
  clear(): void {
    this.map.clear();
  }
  get size(): number {
    return this.map.size;
  }
}

/** Fetches pages by key, a few at a time, the ones wanted most recently first. */
abstract class Pager<P> {
  readonly version = signal(0);
  readonly problem = signal('');
  readonly newer = signal(0);
  protected readonly pages = new Lru<number, P>(MAX_PAGES);
  private readonly inflight = new Set<number>();
  private readonly failedAt = new Map<number, number>();
  private wanted: number[] = [];
  private refreshing = false;
  protected alive = true;

  /** Whether page k is cached and up to date. */
  protected abstract fresh(k: number): boolean;
  /** Whether page k can be fetched now (a cursor page needs the one before it). */
  protected canFetch(_k: number): boolean {
    return true;
  }
  protected abstract fetch(k: number): Promise<P>;
  /** Stores a fetched page; false when it was dropped (the list changed meanwhile). */
  protected store(k: number, page: P): boolean {
    this.pages.set(k, page);
    return true;
  }

  /** Catches up with the newest entries: what refresh() does, one at a time. */
  protected abstract catchUp(): Promise<void>;

  async refresh(): Promise<void> {
    if (this.refreshing || !this.alive) return;
    this.refreshing = true;
    try {
      await this.catchUp();
    } catch {
      // Shown through `problem`.
    } finally {
      this.refreshing = false;
    }
  }

  protected setWanted(keys: number[]): void {
    this.wanted = keys;
    this.pump();
  }

  protected bump(): void {
    this.version.value++;
  }

  protected async run<T>(q: Promise<T>): Promise<T> {
    try {
      const r = await q;
      if (this.problem.peek()) this.problem.value = '';
      return r;
    } catch (err) {
      if (this.alive) this.problem.value = errorMessage(err);
      throw err;
    }
  }

  private pump(): void {
    const now = Date.now();
    for (const k of this.wanted) {
      if (this.inflight.size >= MAX_INFLIGHT) return;
      if (this.inflight.has(k) || this.fresh(k) || !this.canFetch(k)) continue;
      const failed = this.failedAt.get(k);
      if (failed !== undefined && now - failed < RETRY_MS) continue;
      this.inflight.add(k);
      void (async () => {
        try {
          const page = await this.fetch(k);
          this.failedAt.delete(k);
          if (this.alive && this.store(k, page)) this.bump();
        } catch {
          this.failedAt.set(k, Date.now());
          timers.setTimeout(() => this.alive && this.pump(), RETRY_MS);
        } finally {
          this.inflight.delete(k);
          if (this.alive) this.pump();
        }
      })();
    }
  }

  dispose(): void {
    this.alive = false;
    this.pages.clear();
    this.wanted = [];
  }
}

interface SeqPage {
  /** Entries by seq - first seq of the page. */
  rows: (TraceEntry | undefined)[];
  /** Seqs up to this one were asked for (a later one may not be stored yet). */
  coveredTo: number;
}

/** The live session without filters: row i is a seq (see the file's comment). */
export class SeqList extends Pager<SeqPage> implements RowList {
  readonly kind = 'seq';
  /** The seq range shown; null until the first refresh finds entries. */
  private lo: number | null = null;
  private hi: number | null = null;
  private ticks = 0;
  /** The display positions last wanted: what a refresh fetches before it shows newer entries. */
  private shown: { from: number; to: number } | null = null;
  /** When a prefetch last failed (ms): the next waits RETRY_MS, as the pager does. */
  private prefetchFailedAt = 0;

  constructor(
    private readonly query: QueryFn,
    private readonly order: LogOrder,
    private readonly range: { fromSeq?: number; toSeq?: number } = {},
  ) {
    super();
  }

  size(): number {
    return this.lo === null || this.hi === null || this.hi < this.lo ? 0 : this.hi - this.lo + 1;
  }

  /** The seq at display position i. */
  seqAt(i: number): number {
    return this.order === 'newest' ? this.hi! - i : this.lo! + i;
  }

  row(i: number): Row {
    if (i < 0 || i >= this.size()) return null;
    const seq = this.seqAt(i);
    const k = pageOf(seq);
    const page = this.pages.peek(k);
    if (!page || seq > page.coveredTo) return null;
    return page.rows[seq - k * PAGE - 1] ?? seq;
  }

  want(from: number, to: number): void {
    this.shown = { from, to };
    const keys = this.pageKeys(from, to, this.lo, this.hi);
    for (const k of keys) this.pages.get(k); // touched: recently used
    this.setWanted(keys);
  }

  /** The pages of display positions [from, to) when the list spans lo..hi, the edge the user reads from first. */
  private pageKeys(from: number, to: number, lo: number | null, hi: number | null): number[] {
    if (lo === null || hi === null || hi < lo) return [];
    const n = hi - lo + 1;
    from = Math.max(0, from);
    to = Math.min(n, to);
    if (to <= from) return [];
    const seqAt = (i: number) => (this.order === 'newest' ? hi - i : lo + i);
    const a = pageOf(seqAt(from));
    const b = pageOf(seqAt(to - 1));
    const keys: number[] = [];
    for (let k = Math.min(a, b); k <= Math.max(a, b); k++) keys.push(k);
    if (this.order === 'newest') keys.reverse();
    return keys;
  }

  protected fresh(k: number, hi = this.hi): boolean {
    const page = this.pages.peek(k);
    return page !== undefined && page.coveredTo >= Math.min((k + 1) * PAGE, hi ?? 0);
  }

  protected fetch(k: number): Promise<SeqPage> {
    return this.fetchPage(k, this.hi ?? 0);
  }

  private async fetchPage(k: number, hi: number): Promise<SeqPage> {
    const fromSeq = k * PAGE + 1;
    const toSeq = Math.min((k + 1) * PAGE, hi);
    const res = await this.run(this.query({ order: 'oldest', fromSeq, toSeq, limit: PAGE }));
    const rows = new Array<TraceEntry | undefined>(PAGE);
    for (const e of res.entries) rows[e.seq - fromSeq] = e;
    return { rows, coveredTo: toSeq };
  }

  /**
   * Before newer entries are shown, the pages of the rows that will be in
   * view. refresh() runs only while following, and following shows the edge
   * (the first positions newest first, the last oldest first), also right
   * after "↓ newest" from a paused place: so the edge window, as tall as the
   * view. A refresh then renders its rows once, not placeholders first.
   */
  private async prefetch(lo: number | null, hi: number | null): Promise<void> {
    const shown = this.shown;
    if (!shown || lo === null || hi === null) return;
    if (Date.now() - this.prefetchFailedAt < RETRY_MS) return; // the pager retries on its own schedule
    const tall = shown.to - shown.from;
    const n = hi - lo + 1;
    const [from, to] = this.order === 'newest' ? [0, tall] : [n - tall, n];
    const missing = this.pageKeys(from, to, lo, hi).filter((k) => !this.fresh(k, hi));
    if (missing.length === 0 || missing.length > MAX_INFLIGHT) return;
    try {
      const pages = await all(missing.map((k) => this.fetchPage(k, hi)));
      if (!this.alive) return;
      missing.forEach((k, i) => this.store(k, pages[i]!));
    } catch {
      // Shown through `problem`; the rows load as they are wanted.
      this.prefetchFailedAt = Date.now();
    }
  }

  /** A page fetched before a newer one of the same key landed (a prefetch) covers less: keep the newer. */
  protected override store(k: number, page: SeqPage): boolean {
    const had = this.pages.peek(k);
    if (had && had.coveredTo > page.coveredTo) return false;
    this.pages.set(k, page);
    return true;
  }

  /** The first and last stored seqs within the range. */
  private async ends(which: 'both' | 'newest'): Promise<{ first: number | null; last: number | null }> {
    const r = this.range;
    const both = await all([
      which === 'both' ? this.run(this.query({ order: 'oldest', limit: 1, ...r })) : resolved(null),
      this.run(this.query({ order: 'newest', limit: 1, ...r })),
    ] as const);
    const first = both[0];
    const last = both[1];
    return { first: first?.entries[0]?.seq ?? null, last: last.entries[0]?.seq ?? null };
  }

  protected async catchUp(): Promise<void> {
    // Eviction moves the first seq slowly: look it up every few refreshes.
    const both = this.lo === null || this.ticks++ % 4 === 0;
    const { first, last } = await this.ends(both ? 'both' : 'newest');
    if (!this.alive) return;
    const lo = both ? first : this.lo;
    // Evicted or cleared: pages below the first stored seq are gone from the store.
    if (first !== null && this.lo !== null && first > this.lo) for (const k of this.pages.keys()) if (k < pageOf(first)) this.pages.delete(k);
    if (lo === this.lo && last === this.hi && this.newer.peek() === 0) return;
    await this.prefetch(last === null ? null : lo, last);
    if (!this.alive) return;
    this.lo = last === null ? null : lo;
    this.hi = last;
    this.newer.value = 0;
    this.bump();
  }

  async checkNewer(): Promise<void> {
    if (this.hi === null) return this.refresh();
    try {
      const { last } = await this.ends('newest');
      if (this.alive && last !== null) this.newer.value = Math.max(0, last - this.hi);
    } catch {
      // Shown through `problem`.
    }
  }

  countLabel(): string {
    if (this.lo === null || this.hi === null) return 'no entries';
    return `#${this.lo.toLocaleString('en')}–#${this.hi.toLocaleString('en')}`;
  }

  indexOf(e: TraceEntry): number {
    if (this.lo === null || this.hi === null || e.seq < this.lo || e.seq > this.hi) return -1;
    return this.order === 'newest' ? this.hi - e.seq : e.seq - this.lo;
  }
}

function pageOf(seq: number): number {
  return Math.floor((seq - 1) / PAGE);
}

interface CursorPage {
  entries: TraceEntry[];
}

/**
 * The live session with filters: matches newest first, page k fetched with
 * `after` = the last seq of page k-1 (every page but the last is full, so
 * row c is in page c / PAGE). Evicted pages are fetched again by their cursor.
 */
export class CursorList extends Pager<CursorPage> implements RowList {
  readonly kind = 'cursor';
  /** `after` of each page known (undefined for the first). */
  private cursors: (number | undefined)[] = [];
  /** Rows of the pages known. */
  private loaded = 0;
  /** The cursor after the last page known; null when there is no more, undefined before the first page. */
  private next: number | null | undefined = undefined;
  /** The newest match in view (its seq). */
  private top: number | null = null;
  private generation = 0;

  constructor(
    private readonly query: QueryFn,
    private readonly order: LogOrder,
    private readonly params: OverlayQuery,
  ) {
    super();
  }

  size(): number {
    return this.loaded + (this.next === null || this.next === undefined ? 0 : PAGE);
  }

  /** Position in newest-first order of display position i. */
  private cursorIndex(i: number): number {
    return this.order === 'newest' ? i : this.size() - 1 - i;
  }

  row(i: number): Row {
    const c = this.cursorIndex(i);
    if (c < 0 || c >= this.loaded) return null;
    return this.pages.peek(Math.floor(c / PAGE))?.entries[c % PAGE] ?? null;
  }

  want(from: number, to: number): void {
    const n = this.size();
    from = Math.max(0, from);
    to = Math.min(n, to);
    if (to <= from) return;
    const a = Math.floor(this.cursorIndex(from) / PAGE);
    const b = Math.floor(this.cursorIndex(to - 1) / PAGE);
    const keys: number[] = [];
    for (let k = Math.min(a, b); k <= Math.max(a, b); k++) keys.push(k);
    for (const k of keys) this.pages.get(k);
    this.setWanted(keys);
  }

  protected fresh(k: number): boolean {
    return this.pages.peek(k) !== undefined;
  }

  protected override canFetch(k: number): boolean {
    return k < this.cursors.length || (k === this.cursors.length && this.next !== null && this.next !== undefined);
  }

  protected async fetch(k: number): Promise<CursorPage & { generation: number; after: number | undefined; next: number | null }> {
    const generation = this.generation;
    const after = k < this.cursors.length ? this.cursors[k] : (this.next ?? undefined);
    const q: OverlayQuery = { ...this.params, order: 'newest', limit: PAGE };
    if (after !== undefined) q.after = after;
    const res = await this.run(this.query(q));
    return { entries: res.entries, generation, after, next: res.next };
  }

  protected override store(k: number, page: CursorPage & { generation: number; after: number | undefined; next: number | null }): boolean {
    if (page.generation !== this.generation) return false;
    if (k === this.cursors.length) {
      this.cursors.push(page.after);
      this.loaded += page.entries.length;
      this.next = page.next;
    }
    this.pages.set(k, { entries: page.entries });
    return true;
  }

  /** Starts again from the newest match: the one page that following shows. */
  protected async catchUp(): Promise<void> {
    const res = await this.run(this.query({ ...this.params, order: 'newest', limit: PAGE }));
    if (!this.alive) return;
    const top = res.entries[0]?.seq ?? null;
    if (this.next !== undefined && top === this.top && this.cursors.length === 1 && this.newer.peek() === 0) return;
    this.generation++;
    this.pages.clear();
    this.cursors = [undefined];
    this.pages.set(0, { entries: res.entries });
    this.loaded = res.entries.length;
    this.next = res.next;
    this.top = top;
    this.newer.value = 0;
    this.bump();
  }

  async checkNewer(): Promise<void> {
    if (this.next === undefined) return this.refresh();
    const fromSeq = Math.max(this.params.fromSeq ?? 0, (this.top ?? 0) + 1);
    try {
      const res = await this.run(this.query({ ...this.params, order: 'newest', limit: 1, fromSeq }));
      if (this.alive) this.newer.value = res.entries.length;
    } catch {
      // Shown through `problem`.
    }
  }

  countLabel(): string {
    if (this.next === undefined) return 'searching…';
    const n = this.loaded.toLocaleString('en');
    return this.next === null ? `${n} match${this.loaded === 1 ? '' : 'es'}` : `${n}+ matches`;
  }

  indexOf(e: TraceEntry): number {
    for (let k = 0; k < this.cursors.length; k++) {
      const i = this.pages.peek(k)?.entries.indexOf(e) ?? -1;
      if (i >= 0) {
        const c = k * PAGE + i;
        return this.order === 'newest' ? c : this.size() - 1 - c;
      }
    }
    return -1;
  }
}

/** A trace file's entries, filtered in memory once. */
export class ArrayList implements RowList {
  readonly kind = 'array';
  readonly version = signal(0);
  readonly problem = signal('');
  readonly newer = signal(0);
  private readonly matches: readonly TraceEntry[];

  constructor(
    private readonly all: readonly TraceEntry[],
    private readonly order: LogOrder,
    params: OverlayQuery,
  ) {
    const text = params.text?.toLowerCase();
    this.matches = filtersSomething(params) || params.fromSeq !== undefined || params.toSeq !== undefined ? all.filter((e) => entryMatches(e, params, text)) : all;
  }

  size(): number {
    return this.matches.length;
  }
  row(i: number): Row {
    const n = this.matches.length;
    return (this.order === 'newest' ? this.matches[n - 1 - i] : this.matches[i]) ?? null;
  }
  want(): void {}
  async refresh(): Promise<void> {}
  async checkNewer(): Promise<void> {}
  countLabel(): string {
    return this.matches === this.all ? `${this.all.length.toLocaleString('en')} entries` : `${this.matches.length.toLocaleString('en')} of ${this.all.length.toLocaleString('en')} entries`;
  }
  indexOf(e: TraceEntry): number {
    const i = this.matches.indexOf(e);
    return i < 0 ? -1 : this.order === 'newest' ? this.matches.length - 1 - i : i;
  }
  dispose(): void {}
}

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

// ---- the window ---------------------------------------------------------------

export interface RowWindow {
  /** The first row rendered and how many. */
  first: number;
  count: number;
  /** Where the first row rendered sits, in px from the top of the scroll content. */
  top: number;
  /** The scroll content's height. */
  height: number;
}

/** Height of the scroll content for `size` rows (capped: see MAX_SCROLL_PX). */
export function scrollHeight(size: number): number {
  return Math.min(size * ROW_H, MAX_SCROLL_PX);
}

/** The row at the top of the viewport, as a fraction (scaled when the content is capped). */
function rowAtTop(scrollTop: number, viewH: number, size: number): number {
  const full = size * ROW_H;
  const height = scrollHeight(size);
  if (full <= height) return scrollTop / ROW_H;
  const room = Math.max(1, height - viewH);
  return (Math.min(scrollTop, room) / room) * Math.max(0, size - viewH / ROW_H);
}

/** The rows to render at a scroll position. */
export function rowWindow(scrollTop: number, viewH: number, size: number): RowWindow {
  const height = scrollHeight(size);
  if (size === 0) return { first: 0, count: 0, top: 0, height };
  const at = rowAtTop(scrollTop, viewH, size);
  const topRow = Math.floor(at);
  const first = Math.max(0, topRow - OVERSCAN);
  const last = Math.min(size, Math.ceil(at + viewH / ROW_H) + OVERSCAN);
  // The first rendered row sits where the row at the top is, less the rows above it and its own offset.
  const top = scrollTop - (at - first) * ROW_H;
  return { first, count: Math.max(0, last - first), top: Math.max(0, top), height };
}

/** The scrollTop that brings row i into view (as little scrolling as needed). */
export function scrollTopFor(i: number, scrollTop: number, viewH: number, size: number): number {
  const full = size * ROW_H;
  const height = scrollHeight(size);
  if (full <= height) {
    const y = i * ROW_H;
    if (y < scrollTop) return y;
    if (y + ROW_H > scrollTop + viewH) return y + ROW_H - viewH;
    return scrollTop;
  }
  const rowsInView = viewH / ROW_H;
  const at = rowAtTop(scrollTop, viewH, size);
  if (i >= at && i + 1 <= at + rowsInView) return scrollTop;
  const wantAt = i < at ? i : i + 1 - rowsInView;
  const room = Math.max(1, height - viewH);
  return (Math.max(0, wantAt) / Math.max(1, size - rowsInView)) * room;
}
