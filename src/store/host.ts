/**
 * The store: receives batches, writes them as blocks, acks them once durable,
 * answers queries and builds exports. It runs in the worker (worker.ts) or,
 * when the page forbids workers, on the main thread behind the same messages
 * (transport.ts).
 */
import type { AnalyticsEngine, EngineNotice, EngineOptions } from '../analytics/engine';
import { chain, clearTimer, mapForEach, push, setTimer, slice, some } from '../core/builtins';
import { describeError } from '../core/errors';
import { now } from '../core/clock';
import { batchBytes, checkBatch, sliceBatch, type ColumnBatch } from '../core/columns';
import { writeExport } from './export-stream';
import { IdbRing } from './idb-ring';
import { MemoryRing } from './memory-ring';
import {
  PROTOCOL_VERSION,
  type BatchMessage,
  type PageToStore,
  type RequestMessage,
  type StoreConfig,
  type ResultOf,
  type StoreToPage,
} from './protocol';
import type { PinKeeper } from './pin-keeper';
import { runQuery } from './query';
import { headOf, type BlockInput, type EvictionGuard, type TraceRing } from './ring';

export type Post = (msg: StoreToPage) => void;
export type OpenRing = (config: StoreConfig, onLost: (why: string) => void, guard: EvictionGuard | null) => Promise<TraceRing>;
/**
 * Makes the analytics engine. Only the worker passes one: on the main thread
 * (a page that forbids workers) the store runs without analytics, which would
 * otherwise take the game's own thread (and a second copy of their code
 * would weigh on the script's size).
 */
export type MakeEngine = (options: EngineOptions) => AnalyticsEngine;
/** Makes the pins' keeper: only the worker passes one, as with the engine (the main-thread store keeps no pins). */
export type MakePins = (config: StoreConfig) => PinKeeper;

/**
 * IndexedDB that has not opened by then is given up for memory: a connection
 * that never lets go (a hung worker's transaction) must not keep the store
 * from starting.
 */
const OPEN_TIMEOUT_MS = 10_000;

/** The ring, or a rejection once `ms` have passed (a ring that opens later is closed). */
function openWithin(opening: Promise<TraceRing>, ms: number): Promise<TraceRing> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimer(() => {
      late = true;
      reject(new Error(`IndexedDB did not open within ${ms / 1000} s (another connection may be holding it)`));
    }, ms);
    chain(
      opening,
      (ring) => {
        clearTimer(timer);
        if (late) ring.close();
        else resolve(ring);
      },
      (err: unknown) => {
        clearTimer(timer);
        reject(err);
      },
    );
  });
}

/**
 * How long an export waits for the batches received before it to be written:
 * the page's own bound for a request without progress (client.ts,
 * requestTimeoutMs). Past it nobody waits for this export any more, so the
 * store stops waiting too.
 */
const EXPORT_WAIT_MS = 30_000;

/** Batches that queued up while a transaction ran are merged into blocks of at most this many entries. */
const MAX_BLOCK_ENTRIES = 10_000;

const openIdbRing: OpenRing = (config, onLost, guard) => IdbRing.open(config.dbName, config, onLost, guard);

export class StoreHost {
  private ring: TraceRing | null = null;
  private config: StoreConfig | null = null;
  private opening: Promise<void> | null = null;
  /** Batches received and not yet written. (On the main thread this is the page's realm: captured builtins and index loops only.) */
  private queue: BatchMessage[] = [];
  private writing = false;
  /** Highest seq stored per session, so replays and resends are never stored twice. */
  private readonly stored = new Map<string, number>();
  /** The newest blocks' batches by key, for the overlay's queries (insertion order is age). */
  private readonly recent = new Map<number, ColumnBatch[]>();
  private recentEntries = 0;
  /** Batches received and batches written (or found already stored), for exports to wait on. */
  private received = 0;
  private written = 0;
  /** The quota refused the last block even with the ring emptied (its notice was posted once). */
  private quotaRefusing = false;
  /** Analytics of the page's session, fed each block once it is stored (null: turned off). */
  private engine: AnalyticsEngine | null = null;
  /**
   * Stored (acked) batches not yet analysed, oldest first. They are analysed
   * while the next block's transaction commits (the engine's time then
   * overlaps the database's instead of coming between two writes), when
   * the queue is empty, or before any question to the analytics.
   */
  private toAnalyse: { cols: ColumnBatch; sessionId: string }[] = [];
  /** Exports refused because the batches before them were not written within EXPORT_WAIT_MS. */
  exportWaitsTimedOut = 0;
  /** The pins (null: none, on the main thread). */
  private pins: PinKeeper | null = null;

  constructor(
    private readonly post: Post,
    private readonly makeEngine: MakeEngine | null = null,
    private readonly openRing: OpenRing = openIdbRing,
    private readonly openTimeoutMs = OPEN_TIMEOUT_MS,
    private readonly exportWaitMs = EXPORT_WAIT_MS,
    private readonly makePins: MakePins | null = null,
  ) {}

  handle(msg: PageToStore): void {
    switch (msg.type) {
      case 'init':
        this.init(msg.config, msg.version);
        return;
      case 'batch':
        this.received++;
        push(this.queue, msg);
        void this.drain();
        return;
      case 'request':
        void this.answer(msg);
        return;
      case 'metrics':
        this.analysePending(); // in the order they came: the entries stored before the page's figures
        this.engine?.setPageMetrics({ dropped: msg.dropped, memoryMb: msg.memoryMb });
        return;
      case 'ping':
        // At once, not behind the writes: the page's watchdog asks whether we are alive, not done.
        this.post({ type: 'pong', id: msg.id, queued: this.received - this.written });
        return;
    }
  }

  private init(config: StoreConfig, version: number): void {
    this.config = config;
    if (config.analytics !== false && this.makeEngine) {
      try {
        this.engine = this.makeEngine({ sessionId: config.analytics.sessionId, rules: config.analytics.rules ?? undefined, thresholds: config.analytics.thresholds, hitchMs: config.analytics.hitchMs });
      } catch (err) {
        // A bad rule: the store runs all the same; the page hears why.
        this.post({ type: 'notice', event: 'analytics:off', level: 'warn', data: { message: `analytics off: ${describeError(err)}` } });
      }
    }
    const pins = (this.pins = this.makePins?.(config) ?? null);
    this.opening = (async () => {
      let problem: string | undefined;
      let sameEverywhere = false;
      if (version !== PROTOCOL_VERSION) problem = `protocol ${version} != ${PROTOCOL_VERSION}`;
      try {
        this.ring = await openWithin(this.openRing(config, (why) => this.fallBack(why), pins), this.openTimeoutMs);
      } catch (err) {
        problem = `IndexedDB unavailable: ${describeError(err)}`;
        // Another page upgraded the database past our version: the main thread would be refused too.
        sameEverywhere = (err as { name?: unknown } | null)?.name === 'VersionError';
        this.ring = new MemoryRing(config, undefined, pins);
      }
      await pins?.use(this.ring);
      this.post({ type: 'ready', backend: this.ring.backend, problem, sameEverywhere: sameEverywhere || undefined, totals: this.ring.totals() });
    })();
  }

  /** IndexedDB failed mid-session: keep going in memory and say so. */
  private fallBack(problem: string): void {
    if (this.ring?.backend === 'memory' || !this.config) return;
    const left = this.ring?.totals();
    this.ring?.close();
    // The ledger goes on: what the database held is abandoned, not forgotten.
    this.ring = new MemoryRing(this.config, left, this.pins);
    void this.pins?.use(this.ring);
    // What was stored is out of reach now: dedupe and the cache start again.
    this.stored.clear();
    this.recent.clear();
    this.recentEntries = 0;
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
        const batches = slice(this.queue, 0, n);
        this.queue = slice(this.queue, n);
        try {
          await this.writeBlock(batches);
        } catch (err) {
          const problem = `a block could not be written: ${describeError(err)}`;
          this.post({ type: 'nack', sessionId, fromSeq: batches[0]!.firstSeq, upTo: batches[batches.length - 1]!.lastSeq, problem });
        } finally {
          this.written += batches.length;
        }
      }
    } finally {
      this.writing = false;
      this.analysePending();
    }
  }

  private async writeBlock(received: BatchMessage[]): Promise<void> {
    const sessionId = received[0]!.sessionId;
    const batches: BatchMessage[] = [];
    for (let i = 0; i < received.length; i++) {
      const b = received[i]!;
      const problem = checkBatch(b.cols, b.count) ?? (b.cols.seq[0] !== b.firstSeq || b.cols.seq[b.count - 1] !== b.lastSeq ? 'seq range does not match' : null);
      if (problem) {
        // One bad batch must not take its neighbours down: refuse it alone.
        this.post({ type: 'nack', sessionId, fromSeq: b.firstSeq, upTo: b.lastSeq, problem: `batch ${b.firstSeq}..${b.lastSeq}: ${problem}` });
        continue;
      }
      push(batches, b);
    }
    if (batches.length === 0) return;
    const first = batches[0]!;
    const last = batches[batches.length - 1]!;
    let storedUpTo = this.stored.get(sessionId);
    if (storedUpTo === undefined) {
      try {
        storedUpTo = await this.ring!.lastSeq(sessionId);
      } catch (err) {
        // A connection that died without telling: go on in memory rather than refuse the batches.
        this.fallBack(`IndexedDB read failed: ${describeError(err)}`);
        storedUpTo = await this.ring!.lastSeq(sessionId);
      }
    }

    // Replays and resends: keep only what is newer than what is stored.
    const parts: Part[] = [];
    let duplicates = 0;
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i]!;
      if (b.lastSeq <= storedUpTo) {
        duplicates += b.count;
        continue;
      }
      let from = 0;
      while (b.cols.seq[from]! <= storedUpTo) from++;
      duplicates += from;
      push(parts, { cols: from === 0 ? b.cols : sliceBatch(b.cols, from), firstSeq: b.firstSeq, lastSeq: b.lastSeq });
    }

    const refused = parts.length > 0 ? await this.storeParts(sessionId, first.startedAt, parts) : [];
    this.stored.set(sessionId, Math.max(storedUpTo, last.lastSeq));
    // Refused batches first (counted as refused), then the ack for the rest of the range.
    for (let i = 0; i < refused.length; i++) {
      const r = refused[i]!;
      this.post({ type: 'nack', sessionId, fromSeq: r.part.firstSeq, upTo: r.part.lastSeq, problem: r.problem, quota: true });
    }
    this.post({ type: 'ack', sessionId, fromSeq: first.firstSeq, upTo: last.lastSeq, duplicates, totals: this.ring!.totals(), pins: this.pins?.summary() });
    // After the ack: analytics never hold up durability (analysePending).
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (this.engine && !some(refused, (r) => r.part === p)) push(this.toAnalyse, { cols: p.cols, sessionId });
    }
  }

  /**
   * Writes the parts as one block. When the quota cannot hold it even with
   * the ring emptied, as two halves, and so on: a batch is refused (returned)
   * only when it does not fit on its own, and IndexedDB is kept.
   */
  private async storeParts(sessionId: string, startedAt: number, parts: Part[]): Promise<{ part: Part; problem: string }[]> {
    const cols: ColumnBatch[] = [];
    let bytes = 0;
    for (let i = 0; i < parts.length; i++) {
      push(cols, parts[i]!.cols);
      bytes += batchBytes(parts[i]!.cols);
    }
    const block: BlockInput = { ...headOf(sessionId, cols, bytes), startedAt, parts: cols };
    try {
      const key = await this.append(block, this.analysePending);
      this.quotaRefusing = false;
      this.remember(key, cols, block.count);
      return [];
    } catch (err) {
      if (!(err instanceof QuotaRefusal)) throw err;
      if (parts.length === 1) return [{ part: parts[0]!, problem: `batch ${parts[0]!.firstSeq}..${parts[0]!.lastSeq}: ${err.message}` }];
      const mid = parts.length >> 1;
      const a = await this.storeParts(sessionId, startedAt, slice(parts, 0, mid));
      const b = await this.storeParts(sessionId, startedAt, slice(parts, mid));
      for (let i = 0; i < b.length; i++) push(a, b[i]!);
      return a;
    }
  }

  /** Analyses the stored batches not analysed yet, in order; never throws. */
  private analysePending = (): void => {
    const list = this.toAnalyse;
    if (list.length === 0) return;
    this.toAnalyse = [];
    for (let i = 0; i < list.length; i++) this.analyse(list[i]!.cols, list[i]!.sessionId);
  };

  private analyse(b: ColumnBatch, sessionId: string): void {
    if (!this.engine) return;
    let notices: EngineNotice[];
    try {
      notices = this.engine.consume(b, sessionId, now);
    } catch (err) {
      // A bug of ours must not stop the store: analytics stop, and say so.
      this.engine = null;
      this.post({ type: 'notice', event: 'analytics:off', level: 'error', data: { message: `analytics stopped: ${describeError(err)}` } });
      return;
    }
    for (let i = 0; i < notices.length; i++) this.notify(notices[i]!);
  }

  private notify(n: EngineNotice): void {
    if (n.kind === 'loop') {
      this.post({ type: 'notice', event: 'loop', level: 'warn', data: n.loop });
      return;
    }
    if (n.kind === 'alert') {
      const level = n.alert.to === 'resolved' ? 'info' : n.alert.severity === 'critical' ? 'critical' : 'warn';
      this.post({ type: 'notice', event: 'alert', level, data: n.alert });
    } else {
      this.post({ type: 'notice', event: 'anomaly', level: n.anomaly.severity === 'critical' ? 'error' : 'warn', data: n.anomaly });
    }
    this.pins?.noticed(n);
  }

  /**
   * Appends a block. On a full quota: evicts the oldest blocks (the newest
   * too, as the block being written is not in the ring yet) until it fits,
   * says so, and throws a QuotaRefusal when it still does not (IndexedDB is
   * kept: what it holds stays queryable). On any other failure goes on in memory.
   */
  private async append(block: BlockInput, whileCommitting: () => void): Promise<number> {
    try {
      return await this.ring!.append(block, whileCommitting);
    } catch (err) {
      if (!isQuotaError(err)) {
        this.fallBack(`IndexedDB write failed: ${describeError(err)}`);
        return this.ring!.append(block);
      }
      return this.appendUnderQuota(block, err);
    }
  }

  private async appendUnderQuota(block: BlockInput, first: unknown): Promise<number> {
    const ring = this.ring!;
    let freed = 0;
    let last = first;
    let evictError: string | undefined;
    try {
      for (;;) {
        const stored = ring.totals().stored;
        if (stored === 0) break;
        const n = await chain(ring.evictOldest(Math.max(block.count, Math.ceil(stored / 4)), { newestToo: true, quota: true }), (v) => v, (err: unknown) => {
          evictError = describeError(err);
          return 0;
        });
        freed += n;
        try {
          return await ring.append(block);
        } catch (again) {
          if (!isQuotaError(again)) {
            this.fallBack(`IndexedDB write failed: ${describeError(again)}`);
            return await this.ring!.append(block);
          }
          last = again;
        }
        if (n === 0) break; // nothing more that can go
      }
    } finally {
      // Said when it made room, or when the refusals start (not again for each batch refused).
      if (freed > 0 || !this.quotaRefusing) this.tellQuota(ring, last, freed, evictError);
    }
    this.quotaRefusing = true;
    // Chromium counts a transaction's writes against the quota before its deletes free anything
    // (the files shrink only when compacted): a ring over its quota may not make room at once.
    const why = evictError ? `evicting failed too: ${evictError}` : `evicting the oldest blocks freed ${freed} entries`;
    throw new QuotaRefusal(`the storage quota cannot take ${block.count} entries (${why}): ${describeError(last)}`);
  }

  private tellQuota(ring: TraceRing, last: unknown, freed: number, evictError: string | undefined): void {
    const totals = ring.totals();
    this.post({
      type: 'notice',
      event: 'store:quota',
      level: 'warn',
      data: { message: describeError(last), evicted: freed, stored: totals.stored, bytes: totals.bytes, quotaEvicted: totals.quotaEvicted, evictError },
    });
  }

  /** Keeps the newest blocks in memory, bounded by entries, for the overlay's queries. */
  private remember(key: number, parts: ColumnBatch[], count: number): void {
    this.recent.set(key, parts);
    this.recentEntries += count;
    const max = this.config?.tailSize ?? 5_000;
    // Oldest first (insertion order); keys collected with the captured forEach, not the page's iterator.
    const keys: number[] = [];
    mapForEach(this.recent, (_v, k) => push(keys, k));
    for (let i = 0; i < keys.length && this.recentEntries > max && this.recent.size > 1; i++) {
      const old = this.recent.get(keys[i]!)!;
      this.recent.delete(keys[i]!);
      for (let j = 0; j < old.length; j++) this.recentEntries -= old[j]!.count;
    }
  }

  private payloadOf = async (key: number): Promise<ColumnBatch[] | undefined> => this.recent.get(key) ?? this.ring!.payload(key);

  private async answer(msg: RequestMessage): Promise<void> {
    try {
      await this.opening;
      const r = await this.run(msg);
      this.post({ type: 'reply', id: msg.id, ok: true, ...r });
    } catch (err) {
      this.post({ type: 'reply', id: msg.id, op: msg.op, ok: false, error: describeError(err) });
    }
  }

  /** The result of one request, tagged with its operation (protocol.ts: the reply carries it). */
  private async run(msg: RequestMessage): Promise<ResultOf> {
    const ring = this.ring!;
    switch (msg.op) {
      case 'query':
        return { op: msg.op, result: await runQuery(ring, this.payloadOf, msg.params) };
      case 'export':
        await this.writtenUpToNow();
        return { op: msg.op, result: await writeExport(this.ring!, this.payloadOf, msg.params, (done, total) => this.post({ type: 'progress', id: msg.id, done, total })) };
      case 'sessions':
        return { op: msg.op, result: await ring.sessions() };
      case 'deleteSession': {
        this.stored.delete(msg.params.sessionId);
        return { op: msg.op, result: { deleted: await ring.deleteSession(msg.params.sessionId) } };
      }
      case 'stats':
        return { op: msg.op, result: this.analytics().generateStats(this.analytics().stats.now()) };
      case 'patterns':
        return { op: msg.op, result: this.analytics().patterns.analyze(msg.params.timeframe) };
      case 'trends':
        return { op: msg.op, result: this.analytics().trends.analyze(msg.params.timeframe) };
      case 'anomalies':
        return { op: msg.op, result: this.analytics().recentAnomalies(msg.params.sinceMs) };
      case 'alerts': {
        const e = this.analytics();
        return { op: msg.op, result: { statuses: e.alertStatuses(), rules: e.alerts.rules(), metrics: e.lastMetrics() } };
      }
      case 'pin':
      case 'unpin':
      case 'pins':
        if (!this.pins) throw new Error('pins run in the store\'s worker');
        return this.pins.answer(msg, ring);
      case 'triggerAlert': {
        const e = this.analytics();
        const notices = e.trigger(msg.params, e.stats.now());
        for (let i = 0; i < notices.length; i++) this.notify(notices[i]!);
        return { op: msg.op, result: e.alertStatuses() };
      }
    }
  }

  /**
   * An export waits until every batch received before it was asked for is
   * written; later ones do not hold it up, so a steady stream cannot starve
   * it. The wait is bounded: past EXPORT_WAIT_MS the export is refused
   * (counted in `exportWaitsTimedOut`) rather than waiting forever behind a
   * write that never ends.
   */
  private async writtenUpToNow(): Promise<void> {
    const target = this.received;
    const until = now() + this.exportWaitMs;
    while (this.written < target) {
      if (now() >= until) {
        this.exportWaitsTimedOut++;
        throw new Error(`the export waited ${this.exportWaitMs} ms for ${target - this.written} batches to be written`);
      }
      await new Promise((r) => setTimer(r, 5));
    }
  }

  private analytics(): AnalyticsEngine {
    this.analysePending(); // every stored entry counted before an answer
    if (!this.engine) {
      throw new Error(
        this.makeEngine
          ? 'analytics are off (options.analytics: false, or they stopped: see the store problems)'
          : 'analytics run in the store\'s worker, and this page runs the store on the main thread (no worker allowed)',
      );
    }
    return this.engine;
  }
}

/** A block that the quota cannot hold even with every other block evicted. */
class QuotaRefusal extends Error {}

/** A batch of a block being written, with the seq range of the batch it came from (what a nack names). */
interface Part {
  cols: ColumnBatch;
  firstSeq: number;
  lastSeq: number;
}

function isQuotaError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'QuotaExceededError';
}
