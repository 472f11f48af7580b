/**
 * The client's batching: entries go into pre-allocated columns (columns.ts);
 * a full batch is sent at once, a partial one after `flushMs`. A sent batch
 * is kept, in send order, until the store acks it: that is what a new store
 * is sent again, and what the emergency log saves. Past `maxUnacked` entries
 * or `maxUnackedBytes`, the newest entries are refused (the client counts them).
 *
 * Everything here runs on the page's side of every write: index loops and
 * captured builtins only (the page may have broken Array methods).
 */
import { filter, push, some } from '../core/builtins';
import { now } from '../core/clock';
import type { TraceEntry } from '../core/entry';
import { BatchEncoder, batchBytes } from '../core/columns';
import type { BatchMessage } from './protocol';
import type { StoreTimers } from './timers';

export interface BatcherOptions {
  maxBatch: number;
  flushMs: number;
  maxUnacked: number;
  maxUnackedBytes: number;
}

/** What became of a written entry. */
export type Added = 'added' | 'backpressure' | 'unserialisable';

export class Batcher {
  private readonly batch: BatchEncoder;
  /** Posted batches not yet acked, in send order (what a new store must be sent again). */
  private unacked: BatchMessage[] = [];
  private unackedCount = 0;
  private unackedBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The last seq sent: what flush() waits for. */
  lastSentSeq = 0;
  /** When the store last acked, or when entries started waiting after none did. */
  lastProgress = 0;

  constructor(
    private readonly session: { id: string; startedAt: number },
    private readonly opt: BatcherOptions,
    private readonly timers: Pick<StoreTimers, 'setTimer' | 'clearTimer'>,
    /** Posts a batch to the store (it is tracked already). */
    private readonly send: (msg: BatchMessage) => void,
  ) {
    this.batch = new BatchEncoder(Math.max(1, Math.floor(opt.maxBatch)));
  }

  add(entry: TraceEntry): Added {
    if (this.unackedCount + this.batch.length >= this.opt.maxUnacked || this.unackedBytes >= this.opt.maxUnackedBytes) return 'backpressure';
    if (!this.batch.add(entry)) return 'unserialisable';
    if (this.batch.full) this.sendNow();
    else if (this.timer === null) this.timer = this.timers.setTimer(() => this.sendNow(), this.opt.flushMs);
    return 'added';
  }

  /** Entries written and not yet stored. */
  get pending(): number {
    return this.unackedCount + this.batch.length;
  }

  /** Whether any sent batch waits for its ack. */
  get waiting(): boolean {
    return this.unacked.length > 0;
  }

  /** Sends the partial batch now (flush, the page going away). */
  sendNow(): void {
    this.stopTimer();
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
    this.send(msg);
  }

  /** Keeps a batch until its ack (ours, or an earlier page's being replayed). */
  track(msg: BatchMessage): void {
    if (this.unacked.length === 0) this.lastProgress = now(); // waiting starts now, not at the last ack
    push(this.unacked, msg);
    this.unackedCount += msg.count;
    this.unackedBytes += batchBytes(msg.cols);
  }

  /**
   * The store is done with the batches of `sessionId` in `fromSeq..upTo`:
   * they go; returns how many entries they held. `cloned`: every store they
   * were posted to got a structured clone (workers only), so their buffers
   * may be reused by the next batches.
   */
  settle(sessionId: string, fromSeq: number, upTo: number, cloned = false): number {
    this.lastProgress = now();
    let count = 0;
    const keep: BatchMessage[] = [];
    for (let i = 0; i < this.unacked.length; i++) {
      const b = this.unacked[i]!;
      if (b.sessionId === sessionId && b.firstSeq >= fromSeq && b.lastSeq <= upTo) {
        count += b.count;
        this.unackedBytes -= batchBytes(b.cols);
        if (cloned) this.batch.recycle(b.cols);
      } else {
        push(keep, b);
      }
    }
    this.unacked = keep;
    this.unackedCount -= count;
    return count;
  }

  /** Whether a batch of `sessionId` (up to `upTo`) still waits for the store. */
  has(sessionId: string, upTo = Infinity): boolean {
    return some(this.unacked, (b) => b.sessionId === sessionId && b.firstSeq <= upTo);
  }

  /** The batches of `sessionId` still waiting, in send order (the emergency log's). */
  of(sessionId: string): BatchMessage[] {
    return filter(this.unacked, (b) => b.sessionId === sessionId);
  }

  /** Every batch still waiting, in send order, to a new store (index loop: the page may have broken the array iterator). */
  resend(post: (msg: BatchMessage) => void): void {
    const all = this.unacked;
    for (let i = 0; i < all.length; i++) post(all[i]!);
  }

  stopTimer(): void {
    if (this.timer === null) return;
    this.timers.clearTimer(this.timer);
    this.timer = null;
  }
}
