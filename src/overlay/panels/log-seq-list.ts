/**
 * The live session without filters. The store keeps seqs contiguous (but for
 * evicted, dropped or paused entries), so row i is a seq and pages are seq
 * windows fetched with fromSeq/toSeq: the scroll height stands for the whole
 * session from the first query on.
 */
import type { TraceEntry } from '../../core/entry';
import { all, resolved } from '../../core/builtins';
import { MAX_INFLIGHT, PAGE, Pager, pageSpan, RETRY_MS, type QueryFn, type Row, type RowList } from './log-pager';
import type { LogOrder } from './log-settings';
import { groupDigits } from '../format';

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
    const keys = pageSpan(a, b);
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
    return `#${groupDigits(this.lo)}–#${groupDigits(this.hi)}`;
  }

  indexOf(e: TraceEntry): number {
    if (this.lo === null || this.hi === null || e.seq < this.lo || e.seq > this.hi) return -1;
    return this.order === 'newest' ? this.hi - e.seq : e.seq - this.lo;
  }
}

function pageOf(seq: number): number {
  return Math.floor((seq - 1) / PAGE);
}
