/**
 * Health's pins: the time ranges eviction skips (alerts', anomalies' and the
 * user's), what each holds, how many were released past their share of the
 * ring (or their cap), a failed save of them, a button to pin the last 30 s and one to unpin each.
 */
import { useState } from 'preact/hooks';
import { chain } from '../../core/builtins';
import { errorMessage } from '../../core/errors';
import type { PinReport } from '../../store/pins';
import { usePolling } from '../charts';
import { formatCount, formatSeconds } from '../format';
import type { OverlaySource } from '../source';
import { REFRESH_MS } from '../state';

/** What the button pins. */
export const PIN_BUTTON_MS = 30_000;

export function PinsSection({ source }: { source: OverlaySource }) {
  const [report, setReport] = useState<PinReport | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = () =>
    chain(
      source.pins(),
      (r) => {
        setReport(r);
        setProblem(null);
      },
      (err) => setProblem(errorMessage(err)),
    );
  usePolling(load, REFRESH_MS, []);
  const act = (work: () => Promise<unknown>) => chain(work(), load, (err) => setProblem(errorMessage(err)));

  return (
    <section aria-label="pins" class="pins">
      <h2>pins</h2>
      <div class="pin-bar">
        <button type="button" class="pin-last" onClick={() => act(() => source.pin(PIN_BUTTON_MS))} title="eviction keeps the last 30 s until you unpin them">
          Pin last 30 s
        </button>
        {report && (
          <span class={`dim${report.released > 0 ? ' bad' : ''}`} title="pins released because pinned blocks passed their share of the ring (options.pins.maxShare), or pins passed their cap">
            {formatCount(report.pinnedEntries)} entries pinned · {formatCount(report.released)} released
          </span>
        )}
      </div>
      {problem && <div class="problems">⚠ {problem}</div>}
      {report?.lastFailure && (
        <div class="problems">
          ⚠ {report.lastFailure} ({formatCount(report.saveFailures ?? 0)} failed)
        </div>
      )}
      {report && report.pins.length === 0 && <div class="dim">No pins: an alert that fires or an anomaly found pins the time around it.</div>}
      {report && report.pins.length > 0 && (
        <ul class="pin-list">
          {report.pins.map((p) => (
            <li key={p.id}>
              <span class={`pin-reason ${p.reason}`}>{p.reason}</span> <span class="pin-label">{p.label}</span>{' '}
              <span class="dim">
                {formatSeconds(p.fromTs)}–{formatSeconds(p.toTs)} · {formatCount(p.entries)} entries
              </span>{' '}
              <button type="button" class="link unpin" onClick={() => act(() => source.unpin(p.id))} aria-label={`unpin ${p.label}`}>
                unpin
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
