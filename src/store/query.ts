/**
 * Paged queries over the block ring, by the rules of query-rules.ts: block
 * summaries first (seq and time ranges, kinds, levels, types, sources), then
 * the columns of the blocks that may match; only the entries left are decoded
 * (and a text search reads only their JSON line first), and the rules decide
 * on each of those. What the summaries and columns reject here the rules
 * would reject too: they only save decoding.
 */
import type { TraceEntry } from '../core/entry';
import { KINDS, LEVELS } from '../core/entry';
import { decodeEntry, restLines, type ColumnBatch } from '../core/columns';
import type { QueryParams, QueryResult } from './protocol';
import { EntryRules, jsonMayHold, nextCursor, queryLimit, queryOrder, typeMatches, type QueryOrder } from './query-rules';
import type { KeyedHead, TraceRing } from './ring';

/** Heads read from the ring at a time. */
const HEADS_PAGE = 32;

type Payloads = (key: number) => Promise<ColumnBatch[] | undefined>;

export async function runQuery(ring: TraceRing, payloads: Payloads, p: QueryParams): Promise<QueryResult> {
  const limit = queryLimit(p);
  const order = queryOrder(p);
  const filter = new BlockFilter(p);
  let { fromSeq, toSeq } = filter.rules;
  const out: TraceEntry[] = [];
  let blocksRead = 0;
  while (out.length < limit && fromSeq <= toSeq) {
    const heads = await ring.heads(p.sessionId, order, fromSeq, toSeq, HEADS_PAGE);
    for (const h of heads) {
      if (order === 'oldest') fromSeq = h.lastSeq + 1;
      else toSeq = h.firstSeq - 1;
      if (!filter.mayMatch(h)) continue;
      const parts = await payloads(h.key);
      if (!parts) continue; // evicted meanwhile
      blocksRead++;
      if (filter.collect(parts, order, p.sessionId, out, limit)) break;
    }
    if (out.length >= limit || heads.length < HEADS_PAGE) break;
  }
  return { entries: out, next: nextCursor(out, limit), blocksRead };
}

/** The rules applied to blocks: rejects from summaries and columns, then the rules' word on each entry left. */
class BlockFilter {
  readonly rules: EntryRules;
  private readonly kinds: Uint8Array | null;
  private readonly levels: Uint8Array | null;

  constructor(private readonly p: QueryParams) {
    this.rules = new EntryRules(p);
    this.kinds = p.kinds ? mask(KINDS, p.kinds) : null;
    this.levels = p.levels ? mask(LEVELS, p.levels) : null;
  }

  /** Whether a block's summary allows a match. */
  mayMatch(h: KeyedHead): boolean {
    const p = this.p;
    if (p.fromTs !== undefined && h.maxTs < p.fromTs) return false;
    if (p.toTs !== undefined && h.minTs > p.toTs) return false;
    if (p.kinds && !p.kinds.some((k) => h.kinds[k])) return false;
    if (p.levels && !p.levels.some((l) => h.levels[l])) return false;
    if (p.types && h.types && !h.types.some((t) => typeMatches(t, p.types!))) return false;
    if (p.sources && h.sources && !h.sources.some((s) => p.sources!.includes(s))) return false;
    return true;
  }

  /** Adds the matching entries of a block to `out` in order; true when `out` is full. */
  collect(parts: ColumnBatch[], order: QueryOrder, sessionId: string, out: TraceEntry[], limit: number): boolean {
    const p = this.p;
    const { fromSeq, toSeq, text } = this.rules;
    const newest = order === 'newest';
    for (let k = 0; k < parts.length; k++) {
      const b = parts[newest ? parts.length - 1 - k : k]!;
      const typeOk = p.types ? b.strings.map((s) => typeMatches(s, p.types!)) : null;
      const sourceOk = p.sources ? b.strings.map((s) => p.sources!.includes(s)) : null;
      const textInType = text ? b.strings.map((s) => s.toLowerCase().includes(text.plain)) : null;
      let lines: string[] | null = null;
      for (let j = 0; j < b.count; j++) {
        const i = newest ? b.count - 1 - j : j;
        const seq = b.seq[i]!;
        if (seq < fromSeq || seq > toSeq) continue;
        const ts = b.ts[i]!;
        if ((p.fromTs !== undefined && ts < p.fromTs) || (p.toTs !== undefined && ts > p.toTs)) continue;
        if (this.kinds && !this.kinds[b.kind[i]!]) continue;
        if (this.levels && !this.levels[b.level[i]!]) continue;
        if (typeOk && !typeOk[b.type[i]!]) continue;
        if (sourceOk && (b.source[i] === 0 || !sourceOk[b.source[i]! - 1])) continue;
        if (p.spanIds && !p.spanIds.includes(b.spanId[i]!)) continue;
        if (p.parentIds && !p.parentIds.includes(b.parentId[i]!)) continue;
        lines ??= restLines(b);
        const line = lines[i]!;
        // The line holds every value's JSON: without the needle, none of them has it.
        if (textInType && !textInType[b.type[i]!] && !jsonMayHold(line, text!)) continue;
        const e = decodeEntry(b, i, sessionId, line);
        if (!this.rules.matches(e)) continue;
        out.push(e);
        if (out.length >= limit) return true;
      }
    }
    return false;
  }
}

function mask(names: readonly string[], wanted: readonly string[]): Uint8Array {
  const m = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) if (wanted.includes(names[i]!)) m[i] = 1;
  return m;
}
