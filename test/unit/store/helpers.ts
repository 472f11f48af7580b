import type { TraceEntry } from '../../../src/core/entry';
import { BatchEncoder, batchToPlain } from '../../../src/core/columns';
import type { KeyValueStorage } from '../../../src/store/emergency';
import type { BatchMessage } from '../../../src/store/protocol';

let n = 0;
/** A database name no other test uses. */
export function freshDb(): string {
  return `test-${process.pid}-${Date.now()}-${n++}`;
}

export function entry(seq: number, sessionId = 's1', over: Partial<TraceEntry> = {}): TraceEntry {
  return { seq, ts: seq, sessionId, kind: 'custom', type: 'tick', level: 'info', frame: 0, data: { i: seq }, ...over };
}

/** localStorage as a Map, with a size limit to test what does not fit. */
export class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  constructor(private readonly limit = Infinity) {}
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    if (v.length > this.limit) throw new DOMException('quota', 'QuotaExceededError');
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

export async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The batch message a client would post for these entries (all of one session). */
export function batchOf(entries: TraceEntry[], startedAt = 1): BatchMessage {
  const enc = new BatchEncoder(entries.length);
  for (const e of entries) enc.add(e);
  const cols = enc.take();
  return { type: 'batch', sessionId: entries[0]!.sessionId, startedAt, firstSeq: cols.seq[0]!, lastSeq: cols.seq[cols.count - 1]!, count: cols.count, cols };
}

/** A batch as the emergency log stores it. */
export function storedBatch(b: BatchMessage): Record<string, unknown> {
  return { ...b, cols: batchToPlain(b.cols) };
}
