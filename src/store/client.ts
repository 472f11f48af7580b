/**
 * The main thread's side of the store: batches entries, serialises each batch
 * once, posts it, and keeps it until the store acks it as durable. It never
 * blocks the game and never grows without bound: past `maxUnacked` the newest
 * entries are dropped and counted.
 */
import type { EntrySink } from '../core/agent';
import type { SessionInfo, TraceEntry } from '../core/entry';
import { TraceError } from '../core/errors';
import { emergencyKey, loadEmergency, safeRemove, saveEmergency, type KeyValueStorage } from './emergency';
import type {
  Backend,
  BatchMessage,
  PageToStore,
  RequestOp,
  StoreConfig,
  StoreRequests,
  StoreThread,
  StoreToPage,
  StoreTotals,
} from './protocol';
import { PROTOCOL_VERSION } from './protocol';
import type { StoreTransport } from './transport';

export interface ClientOptions {
  /** Entries per batch before it is sent at once. */
  maxBatch?: number;
  /** A batch that is not full is sent after this many ms. */
  flushMs?: number;
  /** Entries logged but not yet durable, beyond which new entries are dropped. */
  maxUnacked?: number;
  /** A store that has not said `ready` by then is replaced by the next one. */
  readyTimeoutMs?: number;
  /** Where the emergency log goes (localStorage in a page); null for none. */
  storage?: KeyValueStorage | null;
  /** Budget of the emergency log in characters. */
  emergencyChars?: number;
}

export interface StoreCounters {
  /** Entries handed to the store (posted in a batch). */
  sent: number;
  /** Entries the store acked as durable. */
  acked: number;
  /** Entries dropped because the store was too far behind. */
  droppedBackpressure: number;
  /** Entries of earlier sessions recovered from the emergency log on this load. */
  recovered: number;
  /** Entries that the emergency log found no room for on this load's predecessor. */
  droppedEmergency: number;
}

export interface StoreStatus {
  ready: boolean;
  thread: StoreThread | null;
  backend: Backend | null;
  /** Why the store is not a worker on IndexedDB, when it is not. */
  problems: string[];
  totals: StoreTotals;
}

interface Pending {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
}

const DEFAULTS = {
  maxBatch: 1_000,
  flushMs: 100,
  maxUnacked: 100_000,
  readyTimeoutMs: 5_000,
  emergencyChars: 1_500_000,
};

export class StoreClient implements EntrySink {
  readonly counters: StoreCounters = { sent: 0, acked: 0, droppedBackpressure: 0, recovered: 0, droppedEmergency: 0 };
  readonly status: StoreStatus = { ready: false, thread: null, backend: null, problems: [], totals: { stored: 0, evicted: 0 } };
  /** Called whenever status or counters change (acks, backend changes). */
  onChange: () => void = () => {};

  private readonly opt: Required<Omit<ClientOptions, 'storage'>> & { storage: KeyValueStorage | null };
  private batch: TraceEntry[] = [];
  /** Posted batches not yet acked, in send order (what a new store must be sent again). */
  private unacked: BatchMessage[] = [];
  private unackedCount = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private transport: StoreTransport | null = null;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private nextTransport = 0;
  private lastSentSeq = 0;
  private ackedSeq = 0;
  private flushWaiters: { upTo: number; resolve: () => void }[] = [];
  private requests = new Map<number, Pending>();
  private nextRequestId = 1;
  /** Emergency records being replayed: removed from storage once acked. */
  private replays = new Map<string, { key: string; lastSeq: number; count: number; duplicates: number }>();
  private closed = false;

  constructor(
    private readonly config: StoreConfig,
    private readonly session: { id: string; startedAt: number },
    private readonly transports: readonly (() => StoreTransport)[],
    options: ClientOptions = {},
  ) {
    this.opt = { ...DEFAULTS, storage: null, ...options } as StoreClient['opt'];
    this.connect();
    this.replayEmergency();
  }

  // ---- EntrySink ----------------------------------------------------------

  write(entry: TraceEntry): void {
    if (this.unackedCount + this.batch.length >= this.opt.maxUnacked) {
      this.counters.droppedBackpressure++;
      return;
    }
    this.batch.push(entry);
    if (this.batch.length >= this.opt.maxBatch) this.sendBatch();
    else if (this.timer === null) this.timer = setTimeout(() => this.sendBatch(), this.opt.flushMs);
  }

  // ---- public -------------------------------------------------------------

  /** Resolves when everything written so far is durable in the store. */
  flush(): Promise<void> {
    this.sendBatch();
    const upTo = this.lastSentSeq;
    if (this.ackedSeq >= upTo) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push({ upTo, resolve }));
  }

  /** Entries written but not yet durable. */
  get pending(): number {
    return this.unackedCount + this.batch.length;
  }

  request<K extends RequestOp>(op: K, params: StoreRequests[K]['params']): Promise<StoreRequests[K]['result']> {
    return new Promise((resolve, reject) => {
      const id = this.nextRequestId++;
      this.requests.set(id, { resolve: resolve as (v: never) => void, reject });
      this.post({ type: 'request', id, op, params } as PageToStore);
    });
  }

  async sessions(): Promise<SessionInfo[]> {
    return this.request('sessions', {});
  }

  /**
   * The page is going away: the store's open transaction may be aborted, so
   * everything not yet acked goes to the emergency log synchronously.
   */
  saveEmergency(): void {
    this.sendBatch();
    const own = this.unacked.filter((b) => b.sessionId === this.session.id);
    const key = emergencyKey(this.config.dbName, this.session.id);
    if (own.length === 0) {
      safeRemove(this.opt.storage, key);
      return;
    }
    saveEmergency(this.opt.storage, key, this.session.id, own, this.opt.emergencyChars);
  }

  /** The page came back from the back/forward cache: the store is still alive. */
  discardEmergency(): void {
    safeRemove(this.opt.storage, emergencyKey(this.config.dbName, this.session.id));
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.readyTimer !== null) clearTimeout(this.readyTimer);
    this.transport?.close();
    for (const p of this.requests.values()) p.reject(new TraceError('STORE_FAILED', 'the trace agent was destroyed'));
    this.requests.clear();
  }

  // ---- sending ------------------------------------------------------------

  private sendBatch(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const entries = this.batch;
    if (entries.length === 0) return;
    this.batch = [];
    const msg: BatchMessage = {
      type: 'batch',
      sessionId: this.session.id,
      startedAt: this.session.startedAt,
      firstSeq: entries[0]!.seq,
      lastSeq: entries[entries.length - 1]!.seq,
      count: entries.length,
      json: JSON.stringify(entries),
    };
    this.unacked.push(msg);
    this.unackedCount += msg.count;
    this.counters.sent += msg.count;
    this.lastSentSeq = msg.lastSeq;
    this.post(msg);
  }

  private post(msg: PageToStore): void {
    if (this.closed) return;
    try {
      this.transport?.post(msg);
    } catch (err) {
      this.fail(`posting to the store failed: ${String(err)}`);
    }
  }

  // ---- connecting and failing over ----------------------------------------

  private connect(): void {
    while (this.nextTransport < this.transports.length) {
      const create = this.transports[this.nextTransport++]!;
      let t: StoreTransport;
      try {
        t = create();
      } catch (err) {
        this.status.problems.push(`store could not start: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      this.transport = t;
      this.status.ready = false;
      this.status.thread = t.thread;
      t.onMessage = (m) => {
        if (this.transport === t) this.receive(m);
      };
      t.onFailure = (why) => {
        if (this.transport === t) this.fail(why);
      };
      this.readyTimer = setTimeout(() => this.fail(`the ${t.thread} store did not start in time`), this.opt.readyTimeoutMs);
      t.post({ type: 'init', version: PROTOCOL_VERSION, config: this.config });
      // A new store has seen nothing: send again all that is not durable.
      for (const b of this.unacked) t.post(b);
      return;
    }
    this.transport = null;
    this.status.problems.push('no store could start: entries are kept until the limit, then dropped');
    this.onChange();
  }

  private fail(why: string): void {
    if (this.closed) return;
    this.status.problems.push(why);
    if (this.readyTimer !== null) clearTimeout(this.readyTimer);
    this.transport?.close();
    this.connect();
    this.onChange();
  }

  // ---- receiving ----------------------------------------------------------

  private receive(msg: StoreToPage): void {
    switch (msg.type) {
      case 'ready':
        if (this.readyTimer !== null) clearTimeout(this.readyTimer);
        if (msg.backend === 'memory' && this.nextTransport < this.transports.length) {
          // A worker that cannot open IndexedDB (a data: URL worker has an
          // opaque origin): the main thread may still have it.
          this.fail(`${this.status.thread} store: ${msg.problem ?? 'no IndexedDB'}`);
          return;
        }
        this.status.ready = true;
        this.status.backend = msg.backend;
        this.status.totals = msg.totals;
        if (msg.problem) this.status.problems.push(msg.problem);
        break;
      case 'backend':
        this.status.backend = msg.backend;
        this.status.problems.push(msg.problem);
        break;
      case 'ack':
        this.onAck(msg.sessionId, msg.upTo, msg.duplicates);
        this.status.totals = msg.totals;
        break;
      case 'reply': {
        const p = this.requests.get(msg.id);
        if (!p) return;
        this.requests.delete(msg.id);
        if (msg.ok) p.resolve(msg.result as never);
        else p.reject(new TraceError('STORE_FAILED', msg.error));
        return;
      }
    }
    this.onChange();
  }

  private onAck(sessionId: string, upTo: number, duplicates: number): void {
    let acked = 0;
    const keep: BatchMessage[] = [];
    for (const b of this.unacked) {
      if (b.sessionId === sessionId && b.lastSeq <= upTo) acked += b.count;
      else keep.push(b);
    }
    this.unacked = keep;
    this.unackedCount -= acked;

    const replay = this.replays.get(sessionId);
    if (replay) {
      replay.duplicates += duplicates;
      if (upTo >= replay.lastSeq) {
        this.counters.recovered += replay.count - replay.duplicates;
        safeRemove(this.opt.storage, replay.key);
        this.replays.delete(sessionId);
      }
      return;
    }
    if (sessionId !== this.session.id) return;
    this.counters.acked += acked;
    this.ackedSeq = Math.max(this.ackedSeq, upTo);
    if (this.flushWaiters.length > 0) {
      const still = [];
      for (const w of this.flushWaiters) {
        if (w.upTo <= this.ackedSeq) w.resolve();
        else still.push(w);
      }
      this.flushWaiters = still;
    }
  }

  private replayEmergency(): void {
    for (const { key, record } of loadEmergency(this.opt.storage, this.config.dbName)) {
      if (record.sessionId === this.session.id || record.batches.length === 0) {
        safeRemove(this.opt.storage, key);
        continue;
      }
      let count = 0;
      for (const b of record.batches) count += b.count;
      this.counters.droppedEmergency += record.dropped;
      this.replays.set(record.sessionId, {
        key,
        lastSeq: record.batches[record.batches.length - 1]!.lastSeq,
        count,
        duplicates: 0,
      });
      for (const b of record.batches) {
        this.unacked.push(b);
        this.unackedCount += b.count;
        this.post(b);
      }
    }
  }
}
