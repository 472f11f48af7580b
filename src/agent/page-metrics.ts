/**
 * What only the page knows: once a second its drops and heap go to the
 * analytics engine (the store's worker), and, for the overlay's health tab,
 * the origin's storage use, asked for only while the overlay reads
 * snapshots, at most every 10 s (estimate() is not free).
 */
import type { TraceCore } from '../core/agent';
import { clearRepeat, setRepeat, settle } from '../core/builtins';
import type { OverlaySnapshot } from '../overlay/source';
import type { StoreClient } from '../store/client';

/** performance.memory (Chromium), read afresh each time: a MemoryInfo holds the figures of when it was read. */
function heapMb(): number | null {
  const m = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return m ? Math.round(m.usedJSHeapSize / 1e5) / 10 : null;
}

/** Sends the page's metrics once a second; returns the stop. */
export function sendPageMetrics(client: StoreClient): () => void {
  const timer = setRepeat(() => {
    const c = client.counters;
    // This page's own drops (an earlier page's losses are not this session's health).
    client.sendMetrics(c.droppedBackpressure + c.droppedStore, heapMb());
  }, 1_000);
  return () => clearRepeat(timer);
}

/** The origin's storage use, refreshed now and then while asked for. */
export class QuotaEstimate {
  value: OverlaySnapshot['quota'] = null;
  private at = -Infinity;

  constructor(
    private readonly core: TraceCore,
    private readonly inPage: boolean,
  ) {}

  refresh(): void {
    const t = this.core.elapsed();
    if (t - this.at < 10_000) return;
    this.at = t;
    const storage = this.inPage ? navigator.storage : undefined;
    if (typeof storage?.estimate !== 'function') return;
    settle(storage.estimate(), (e) => (this.value = { usage: e.usage ?? 0, quota: e.quota ?? 0 }));
  }
}
