import { describe, expect, it } from 'vitest';
import type { RequestMessage } from '../../../src/store/protocol';
import { Requests } from '../../../src/store/requests';

/** Timers and a clock moved by hand: `advance(ms)` runs what comes due, in order, with the clock at each one's time. */
function fakeTime() {
  let t = 1000;
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const stats = { set: 0, cleared: 0 };
  const timers = {
    setTimer: ((fn: () => void, ms: number) => {
      stats.set++;
      const id = nextId++;
      pending.set(id, { at: t + Math.max(0, ms || 0), fn });
      return id;
    }) as unknown as typeof setTimeout,
    clearTimer: ((id: number) => {
      if (pending.delete(id)) stats.cleared++;
    }) as unknown as typeof clearTimeout,
  };
  /** `moveClock: false`: the timers fire but the clock stays (a clock that lags the timers). */
  const advance = (ms: number, moveClock = true) => {
    const end = t + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | null = null;
      for (const e of pending) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      pending.delete(first[0]);
      if (moveClock) t = Math.max(t, first[1].at);
      first[1].fn();
    }
    if (moveClock) t = end;
  };
  return { timers, clock: () => t, advance, stats, pending };
}

/** A question whose outcome is read without awaiting: 'open', 'answered' or the rejection's message. */
function ask(r: Requests, timeoutMs: number, sent: RequestMessage[] = []) {
  const out = { state: 'open' as string, id: 0 };
  r.ask('sessions', {}, (m) => {
    out.id = m.id;
    sent.push(m);
  }, timeoutMs).then(
    () => (out.state = 'answered'),
    (e: Error) => (out.state = e.message),
  );
  return out;
}
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the store client’s question bounds (one timer for all)', () => {
  it('rejects every question at its own bound, not before, with one timer set for many questions', async () => {
    const f = fakeTime();
    const r = new Requests(f.timers, f.clock);
    const qs = Array.from({ length: 50 }, () => ask(r, 100));
    expect(f.stats.set).toBe(1);
    f.advance(99);
    await settle();
    expect(qs.every((q) => q.state === 'open')).toBe(true);
    f.advance(1);
    await settle();
    for (const q of qs) expect(q.state).toBe('the store did not answer sessions within 100 ms');
    expect(r.size).toBe(0);
    expect(f.pending.size).toBe(0); // nothing left armed
  });

  it('moves the timer earlier for a shorter bound, and on to the next deadline after each', async () => {
    const f = fakeTime();
    const r = new Requests(f.timers, f.clock);
    const long = ask(r, 300);
    f.advance(50);
    const short = ask(r, 30); // due at 80, before the long one's 300
    const mid = ask(r, 200); // due at 250
    f.advance(30);
    await settle();
    expect([long.state, short.state, mid.state]).toEqual(['open', 'the store did not answer sessions within 30 ms', 'open']);
    f.advance(169);
    await settle();
    expect(mid.state).toBe('open');
    f.advance(1);
    await settle();
    expect(mid.state).toBe('the store did not answer sessions within 200 ms');
    expect(long.state).toBe('open');
    f.advance(50);
    await settle();
    expect(long.state).toBe('the store did not answer sessions within 300 ms');
  });

  it('answers what is answered, restarts the bound on progress, and leaves no question waiting', async () => {
    const f = fakeTime();
    const r = new Requests(f.timers, f.clock);
    const a = ask(r, 100);
    const b = ask(r, 100);
    r.reply({ type: 'reply', id: a.id, op: 'sessions', ok: true, result: [] });
    f.advance(60);
    r.progress({ type: 'progress', id: b.id, done: 1, total: 2 });
    f.advance(60); // 120 since asked, 60 since its progress
    await settle();
    expect([a.state, b.state]).toEqual(['answered', 'open']);
    f.advance(40);
    await settle();
    expect(b.state).toBe('the store did not answer sessions within 100 ms');
    expect(r.size).toBe(0);
  });

  it('rejects what was due when the timer fires though the clock has not moved (a clock that lags), and a NaN bound at once', async () => {
    const f = fakeTime();
    const r = new Requests(f.timers, f.clock);
    const q = ask(r, 100);
    f.advance(100, false);
    await settle();
    expect(q.state).toBe('the store did not answer sessions within 100 ms');
    const nan = ask(r, NaN);
    f.advance(0);
    await settle();
    expect(nan.state).toBe('the store did not answer sessions within NaN ms');
  });

  it('rejects every question on rejectAll and stops its timer', async () => {
    const f = fakeTime();
    const r = new Requests(f.timers, f.clock);
    const qs = [ask(r, 100), ask(r, 200)];
    r.rejectAll(new Error('gone') as never);
    await settle();
    expect(qs.map((q) => q.state)).toEqual(['gone', 'gone']);
    expect(f.pending.size).toBe(0);
  });
});
