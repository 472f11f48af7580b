/**
 * checkHealth: ok / degraded / critical with the reasons, from what the page
 * knows (where the store runs, what was dropped) and what the engine knows
 * (frame rate, error rate, alerts, anomalies).
 */
import type { AlertStatus } from './alerts';

export type HealthStatus = 'ok' | 'degraded' | 'critical';

export interface HealthReason {
  status: Exclude<HealthStatus, 'ok'>;
  /** A short key: storage, worker, behind, quota, unload, drops, input, internal, fps, errors, alert:<name>, anomalies. */
  what: string;
  message: string;
}

export interface HealthReport {
  status: HealthStatus;
  reasons: HealthReason[];
  /** ms, session time. */
  at: number;
}

export interface HealthInputs {
  at: number;
  storage: { thread: string | null; backend: string | null; ready: boolean; problems: string[] };
  /** How the store keeps up (the store client's liveness and the ring's totals). */
  store: {
    pending: number;
    /** ms since the last ack while entries are pending. */
    stalledMs: number;
    /** Acks stalled past the client's bound. */
    behind: boolean;
    /** Stores the watchdog declared dead (restarted or replaced). */
    deadStores: number;
    /** Entries evicted early because the quota was full, and entries it refused outright. */
    quotaEvicted: number;
    quotaRefused: number;
    quotaNotices: number;
    /** False when no storage takes the emergency log. */
    emergencyWritable: boolean;
  };
  /** `badInput`: the game's calls or values refused as bad input (the caller's fault, not ours). */
  counters: { dropped: number; droppedByStore: number; lostOnUnload: number; internalErrors: number; badInput: number };
  /** Parts of the agent that failed closed (the overlay), with why. */
  agent?: readonly string[];
  /** Frames per second now (null before frames). */
  fps: number | null;
  /** Share of agent calls that failed over the last 5 s (null without calls). */
  errorRate: number | null;
  alerts: readonly AlertStatus[];
  /** Anomalies found over the last minute. */
  recentAnomalies: number;
}

export function assessHealth(h: HealthInputs): HealthReport {
  const reasons: HealthReason[] = [];
  const add = (status: HealthReason['status'], what: string, message: string) => reasons.push({ status, what, message });

  if (!h.storage.ready) add('critical', 'storage', 'the store is not running: entries are kept in the page until the limit, then dropped');
  else if (h.storage.backend === 'memory') add('degraded', 'storage', 'IndexedDB is not available: the trace is kept in memory and will not survive a reload');
  if (h.storage.thread === 'main') {
    const why = h.store.deadStores > 0 ? 'its worker stopped answering' : (h.storage.problems[0] ?? 'no worker allowed here');
    add('degraded', 'worker', `the store runs on the main thread (${why}): it shares the game's thread`);
  } else if (h.store.deadStores > 0) {
    add('degraded', 'worker', `the store's worker stopped answering and was started again (${h.store.deadStores} time${h.store.deadStores > 1 ? 's' : ''})`);
  }
  if (h.store.behind) {
    // Stalled for seconds: whatever blocks it (another tab's transaction, a slow disk) is not passing.
    add(h.store.stalledMs >= 5_000 ? 'critical' : 'degraded', 'behind', `the store is behind: ${h.store.pending} entries waiting, no write acknowledged for ${(h.store.stalledMs / 1000).toFixed(1)} s`);
  }
  if (h.store.quotaNotices > 0 || h.store.quotaEvicted > 0 || h.store.quotaRefused > 0) {
    add('degraded', 'quota', `the storage quota is full: ${h.store.quotaEvicted} entries evicted early to make room, ${h.store.quotaRefused} refused`);
  }
  if (!h.store.emergencyWritable) add('degraded', 'unload', 'no storage takes the emergency log: a reload while entries are pending may lose them uncounted');
  const lost = h.counters.dropped + h.counters.droppedByStore + h.counters.lostOnUnload;
  if (lost > 0) add('degraded', 'drops', `${lost} entries dropped or lost (store behind ${h.counters.dropped}, refused ${h.counters.droppedByStore}, on unload ${h.counters.lostOnUnload})`);
  // The caller's bad input (a revoked Proxy, a wrong option): refused and counted, not a failure of the agent.
  if (h.counters.badInput > 0) add('degraded', 'input', `${h.counters.badInput} calls or values of the game refused as bad input (not stored; see the trace:rejected entries)`);
  if (h.counters.internalErrors > 0) add('degraded', 'internal', `${h.counters.internalErrors} failures inside the trace agent (the game was not affected)`);
  const agent = h.agent ?? [];
  for (let i = 0; i < agent.length; i++) add('degraded', 'overlay', agent[i]!);
  if (h.fps !== null && h.fps > 0) {
    if (h.fps < 20) add('critical', 'fps', `${h.fps.toFixed(0)} frames per second`);
    else if (h.fps < 45) add('degraded', 'fps', `${h.fps.toFixed(0)} frames per second`);
  }
  if (h.errorRate !== null) {
    if (h.errorRate >= 0.25) add('critical', 'errors', `${(h.errorRate * 100).toFixed(0)}% of agent calls failing`);
    else if (h.errorRate >= 0.05) add('degraded', 'errors', `${(h.errorRate * 100).toFixed(0)}% of agent calls failing`);
  }
  for (const a of h.alerts) {
    if (a.state === 'firing') add(a.severity === 'critical' ? 'critical' : 'degraded', `alert:${a.name}`, a.summary);
  }
  if (h.recentAnomalies > 0) add('degraded', 'anomalies', `${h.recentAnomalies} anomalies in the last minute`);

  const status: HealthStatus = reasons.some((r) => r.status === 'critical') ? 'critical' : reasons.length > 0 ? 'degraded' : 'ok';
  return { status, reasons, at: h.at };
}
