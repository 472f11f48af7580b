/**
 * The client's request/reply: questions to the store (a query, an export,
 * the analytics) and the waiters of flush(), each with a bound, so that no
 * promise of ours waits forever. A reply carries its operation
 * (protocol.ts), so each question is answered with its own result type.
 *
 * The questions' bounds share one timer, set for the earliest deadline: the
 * overlay asks several questions 4 times a second, and a timer set and
 * cleared per question cost more than the question's own work.
 */
import { filter, mapForEach, push } from '../core/builtins';
import { now } from '../core/clock';
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
  /** When it is rejected unanswered (ms of `clock`). */
  deadline: number;
}

/** The longest delay a timer takes (larger ones fire at once). */
const MAX_DELAY = 0x7fffffff;

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
  /** The one timer of the questions' bounds, and when it fires (Infinity: none set). */
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly timers: Pick<StoreTimers, 'setTimer' | 'clearTimer'>,
    private readonly clock: () => number = now,
  ) {}

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
      const q: Question = { msg, answer, reject, onProgress, timeoutMs, deadline: 0 };
      this.questions.set(id, q);
      this.arm(q);
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
    this.questions.delete(msg.id); // its deadline passes unseen: the timer, when it fires, finds it gone
    q.answer(msg);
  }

  progress(msg: ProgressMessage): void {
    const q = this.questions.get(msg.id);
    if (!q) return;
    this.arm(q); // an export that moves is not stuck
    q.onProgress?.(msg.done, msg.total);
  }

  /** A question whose parameters cannot be sent (DataCloneError): that question alone is refused. */
  refuse(msg: RequestMessage, err: unknown): void {
    const q = this.questions.get(msg.id);
    this.questions.delete(msg.id);
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
    mapForEach(this.questions, (q) => q.reject(err));
    this.questions.clear();
    this.wake(Infinity);
    for (let i = 0; i < this.flushWaiters.length; i++) {
      const w = this.flushWaiters[i]!;
      this.timers.clearTimer(w.timer);
      w.reject(err);
    }
    this.flushWaiters = [];
  }

  /** (Re)starts the bound of a question: from now, `timeoutMs` to answer (or to say progress). */
  private arm(q: Question): void {
    // As setTimeout takes it: NaN or below 0 is 0, past its range its largest.
    q.deadline = this.clock() + (q.timeoutMs > 0 ? Math.min(q.timeoutMs, MAX_DELAY) : 0);
    if (q.deadline < this.timerAt) this.wake(q.deadline);
  }

  /** The timer set for `at` (ms of the clock), or none for Infinity. */
  private wake(at: number): void {
    if (this.timer !== null) this.timers.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    if (at === Infinity) return;
    const delay = Math.max(0, Math.min(MAX_DELAY, at - this.clock()));
    this.timerAt = this.clock() + delay;
    this.timer = this.timers.setTimer(() => this.expire(), delay);
  }

  /** The timer fired: the questions past their deadline are rejected, and it is set for the next. */
  private expire(): void {
    // Its time has come, whatever the clock says: a timer that fires on time with a clock
    // that lags (or was set back) still rejects what was due, so nothing waits forever.
    const t = Math.max(this.clock(), this.timerAt);
    this.timer = null;
    this.timerAt = Infinity;
    const due: [number, Question][] = [];
    let next = Infinity;
    mapForEach(this.questions, (q, id) => {
      if (q.deadline <= t) push(due, [id, q]);
      else next = Math.min(next, q.deadline);
    });
    for (let i = 0; i < due.length; i++) {
      const [id, q] = due[i]!;
      this.questions.delete(id);
      q.reject(new TraceError('STORE_FAILED', `the store did not answer ${q.msg.op} within ${q.timeoutMs} ms`));
    }
    this.wake(next);
  }
}
