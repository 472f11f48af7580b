import type { TraceEntry } from '../../../src/core/entry';
import type { KeyValueStorage } from '../../../src/store/emergency';

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
