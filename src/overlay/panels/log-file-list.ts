/**
 * A trace file opened for viewing: its entries in memory, queried and
 * filtered by the store's rules (src/store/query-rules.ts), so a filter finds
 * in a file what it finds in the live log.
 */
import { signal } from '@preact/signals';
import type { TraceEntry } from '../../core/entry';
import type { QueryResult } from '../../store/protocol';
import { EntryRules, nextCursor, queryLimit, queryOrder } from '../../store/query-rules';
import type { OverlayQuery } from '../source';
import type { Row, RowList } from './log-pager';
import { filtersSomething, type LogOrder } from './log-settings';
import { groupDigits } from '../format';

/** A page of a query over entries in memory (in seq order), with `after` and `next` as the store has them. */
export function queryEntries(entries: readonly TraceEntry[], q: OverlayQuery): QueryResult {
  const limit = queryLimit(q);
  const newest = queryOrder(q) === 'newest';
  const rules = new EntryRules(q);
  const out: TraceEntry[] = [];
  const n = entries.length;
  for (let j = 0; j < n && out.length < limit; j++) {
    const e = entries[newest ? n - 1 - j : j]!;
    if (rules.matches(e)) out.push(e);
  }
  return { entries: out, next: nextCursor(out, limit), blocksRead: 0 };
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
    const rules = new EntryRules(params);
    this.matches = filtersSomething(params) || params.fromSeq !== undefined || params.toSeq !== undefined ? all.filter((e) => rules.matches(e)) : all;
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
    return this.matches === this.all ? `${groupDigits(this.all.length)} entries` : `${groupDigits(this.matches.length)} of ${groupDigits(this.all.length)} entries`;
  }
  indexOf(e: TraceEntry): number {
    const i = this.matches.indexOf(e);
    return i < 0 ? -1 : this.order === 'newest' ? this.matches.length - 1 - i : i;
  }
  dispose(): void {}
}
