/**
 * The client's request/reply: questions to the store (a query, an export,
 * the analytics) and the waiters of flush(), each with a bound, so that no
 * promise of ours waits forever. A reply carries its operation
 * (protocol.ts), so each question is answered with its own result type.
 */
import { filter, mapForEach, push } from '../core/builtins';
import { describeError, TraceError } from '../core/errors';
import { isReplyTo, type ProgressMessage, type ReplyMessage, type RequestMessage, type RequestOp, type StoreRequests } from './protocol';
import type { StoreTimers } from './timers';

interface Question {
  msg: RequestMessage;
  /** Settles the caller's promise with the reply (typed for its operation where it was asked). */
  answer: (reply: ReplyMessage) => void;
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

export class Requests {
  private readonly questions = new Map<number, Question>();
  private nextId = 1;
  private flushWaiters: FlushWaiter[] = [];

  constructor(private readonly timers: Pick<StoreTimers, 'setTimer' | 'clearTimer'>) {}

  /** Questions not answered yet. */
  get size(): number {
    return this.questions.size;
  }

  /**
   * A question to the store, posted with `post`; rejected when not answered
   * within `timeoutMs` (an export: without progress for that long).
   */
  ask<K extends RequestOp>(
    op: K,
    params: StoreRequests[K]['params'],
    post: (msg: RequestMessage) => void,
    timeoutMs: number,
    onProgress?: (done: number, total: number) => void,
  ): Promise<StoreRequests[K]['result']> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const msg = { type: 'request', id, op, params } as RequestMessage; // the union of requests cannot be built from a generic K
      const answer = (reply: ReplyMessage) => {
        if (isReplyTo(reply, op)) resolve(reply.result);
        else reject(new TraceError('STORE_FAILED', reply.ok ? `the store answered ${op} as ${reply.op}` : reply.error));
      };
      const q: Question = { msg, answer, reject, onProgress, timeoutMs, timer: null };
      this.questions.set(id, q);
      this.arm(id, q);
      post(msg);
    });
  }

  /** Every question not answered yet, to a new store (the captured forEach: the page may have broken Map iterators). */
  resend(post: (msg: RequestMessage) => void): void {
    mapForEach(this.questions, (q) => post(q.msg));
  }

  reply(msg: ReplyMessage): void {
    const q = this.questions.get(msg.id);
    if (!q) return;
    this.questions.delete(msg.id);
    if (q.timer !== null) this.timers.clearTimer(q.timer);
    q.answer(msg);
  }

  progress(msg: ProgressMessage): void {
    const q = this.questions.get(msg.id);
    if (!q) return;
    this.arm(msg.id, q); // an export that moves is not stuck
    q.onProgress?.(msg.done, msg.total);
  }

  /** A question whose parameters cannot be sent (DataCloneError): that question alone is refused. */
  refuse(msg: RequestMessage, err: unknown): void {
    const q = this.questions.get(msg.id);
    this.questions.delete(msg.id);
    if (q?.timer != null) this.timers.clearTimer(q.timer);
    q?.reject(new TraceError('INVALID_OPTION', `${msg.op}: its parameters cannot be sent to the store (${describeError(err)})`));
  }

  /** Resolves once `done(upTo)` says so (see `settleFlushes`); rejects after `timeoutMs` with `why()`. */
  waitFlush(upTo: number, timeoutMs: number, why: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const w: FlushWaiter = {
        upTo,
        resolve,
        reject,
        timer: this.timers.setTimer(() => {
          this.flushWaiters = filter(this.flushWaiters, (x) => x !== w);
          reject(new TraceError('STORE_FAILED', why()));
        }, timeoutMs),
      };
      push(this.flushWaiters, w);
    });
  }

  /** After an ack: the flush waiters whose entries are all stored resolve. */
  settleFlushes(stillWaiting: (upTo: number) => boolean): void {
    if (this.flushWaiters.length === 0) return;
    const still: FlushWaiter[] = [];
    for (let i = 0; i < this.flushWaiters.length; i++) {
      const w = this.flushWaiters[i]!;
      if (stillWaiting(w.upTo)) push(still, w);
      else {
        this.timers.clearTimer(w.timer);
        w.resolve();
      }
    }
    this.flushWaiters = still;
  }

  /** No store is left (or the agent is destroyed): every question and waiter is rejected. */
  rejectAll(err: TraceError): void {
    mapForEach(this.questions, (q) => {
      if (q.timer !== null) this.timers.clearTimer(q.timer);
      q.reject(err);
    });
    this.questions.clear();
    for (let i = 0; i < this.flushWaiters.length; i++) {
      const w = this.flushWaiters[i]!;
      this.timers.clearTimer(w.timer);
      w.reject(err);
    }
    this.flushWaiters = [];
  }

  /** (Re)starts the bound of a question: from now, `timeoutMs` to answer (or to say progress). */
  private arm(id: number, q: Question): void {
    if (q.timer !== null) this.timers.clearTimer(q.timer);
    q.timer = this.timers.setTimer(() => {
      if (this.questions.get(id) !== q) return;
      this.questions.delete(id);
      q.reject(new TraceError('STORE_FAILED', `the store did not answer ${q.msg.op} within ${q.timeoutMs} ms`));
    }, q.timeoutMs);
  }
}
