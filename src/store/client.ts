/**
 * The main thread's side of the store: writes entries into pre-allocated
 * columns (columns.ts), posts each full batch, and keeps it until the store
 * acks it as written. It never blocks the game and never grows without bound:
 * past `maxUnacked` entries or `maxUnackedBytes`, the newest entries are
 * dropped and counted. It never waits forever either: a store that stops
 * answering is replaced (the watchdog), and every promise has a bound.
 *
 * Made of one part per job: batching (batcher.ts), request/reply
 * (requests.ts), the link and its failover (failover.ts), the replay of
 * earlier pages' emergency logs (replay.ts) and the session locks
 * (session-lock.ts). What stays here is the ledger: what the store's acks,
 * nacks and notices mean for the counters and the status.
 */
import type { EntrySink } from '../core/agent';
import { withDefaults } from '../core/defaults';
import type { SessionInfo, TraceEntry } from '../core/entry';
import { now } from '../core/clock';
import { errorMessage, TraceError } from '../core/errors';
import { push, rejected, resolved, whenIdle } from '../core/builtins';
import { Batcher } from './batcher';
import { clearEmergency, emergencyKey, emergencyWritable, saveEmergency, type KeyValueStorage } from './emergency';
import { StoreLink } from './failover';
import type { Backend, NoticeMessage, PageToStore, RequestOp, StoreConfig, StoreRequests, StoreThread, StoreToPage, StoreTotals } from './protocol';
import type { PinSummary } from './pins';
import { EmergencyReplay } from './replay';
import { Requests } from './requests';
import { emptyTotals } from './ring';
import { SessionLocks } from './session-lock';
import { captureTimers } from './timers';
import type { TransportFactory } from './transport';

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
  /**
   * True: the store (its worker, IndexedDB) and the replay of earlier pages'
   * emergency logs start at the page's first idle moment (within
   * START_BOUND_MS), not in the constructor, so that they do not hold the
   * page's loading: Chromium's parser may run tasks between two scripts, and
   * a page's first idle moment comes once it has parsed and drawn. What is
   * written and asked meanwhile waits in the batch and is sent once it runs.
   */
  deferStart?: boolean;
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
  /** The pins' count and releases (pins.ts), as of the store's last word; absent until it says. */
  pins?: PinSummary;
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

const DEFAULTS: Required<Omit<ClientOptions, 'storage' | 'fallbackStorage' | 'locks' | 'deferStart'>> = {
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

/** The longest a deferred store start waits for the page to be idle (deferStart). */
export const START_BOUND_MS = 1_000;

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
  /** Entries this page stored in IndexedDB before a later store of it could only run in memory. */
  leftInDatabase = 0;
  /** Set by the agent: what the store asks to be recorded as a system entry. */
  onNotice: (notice: NoticeMessage) => void = () => {};

  private readonly opt: typeof DEFAULTS;
  /** Where the emergency log may go, in order (localStorage, sessionStorage). */
  private readonly storages: readonly (KeyValueStorage | null)[];
  private readonly batcher: Batcher;
  private readonly requests: Requests;
  private readonly link: StoreLink;
  private readonly locks: SessionLocks;
  private readonly replay: EmergencyReplay;
  private quota = { notices: 0, refused: 0, message: null as string | null };
  /** Whether a storage takes the emergency log: probed (a write) when the store starts; until then, assumed. */
  private emergencyOk = true;
  private closed = false;
  private lockHeld = false;
  // The timers as they were when the agent started: a page that replaces its own later does not stop the batches.
  private readonly timers = captureTimers();

  constructor(
    private readonly config: StoreConfig,
    private readonly session: { id: string; startedAt: number },
    transports: readonly TransportFactory[],
    options: ClientOptions = {},
  ) {
    this.opt = withDefaults(DEFAULTS, options);
    this.storages = [options.storage ?? null, options.fallbackStorage ?? null];
    this.batcher = new Batcher(session, this.opt, this.timers, (msg) => this.link.post(msg));
    this.requests = new Requests(this.timers);
    this.link = new StoreLink(
      {
        status: this.status,
        receive: (m) => this.receive(m),
        resend: (post) => {
          this.batcher.resend(post);
          this.requests.resend(post);
        },
        busy: () => this.batcher.waiting || this.requests.size > 0,
        pendingText: () => `${this.pending} entries and ${this.requests.size} questions`,
        refused: (msg, err) => this.refuseUncloneable(msg, err),
        problem: (why) => this.problem(why),
        noStoreLeft: (why) => this.requests.rejectAll(new TraceError('STORE_FAILED', why)),
      },
      config,
      transports,
      this.opt,
      this.timers,
    );
    this.locks = new SessionLocks(options.locks ?? null, config.dbName);
    this.replay = new EmergencyReplay({
      storages: this.storages,
      dbName: config.dbName,
      sessionId: session.id,
      locks: this.locks,
      counters: this.counters,
      send: (b) => {
        this.batcher.track(b);
        this.link.post(b);
      },
      sessions: () => this.request('sessions', {}),
      backend: () => this.status.backend,
      closed: () => this.closed,
    });
    if (options.deferStart) whenIdle(() => this.startLate(), START_BOUND_MS);
    else this.startStore();
  }

  /** startStore in the page's idle callback: nothing thrown there reaches the page; it is said in health instead. */
  private startLate(): void {
    try {
      this.startStore();
    } catch (err) {
      this.problem(`the store could not be started: ${errorMessage(err)}`);
    }
  }

  /**
   * The store, the session's lock, the emergency log's probe (a localStorage
   * write) and the replay: each a round trip to the browser that is slow on a
   * page's first use.
   */
  private startStore(): void {
    if (this.closed) return;
    this.holdLock();
    this.emergencyOk = emergencyWritable(this.storages, this.config.dbName);
    if (!this.emergencyOk && (this.storages[0] !== null || this.storages[1] !== null)) {
      this.problem('no storage takes the emergency log (localStorage and sessionStorage refuse writes): a reload while entries are pending may lose them uncounted');
    }
    this.link.start();
    this.replay.start();
  }

  // ---- EntrySink ----------------------------------------------------------

  write(entry: TraceEntry): void {
    if (this.closed) return;
    const r = this.batcher.add(entry);
    if (r === 'backpressure') this.counters.droppedBackpressure++;
    else if (r === 'unserialisable') this.counters.droppedUnserialisable++;
  }

  // ---- public -------------------------------------------------------------

  /** Resolves when everything written so far is stored; rejects when no store is left. */
  flush(): Promise<void> {
    this.batcher.sendNow();
    const upTo = this.batcher.lastSentSeq;
    if (!this.batcher.has(this.session.id, upTo)) return resolved(undefined);
    if (this.closed || !this.link.hasStore) return rejected(new TraceError('STORE_FAILED', 'no store is running'));
    const ms = this.opt.flushTimeoutMs;
    return this.requests.waitFlush(upTo, ms, () => `flush: not stored within ${ms} ms (${this.pending} entries pending; they are kept and still sent)`);
  }

  /** Entries written but not yet stored. */
  get pending(): number {
    return this.batcher.pending;
  }

  /** A question to the store; rejected when not answered within `timeoutMs` (an export: without progress for that long). */
  request<K extends RequestOp>(
    op: K,
    params: StoreRequests[K]['params'],
    onProgress?: (done: number, total: number) => void,
    timeoutMs: number = this.opt.requestTimeoutMs,
  ): Promise<StoreRequests[K]['result']> {
    if (this.closed || !this.link.hasStore) return rejected(new TraceError('STORE_FAILED', 'no store is running'));
    return this.requests.ask(op, params, (msg) => this.link.post(msg), timeoutMs, onProgress);
  }

  async sessions(): Promise<SessionInfo[]> {
    return this.request('sessions', {});
  }

  /** What only the page knows, for the analytics engine's metrics (dropped if no store runs). */
  sendMetrics(dropped: number, memoryMb: number | null): void {
    this.link.post({ type: 'metrics', dropped, memoryMb });
  }

  /**
   * The page is going away (or hidden, which may be the last thing it sees):
   * the store's open transaction may be aborted, so everything not yet stored
   * goes to the emergency log synchronously.
   */
  saveEmergency(): void {
    this.holdLock(); // before the store started (a page hidden at once): its log is a live page's, not to be replayed
    this.batcher.sendNow();
    // Nothing of our own left: saveEmergency removes an older record instead.
    const own = this.batcher.of(this.session.id);
    const out = saveEmergency(this.storages, emergencyKey(this.config.dbName, this.session.id), this.session.id, own, this.opt.emergencyChars);
    if (!out.marked) this.problem(`the emergency log could not be saved anywhere: ${out.unsaved} pending entries may be lost uncounted`);
  }

  /** The page is visible again (or back from the back/forward cache): the store is alive. */
  discardEmergency(): void {
    clearEmergency(this.storages, emergencyKey(this.config.dbName, this.session.id));
  }

  /** How the store is doing, for health. */
  liveness(): StoreLiveness {
    const stalledMs = this.batcher.waiting ? Math.max(0, now() - this.batcher.lastProgress) : 0;
    return {
      pending: this.pending,
      stalledMs,
      behind: stalledMs >= this.opt.behindMs,
      deadStores: this.link.deadStores,
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
    this.batcher.stopTimer();
    this.link.close();
    this.requests.rejectAll(new TraceError('STORE_FAILED', 'the trace agent was destroyed'));
    this.replay.close();
    this.locks.releaseOwnLock();
  }

  /** Holds this session's Web Lock from now on, once: another page replays only the emergency log of a session whose lock is free. */
  private holdLock(): void {
    if (this.lockHeld) return;
    this.lockHeld = true;
    this.locks.holdOwn(this.session.id);
  }

  private problem(why: string): void {
    if (this.status.problems.length < MAX_PROBLEMS) push(this.status.problems, why);
  }

  /**
   * A request whose parameters the structured clone refuses (DataCloneError:
   * a Symbol or a function in a query) is the caller's bad input: that
   * request alone is rejected, and the store stays where it is. Batches hold
   * only strings and typed arrays (columns.ts), so a batch refused is the
   * store's failure, handled by the link's failover.
   */
  private refuseUncloneable(msg: PageToStore, err: unknown): boolean {
    if (typeof err !== 'object' || err === null || (err as { name?: unknown }).name !== 'DataCloneError') return false;
    if (msg.type === 'metrics') return true;
    if (msg.type !== 'request') return false;
    this.requests.refuse(msg, err);
    return true;
  }

  // ---- receiving ----------------------------------------------------------

  private receive(msg: StoreToPage): void {
    switch (msg.type) {
      case 'ready':
        if (!this.link.ready(msg)) return;
        // A store in memory after one on IndexedDB (which it could not open again): what this
        // page stored there is out of reach, and the new ring's ledger does not know it.
        if (msg.backend === 'memory' && this.status.backend === 'indexeddb') this.leftInDatabase = this.counters.acked + this.counters.recovered;
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
        // A failed save of the pins is a store problem (health, the overlay), once for each reason.
        if (msg.pins?.pinLastFailure !== undefined && msg.pins.pinLastFailure !== this.status.pins?.pinLastFailure) this.problem(msg.pins.pinLastFailure);
        this.status.pins = msg.pins ?? this.status.pins;
        this.settle(msg.sessionId, msg.fromSeq, msg.upTo, msg.duplicates, false);
        return;
      case 'nack':
        this.problem(msg.problem);
        this.settle(msg.sessionId, msg.fromSeq, msg.upTo, 0, true, msg.quota === true);
        return;
      case 'progress':
        this.requests.progress(msg);
        return;
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
      case 'reply':
        this.requests.reply(msg);
        return;
    }
  }

  /** The store is done with the batches of `sessionId` in `fromSeq..upTo`: stored, or (nack) never. */
  private settle(sessionId: string, fromSeq: number, upTo: number, duplicates: number, nack: boolean, quota = false): void {
    // A store that got clones (a worker: the main-thread store, which keeps what it is posted, comes
    // last and is never replaced): nothing but the batcher holds these batches, their buffers may be reused.
    const count = this.batcher.settle(sessionId, fromSeq, upTo, this.link.transport?.copies === true);
    if (this.replay.settled(sessionId, count, duplicates, nack, this.batcher.has(sessionId))) return;
    if (sessionId !== this.session.id) return;
    if (nack) {
      this.counters.droppedStore += count;
      if (quota) this.quota.refused += count;
    } else this.counters.acked += count;
    this.requests.settleFlushes((upToSeq) => this.batcher.has(this.session.id, upToSeq));
  }
}
