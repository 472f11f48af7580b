/**
 * The store: receives batches, writes them as blocks, acks them once durable,
 * answers queries. It runs in the worker (worker.ts) or, when the page forbids
 * workers, on the main thread behind the same messages (transport.ts).
 */
import type { TraceEntry } from '../core/entry';
import { IdbRing } from './idb-ring';
import { MemoryRing } from './memory-ring';
import {
  PROTOCOL_VERSION,
  type BatchMessage,
  type PageToStore,
  type RequestMessage,
  type StoreConfig,
  type StoreRequests,
  type StoreToPage,
} from './protocol';
import { countBy, type BlockInput, type TraceRing } from './ring';

export type Post = (msg: StoreToPage) => void;

export class StoreHost {
  private ring: TraceRing | null = null;
  private config: StoreConfig | null = null;
  private opening: Promise<void> | null = null;
  private readonly queue: BatchMessage[] = [];
  private writing = false;
  /** Highest seq stored per session, so replays and resends are never stored twice. */
  private readonly stored = new Map<string, number>();
  private readonly tail: TraceEntry[] = [];
  /** Batches received and batches written (or found already stored), for exports to wait on. */
  private received = 0;
  private written = 0;

  constructor(private readonly post: Post) {}

  handle(msg: PageToStore): void {
    switch (msg.type) {
      case 'init':
        this.init(msg.config, msg.version);
        return;
      case 'batch':
        this.received++;
        this.queue.push(msg);
        void this.drain();
        return;
      case 'request':
        void this.answer(msg);
        return;
    }
  }

  private init(config: StoreConfig, version: number): void {
    this.config = config;
    this.opening = (async () => {
      let problem: string | undefined;
      if (version !== PROTOCOL_VERSION) problem = `protocol ${version} != ${PROTOCOL_VERSION}`;
      try {
        this.ring = await IdbRing.open(config.dbName, config.capacity, (why) => this.fallBack(why));
      } catch (err) {
        problem = `IndexedDB unavailable: ${describeError(err)}`;
        this.ring = new MemoryRing(config.capacity);
      }
      this.post({ type: 'ready', backend: this.ring.backend, problem, totals: this.ring.totals() });
    })();
  }

  /** IndexedDB failed mid-session: keep going in memory and say so. */
  private fallBack(problem: string): void {
    if (this.ring?.backend === 'memory') return;
    this.ring?.close();
    this.ring = new MemoryRing(this.config?.capacity ?? 100_000);
    this.post({ type: 'backend', backend: 'memory', problem });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      await this.opening;
      while (this.queue.length > 0) {
        // Whatever arrived while the last transaction ran goes into one block.
        const sessionId = this.queue[0]!.sessionId;
        let n = 0;
        while (n < this.queue.length && this.queue[n]!.sessionId === sessionId) n++;
        const batches = this.queue.splice(0, n);
        try {
          await this.writeBlock(batches);
        } catch (err) {
          // Not acked: the page keeps these batches and sends them again to the next store.
          this.post({ type: 'backend', backend: this.ring!.backend, problem: `a block could not be written: ${describeError(err)}` });
        } finally {
          this.written += batches.length;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBlock(batches: BatchMessage[]): Promise<void> {
    const first = batches[0]!;
    const last = batches[batches.length - 1]!;
    const sessionId = first.sessionId;
    let storedUpTo = this.stored.get(sessionId);
    if (storedUpTo === undefined) storedUpTo = await this.ring!.lastSeq(sessionId);

    let entries: TraceEntry[] = [];
    for (const b of batches) {
      const parsed = JSON.parse(b.json) as TraceEntry[];
      for (const e of parsed) entries.push(e);
    }
    const total = entries.length;
    if (first.firstSeq <= storedUpTo) entries = entries.filter((e) => e.seq > storedUpTo!);
    const duplicates = total - entries.length;

    if (entries.length > 0) {
      const json =
        duplicates === 0 && batches.length === 1 ? first.json : JSON.stringify(entries);
      const block: BlockInput = {
        sessionId,
        startedAt: first.startedAt,
        firstSeq: entries[0]!.seq,
        lastSeq: entries[entries.length - 1]!.seq,
        firstTs: entries[0]!.ts,
        lastTs: entries[entries.length - 1]!.ts,
        count: entries.length,
        bytes: json.length,
        kinds: countBy(entries as unknown as Record<string, unknown>[], 'kind'),
        levels: countBy(entries as unknown as Record<string, unknown>[], 'level'),
        json,
      };
      try {
        await this.ring!.append(block);
      } catch (err) {
        this.fallBack(`IndexedDB write failed: ${describeError(err)}`);
        await this.ring!.append(block);
      }
      this.pushTail(entries);
    }
    const upTo = Math.max(storedUpTo, last.lastSeq);
    this.stored.set(sessionId, upTo);
    this.post({ type: 'ack', sessionId, upTo, duplicates, totals: this.ring!.totals() });
  }

  private pushTail(entries: TraceEntry[]): void {
    const size = this.config?.tailSize ?? 500;
    for (const e of entries) this.tail.push(e);
    if (this.tail.length > size * 2) this.tail.splice(0, this.tail.length - size);
  }

  private async answer(msg: RequestMessage): Promise<void> {
    try {
      await this.opening;
      const result = await this.run(msg);
      this.post({ type: 'reply', id: msg.id, ok: true, result });
    } catch (err) {
      this.post({ type: 'reply', id: msg.id, ok: false, error: describeError(err) });
    }
  }

  private async run(msg: RequestMessage): Promise<StoreRequests[typeof msg.op]['result']> {
    const ring = this.ring!;
    switch (msg.op) {
      case 'tail': {
        const n = Math.max(0, Math.min(msg.params.limit, this.tail.length));
        return { json: JSON.stringify(this.tail.slice(this.tail.length - n)) };
      }
      case 'export': {
        // Wait until every batch received before this request is written;
        // later ones do not hold it up, so a steady stream cannot starve an export.
        const target = this.received;
        while (this.written < target) await new Promise((r) => setTimeout(r, 5));
        const [sessions, blocks] = await Promise.all([ring.sessions(), ring.blocks(msg.params.session)]);
        const wanted = msg.params.session;
        return { sessions: wanted === 'all' ? sessions : sessions.filter((s) => s.id === wanted), blocks };
      }
      case 'sessions':
        return ring.sessions();
    }
  }
}

function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'name' in err && 'message' in err) return `${String(err.name)}: ${String(err.message)}`;
  return String(err);
}
