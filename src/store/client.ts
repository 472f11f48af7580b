/**
 * The main thread's side of the store: writes entries into pre-allocated
 * columns (columns.ts), posts each full batch, and keeps it until the store
 * acks it as written. It never blocks the game and never grows without bound:
 * past `maxUnacked` entries or `maxUnackedBytes`, the newest entries are
 * dropped and counted. It never waits forever either: a store that stops
 * answering is replaced (the watchdog), and every promise has a bound.
 */
import type { EntrySink } from '../core/agent';
import { filter, push, some } from '../core/builtins';
import { withDefaults } from '../core/defaults';
import type { SessionInfo, TraceEntry } from '../core/entry';
import { now } from '../core/clock';
import { describeError, errorMessage, TraceError } from '../core/errors';
import { BatchEncoder, batchBytes } from '../core/columns';
import {
  clearEmergency,
  emergencyKey,
  emergencyWritable,
  loadEmergency,
  saveEmergency,
  type EmergencyRecord,
  type KeyValueStorage,
  type LoadedEmergency,
} from './emergency';
import type {
  Backend,
  BatchMessage,
  NoticeMessage,
  PageToStore,
  RequestMessage,
  RequestOp,
  StoreConfig,
  StoreRequests,
  StoreThread,
  StoreToPage,
  StoreTotals,
} from './protocol';
import { PROTOCOL_VERSION } from './protocol';
import { emptyTotals } from './ring';
import type { StoreTransport, TransportFactory } from './transport';

export interface ClientOptions {
  /** Entries per batch before it is sent at once. */
  maxBatch?: number;
  /** A batch that is not full is sent after this many ms. */
  flushMs?: number;
  /** Entries logged but not yet stored, beyond which new entries are dropped. */
  maxUnacked?: number;
  /** Bytes (see `batchBytes`) posted but not yet stored, beyond which new entries are dropped. */
  maxUnackedBytes?: number;
  /** A store that has not said `ready` by then is replaced by the next one. */
  readyTimeoutMs?: number;
  /** Where the emergency log goes (localStorage in a page); null for none. */
  storage?: KeyValueStorage | null;
  /** Where the emergency log goes when `storage` refuses (sessionStorage in a page); null for none. */
  fallbackStorage?: KeyValueStorage | null;
  /** While work is pending, the store is asked this often (ms) whether it is alive. */
  heartbeatMs?: number;
  /**
   * A store silent this long (ms) while batches or questions are pending is
   * declared dead: a worker is restarted once, then replaced by the
   * main-thread store, and it is sent again everything pending.
   */
  deadAfterMs?: number;
  /** A question not answered within this (ms) is rejected; an export: no progress for this long. */
  requestTimeoutMs?: number;
  /** flush() rejects when what it waits for is not stored within this (ms); the entries stay pending. */
  flushTimeoutMs?: number;
  /** Acks stalled this long (ms) while entries are pending: the store is behind (health says so). */
  behindMs?: number;
  /** Budget of the emergency log in characters (localStorage is ~5M characters per origin, shared with the game). */
  emergencyChars?: number;
  /** Web Locks, so that only a dead page's emergency log is replayed; null where there are none. */
  locks?: LockManager | null;
}

export interface StoreCounters {
  /** Entries the store acked as written. */
  acked: number;
  /** Entries dropped because the store was too far behind. */
  droppedBackpressure: number;
  /** Entries the store could not write (nacked). */
  droppedStore: number;
  /** Entries that could not be serialised. */
  droppedUnserialisable: number;
  /** Entries of earlier sessions recovered from the emergency log on this load. */
  recovered: number;
  /** Entries of earlier pages that their emergency log had no room for. */
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

/** How the store is doing, for health: what `status` does not say. */
export interface StoreLiveness {
  /** Entries written and not yet stored. */
  pending: number;
  /** ms since the store last acked while entries are pending (0 when none are). */
  stalledMs: number;
  /** Whether that is past `behindMs`. */
  behind: boolean;
  /** Stores the watchdog declared dead on this page (restarted or replaced). */
  deadStores: number;
  /** Store-quota notices (early evictions) and entries the quota refused outright. */
  quota: { notices: number; refused: number; message: string | null };
  /** False when no storage takes a write: a reload while entries are pending would lose them uncounted. */
  emergencyWritable: boolean;
}

interface Pending {
  msg: RequestMessage;
  resolve: (v: never) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
  timeoutMs: number;
  timer: ReturnType<typeof setTimeout> | null;
}

interface FlushWaiter {
  upTo: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Replay {
  record: EmergencyRecord;
  places: LoadedEmergency['places'];
  count: number;
  duplicates: number;
  nacked: number;
  done: () => void;
}

const DEFAULTS: Required<Omit<ClientOptions, 'storage' | 'fallbackStorage' | 'locks'>> = {
  maxBatch: 1_000,
  flushMs: 100,
  maxUnacked: 100_000,
  maxUnackedBytes: 64_000_000,
  readyTimeoutMs: 5_000,
  emergencyChars: 1_000_000,
  heartbeatMs: 500,
  // Far above any task of the store's (a block's analytics, an export's chunk), and short
  // enough that a 20k events/s stream stays under maxUnacked while a dead worker is replaced.
  deadAfterMs: 4_000,
  requestTimeoutMs: 30_000,
  flushTimeoutMs: 30_000,
  behindMs: 1_000,
};

/** How many problems are kept for health (the first ones, which say the most). */
const MAX_PROBLEMS = 20;

export class StoreClient implements EntrySink {
  readonly counters: StoreCounters = {
    acked: 0,
    droppedBackpressure: 0,
    droppedStore: 0,
    droppedUnserialisable: 0,
    recovered: 0,
    droppedEmergency: 0,
  };
  readonly status: StoreStatus = { ready: false, thread: null, backend: null, problems: [], totals: emptyTotals() };

  private readonly opt: typeof DEFAULTS;
  /** Where the emergency log may go, in order (localStorage, sessionStorage). */
  private readonly storages: readonly (KeyValueStorage | null)[];
  private readonly locks: LockManager | null;
  private readonly batch: BatchEncoder;
  /** Posted batches not yet acked, in send order (what a new store must be sent again). */
  private unacked: BatchMessage[] = [];
  private unackedCount = 0;
  private unackedBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private transport: StoreTransport | null = null;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private nextTransport = 0;
  private lastSentSeq = 0;
  private flushWaiters: FlushWaiter[] = [];
  private requests = new Map<number, Pending>();
  private nextRequestId = 1;
  /** Emergency records being replayed, by session: removed from storage once stored. */
  private replays = new Map<string, Replay>();
  // The watchdog's state (see startWatchdog).
  private watchdog: ReturnType<typeof setInterval> | null = null;
  /** Watchdog ticks in a row with work pending and no word from the store: silence measured in ticks, not clock readings, so a page clock that jumps cannot fake one. */
  private silentTicks = 0;
  /** When the watchdog last ran: a late run means the page itself was stalled. */
  private lastCheck = 0;
  /** When the store last acked, or when entries started waiting after none did. */
  private lastProgress = 0;
  private restartsLeft = 1;
  /**
   * Set when a worker answered: with IndexedDB (its route works; the other
   * worker factories are for routes that fail before their hello, so a dead
   * one is started again once by its own factory, then the main thread takes
   * over), or without it (another worker would have none either). The worker
   * factories left are then skipped.
   */
  private workersDone = false;
  /** Set while the watchdog starts the same store again (restartOrReplace). */
  private restarting = false;
  private pingId = 0;
  private deadStores = 0;
  private quota = { notices: 0, refused: 0, message: null as string | null };
  private emergencyOk = false;
  /** Entries this page stored in IndexedDB before a later store of it could only run in memory. */
  leftInDatabase = 0;
  private releaseLock: (() => void) | null = null;
  private closed = false;
  // The timers as they were when the agent started: a page that replaces its own later does not stop the batches.
  private readonly setTimer: typeof setTimeout = setTimeout.bind(globalThis);
  private readonly clearTimer: typeof clearTimeout = clearTimeout.bind(globalThis);
  private readonly setRepeat: typeof setInterval = setInterval.bind(globalThis);
  private readonly clearRepeat: typeof clearInterval = clearInterval.bind(globalThis);
  /** Set by the agent: what the store asks to be recorded as a system entry. */
  onNotice: (notice: NoticeMessage) => void = () => {};

  constructor(
    private readonly config: StoreConfig,
    private readonly session: { id: string; startedAt: number },
    private readonly transports: readonly TransportFactory[],
    options: ClientOptions = {},
  ) {
    this.opt = withDefaults(DEFAULTS, options);
    this.batch = new BatchEncoder(Math.max(1, Math.floor(this.opt.maxBatch)));
    this.storages = [options.storage ?? null, options.fallbackStorage ?? null];
    this.locks = options.locks ?? null;
    this.emergencyOk = emergencyWritable(this.storages, config.dbName);
    if (!this.emergencyOk && this.storages.some((st) => st !== null)) {
      this.problem('no storage takes the emergency log (localStorage and sessionStorage refuse writes): a reload while entries are pending may lose them uncounted');
    }
    this.holdSessionLock();
    this.connect();
    this.startWatchdog();
    this.replayEmergency();
  }

  // ---- EntrySink ----------------------------------------------------------

  write(entry: TraceEntry): void {
    if (this.closed) return;
    if (this.unackedCount + this.batch.length >= this.opt.maxUnacked || this.unackedBytes >= this.opt.maxUnackedBytes) {
      this.counters.droppedBackpressure++;
      return;
    }
    if (!this.batch.add(entry)) {
      this.counters.droppedUnserialisable++;
      return;
    }
    if (this.batch.full) this.sendBatch();
    else if (this.timer === null) this.timer = this.setTimer(() => this.sendBatch(), this.opt.flushMs);
  }

  // ---- public -------------------------------------------------------------

  /** Resolves when everything written so far is stored; rejects when no store is left. */
  flush(): Promise<void> {
    this.sendBatch();
    const upTo = this.lastSentSeq;
    if (!this.hasUnacked(upTo)) return Promise.resolve();
    if (this.closed || (this.transport === null && this.nextTransport >= this.transports.length)) {
      return Promise.reject(new TraceError('STORE_FAILED', 'no store is running'));
    }
    return new Promise((resolve, reject) => {
      const w: FlushWaiter = {
        upTo,
        resolve,
        reject,
        timer: this.setTimer(() => {
          this.flushWaiters = filter(this.flushWaiters, (x) => x !== w);
          reject(new TraceError('STORE_FAILED', `flush: not stored within ${this.opt.flushTimeoutMs} ms (${this.pending} entries pending; they are kept and still sent)`));
        }, this.opt.flushTimeoutMs),
      };
      push(this.flushWaiters, w);
    });
  }

  /** Entries written but not yet stored. */
  get pending(): number {
    return this.unackedCount + this.batch.length;
  }

  /** A question to the store; rejected when not answered within `timeoutMs` (an export: without progress for that long). */
  request<K extends RequestOp>(
    op: K,
    params: StoreRequests[K]['params'],
    onProgress?: (done: number, total: number) => void,
    timeoutMs: number = this.opt.requestTimeoutMs,
  ): Promise<StoreRequests[K]['result']> {
    return new Promise((resolve, reject) => {
      if (this.closed || this.transport === null) {
        reject(new TraceError('STORE_FAILED', 'no store is running'));
        return;
      }
      const id = this.nextRequestId++;
      const msg = { type: 'request', id, op, params } as RequestMessage;
      const p: Pending = { msg, resolve: resolve as (v: never) => void, reject, onProgress, timeoutMs, timer: null };
      this.requests.set(id, p);
      this.armRequest(id, p);
      this.post(msg);
    });
  }

  async sessions(): Promise<SessionInfo[]> {
    return this.request('sessions', {});
  }

  /** What only the page knows, for the analytics engine's metrics (dropped if no store runs). */
  sendMetrics(dropped: number, memoryMb: number | null): void {
    this.post({ type: 'metrics', dropped, memoryMb });
  }

  /**
   * The page is going away (or hidden, which may be the last thing it sees):
   * the store's open transaction may be aborted, so everything not yet stored
   * goes to the emergency log synchronously.
   */
  saveEmergency(): void {
    this.sendBatch();
    // Nothing of our own left: saveEmergency removes an older record instead.
    const own = filter(this.unacked, (b) => b.sessionId === this.session.id);
    const out = saveEmergency(this.storages, emergencyKey(this.config.dbName, this.session.id), this.session.id, own, this.opt.emergencyChars);
    if (!out.marked) this.problem(`the emergency log could not be saved anywhere: ${out.unsaved} pending entries may be lost uncounted`);
  }

  /** The page is visible again (or back from the back/forward cache): the store is alive. */
  discardEmergency(): void {
    clearEmergency(this.storages, emergencyKey(this.config.dbName, this.session.id));
  }

  /** How the store is doing, for health. */
  liveness(): StoreLiveness {
    const stalledMs = this.unacked.length > 0 ? Math.max(0, now() - this.lastProgress) : 0;
    return {
      pending: this.pending,
      stalledMs,
      behind: stalledMs >= this.opt.behindMs,
      deadStores: this.deadStores,
      quota: { ...this.quota },
      emergencyWritable: this.emergencyOk,
    };
  }

  /** Stops for good: what is not stored yet goes to the emergency log, waiters are settled. */
  close(): void {
    if (this.closed) return;
    // The save first (it sends the partial batch, which needs the store open), but a
    // save that throws (a page that broke a builtin since) must not keep timers running.
    try {
      this.saveEmergency();
    } catch (err) {
      this.problem(`the emergency log could not be saved on close: ${errorMessage(err)}`);
    }
    this.closed = true;
    if (this.timer !== null) this.clearTimer(this.timer);
    if (this.readyTimer !== null) this.clearTimer(this.readyTimer);
    if (this.watchdog !== null) this.clearRepeat(this.watchdog);
    this.closeTransport();
    this.transport = null;
    this.settleAll(new TraceError('STORE_FAILED', 'the trace agent was destroyed'));
    this.releaseLock?.();
  }

  // ---- sending ------------------------------------------------------------

  private sendBatch(): void {
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
    }
    const n = this.batch.length;
    if (n === 0) return;
    const cols = this.batch.take();
    const msg: BatchMessage = {
      type: 'batch',
      sessionId: this.session.id,
      startedAt: this.session.startedAt,
      firstSeq: cols.seq[0]!,
      lastSeq: cols.seq[n - 1]!,
      count: n,
      cols,
    };
    this.track(msg);
    this.lastSentSeq = msg.lastSeq;
    this.post(msg);
  }

  private track(msg: BatchMessage): void {
    if (this.unacked.length === 0) this.lastProgress = now(); // waiting starts now, not at the last ack
    push(this.unacked, msg);
    this.unackedCount += msg.count;
    this.unackedBytes += batchBytes(msg.cols);
  }

  private post(msg: PageToStore): void {
    if (this.closed || this.transport === null) return;
    try {
      this.transport.post(msg);
    } catch (err) {
      if (this.refuseUncloneable(msg, err)) return;
      this.fail(`posting to the store failed: ${describeError(err)}`);
    }
  }

  /**
   * A request whose parameters the structured clone refuses (DataCloneError:
   * a Symbol or a function in a query) is the caller's bad input: that
   * request alone is rejected, and the store stays where it is. Batches hold
   * only strings and typed arrays (columns.ts), so a batch refused is the
   * store's failure, handled by `fail`.
   */
  private refuseUncloneable(msg: PageToStore, err: unknown): boolean {
    if (!(err instanceof Error || (typeof err === 'object' && err !== null)) || (err as { name?: unknown }).name !== 'DataCloneError') return false;
    if (msg.type === 'metrics') return true;
    if (msg.type !== 'request') return false;
    const p = this.requests.get(msg.id);
    this.requests.delete(msg.id);
    p?.reject(new TraceError('INVALID_OPTION', `${msg.op}: its parameters cannot be sent to the store (${describeError(err)})`));
    return true;
  }

  // ---- connecting and failing over ----------------------------------------

  private connect(): void {
    while (this.nextTransport < this.transports.length) {
      const create = this.transports[this.nextTransport++]!;
      if (this.workersDone && create.thread === 'worker' && !this.restarting) continue;
      this.restarting = false;
      let t: StoreTransport;
      try {
        t = create();
      } catch (err) {
        this.problem(`store could not start: ${errorMessage(err)}`);
        continue;
      }
      this.transport = t;
      this.status.ready = false;
      this.status.thread = t.thread;
      t.onMessage = (m) => {
        if (this.transport !== t) return;
        this.silentTicks = 0;
        this.receive(m);
      };
      t.onFailure = (why) => {
        if (this.transport !== t) return;
        // A worker that ran and then crashed is started again once, as a dead one is; one that could not start is not.
        if (this.status.ready) this.restartOrReplace(why);
        else this.fail(why);
      };
      this.silentTicks = 0;
      // The last store is waited for, however slow its start (a loaded machine): there is none after it.
      if (this.nextTransport < this.transports.length) {
        this.readyTimer = this.setTimer(() => this.fail(`the ${t.thread} store did not start in time`), this.opt.readyTimeoutMs);
      }
      t.post({ type: 'init', version: PROTOCOL_VERSION, config: this.config });
      // A new store has seen nothing: send again all that is not stored,
      // and every question not yet answered.
      for (const b of this.unacked) t.post(b);
      for (const p of this.requests.values()) t.post(p.msg);
      return;
    }
    this.transport = null;
    this.problem('no store could start: entries are kept until the limit, then dropped');
    this.settleAll(new TraceError('STORE_FAILED', 'no store could start'));
  }

  private fail(why: string): void {
    if (this.closed) return;
    this.problem(why);
    if (this.readyTimer !== null) this.clearTimer(this.readyTimer);
    this.closeTransport();
    this.connect();
  }

  /** Ends the current transport; a page whose Worker methods throw must not stop the failover after it. */
  private closeTransport(): void {
    try {
      this.transport?.close();
    } catch (err) {
      this.problem(`the store could not be closed: ${errorMessage(err)}`);
    }
  }

  private problem(why: string): void {
    if (this.status.problems.length < MAX_PROBLEMS) push(this.status.problems, why);
  }

  private settleAll(err: TraceError): void {
    for (const p of this.requests.values()) {
      if (p.timer !== null) this.clearTimer(p.timer);
      p.reject(err);
    }
    this.requests.clear();
    for (let i = 0; i < this.flushWaiters.length; i++) {
      const w = this.flushWaiters[i]!;
      this.clearTimer(w.timer);
      w.reject(err);
    }
    this.flushWaiters = [];
  }

  // ---- the watchdog and the bounds of questions ---------------------------

  /**
   * While batches or questions are pending, the store is pinged every
   * `heartbeatMs`; it answers at once (host.ts), whatever it is writing. A
   * store silent for `deadAfterMs` is dead (a terminated or hung worker
   * never says so): a worker is started again once, then the next store
   * (the main thread) takes over, and connect() sends it all that is pending.
   */
  private startWatchdog(): void {
    this.watchdog = this.setRepeat(() => this.checkAlive(), Math.max(10, this.opt.heartbeatMs));
    // In Node (tests, SSR) the timer must not keep the process alive.
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  private checkAlive(): void {
    const t = this.transport;
    const at = now();
    const late = at - this.lastCheck > 3 * this.opt.heartbeatMs;
    this.lastCheck = at;
    const busy = this.unacked.length > 0 || this.requests.size > 0;
    // Idle or starting (readyTimeoutMs covers a start): silence means nothing yet. Nor after
    // the page's own long task (a level loading): the store's answers wait behind it, unread.
    if (this.closed || t === null || !this.status.ready || !busy || late) {
      this.silentTicks = 0;
      return;
    }
    const silent = ++this.silentTicks * this.opt.heartbeatMs;
    const replaceable = (t.thread === 'worker' && this.restartsLeft > 0) || this.nextTransport < this.transports.length;
    if (silent < this.opt.deadAfterMs || !replaceable) {
      // (The last store, silent, is kept: there is none to replace it, and questions have their own bounds.)
      this.post({ type: 'ping', id: ++this.pingId });
      return;
    }
    this.restartOrReplace(`the ${t.thread} store did not answer for ${Math.round(silent)} ms with ${this.pending} entries and ${this.requests.size} questions pending`);
  }

  /** A running store died: a worker is started again once, then the next store takes over. */
  private restartOrReplace(why: string): void {
    this.deadStores++;
    if (this.transport?.thread === 'worker' && this.restartsLeft > 0) {
      this.restartsLeft--;
      this.nextTransport--; // the same store once more
      this.restarting = true;
      this.fail(`${why}: started again`);
    } else {
      this.fail(`${why}: replaced`);
    }
  }

  /** (Re)starts the bound of a question: from now, `timeoutMs` to answer (or to say progress). */
  private armRequest(id: number, p: Pending): void {
    if (p.timer !== null) this.clearTimer(p.timer);
    p.timer = this.setTimer(() => {
      if (this.requests.get(id) !== p) return;
      this.requests.delete(id);
      p.reject(new TraceError('STORE_FAILED', `the store did not answer ${p.msg.op} within ${p.timeoutMs} ms`));
    }, p.timeoutMs);
  }

  // ---- receiving ----------------------------------------------------------

  private receive(msg: StoreToPage): void {
    switch (msg.type) {
      case 'ready':
        if (this.readyTimer !== null) this.clearTimer(this.readyTimer);
        if (msg.backend === 'memory' && !msg.sameEverywhere && this.nextTransport < this.transports.length) {
          // A worker that cannot open IndexedDB (a data: URL worker has an
          // opaque origin): the main thread may still have it. Unlike a dead
          // worker it is not started again, nor is another worker (every route
          // starts one with the page's origin, and so the same storage).
          if (this.status.thread === 'worker') this.workersDone = true;
          this.fail(`${this.status.thread} store: ${msg.problem ?? 'no IndexedDB'}`);
          return;
        }
        // A store in memory after one on IndexedDB (which it could not open again): what this
        // page stored there is out of reach, and the new ring's ledger does not know it.
        if (msg.backend === 'memory' && this.status.backend === 'indexeddb') this.leftInDatabase = this.counters.acked + this.counters.recovered;
        this.status.ready = true;
        if (this.status.thread === 'worker') this.workersDone = true;
        this.status.backend = msg.backend;
        this.status.totals = msg.totals;
        if (msg.problem) this.problem(msg.problem);
        return;
      case 'backend':
        this.status.backend = msg.backend;
        this.problem(msg.problem);
        return;
      case 'ack':
        this.status.totals = msg.totals;
        this.settle(msg.sessionId, msg.fromSeq, msg.upTo, msg.duplicates, null);
        return;
      case 'nack':
        this.problem(msg.problem);
        this.settle(msg.sessionId, msg.fromSeq, msg.upTo, 0, msg.problem, msg.quota === true);
        return;
      case 'progress': {
        const p = this.requests.get(msg.id);
        if (!p) return;
        this.armRequest(msg.id, p); // an export that moves is not stuck
        p.onProgress?.(msg.done, msg.total);
        return;
      }
      case 'pong':
        return; // heard: that is all the watchdog needs
      case 'notice':
        if (msg.event === 'store:quota') {
          this.quota.notices++;
          const m = msg.data['message'];
          this.quota.message = typeof m === 'string' ? m : null;
        }
        this.onNotice(msg);
        return;
      case 'reply': {
        const p = this.requests.get(msg.id);
        if (!p) return;
        this.requests.delete(msg.id);
        if (p.timer !== null) this.clearTimer(p.timer);
        if (msg.ok) p.resolve(msg.result as never);
        else p.reject(new TraceError('STORE_FAILED', msg.error));
        return;
      }
    }
  }

  /** The store is done with the batches of `sessionId` in `fromSeq..upTo`: stored, or (nack) never. */
  private settle(sessionId: string, fromSeq: number, upTo: number, duplicates: number, nack: string | null, quota = false): void {
    this.lastProgress = now();
    let count = 0;
    const keep: BatchMessage[] = [];
    // Index loops and no Array methods on the page's side of every ack: the page may have broken them.
    for (let i = 0; i < this.unacked.length; i++) {
      const b = this.unacked[i]!;
      if (b.sessionId === sessionId && b.firstSeq >= fromSeq && b.lastSeq <= upTo) {
        count += b.count;
        this.unackedBytes -= batchBytes(b.cols);
      } else {
        push(keep, b);
      }
    }
    this.unacked = keep;
    this.unackedCount -= count;

    const replay = this.replays.get(sessionId);
    if (replay) {
      replay.duplicates += duplicates;
      if (nack) {
        // Refused for good (not a well-formed batch): replaying it again would be refused again.
        replay.nacked += count;
        this.counters.droppedStore += count;
      }
      if (!some(this.unacked, (b) => b.sessionId === sessionId)) {
        this.counters.recovered += replay.count - replay.duplicates - replay.nacked;
        this.countUnsaved(replay);
      }
      return;
    }
    if (sessionId !== this.session.id) return;
    if (nack) {
      this.counters.droppedStore += count;
      if (quota) this.quota.refused += count;
    } else this.counters.acked += count;
    if (this.flushWaiters.length > 0) {
      const still: typeof this.flushWaiters = [];
      for (let i = 0; i < this.flushWaiters.length; i++) {
        const w = this.flushWaiters[i]!;
        if (this.hasUnacked(w.upTo)) push(still, w);
        else {
          this.clearTimer(w.timer);
          w.resolve();
        }
      }
      this.flushWaiters = still;
    }
  }

  /** Whether any batch of this session up to `upTo` is still waiting for the store. */
  private hasUnacked(upTo: number): boolean {
    return some(this.unacked, (b) => b.sessionId === this.session.id && b.firstSeq <= upTo);
  }

  // ---- the emergency log of earlier pages ---------------------------------

  private lockName(sessionId: string): string {
    return `trace-agent:${this.config.dbName}:${sessionId}`;
  }

  /** Held while this page lives, so another page does not replay our emergency log. */
  private holdSessionLock(): void {
    if (!this.locks) return;
    try {
      void this.locks
        .request(this.lockName(this.session.id), () => new Promise<void>((release) => (this.releaseLock = release)))
        .catch(() => {});
    } catch {
      /* no locks in this context: replays rely on seq dedupe alone */
    }
  }

  private replayEmergency(): void {
    for (const { places, record } of loadEmergency(this.storages, this.config.dbName)) {
      if (record.sessionId === this.session.id) {
        removePlaces(places);
        continue;
      }
      if (!this.locks) {
        this.replay(places, record, () => {});
        continue;
      }
      // Only a page that is gone (its lock is free) has its log replayed; the
      // lock is held until the store has it, so two pages never replay one log.
      try {
        void this.locks
          .request(this.lockName(record.sessionId), { ifAvailable: true }, (lock) =>
            lock ? new Promise<void>((done) => this.replay(places, record, done)) : undefined,
          )
          .catch(() => {});
      } catch {
        this.replay(places, record, () => {});
      }
    }
  }

  private replay(places: LoadedEmergency['places'], record: EmergencyRecord, done: () => void): void {
    if (this.closed || this.replays.has(record.sessionId)) return done();
    let count = 0;
    for (const b of record.batches) count += b.count;
    this.counters.droppedEmergency += record.dropped;
    const replay: Replay = { record, places, count, duplicates: 0, nacked: 0, done };
    if (record.batches.length === 0) return this.countUnsaved(replay);
    this.replays.set(record.sessionId, replay);
    for (const b of record.batches) {
      this.track(b);
      this.post(b);
    }
  }

  /**
   * The replay is stored: of the batches its page could not save anywhere
   * (its marker), those past the session's last stored seq never reached
   * the store (it writes in seq order) and are counted lost; then the
   * record goes, unless the store is only in memory (it would not outlive this page).
   */
  private countUnsaved(replay: Replay): void {
    const finish = (lost: number) => {
      this.counters.droppedEmergency += lost;
      if (this.status.backend === 'indexeddb') removePlaces(replay.places);
      this.replays.delete(replay.record.sessionId);
      replay.done();
    };
    const unsaved = replay.record.unsaved ?? [];
    if (unsaved.length === 0) return finish(0);
    this.request('sessions', {})
      .then((sessions) => {
        const last = sessions.find((x) => x.id === replay.record.sessionId)?.lastSeq ?? 0;
        let lost = 0;
        for (const [, lastSeq, count] of unsaved) if (lastSeq > last) lost += count;
        finish(lost);
      })
      .catch(() => {
        // No store to ask: the record stays, for a later load to count.
        this.replays.delete(replay.record.sessionId);
        replay.done();
      });
  }
}

function removePlaces(places: LoadedEmergency['places']): void {
  for (const { storage, key } of places) {
    try {
      storage.removeItem(key);
    } catch {
      /* storage denied: nothing to clean */
    }
  }
}
