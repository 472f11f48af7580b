/**
 * The client's link to a store, and its failover: the transports are tried
 * in order (one worker per way to start it, then the main thread); a store
 * that cannot start, fails, or says it has no IndexedDB is replaced by the
 * next one, and the client sends the new one all that is pending.
 *
 * The watchdog: while batches or questions are pending, the store is pinged
 * every `heartbeatMs`; it answers at once (host.ts), whatever it is writing.
 * A store silent for `deadAfterMs` is dead (a terminated or hung worker never
 * says so): a worker is started again once, then the next store takes over.
 */
import { errorMessage, describeError } from '../core/errors';
import { now } from '../core/clock';
import { PROTOCOL_VERSION, type PageToStore, type ReadyMessage, type StoreConfig, type StoreThread, type StoreToPage } from './protocol';
import type { StoreTimers } from './timers';
import type { StoreTransport, TransportFactory } from './transport';

export interface LinkOptions {
  readyTimeoutMs: number;
  heartbeatMs: number;
  deadAfterMs: number;
}

/** What the link needs of the client. */
export interface LinkClient {
  readonly status: { ready: boolean; thread: StoreThread | null };
  /** A message of the current store. */
  receive(msg: StoreToPage): void;
  /** A new store has seen nothing: send it again all that is not stored, and every question not answered. */
  resend(post: (msg: PageToStore) => void): void;
  /** Whether batches or questions are pending (silence means something only then). */
  busy(): boolean;
  /** What is pending, for the message that says a store was declared dead. */
  pendingText(): string;
  /** A message the structured clone refused: true when the client handled it (the caller's bad input). */
  refused(msg: PageToStore, err: unknown): boolean;
  problem(why: string): void;
  /** No store could start: every waiter is rejected. */
  noStoreLeft(why: string): void;
}

export class StoreLink {
  /** The store now; null before the first or after the last. */
  transport: StoreTransport | null = null;
  /** Stores the watchdog declared dead on this page (restarted or replaced). */
  deadStores = 0;
  private next = 0;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  /** Watchdog ticks in a row with work pending and no word from the store: silence measured in ticks, not clock readings, so a page clock that jumps cannot fake one. */
  private silentTicks = 0;
  /** When the watchdog last ran: a late run means the page itself was stalled. */
  private lastCheck = 0;
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
  private closed = false;

  constructor(
    private readonly client: LinkClient,
    private readonly config: StoreConfig,
    private readonly transports: readonly TransportFactory[],
    private readonly opt: LinkOptions,
    private readonly timers: StoreTimers,
  ) {}

  /** Starts the first store and the watchdog. */
  start(): void {
    this.connect();
    this.watchdog = this.timers.setRepeat(() => this.checkAlive(), Math.max(10, this.opt.heartbeatMs));
    // In Node (tests, SSR) the timer must not keep the process alive.
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  /** Whether another store may still take over (or one runs). */
  get hasStore(): boolean {
    return this.transport !== null || this.next < this.transports.length;
  }

  post(msg: PageToStore): void {
    if (this.closed || this.transport === null) return;
    try {
      this.transport.post(msg);
    } catch (err) {
      if (this.client.refused(msg, err)) return;
      this.fail(`posting to the store failed: ${describeError(err)}`);
    }
  }

  /**
   * The store said ready. False when it is replaced at once instead: a
   * worker that cannot open IndexedDB (a data: URL worker has an opaque
   * origin) while the main thread may still have it. Unlike a dead worker it
   * is not started again, nor is another worker (every route starts one with
   * the page's origin, and so the same storage).
   */
  ready(msg: ReadyMessage): boolean {
    if (this.readyTimer !== null) this.timers.clearTimer(this.readyTimer);
    const thread = this.client.status.thread;
    if (msg.backend === 'memory' && !msg.sameEverywhere && this.next < this.transports.length) {
      if (thread === 'worker') this.workersDone = true;
      this.fail(`${thread} store: ${msg.problem ?? 'no IndexedDB'}`);
      return false;
    }
    this.client.status.ready = true;
    if (thread === 'worker') this.workersDone = true;
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.readyTimer !== null) this.timers.clearTimer(this.readyTimer);
    if (this.watchdog !== null) this.timers.clearRepeat(this.watchdog);
    this.closeTransport();
    this.transport = null;
  }

  private connect(): void {
    while (this.next < this.transports.length) {
      const create = this.transports[this.next++]!;
      if (this.workersDone && create.thread === 'worker' && !this.restarting) continue;
      this.restarting = false;
      let t: StoreTransport;
      try {
        t = create();
      } catch (err) {
        this.client.problem(`store could not start: ${errorMessage(err)}`);
        continue;
      }
      this.transport = t;
      this.client.status.ready = false;
      this.client.status.thread = t.thread;
      t.onMessage = (m) => {
        if (this.transport !== t) return;
        this.silentTicks = 0;
        this.client.receive(m);
      };
      t.onFailure = (why) => {
        if (this.transport !== t) return;
        // A worker that ran and then crashed is started again once, as a dead one is; one that could not start is not.
        if (this.client.status.ready) this.restartOrReplace(why);
        else this.fail(why);
      };
      this.silentTicks = 0;
      // The last store is waited for, however slow its start (a loaded machine): there is none after it.
      if (this.next < this.transports.length) {
        this.readyTimer = this.timers.setTimer(() => this.fail(`the ${t.thread} store did not start in time`), this.opt.readyTimeoutMs);
      }
      try {
        t.post({ type: 'init', version: PROTOCOL_VERSION, config: this.config });
        this.client.resend((m) => t.post(m));
      } catch (err) {
        // A page that broke what posting needs: this store cannot be told anything, the next is tried.
        this.client.problem(`the ${t.thread} store could not be started: ${errorMessage(err)}`);
        if (this.readyTimer !== null) this.timers.clearTimer(this.readyTimer);
        this.closeTransport();
        continue;
      }
      return;
    }
    this.transport = null;
    this.client.problem('no store could start: entries are kept until the limit, then dropped');
    this.client.noStoreLeft('no store could start');
  }

  fail(why: string): void {
    if (this.closed) return;
    this.client.problem(why);
    if (this.readyTimer !== null) this.timers.clearTimer(this.readyTimer);
    this.closeTransport();
    this.connect();
  }

  /** Ends the current transport; a page whose Worker methods throw must not stop the failover after it. */
  private closeTransport(): void {
    try {
      this.transport?.close();
    } catch (err) {
      this.client.problem(`the store could not be closed: ${errorMessage(err)}`);
    }
  }

  private checkAlive(): void {
    const t = this.transport;
    const at = now();
    const late = at - this.lastCheck > 3 * this.opt.heartbeatMs;
    this.lastCheck = at;
    // Idle or starting (readyTimeoutMs covers a start): silence means nothing yet. Nor after
    // the page's own long task (a level loading): the store's answers wait behind it, unread.
    if (this.closed || t === null || !this.client.status.ready || !this.client.busy() || late) {
      this.silentTicks = 0;
      return;
    }
    const silent = ++this.silentTicks * this.opt.heartbeatMs;
    const replaceable = (t.thread === 'worker' && this.restartsLeft > 0) || this.next < this.transports.length;
    if (silent < this.opt.deadAfterMs || !replaceable) {
      // (The last store, silent, is kept: there is none to replace it, and questions have their own bounds.)
      this.post({ type: 'ping', id: ++this.pingId });
      return;
    }
    this.restartOrReplace(`the ${t.thread} store did not answer for ${Math.round(silent)} ms with ${this.client.pendingText()} pending`);
  }

  /** A running store died: a worker is started again once, then the next store takes over. */
  private restartOrReplace(why: string): void {
    this.deadStores++;
    if (this.transport?.thread === 'worker' && this.restartsLeft > 0) {
      this.restartsLeft--;
      this.next--; // the same store once more
      this.restarting = true;
      this.fail(`${why}: started again`);
    } else {
      this.fail(`${why}: replaced`);
    }
  }
}
