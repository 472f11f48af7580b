/**
 * A fake overlay source for the log tab's tests: a store of `count` entries
 * made up on demand from their seq (a million cost nothing until read), with
 * a query that honours the store's parameters and records each call.
 */
import type { Kind, Level, TraceEntry } from '../../../src/core/entry';
import type { OverlayQuery, OverlaySnapshot, OverlaySource } from '../../../src/overlay/source';
import type { QueryResult } from '../../../src/store/protocol';

export const SESSION = 'live-session';
const KIND_CYCLE: Kind[] = ['player', 'system', 'custom', 'perf'];
const TYPES = ['npc.walk', 'npc.talk', 'quest:start'];

/**
 * Every 10th seq is an agent span whose spanId is its seq; its parent is the
 * span at the next multiple of 100 (spans end after their children), so span
 * 100k has the children 100k-90 … 100k-10. Every 100th entry is an error.
 */
export function entryAt(seq: number, sessionId = SESSION): TraceEntry {
  const level: Level = seq % 100 === 0 ? 'error' : seq % 7 === 0 ? 'warn' : 'info';
  if (seq % 10 === 0) {
    const e: TraceEntry = {
      seq,
      ts: seq,
      sessionId,
      kind: 'agent',
      type: 'agent:call',
      level,
      source: 'brain',
      frame: Math.floor(seq / 16),
      spanId: seq,
      method: seq % 100 === 0 ? 'think' : 'decide',
      args: [seq, { goal: 'eat' }],
      result: { ok: true },
      dur: 1.5,
      status: seq % 100 === 0 ? 'error' : 'ok',
    };
    if (seq % 100 !== 0) e.parentId = Math.ceil(seq / 100) * 100;
    if (seq % 100 === 0) e.error = { name: 'Error', message: `failed at ${seq}` };
    return e;
  }
  return {
    seq,
    ts: seq,
    sessionId,
    kind: KIND_CYCLE[seq % KIND_CYCLE.length]!,
    type: TYPES[seq % TYPES.length]!,
    level,
    source: `npc${seq % 4}`,
    frame: Math.floor(seq / 16),
    data: { seq, hp: seq % 50, name: seq % 1000 === 1 ? 'needle' : 'hay', tags: ['a', 'b'], deep: { map: { $t: 'map', v: [['k', 1]] }, big: { $t: 'bigint', v: '12345678901234567890' } } },
  };
}

function matches(e: TraceEntry, q: OverlayQuery): boolean {
  if (q.kinds && !q.kinds.includes(e.kind)) return false;
  if (q.levels && !q.levels.includes(e.level)) return false;
  if (q.types && !q.types.some((t) => (t.endsWith('*') ? e.type.startsWith(t.slice(0, -1)) : e.type === t))) return false;
  if (q.sources && !q.sources.includes(e.source ?? '')) return false;
  if (q.spanIds && !q.spanIds.includes(e.spanId ?? -1)) return false;
  if (q.parentIds && !q.parentIds.includes(e.parentId ?? -1)) return false;
  if (q.fromTs !== undefined && e.ts < q.fromTs) return false;
  if (q.toTs !== undefined && e.ts > q.toTs) return false;
  if (q.text) {
    const t = q.text.toLowerCase();
    if (!e.type.toLowerCase().includes(t) && !JSON.stringify([e.data, e.metadata, e.args, e.result, e.error]).toLowerCase().includes(t)) return false;
  }
  return true;
}

export class FakeSource implements OverlaySource {
  readonly calls: OverlayQuery[] = [];
  /** Seqs stored: first..last, but those in `missing`. */
  first = 1;
  last: number;
  readonly missing = new Set<number>();
  /** Extra entries by seq (state entries of a test). */
  readonly extra = new Map<number, TraceEntry>();
  /** Queries wait for this before answering (a test can hold them). */
  gate: Promise<void> = Promise.resolve();
  fail: string | null = null;

  constructor(count: number) {
    this.last = count;
  }

  entry(seq: number): TraceEntry | null {
    if (seq < this.first || seq > this.last || this.missing.has(seq)) return null;
    return this.extra.get(seq) ?? entryAt(seq);
  }

  async query(q: OverlayQuery): Promise<QueryResult> {
    this.calls.push(q);
    await this.gate;
    if (this.fail) throw new Error(this.fail);
    const limit = Math.min(5000, q.limit ?? 200);
    const newest = (q.order ?? 'newest') === 'newest';
    let lo = Math.max(this.first, q.fromSeq ?? -Infinity);
    let hi = Math.min(this.last, q.toSeq ?? Infinity);
    if (q.after !== undefined) {
      if (newest) hi = Math.min(hi, q.after - 1);
      else lo = Math.max(lo, q.after + 1);
    }
    // Spans have spanId = seq, and children sit within 100 below their parent: scan only there.
    if (q.spanIds) {
      const out = q.spanIds.filter((s) => s >= lo && s <= hi).map((s) => this.entry(s)).filter((e): e is TraceEntry => e !== null && matches(e, q));
      return { entries: out.slice(0, limit), next: null, blocksRead: 1 };
    }
    if (q.parentIds && q.parentIds.length === 1) {
      lo = Math.max(lo, q.parentIds[0]! - 99);
      hi = Math.min(hi, q.parentIds[0]!);
    }
    const out: TraceEntry[] = [];
    for (let j = 0; j <= hi - lo && out.length < limit; j++) {
      const e = this.entry(newest ? hi - j : lo + j);
      if (e && matches(e, q)) out.push(e);
    }
    return { entries: out, next: out.length >= limit ? out[out.length - 1]!.seq : null, blocksRead: 1 };
  }

  snapshot(): OverlaySnapshot {
    return {
      sessionId: SESSION,
      elapsed: 1000,
      counters: { logged: this.last, stored: this.last } as OverlaySnapshot['counters'],
      pending: 0,
      fps: 60,
      frame: 1,
      capacity: 1_000_000,
      store: { ready: true, thread: 'worker', backend: 'indexeddb' } as OverlaySnapshot['store'],
      hookProblems: [],
      unsupported: [],
      paused: false,
      analytics: false,
      quota: null,
    };
  }

  async tail(limit: number): Promise<TraceEntry[]> {
    return (await this.query({ limit })).entries.reverse();
  }
  stats(): never {
    throw new Error('not in this fake');
  }
  trends(): never {
    throw new Error('not in this fake');
  }
  patterns(): never {
    throw new Error('not in this fake');
  }
  anomalies(): never {
    throw new Error('not in this fake');
  }
  alerts(): never {
    throw new Error('not in this fake');
  }
  health(): never {
    throw new Error('not in this fake');
  }
  pins(): never {
    throw new Error('not in this fake');
  }
  pin(): never {
    throw new Error('not in this fake');
  }
  unpin(): never {
    throw new Error('not in this fake');
  }
  async download(): Promise<void> {}
  async downloadChromeTrace(): Promise<void> {}
  openTraceFile(): never {
    throw new Error('not in this fake');
  }
  setPaused(): void {}
  async clear(): Promise<void> {}
}
