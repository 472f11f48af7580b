/**
 * What the event log's row lists have in common: the RowList interface the
 * tab reads, and the Pager the two live lists (log-seq-list.ts,
 * log-cursor-list.ts) build on, which fetches pages by key, at most
 * MAX_INFLIGHT at once, keeps at most MAX_PAGES (least recently used go
 * first) and retries a failed page after RETRY_MS.
 */
import { signal, type Signal } from '@preact/signals';
import type { TraceEntry } from '../../core/entry';
import { errorMessage } from '../../core/errors';
import type { QueryResult } from '../../store/protocol';
import type { OverlayQuery } from '../source';
import { timers } from '../timers';
import { Lru } from './lru';

/** Rows per fetched page. */
export const PAGE = 100;
/** Pages fetched at the same time. */
export const MAX_INFLIGHT = 3;
/** Pages kept in memory per list. */
export const MAX_PAGES = 48;
/** A failed page is not asked for again before this many ms. */
export const RETRY_MS = 2_000;

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

/** The page keys from page a to page b, ascending, whichever of the two is lower. */
export function pageSpan(a: number, b: number): number[] {
  const keys: number[] = [];
  for (let k = Math.min(a, b); k <= Math.max(a, b); k++) keys.push(k);
  return keys;
}

/** Fetches pages by key, a few at a time, the ones wanted most recently first. */
export abstract class Pager<P> {
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

  /** The pages now wanted, most wanted first: touched (recently used), then fetched where missing. */
  protected setWanted(keys: number[]): void {
    for (const k of keys) this.pages.get(k);
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
