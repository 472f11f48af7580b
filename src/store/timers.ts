/**
 * The store client's timers, captured when a client is made (`captureTimers`):
 * a page that replaces setTimeout or setInterval later does not stop the
 * batches, the watchdog or the bounds of its questions. One type for the
 * parts of the client that take them (batcher.ts, requests.ts, failover.ts).
 */
export interface StoreTimers {
  setTimer: typeof setTimeout;
  clearTimer: typeof clearTimeout;
  setRepeat: typeof setInterval;
  clearRepeat: typeof clearInterval;
}

/** The page's timers as they are now. */
export function captureTimers(): StoreTimers {
  return {
    setTimer: setTimeout.bind(globalThis) as typeof setTimeout,
    clearTimer: clearTimeout.bind(globalThis) as typeof clearTimeout,
    setRepeat: setInterval.bind(globalThis) as typeof setInterval,
    clearRepeat: clearInterval.bind(globalThis) as typeof clearInterval,
  };
}
