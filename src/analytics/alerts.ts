/**
 * Alert rules over metrics, as Prometheus runs them: a condition must hold
 * for `forMs` before the alert fires (pending → firing), and a firing alert
 * stays firing for `keepFiringForMs` after the condition clears, and clears
 * only past `clearAt` (hysteresis), so a metric hovering at the threshold
 * does not flap. The game's own alerts (`trigger`) fire at once.
 */

export type AlertOp = '>' | '>=' | '<' | '<=';
export type Severity = 'warning' | 'critical';
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface AlertRule {
  name: string;
  /** A metric the engine computes each second: see METRICS. */
  metric: string;
  op: AlertOp;
  threshold: number;
  /** The condition must hold this long before the alert fires (ms); default 0. */
  forMs?: number;
  /** A firing alert stays firing this long after the condition clears (ms); default 0. */
  keepFiringForMs?: number;
  /** A firing alert clears only when the metric is past this value (default: the threshold). */
  clearAt?: number;
  severity?: Severity;
  /** Shown with the alert; default says the metric, the operator and the threshold. */
  summary?: string;
}

export interface AlertStatus {
  name: string;
  state: AlertState;
  severity: Severity;
  summary: string;
  /** The metric's value at the last evaluation (null for the game's own alerts). */
  value: number | null;
  /** When the condition started to hold (ms, session time). */
  activeAt: number | null;
  firedAt: number | null;
  resolvedAt: number | null;
  /** Times this alert fired. */
  fired: number;
  /** 'rule' or 'game' (from triggerAlert). */
  origin: 'rule' | 'game';
}

export interface AlertTransition {
  name: string;
  to: 'firing' | 'resolved';
  severity: Severity;
  summary: string;
  value: number | null;
  at: number;
}

/** What a game passes to triggerAlert: its own alert, fired now. */
export interface GameAlert {
  name: string;
  severity?: Severity;
  message?: string;
  /** It resolves by itself after this long (ms); default 30 s. `resolve: true` resolves it now. */
  durationMs?: number;
  resolve?: boolean;
}

/** Metrics the engine offers to rules (per second, computed over the last seconds). */
export const METRICS = {
  fps: 'frames per second over the last second',
  frameTimeP95: 'frame time p95 (ms) over the last 5 s',
  eventRate: 'entries per second over the last 5 s',
  errorRate: 'share of agent calls that failed over the last 5 s (0..1)',
  errorsPerSecond: 'error entries per second over the last 10 s',
  latencyP95: 'agent-call latency p95 (ms) over the last 10 s, all methods',
  dropped: 'entries dropped so far (store behind, refused, lost)',
  memoryMb: 'JS heap in MB, where the browser reports it',
  hitches: 'frames over the hitch threshold (frames.hitchMs, default 50 ms) in the last 5 s',
  stateChangesPerSecond: 'state entries per second over the last 5 s',
  activeLoops: 'loops still going (an agent calling itself, A-B-A-B, the same call or error again and again)',
} as const;

/** The rules that run unless replaced; thresholds can be changed by name (`thresholds`). */
export const DEFAULT_RULES: readonly AlertRule[] = [
  { name: 'low-fps', metric: 'fps', op: '<', threshold: 30, clearAt: 35, forMs: 3_000, keepFiringForMs: 2_000, severity: 'warning' },
  { name: 'slow-frames', metric: 'frameTimeP95', op: '>', threshold: 50, clearAt: 40, forMs: 5_000, severity: 'warning' },
  { name: 'error-rate', metric: 'errorRate', op: '>', threshold: 0.05, clearAt: 0.02, forMs: 2_000, keepFiringForMs: 5_000, severity: 'critical' },
  { name: 'event-flood', metric: 'eventRate', op: '>', threshold: 5_000, clearAt: 3_000, forMs: 2_000, severity: 'warning' },
  { name: 'slow-agents', metric: 'latencyP95', op: '>', threshold: 500, clearAt: 300, forMs: 5_000, severity: 'warning' },
  { name: 'dropped-entries', metric: 'dropped', op: '>', threshold: 0, severity: 'warning' },
  { name: 'frame-hitch', metric: 'hitches', op: '>', threshold: 0, keepFiringForMs: 5_000, severity: 'warning', summary: 'a frame over the hitch threshold' },
  { name: 'state-thrash', metric: 'stateChangesPerSecond', op: '>', threshold: 150, clearAt: 75, forMs: 2_000, severity: 'warning' },
  { name: 'agent-loop', metric: 'activeLoops', op: '>', threshold: 0, keepFiringForMs: 5_000, severity: 'warning', summary: 'an agent is stuck in a loop' },
];

const GAME_ALERT_MS = 30_000;

interface Tracked {
  rule: AlertRule | null;
  status: AlertStatus;
  /** For the game's alerts: when it resolves by itself. */
  until: number;
  /** When the condition last stopped holding while firing. */
  clearedAt: number | null;
}

export class AlertManager {
  private readonly alerts = new Map<string, Tracked>();

  constructor(rules: readonly AlertRule[] = DEFAULT_RULES) {
    for (const r of rules) this.addRule(r);
  }

  /** Adds or replaces a rule (by name). */
  addRule(rule: AlertRule): void {
    const problem = checkRule(rule);
    if (problem) throw new Error(problem);
    this.alerts.set(rule.name, { rule, status: initial(rule.name, rule.severity ?? 'warning', rule.summary ?? describeRule(rule), 'rule'), until: 0, clearedAt: null });
  }

  /** Changes the thresholds of rules, by rule name or by metric (`{ fps: 20 }` sets every fps rule). */
  setThresholds(thresholds: Record<string, number>): void {
    for (const [key, value] of Object.entries(thresholds)) {
      if (!Number.isFinite(value)) continue;
      for (const t of this.alerts.values()) {
        if (!t.rule || (t.rule.name !== key && t.rule.metric !== key)) continue;
        // Keep the hysteresis band proportional to the new threshold.
        const ratio = t.rule.clearAt !== undefined && t.rule.threshold !== 0 ? t.rule.clearAt / t.rule.threshold : undefined;
        t.rule = { ...t.rule, threshold: value, clearAt: ratio !== undefined ? value * ratio : undefined };
        t.status.summary = t.rule.summary ?? describeRule(t.rule);
      }
    }
  }

  /** One evaluation; returns the alerts that fired or resolved now. */
  evaluate(metrics: Readonly<Record<string, number | null>>, now: number): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const t of this.alerts.values()) {
      const s = t.status;
      if (!t.rule) {
        if (s.state === 'firing' && now >= t.until) this.resolve(t, now, out);
        continue;
      }
      const r = t.rule;
      const value = metrics[r.metric];
      s.value = value ?? null;
      // No data neither holds nor keeps holding: a pending alert does not carry
      // over a gap, and a firing one clears as its series would (Prometheus
      // resolves a vanished series).
      const known = value !== null && value !== undefined && Number.isFinite(value);
      if (s.state === 'firing') {
        // Cleared only past clearAt (hysteresis), then only after keepFiringForMs.
        if (known && compare(value, r.op, r.clearAt ?? r.threshold)) {
          t.clearedAt = null;
          continue;
        }
        t.clearedAt ??= now;
        if (now - t.clearedAt >= (r.keepFiringForMs ?? 0)) this.resolve(t, now, out);
        continue;
      }
      if (!known || !compare(value, r.op, r.threshold)) {
        // Pending that did not last: back to where it was, without firing.
        if (s.state === 'pending') {
          s.state = s.fired > 0 ? 'resolved' : 'inactive';
          s.activeAt = null;
        }
        continue;
      }
      if (s.state !== 'pending') {
        s.state = 'pending';
        s.activeAt = now;
      }
      if (now - s.activeAt! >= (r.forMs ?? 0)) this.fire(t, now, out);
    }
    return out;
  }

  /** The game's own alert: fires now (or resolves, with `resolve: true`). */
  trigger(alert: GameAlert, now: number): AlertTransition[] {
    if (typeof alert?.name !== 'string' || alert.name.length === 0) throw new Error('triggerAlert: a name is required');
    const out: AlertTransition[] = [];
    let t = this.alerts.get(alert.name);
    if (t?.rule) throw new Error(`triggerAlert: "${alert.name}" is the name of a rule`);
    if (!t) {
      t = { rule: null, status: initial(alert.name, alert.severity ?? 'warning', alert.message ?? alert.name, 'game'), until: 0, clearedAt: null };
      this.alerts.set(alert.name, t);
    }
    if (alert.resolve) {
      if (t.status.state === 'firing') this.resolve(t, now, out);
      return out;
    }
    t.status.severity = alert.severity ?? t.status.severity;
    t.status.summary = alert.message ?? t.status.summary;
    t.until = now + Math.max(0, alert.durationMs ?? GAME_ALERT_MS);
    if (t.status.state !== 'firing') {
      t.status.activeAt = now;
      this.fire(t, now, out);
    }
    return out;
  }

  statuses(): AlertStatus[] {
    return [...this.alerts.values()].map((t) => ({ ...t.status }));
  }

  rules(): AlertRule[] {
    return [...this.alerts.values()].flatMap((t) => (t.rule ? [{ ...t.rule }] : []));
  }

  private fire(t: Tracked, now: number, out: AlertTransition[]): void {
    const s = t.status;
    s.state = 'firing';
    s.firedAt = now;
    s.resolvedAt = null;
    s.fired++;
    t.clearedAt = null;
    out.push({ name: s.name, to: 'firing', severity: s.severity, summary: s.summary, value: s.value, at: now });
  }

  private resolve(t: Tracked, now: number, out: AlertTransition[]): void {
    const s = t.status;
    s.state = 'resolved';
    s.resolvedAt = now;
    s.activeAt = null;
    t.clearedAt = null;
    out.push({ name: s.name, to: 'resolved', severity: s.severity, summary: s.summary, value: s.value, at: now });
  }
}

function initial(name: string, severity: Severity, summary: string, origin: 'rule' | 'game'): AlertStatus {
  return { name, state: 'inactive', severity, summary, value: null, activeAt: null, firedAt: null, resolvedAt: null, fired: 0, origin };
}

function compare(v: number, op: AlertOp, x: number): boolean {
  switch (op) {
    case '>':
      return v > x;
    case '>=':
      return v >= x;
    case '<':
      return v < x;
    case '<=':
      return v <= x;
  }
}

function describeRule(r: AlertRule): string {
  return `${r.metric} ${r.op} ${r.threshold}${r.forMs ? ` for ${r.forMs / 1000} s` : ''}`;
}

/** Why a rule is not one, or null. */
export function checkRule(r: AlertRule): string | null {
  if (!r || typeof r.name !== 'string' || r.name.length === 0) return 'an alert rule needs a name';
  if (!(r.metric in METRICS)) return `alert rule "${r.name}": unknown metric "${String(r.metric)}" (known: ${Object.keys(METRICS).join(', ')})`;
  if (!['>', '>=', '<', '<='].includes(r.op)) return `alert rule "${r.name}": op must be >, >=, < or <=`;
  if (!Number.isFinite(r.threshold)) return `alert rule "${r.name}": threshold must be a number`;
  return null;
}

/**
 * `"fps<25, errorRate>0.1, slow-agents=800"` (the data attribute's form) as
 * thresholds by metric or rule name. Operators are those of the rules; only
 * the numbers change here.
 */
export function parseThresholds(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([\w-]+)\s*(?:<=|>=|<|>|=)\s*(-?[\d.]+(?:e-?\d+)?)\s*$/i.exec(part);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}
