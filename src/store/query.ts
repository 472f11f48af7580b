/**
 * Paged queries over the block ring: block summaries first (seq and time
 * ranges, kinds, levels, types, sources), then the columns of the blocks that
 * may match; only the entries that match are decoded (and a text search reads
 * only their JSON line).
 */
import type { TraceEntry } from '../core/entry';
import { KINDS, LEVELS } from '../core/entry';
import { decodeEntry, restLines, type ColumnBatch } from '../core/columns';
import type { QueryParams, QueryResult } from './protocol';
import type { KeyedHead, TraceRing } from './ring';

export const DEFAULT_QUERY_LIMIT = 200;
export const MAX_QUERY_LIMIT = 5_000;
/** Heads read from the ring at a time. */
const HEADS_PAGE = 32;

type Payloads = (key: number) => Promise<ColumnBatch[] | undefined>;

export async function runQuery(ring: TraceRing, payloads: Payloads, p: QueryParams): Promise<QueryResult> {
  const limit = Math.max(1, Math.min(MAX_QUERY_LIMIT, Math.floor(p.limit ?? DEFAULT_QUERY_LIMIT)));
  const order = p.order ?? 'newest';
  let fromSeq = p.fromSeq ?? -Infinity;
  let toSeq = p.toSeq ?? Infinity;
  if (p.after !== undefined) {
    if (order === 'newest') toSeq = Math.min(toSeq, p.after - 1);
    else fromSeq = Math.max(fromSeq, p.after + 1);
  }
  const filter = new EntryFilter(p, fromSeq, toSeq);
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
  return { entries: out, next: out.length >= limit ? out[out.length - 1]!.seq : null, blocksRead };
}

class EntryFilter {
  private readonly kinds: Uint8Array | null;
  private readonly levels: Uint8Array | null;
  private readonly text: string | null;
  private readonly textInJson: string | null;

  constructor(
    private readonly p: QueryParams,
    private readonly fromSeq: number,
    private readonly toSeq: number,
  ) {
    this.kinds = p.kinds ? mask(KINDS, p.kinds) : null;
    this.levels = p.levels ? mask(LEVELS, p.levels) : null;
    this.text = p.text ? p.text.toLowerCase() : null;
    // The rest line is JSON: look for the text as JSON writes it (quotes and backslashes escaped).
    this.textInJson = p.text ? JSON.stringify(p.text).slice(1, -1).toLowerCase() : null;
  }

  /** Whether a block's summary allows a match. */
  mayMatch(h: KeyedHead): boolean {
    const p = this.p;
    if (p.fromTs !== undefined && h.maxTs < p.fromTs) return false;
    if (p.toTs !== undefined && h.minTs > p.toTs) return false;
    if (p.kinds && !p.kinds.some((k) => h.kinds[k])) return false;
    if (p.levels && !p.levels.some((l) => h.levels[l])) return false;
    if (p.types && h.types && !h.types.some((t) => matchesAny(t, p.types!))) return false;
    if (p.sources && h.sources && !h.sources.some((s) => p.sources!.includes(s))) return false;
    return true;
  }

  /** Adds the matching entries of a block to `out` in order; true when `out` is full. */
  collect(parts: ColumnBatch[], order: 'oldest' | 'newest', sessionId: string, out: TraceEntry[], limit: number): boolean {
    const p = this.p;
    const newest = order === 'newest';
    for (let k = 0; k < parts.length; k++) {
      const b = parts[newest ? parts.length - 1 - k : k]!;
      const typeOk = p.types ? b.strings.map((s) => matchesAny(s, p.types!)) : null;
      const sourceOk = p.sources ? b.strings.map((s) => p.sources!.includes(s)) : null;
      const text = this.text;
      const textInType = text ? b.strings.map((s) => s.toLowerCase().includes(text)) : null;
      let lines: string[] | null = null;
      for (let j = 0; j < b.count; j++) {
        const i = newest ? b.count - 1 - j : j;
        const seq = b.seq[i]!;
        if (seq < this.fromSeq || seq > this.toSeq) continue;
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
        if (textInType && !textInType[b.type[i]!] && !line.toLowerCase().includes(this.textInJson!)) continue;
        out.push(decodeEntry(b, i, sessionId, line));
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

/** Exact match, or a prefix when the pattern ends in `*`. */
function matchesAny(value: string, patterns: readonly string[]): boolean {
  for (const pat of patterns) {
    if (pat.endsWith('*') ? value.startsWith(pat.slice(0, -1)) : value === pat) return true;
  }
  return false;
}
