/**
 * Anomalies: each firing, pending or recently resolved alert and each anomaly
 * (newest first) as a card: severity, what, when, the value against what was
 * expected, the reason, who (the methods named and their share), and a link
 * to the entries in the log.
 */
import { useState } from 'preact/hooks';
import type { AlertRule, AlertStatus } from '../../analytics/alerts';
import type { Anomaly } from '../../analytics/engine';
import type { Culprit } from '../../analytics/culprits';
import { errorMessage } from '../../core/errors';
import { formatDuration, formatPercent, formatSeconds } from '../format';
import type { OverlaySource } from '../source';
import { type LogFocus, type OverlayState } from '../state';
import { useEngine } from './use-engine';
import { all } from '../../core/builtins';

/** Resolved alerts stay on the tab this long (ms of session time). */
export const RECENT_MS = 5 * 60_000;

const METRIC_NAMES: Record<string, string> = {
  frameTime: 'frame time p95',
  eventRate: 'events per second',
  errorRate: 'agent-call error rate',
  memory: 'JS heap',
  latency: 'latency p95',
  fps: 'frames per second',
  frameTimeP95: 'frame time p95',
  errorsPerSecond: 'error entries per second',
  latencyP95: 'agent-call latency p95',
  dropped: 'dropped entries',
  memoryMb: 'JS heap',
  callRate: 'calls per second',
  hitches: 'frames over the hitch threshold',
  stateChangesPerSecond: 'state changes per second',
  activeLoops: 'loops going',
};

export function metricName(metric: string): string {
  return METRIC_NAMES[metric] ?? metric;
}

/** A metric's value as text with its unit. */
export function metricValue(metric: string, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  switch (metric) {
    case 'frameTime':
    case 'frameTimeP95':
    case 'latency':
    case 'latencyP95':
      return formatDuration(v);
    case 'errorRate':
      return formatPercent(v);
    case 'eventRate':
    case 'errorsPerSecond':
    case 'callRate':
    case 'stateChangesPerSecond':
      return `${v.toFixed(v >= 100 ? 0 : 1)}/s`;
    case 'memory':
    case 'memoryMb':
      return `${v.toFixed(1)} MB`;
    case 'fps':
      return `${v.toFixed(0)} fps`;
    case 'hitches':
    case 'activeLoops':
    case 'dropped':
      return String(Math.round(v));
    default:
      return String(Math.round(v * 1000) / 1000);
  }
}

/** Alerts worth a card: firing, pending, or resolved within RECENT_MS of `now`. */
export function shownAlerts(statuses: readonly AlertStatus[], now: number): AlertStatus[] {
  const order = { firing: 0, pending: 1, resolved: 2, inactive: 3 } as const;
  return statuses
    .filter((a) => a.state === 'firing' || a.state === 'pending' || (a.state === 'resolved' && a.resolvedAt !== null && now - a.resolvedAt <= RECENT_MS))
    .sort((a, b) => order[a.state] - order[b.state] || (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) || a.name.localeCompare(b.name));
}

export function ruleText(r: AlertRule): string {
  const parts = [`${r.metric} ${r.op} ${r.threshold}`];
  if (r.forMs) parts.push(`for ${r.forMs / 1000} s`);
  if (r.clearAt !== undefined) parts.push(`clears at ${r.clearAt}`);
  if (r.keepFiringForMs) parts.push(`keeps firing ${r.keepFiringForMs / 1000} s`);
  return parts.join(', ');
}

export function AnomaliesTab({ source, state }: { source: OverlaySource; state: OverlayState }) {
  const { data, problem } = useEngine(state, 'analytics are off (they run in the store\'s worker), so nothing watches for anomalies', () =>
    all([source.anomalies(), source.alerts()] as const),
  );
  const [anomalies, alerts] = data ?? [null, null];
  const [linkProblem, setLinkProblem] = useState<string | null>(null);

  const jump = (focus: LogFocus) => {
    state.file.value = null; // a link into the live session leaves a file being viewed
    state.focus.value = focus;
    state.tab.value = 'log';
  };

  /** An alert's entries: from when its condition began to when it resolved (or now), found by the store's time query. */
  const jumpToAlert = async (a: AlertStatus) => {
    setLinkProblem(null);
    const fromTs = a.activeAt ?? a.firedAt ?? 0;
    const toTs = a.resolvedAt ?? state.snap.peek().elapsed;
    try {
      const both = await all([
        source.query({ fromTs, toTs, order: 'oldest', limit: 1 }),
        source.query({ fromTs, toTs, order: 'newest', limit: 1 }),
      ] as const);
      const first = both[0];
      const last = both[1];
      const f = first.entries[0];
      const l = last.entries[0];
      if (!f || !l) {
        setLinkProblem(`No stored entries between ${formatSeconds(fromTs)} and ${formatSeconds(toTs)} (evicted or cleared).`);
        return;
      }
      jump({ seqFrom: f.seq, seqTo: l.seq, label: `alert ${a.name}` });
    } catch (err) {
      setLinkProblem(errorMessage(err));
    }
  };

  const now = state.snap.value.elapsed;
  const cards = alerts ? shownAlerts(alerts.statuses, now) : [];
  const rules = new Map((alerts?.rules ?? []).map((r) => [r.name, r]));
  const list = anomalies?.anomalies ?? [];

  return (
    <div class="anomalies">
      {problem && (
        <div class="analytics-off" role="status">
          {problem}
        </div>
      )}
      {linkProblem && <div class="problems">⚠ {linkProblem}</div>}
      {anomalies && alerts && cards.length === 0 && list.length === 0 && (
        <div class="empty">
          No anomalies and no alerts. The detectors learn what is normal for 30 seconds first (one point a second per metric), then flag what departs from it; alert rules are on the Health tab.
        </div>
      )}
      {cards.map((a) => (
        <AlertCard key={a.name} a={a} rule={rules.get(a.name)} onShow={() => void jumpToAlert(a)} />
      ))}
      {list.length > 0 && (
        <div class="dim count">
          {list.length < (anomalies?.total ?? 0) ? `the newest ${list.length} of ${anomalies!.total} anomalies` : `${list.length} ${list.length === 1 ? 'anomaly' : 'anomalies'}`}
        </div>
      )}
      {list.map((an) => (
        <AnomalyCard key={an.id} a={an} onShow={() => jump({ seqFrom: an.seqFrom, seqTo: an.seqTo, label: `anomaly: ${metricName(an.metric)}${an.agent ? ` of ${an.agent}` : ''} at ${formatSeconds(an.from)}` })} />
      ))}
    </div>
  );
}

export function AnomalyCard({ a, onShow }: { a: Anomaly; onShow: () => void }) {
  const hasSeqs = a.seqFrom > 0 && a.seqTo >= a.seqFrom;
  return (
    <article class={`card ${a.severity}`} aria-label={`${a.severity} anomaly: ${metricName(a.metric)}`}>
      <div class="card-head">
        <span class={`sev ${a.severity}`}>{a.severity}</span>
        <span class="what">
          {metricName(a.metric)}
          {a.agent && <span class="agent"> · {a.agent}</span>}
        </span>
        <span class="kind-tag">{a.kind}</span>
        <span class="when">
          {formatSeconds(a.from)}–{formatSeconds(a.to)}
        </span>
      </div>
      <div class="card-value">
        <b>{metricValue(a.metric, a.value)}</b> where {metricValue(a.metric, a.expected)} is expected (normal {metricValue(a.metric, a.low)} – {metricValue(a.metric, a.high)}), z {a.z.toFixed(1)}
      </div>
      <div class="card-reason">{a.reason}</div>
      {a.culprits && a.culprits.length > 0 && <div class="card-who">who: {a.culprits.map((c) => culpritText(a.metric, c)).join(' · ')}</div>}
      <button type="button" class="link show-entries" disabled={!hasSeqs} onClick={onShow} title={hasSeqs ? `entries #${a.seqFrom}–#${a.seqTo}` : 'no entries recorded for that second'}>
        show entries{hasSeqs ? ` #${a.seqFrom}–#${a.seqTo}` : ''}
      </button>
    </article>
  );
}

/** One named method and its share of what went wrong, as text. */
export function culpritText(metric: string, c: Culprit): string {
  switch (metric) {
    case 'errorRate':
      return `${c.name} (${formatPercent(c.share)} of the failed calls, ${c.calls})`;
    case 'latency':
      return `${c.name} (${formatPercent(c.share)} of the time in agent calls, ${c.calls} calls)`;
    case 'frameTime':
      return `${c.name} (${formatDuration(c.ms ?? 0)}${c.frame !== undefined ? ` in frame ${c.frame}` : ''}, ${formatPercent(c.share)} of the frame time)`;
    default:
      return c.name;
  }
}

export function AlertCard({ a, rule, onShow }: { a: AlertStatus; rule: AlertRule | undefined; onShow: () => void }) {
  const when =
    a.state === 'resolved'
      ? `resolved at ${formatSeconds(a.resolvedAt ?? 0)}`
      : a.state === 'firing'
        ? `firing since ${formatSeconds(a.firedAt ?? a.activeAt ?? 0)}`
        : `pending since ${formatSeconds(a.activeAt ?? 0)}`;
  return (
    <article class={`card alert ${a.state} ${a.severity}`} aria-label={`${a.state} alert ${a.name}`}>
      <div class="card-head">
        <span class={`sev ${a.severity}`}>{a.severity}</span>
        <span class="what">alert {a.name}</span>
        <span class={`state-tag ${a.state}`}>{a.state}</span>
        <span class="when">{when}</span>
      </div>
      <div class="card-value">
        {rule ? (
          <>
            {metricName(rule.metric)} <b>{metricValue(rule.metric, a.value)}</b> against {rule.op} {metricValue(rule.metric, rule.threshold)}
          </>
        ) : (
          a.value !== null && <b>{a.value}</b>
        )}
        {a.fired > 0 && <span class="dim"> · fired {a.fired}×</span>}
        {a.origin === 'game' && <span class="dim"> · from the game</span>}
      </div>
      <div class="card-reason">{a.summary}</div>
      <button type="button" class="link show-entries" onClick={onShow}>
        show entries
      </button>
    </article>
  );
}
