import type { TraceEntry } from '../../../src/core/entry';
import { BatchEncoder, batchBytes, batchToPlain, decodeBatch } from '../../../src/core/columns';
import { headOf, type BlockInput, type TraceRing } from '../../../src/store/ring';
import type { KeyValueStorage } from '../../../src/store/emergency';
import { AnalyticsEngine } from '../../../src/analytics/engine';
import { StoreHost, type MakePins, type OpenRing } from '../../../src/store/host';
import { PROTOCOL_VERSION, type BatchMessage, type RequestOp, type StoreConfig, type StoreRequests, type StoreToPage } from '../../../src/store/protocol';

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

/**
 * Web Locks with one holder a name, granted at once: a callback's promise
 * holds its lock until it settles; `ifAvailable` on a held name gets null.
 */
export function fakeLocks(): { locks: LockManager; held: Set<string> } {
  const held = new Set<string>();
  const locks = {
    request: async (name: string, a: unknown, b?: unknown) => {
      const opts = (typeof a === 'function' ? {} : a) as { ifAvailable?: boolean };
      const cb = (typeof a === 'function' ? a : b) as (lock: unknown) => unknown;
      if (held.has(name)) return opts.ifAvailable ? cb(null) : new Promise(() => {});
      held.add(name);
      try {
        return await cb({ name });
      } finally {
        held.delete(name);
      }
    },
  } as unknown as LockManager;
  return { locks, held };
}

/** A ring block of seqs from..to (the entries of entry(), ts = seq). */
export function ringBlock(sessionId: string, from: number, to: number, startedAt = 1000, over: Partial<TraceEntry> = {}): BlockInput {
  const entries: TraceEntry[] = [];
  for (let s = from; s <= to; s++) entries.push(entry(s, sessionId, over));
  const parts = [batchOf(entries).cols];
  return { ...headOf(sessionId, parts, batchBytes(parts[0]!)), startedAt, parts };
}

/** Every stored seq of a session, oldest first, through heads and payloads. */
export async function storedSeqs(ring: TraceRing, sessionId: string): Promise<number[]> {
  const out: number[] = [];
  for (const h of await ring.heads(sessionId, 'oldest', -Infinity, Infinity, 1e6)) {
    for (const b of (await ring.payload(h.key))!) out.push(...decodeBatch(b, sessionId).map((e) => e.seq));
  }
  return out;
}

/**
 * A store host on the main thread of the test, with helpers to send batches and ask
 * questions; `makePins` gives it the worker's pin keeper.
 */
export function storeHarness(cfg: StoreConfig, openRing?: OpenRing, makePins?: MakePins) {
  const got: StoreToPage[] = [];
  const host = new StoreHost((m) => got.push(m), (o) => new AnalyticsEngine(o), openRing, undefined, undefined, makePins);
  host.handle({ type: 'init', version: PROTOCOL_VERSION, config: cfg });
  let id = 0;
  return {
    got,
    host,
    send(entries: TraceEntry[]) {
      host.handle(batchOf(entries, 5));
    },
    async acked(upTo: number, sessionId = 's') {
      await until(() => got.some((m) => (m.type === 'ack' || m.type === 'nack') && m.sessionId === sessionId && m.upTo >= upTo));
    },
    async ask<K extends RequestOp>(op: K, params: StoreRequests[K]['params']): Promise<StoreRequests[K]['result']> {
      const rid = ++id;
      host.handle({ type: 'request', id: rid, op, params } as never);
      await until(() => got.some((m) => m.type === 'reply' && m.id === rid), 10_000);
      const reply = got.find((m) => m.type === 'reply' && m.id === rid)!;
      if (reply.type !== 'reply' || !reply.ok) throw new Error(reply.type === 'reply' && !reply.ok ? reply.error : 'no reply');
      return reply.result as StoreRequests[K]['result'];
    },
  };
}
