/**
 * The overlay and its data source: what the panels read (snapshots, the
 * log's pages, the analytics) and do (download, pause, clear). The overlay
 * fails closed on its own (src/overlay/mount.tsx); its fault is counted and
 * said in the trace, and health says why it was closed.
 */
import type { TraceCore } from '../core/agent';
import { errorMessage } from '../core/errors';
import { loadTraceOpener } from './open-loader';
import type { FrameLoop } from '../hooks/frame-loop';
import type { SystemEvents } from '../hooks/system';
import type { OverlayHandle } from '../overlay/mount';
import type { OpenedFile, OverlaySnapshot, OverlaySource } from '../overlay/source';
import type { TraceFile } from '../export/trace-json';
import type { StoreClient } from '../store/client';
import type { Attachments } from './attach';
import { LazyOverlay } from './lazy-overlay';
import { loadOverlay } from './overlay-loader';
import type { AgentCounters } from './counters';
import type { TraceExport } from './export';
import type { AgentSetup } from './options';
import type { QuotaEstimate } from './page-metrics';
import type { Recording } from './recording';
import type { TraceAgent } from './types';

export interface OverlayParts {
  core: TraceCore;
  client: StoreClient;
  recording: Recording;
  counters: AgentCounters;
  attachments: Attachments;
  frames: FrameLoop;
  system: SystemEvents;
  quota: QuotaEstimate;
  exports: TraceExport;
  setup: AgentSetup;
  /** The agent's API, for the analytics panels (what the game would ask). */
  agent: () => TraceAgent;
}

export class OverlayPart {
  handle: OverlayHandle | null = null;
  /** Why the overlay was taken down, for health. */
  problem: string | null = null;

  /** The last trace the game opened (or why it could not), and whom to tell of the next (the mounted overlay). */
  private opened: OpenedFile | { problem: string } | null = null;
  private readonly viewers = new Set<(opened: OpenedFile | { problem: string }) => void>();

  constructor(private readonly p: OverlayParts) {}

  /** A trace the game opened (openTrace()): shown in the overlay, opened for it; resolves to the trace. */
  show(file: OpenedFile): TraceFile {
    this.tell(file);
    return file.trace;
  }

  /** A trace the game could not open: the overlay says why (and keeps what it showed). */
  showProblem(problem: string): void {
    this.tell({ problem });
  }

  private tell(opened: OpenedFile | { problem: string }): void {
    this.opened = opened;
    for (const v of this.viewers) {
      try {
        v(opened);
      } catch (err) {
        console.warn('[trace-agent] the overlay could not show the trace:', errorMessage(err));
      }
    }
    this.handle?.open();
  }

  /** The overlay's hotkey now, its code when first opened (lazy-overlay.ts; a failure is only a warning: the trace goes on); returns the stop. */
  start(open: boolean): () => void {
    const { core } = this.p;
    const onFault = (reason: string) => {
      this.problem = `the overlay failed and was closed for this page: ${reason}`;
      core.counters.internalErrors++;
      core.emit({ kind: 'system', type: 'overlay:failed', level: 'warn', source: 'trace-agent', data: { reason } });
    };
    try {
      this.handle = new LazyOverlay(this.source(), { hotkey: this.p.setup.hotkey, onFault }, loadOverlay);
      if (open) this.handle.open();
    } catch (err) {
      console.warn('[trace-agent] the overlay could not be shown:', errorMessage(err));
    }
    return () => this.handle?.destroy();
  }

  private source(): OverlaySource {
    const { core, client, recording, counters, frames, system, quota, exports, setup, attachments } = this.p;
    const agent = this.p.agent;
    const progress = (o: { onProgress?: (p: { done: number; total: number }) => void }) => o.onProgress && ((done: number, total: number) => o.onProgress!({ done, total }));
    return {
      snapshot: (): OverlaySnapshot => {
        quota.refresh(); // only while the overlay asks
        return {
          sessionId: core.sessionId,
          elapsed: core.elapsed(),
          counters: counters.counters(),
          pending: client.pending,
          fps: frames.fps(),
          frame: core.frame,
          capacity: setup.config.capacity,
          store: client.status,
          hookProblems: attachments.problems,
          unsupported: system.unsupported,
          paused: recording.paused,
          analytics: setup.config.analytics !== false && client.status.thread === 'worker',
          quota: quota.value,
        };
      },
      tail: async (limit) => (await client.request('query', { sessionId: core.sessionId, limit })).entries.reverse(),
      query: (q) => agent().query(q),
      stats: () => agent().generateStats(),
      trends: (timeframe) => agent().analyzeTrends(timeframe),
      patterns: (timeframe) => agent().analyzePatterns(timeframe),
      anomalies: () => agent().detectAnomalies(),
      alerts: () => agent().alerts(),
      health: () => agent().checkHealth(),
      pins: () => agent().pins(),
      pin: (lastMs) => agent().pin(lastMs),
      unpin: (id) => agent().unpin(id),
      download: (o = {}) => agent().download({ gzip: o.gzip, onProgress: progress(o) }),
      downloadChromeTrace: (o = {}) => exports.download({ format: 'chrome', onProgress: progress(o) }),
      openTraceFile: async (file) => (await (await loadTraceOpener())(file)).trace,
      onTraceOpened: (show) => {
        this.viewers.add(show);
        if (this.opened) show(this.opened);
        return () => this.viewers.delete(show);
      },
      setPaused: (p) => recording.setPaused(core, p),
      async clear() {
        await client.flush();
        await client.request('deleteSession', { sessionId: core.sessionId });
      },
    };
  }
}
