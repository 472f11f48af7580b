/**
 * The store: receives batches, writes them as blocks, acks them once durable,
 * answers queries. It runs in the worker (worker.ts) or, when the page forbids
 * workers, on the main thread behind the same messages (transport.ts).
 */
import type { TraceEntry } from '../core/entry';
import { describeError } from '../core/errors';
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

/** Batches that queued up while a transaction ran are merged into blocks of at most this many entries. */
const MAX_BLOCK_ENTRIES = 10_000;

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
        // What arrived while the last transaction ran goes into one block
        // (bounded, so a long backlog does not become one huge write).
        const sessionId = this.queue[0]!.sessionId;
        let n = 0;
        let entries = 0;
        while (n < this.queue.length && this.queue[n]!.sessionId === sessionId && (n === 0 || entries + this.queue[n]!.count <= MAX_BLOCK_ENTRIES)) {
          entries += this.queue[n]!.count;
          n++;
        }
        const batches = this.queue.splice(0, n);
        const fromSeq = batches[0]!.firstSeq;
        const upTo = batches[batches.length - 1]!.lastSeq;
        try {
          await this.writeBlock(batches);
        } catch (err) {
          this.post({ type: 'nack', sessionId, fromSeq, upTo, problem: `a block could not be written: ${describeError(err)}` });
        } finally {
          this.written += batches.length;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBlock(received: BatchMessage[]): Promise<void> {
    const sessionId = received[0]!.sessionId;
    let entries: TraceEntry[] = [];
    const batches: BatchMessage[] = [];
    for (const b of received) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(b.json);
      } catch {
        parsed = null;
      }
      if (!Array.isArray(parsed) || parsed.length !== b.count) {
        // One bad batch must not take its neighbours down: refuse it alone (before acking them).
        this.post({ type: 'nack', sessionId, fromSeq: b.firstSeq, upTo: b.lastSeq, problem: `batch ${b.firstSeq}..${b.lastSeq} is not a valid JSON array of ${b.count} entries` });
        continue;
      }
      batches.push(b);
      for (const e of parsed as TraceEntry[]) entries.push(e);
    }
    if (batches.length === 0) return;
    const first = batches[0]!;
    const last = batches[batches.length - 1]!;
    let storedUpTo = this.stored.get(sessionId);
    if (storedUpTo === undefined) storedUpTo = await this.ring!.lastSeq(sessionId);
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
        kinds: countBy(entries, 'kind'),
        levels: countBy(entries, 'level'),
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
    this.stored.set(sessionId, Math.max(storedUpTo, last.lastSeq));
    this.post({ type: 'ack', sessionId, fromSeq: first.firstSeq, upTo: last.lastSeq, duplicates, totals: this.ring!.totals() });
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
        const out: TraceEntry[] = [];
        for (let i = this.tail.length - 1; i >= 0 && out.length < msg.params.limit; i--) {
          if (this.tail[i]!.sessionId === msg.params.sessionId) out.push(this.tail[i]!);
        }
        return { json: JSON.stringify(out.reverse()) };
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
