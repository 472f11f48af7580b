/**
 * Health: the engine's verdict (ok / degraded / critical) with its reasons,
 * where the trace is stored, what was stored, evicted, dropped or lost, the
 * quota used, hook problems, what the browser cannot report, and the alert
 * rules with their thresholds.
 */
import { METRICS } from '../../analytics/alerts';
import { formatCount, formatSeconds } from '../format';
import type { OverlaySnapshot, OverlaySource } from '../source';
import type { OverlayState } from '../state';
import { metricName, ruleText } from './anomalies';
import { memo } from './memo';
import { PinsSection } from './pins';
import { useEngine } from './use-engine';
import type { AlertRule } from '../../analytics/alerts';
import { all } from '../../core/builtins';

/** The storage mode in words. */
export function storageMode(store: OverlaySnapshot['store']): { text: string; ok: boolean } {
  if (!store.ready) return { text: 'starting (entries wait in the page)', ok: false };
  if (store.backend === 'memory') return { text: `${store.thread === 'worker' ? 'worker' : 'main thread'} + memory (lost on reload)`, ok: false };
  if (store.thread === 'worker') return { text: 'worker + IndexedDB', ok: true };
  return { text: 'main thread + IndexedDB', ok: false };
}

export function formatMB(bytes: number): string {
  const mb = bytes / 1_048_576;
  return `${mb.toFixed(mb < 10 ? 1 : 0)} MB`;
}

export function HealthTab({ source, state }: { source: OverlaySource; state: OverlayState }) {
  const { data, problem } = useEngine(state, 'analytics are off (they run in the store\'s worker): no verdict from the engine; the figures below are the page\'s own', () =>
    all([source.health(), source.alerts()] as const),
  );
  const [health, alerts] = data ?? [null, null];

  const snap = state.snap.value;
  const c = snap.counters;
  const mode = storageMode(snap.store);
  const statuses = new Map((alerts?.statuses ?? []).map((s) => [s.name, s]));
  const lost = c.lostOnUnload + c.internalErrors;

  return (
    <div class="health">
      <section class="verdict" aria-label="status">
        {health ? (
          <>
            <div class={`status ${health.status}`} role="status">
              {health.status}
            </div>
            {health.reasons.length === 0 ? (
              <div class="dim">Nothing to report: the store keeps up, frames and agent calls look fine.</div>
            ) : (
              <ul class="reasons">
                {health.reasons.map((r) => (
                  <li class={r.status}>
                    <span class="what">{r.what}</span> {r.message}
                  </li>
                ))}
              </ul>
            )}
            <div class="dim">as of {formatSeconds(health.at)}</div>
          </>
        ) : (
          <div class="status unknown">{problem ? 'unknown' : '…'}</div>
        )}
        {problem && (
          <div class="analytics-off" role="status">
            {problem}
          </div>
        )}
      </section>

      <section aria-label="storage">
        <h2>storage</h2>
        <div class={`mode ${mode.ok ? 'ok' : 'warn'}`}>{mode.text}</div>
        {snap.store.problems.map((p) => (
          <div class="problems">⚠ {p}</div>
        ))}
        <dl class="counters">
          <Fact k="stored (in the ring)" v={formatCount(c.stored)} title={`${formatMB(c.storedBytes)} of entries, all sessions`} />
          <Fact k="durable (this session)" v={formatCount(c.acked)} />
          <Fact k="pending" v={formatCount(snap.pending)} title="logged, not yet durable" />
          <Fact k="evicted" v={formatCount(c.evicted)} title="by capacity, bytes, session limit or quota" />
          <Fact k="deleted" v={formatCount(c.deleted)} title="sessions deleted on request" />
          <Fact k="dropped" v={formatCount(c.dropped)} bad={c.dropped > 0} title="the store was too far behind" />
          <Fact k="refused" v={formatCount(c.droppedByStore)} bad={c.droppedByStore > 0} title="the store could not write them" />
          <Fact k="lost" v={formatCount(lost)} bad={lost > 0} title={`on unload ${c.lostOnUnload}, internal errors ${c.internalErrors}`} />
          <Fact k="rejected" v={formatCount(c.rejected)} bad={c.rejected > 0} title="calls refused by validation" />
          <Fact k="truncated" v={formatCount(c.truncated)} />
          <Fact k="paused" v={formatCount(c.paused)} title="logged while recording was paused (counted, not stored)" />
          <Fact k="capacity" v={formatCount(snap.capacity)} title="entries the ring keeps" />
        </dl>
        <Quota quota={snap.quota} />
      </section>

      <PinsSection source={source} />

      {(snap.hookProblems.length > 0 || snap.unsupported.length > 0) && (
        <section aria-label="problems">
          <h2>hooks and browser</h2>
          {snap.hookProblems.map((p) => (
            <div class="problems">
              ⚠ hook <b>{p.path}</b>: {p.reason}
            </div>
          ))}
          {snap.unsupported.length > 0 && <div class="note">not reported by this browser: {snap.unsupported.join(', ')}</div>}
        </section>
      )}

      {alerts && <RuleTable rules={alerts.rules} states={alerts.rules.map((r) => statuses.get(r.name)?.state ?? 'inactive').join(' ')} />}
    </div>
  );
}

/**
 * The alert rules with their state now: memoised on the rules and the states
 * as one string, so the engine's answer 4 times a second (a new object each
 * time) re-renders the table only when a rule changes state.
 */
const RuleTable = memo(
  function RuleTable({ rules, states }: { rules: readonly AlertRule[]; states: string }) {
    const state = states.split(' ');
    return (
      <section aria-label="alert rules">
        <h2>alert rules</h2>
        <table class="rules">
          <thead>
            <tr>
              <th scope="col">rule</th>
              <th scope="col">condition</th>
              <th scope="col">severity</th>
              <th scope="col">now</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r, i) => (
              <tr key={r.name}>
                <th scope="row" title={r.summary ?? (METRICS as Record<string, string>)[r.metric] ?? metricName(r.metric)}>
                  {r.name}
                </th>
                <td>{ruleText(r)}</td>
                <td>
                  <span class={`sev ${r.severity ?? 'warning'}`}>{r.severity ?? 'warning'}</span>
                </td>
                <td>
                  <span class={`state-tag ${state[i]}`}>{state[i]}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    );
  },
  (a, b) => a.states === b.states && a.rules.length === b.rules.length && a.rules.every((r, i) => ruleText(r) === ruleText(b.rules[i]!) && r.name === b.rules[i]!.name && r.severity === b.rules[i]!.severity),
);

function Fact({ k, v, bad, title }: { k: string; v: string; bad?: boolean; title?: string }) {
  return (
    <div class={`fact${bad ? ' bad' : ''}`} title={title}>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </div>
  );
}

function Quota({ quota }: { quota: OverlaySnapshot['quota'] }) {
  if (!quota || !(quota.quota > 0)) return <div class="quota dim">quota: not reported by this browser</div>;
  const share = quota.usage / quota.quota;
  return (
    <div class={`quota${share > 0.8 ? ' bad' : ''}`}>
      <span>
        quota used {formatMB(quota.usage)} of {formatMB(quota.quota)} ({(share * 100).toFixed(share < 0.1 ? 2 : 1)}%)
      </span>
      <meter min={0} max={1} low={0.6} high={0.8} optimum={0} value={share} aria-label="origin storage used" />
    </div>
  );
}
