/**
 * `trace-agent stats <trace>`: the analytics engine of the overlay run over a
 * file, entry by entry: generateStats() and the anomalies and alerts it finds,
 * as JSON or as a table. The entries reach the engine in columns, in batches
 * as the page posts them (at most 1,000, or 100 ms of trace time).
 */
import { AnalyticsEngine, type Anomaly, type EngineStats } from '../analytics/engine';
import type { AlertTransition } from '../analytics/alerts';
import { BatchEncoder } from '../core/columns';
import type { TraceReader } from './read-trace';

const BATCH_ENTRIES = 1_000;
const BATCH_MS = 100;
/** Alert transitions kept, newest; the rest counted. */
const MAX_ALERTS = 200;

export interface FileStats {
  /** The session analysed (the engine analyses one: the file's, or the first entry's). */
  sessionId: string | null;
  /** Entries read, and those of other sessions (read, not analysed). */
  entries: number;
  otherSessions: number;
  stats: EngineStats;
  anomalies: { found: Anomaly[]; total: number };
  alerts: { transitions: AlertTransition[]; total: number };
}

/** Runs the engine over the trace of `reader`; `session` picks the session of a file of several. */
export async function traceStats(reader: TraceReader, session?: string): Promise<FileStats> {
  const header = await reader.header();
  const wanted = session ?? (header.session && header.session !== 'all' ? header.session : null);
  const engine = new AnalyticsEngine(wanted ? { sessionId: wanted } : {});
  const enc = new BatchEncoder(BATCH_ENTRIES);
  const alerts: AlertTransition[] = [];
  let alertTotal = 0;
  let sessionId: string | null = wanted;
  let entries = 0;
  let other = 0;
  let until = -Infinity;
  const flush = () => {
    if (enc.length === 0 || sessionId === null) return;
    for (const n of engine.consume(enc.take(), sessionId)) {
      if (n.kind !== 'alert') continue;
      alertTotal++;
      alerts.push(n.alert);
      if (alerts.length > MAX_ALERTS) alerts.shift();
    }
  };
  for await (const e of reader.entries()) {
    entries++;
    sessionId ??= e.sessionId;
    if (e.sessionId !== sessionId) {
      other++;
      continue;
    }
    if (enc.full || e.ts >= until) {
      flush();
      until = (Math.floor(e.ts / BATCH_MS) + 1) * BATCH_MS;
    }
    if (!enc.add(e)) other++;
  }
  flush();
  const { anomalies, total } = engine.recentAnomalies();
  return { sessionId, entries, otherSessions: other, stats: engine.generateStats(), anomalies: { found: anomalies.reverse(), total }, alerts: { transitions: alerts, total: alertTotal } };
}

/** Text from a file, safe to print to a terminal: control characters (C0 with ESC, DEL, C1) removed. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** Columns padded to their widest cell; numbers right-aligned; text printable. */
export function table(rows: (string | number | null)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '–' : typeof c === 'number' ? fig(c) : printable(c))));
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, k) => (widths[k] = Math.max(widths[k] ?? 0, c.length)));
  return cells.map((r) => r.map((c, k) => (typeof rows[0]![k] === 'number' || typeof rows[1]?.[k] === 'number' ? c.padStart(widths[k]!) : c.padEnd(widths[k]!))).join('  ').trimEnd()).join('\n');
}

function fig(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** The stats as text for a terminal. */
export function statsTable(s: FileStats): string {
  const st = s.stats;
  const out: string[] = [];
  // Every line but the table's (printable already) holds text from the file.
  const put = (line: string) => out.push(printable(line));
  put(`session ${s.sessionId ?? '(none)'}: ${s.entries} entries read${s.otherSessions > 0 ? ` (${s.otherSessions} of other sessions or unreadable, not analysed)` : ''}, ${fig(st.elapsedMs / 1000)} s of trace`);
  put(`errors ${st.errors.count} · agent calls ${st.calls.count} (${st.calls.errors} failed) · frames ${st.frames.frames}, avg ${st.frames.avgFps === null ? '–' : fig(st.frames.avgFps)} fps, frame time p95 ${st.frames.frameTime.p95 ?? '–'} ms, hitches ${st.frames.hitches}`);
  put(`percentiles within ${st.sketchRelativeError * 100}% (DDSketch)`);
  out.push('');
  out.push(table([['method', 'calls', 'errors', 'err %', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], ...st.methods.map((m) => [`${m.agent}.${m.method}`, m.calls, m.errors, Math.round(m.errorRate * 1000) / 10, m.p50, m.p95, m.p99, m.max])]));
  out.push('');
  put(`anomalies: ${s.anomalies.total}${s.anomalies.total > s.anomalies.found.length ? ` (the last ${s.anomalies.found.length} listed)` : ''}`);
  for (const a of s.anomalies.found) put(`  ${fig((a.at ?? a.to) / 1000)} s  ${a.severity}  ${a.metric}${a.agent ? ` ${a.agent}` : ''}: ${a.reason}`);
  put(`alerts: ${s.alerts.total}`);
  for (const a of s.alerts.transitions) put(`  ${fig(a.at / 1000)} s  ${a.name} → ${a.to}`);
  return out.join('\n') + '\n';
}
