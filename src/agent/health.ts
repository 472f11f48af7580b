/**
 * checkHealth(): ok / degraded / critical, with the reasons (analytics/health.ts
 * decides). The frame rate is the page's own; the error rate, alerts and
 * recent anomalies come from the engine when it runs, asked within a bound:
 * past it, health answers from what the page knows.
 */
import type { TraceCore } from '../core/agent';
import { all } from '../core/builtins';
import type { AlertStatus } from '../analytics/alerts';
import { assessHealth, type HealthReport } from '../analytics/health';
import type { FrameLoop } from '../hooks/frame-loop';
import type { StoreClient } from '../store/client';
import type { AgentCounters } from './counters';
import type { AgentSetup } from './options';

const HEALTH_ASK_MS = 3_000;

export async function checkHealth(core: TraceCore, client: StoreClient, counters: AgentCounters, frames: FrameLoop, setup: AgentSetup, agentProblem: string | null): Promise<HealthReport> {
  const c = counters.counters();
  const engine: { fps: number | null; errorRate: number | null; alerts: AlertStatus[]; recent: number } = { fps: frames.fps() || null, errorRate: null, alerts: [], recent: 0 };
  if (setup.config.analytics !== false && client.status.ready) {
    try {
      const both = await all([
        client.request('alerts', {}, undefined, HEALTH_ASK_MS),
        client.request('anomalies', { sinceMs: core.elapsed() - 60_000 }, undefined, HEALTH_ASK_MS),
      ] as const);
      const alerts = both[0];
      const anomalies = both[1];
      engine.errorRate = alerts.metrics['errorRate'] ?? null;
      engine.alerts = alerts.statuses;
      engine.recent = anomalies.anomalies.length;
    } catch {
      /* the engine is off or the store is down: health says the rest */
    }
  }
  const live = client.liveness();
  return assessHealth({
    at: core.elapsed(),
    storage: { thread: client.status.thread, backend: client.status.backend, ready: client.status.ready, problems: client.status.problems },
    store: {
      pending: live.pending,
      stalledMs: live.stalledMs,
      behind: live.behind,
      deadStores: live.deadStores,
      quotaEvicted: client.status.totals.quotaEvicted,
      quotaRefused: live.quota.refused,
      quotaNotices: live.quota.notices,
      emergencyWritable: live.emergencyWritable,
    },
    // Bad input: calls refused by validation (the game's, not the agent's failure).
    counters: { dropped: c.dropped, droppedByStore: c.droppedByStore, lostOnUnload: c.lostOnUnload, internalErrors: c.internalErrors, badInput: c.rejected },
    agent: agentProblem === null ? [] : [agentProblem],
    fps: engine.fps,
    errorRate: engine.errorRate,
    alerts: engine.alerts,
    recentAnomalies: engine.recent,
  });
}
