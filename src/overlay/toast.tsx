/**
 * Warnings outside the panel: what counts as an active warning (the badge's
 * number), which of them are new, and a short toast for new ones, at most one
 * every 5 s (the rest coalesce: "3 new warnings"), dismissable.
 */
import type { Signal } from '@preact/signals';
import type { AlertStatus, Severity } from '../analytics/alerts';
import type { Anomaly } from '../analytics/engine';
import type { OverlaySnapshot } from './source';
import { timers } from './timers';

/** At most one toast per this many ms. */
export const TOAST_INTERVAL_MS = 5_000;
/** A toast goes away by itself after this long (unless it is focused or hovered). */
export const TOAST_SHOW_MS = 6_000;
/** Anomalies of the last minute count as active. */
export const ANOMALY_WINDOW_MS = 60_000;

export interface Warning {
  /** Unique per occurrence: an anomaly's id, an alert's name and firing time. */
  key: string;
  text: string;
  severity: Severity;
}

export interface ToastMessage {
  id: number;
  text: string;
  severity: Severity;
  count: number;
}

/** What the analytics engine said, or null when it is off or failed. */
export interface EngineWarnings {
  alerts: AlertStatus[];
  anomalies: Anomaly[];
}

const firing = (a: AlertStatus) => a.state === 'firing';
const recent = (a: Anomaly, now: number) => a.to >= now - ANOMALY_WINDOW_MS;

/**
 * The badge's number: firing alerts plus anomalies of the last minute; when
 * analytics are off, what the snapshot knows (store problems, and drops).
 */
export function countWarnings(snap: OverlaySnapshot, engine: EngineWarnings | null): number {
  if (engine) return engine.alerts.filter(firing).length + engine.anomalies.filter((a) => recent(a, snap.elapsed)).length;
  const c = snap.counters;
  return snap.store.problems.length + (c.dropped + c.droppedByStore > 0 ? 1 : 0);
}

/** Remembers what it has seen; the first update only sets the baseline (nothing is "new" on opening). */
export class WarningTracker {
  private lastAnomaly = -1;
  private firing = new Set<string>();
  private started = false;

  update(engine: EngineWarnings, now: number): Warning[] {
    const fresh: Warning[] = [];
    const firingNow = new Set<string>();
    for (const a of engine.alerts) {
      if (!firing(a)) continue;
      const key = `alert:${a.name}:${a.firedAt ?? ''}`;
      firingNow.add(key);
      if (!this.firing.has(key)) fresh.push({ key, severity: a.severity, text: `alert ${a.name}: ${a.summary}` });
    }
    let maxId = this.lastAnomaly;
    for (const a of engine.anomalies) {
      if (a.id <= this.lastAnomaly) continue;
      maxId = Math.max(maxId, a.id);
      if (recent(a, now)) fresh.push({ key: `anomaly:${a.id}`, severity: a.severity, text: `anomaly: ${a.agent ?? a.metric} ${a.kind}` });
    }
    this.lastAnomaly = maxId;
    this.firing = firingNow;
    if (!this.started) {
      this.started = true;
      return [];
    }
    return fresh;
  }
}

const RANK: Record<Severity, number> = { warning: 0, critical: 1 };

/** At most one toast per interval; what comes in between coalesces into the next one. */
export class ToastLimiter {
  private last = -Infinity;
  private pending: Warning[] = [];
  private seq = 0;

  constructor(readonly intervalMs = TOAST_INTERVAL_MS) {}

  add(warnings: readonly Warning[]): void {
    this.pending.push(...warnings);
  }

  /** The toast to show now, if one is due. */
  take(now: number): ToastMessage | null {
    if (this.pending.length === 0 || now - this.last < this.intervalMs) return null;
    const ws = this.pending;
    this.pending = [];
    this.last = now;
    const severity = ws.reduce<Severity>((s, w) => (RANK[w.severity] > RANK[s] ? w.severity : s), 'warning');
    return { id: ++this.seq, text: ws.length === 1 ? ws[0]!.text : `${ws.length} new warnings`, severity, count: ws.length };
  }

  /** Ms until take() will return the pending toast, or null when nothing is pending. */
  wait(now: number): number | null {
    return this.pending.length === 0 ? null : Math.max(0, this.last + this.intervalMs - now);
  }

  /** Forgets what is pending (the overlay was closed: closed means silent). */
  drop(): void {
    this.pending = [];
  }
}

/** Shows the limiter's toasts in a signal, hides each after a while, and keeps it while held (focus, hover). */
export class Toaster {
  private due: ReturnType<typeof setTimeout> | null = null;
  private hide: ReturnType<typeof setTimeout> | null = null;
  private held = false;

  constructor(
    readonly out: Signal<ToastMessage | null>,
    readonly limiter = new ToastLimiter(),
    private readonly now: () => number = () => Date.now(),
  ) {}

  push(warnings: readonly Warning[]): void {
    if (warnings.length === 0) return;
    this.limiter.add(warnings);
    if (!this.due) this.flush();
  }

  dismiss(): void {
    this.clearHide();
    this.held = false;
    this.out.value = null;
  }

  /** While the toast has focus or the pointer, it stays. */
  hold(held: boolean): void {
    this.held = held;
    if (held) this.clearHide();
    else if (this.out.peek()) this.scheduleHide(TOAST_SHOW_MS / 2);
  }

  /** The overlay closed: nothing shows, nothing is pending. */
  stop(): void {
    if (this.due) timers.clearTimeout(this.due);
    this.due = null;
    this.limiter.drop();
    this.dismiss();
  }

  private flush = (): void => {
    this.due = null;
    const now = this.now();
    const msg = this.limiter.take(now);
    if (msg) {
      this.out.value = msg;
      if (!this.held) this.scheduleHide(TOAST_SHOW_MS);
    }
    const wait = this.limiter.wait(now);
    if (wait !== null && !this.due) this.due = timers.setTimeout(this.flush, wait);
  };

  private scheduleHide(ms: number): void {
    this.clearHide();
    this.hide = timers.setTimeout(() => {
      this.hide = null;
      this.out.value = null;
    }, ms);
  }

  private clearHide(): void {
    if (this.hide) timers.clearTimeout(this.hide);
    this.hide = null;
  }
}

/**
 * The live region is always there while the overlay is (so screen readers
 * hear what is put in it); the toast inside it only while there is one.
 */
export function ToastRegion({ toaster, place, onView }: { toaster: Toaster; place: Record<string, string>; onView: () => void }) {
  const msg = toaster.out.value;
  return (
    <div class="toast-region" role="status" aria-live="polite" style={place}>
      {msg && (
        <div
          class={`toast sev-${msg.severity}`}
          key={msg.id}
          onFocusIn={() => toaster.hold(true)}
          onFocusOut={() => toaster.hold(false)}
          onMouseEnter={() => toaster.hold(true)}
          onMouseLeave={() => toaster.hold(false)}
        >
          <span class="toast-icon" aria-hidden="true">
            ⚠
          </span>
          <span class="toast-text">{msg.text}</span>
          <button type="button" class="toast-view" onClick={onView}>
            view
          </button>
          <button type="button" class="toast-close" aria-label="Dismiss" title="Dismiss (Esc)" onClick={() => toaster.dismiss()}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
