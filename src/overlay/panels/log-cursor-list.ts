/**
 * The live session with filters. The number of matches is unknown; pages are
 * fetched with `after`, newest first, on demand, and the list grows as they
 * arrive ("n+ matches").
 */
import type { TraceEntry } from '../../core/entry';
import type { OverlayQuery } from '../source';
import { PAGE, Pager, pageSpan, type QueryFn, type Row, type RowList } from './log-pager';
import type { LogOrder } from './log-settings';
import { groupDigits } from '../format';

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
    this.setWanted(pageSpan(a, b));
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
    const n = groupDigits(this.loaded);
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
