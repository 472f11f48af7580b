/** The overlay's shell: header, summary, event log. Polls snapshots while open, nothing while closed. */
import { signal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { TraceEntry } from '../core/entry';
import { RateMeter } from '../analytics/rate';
import { EventLog } from './panels/event-log';
import { Summary } from './panels/summary';
import type { OverlaySnapshot, OverlaySource } from './source';

/** Text and lists refresh at most 4 times a second (stats-gl's text rate). */
export const REFRESH_MS = 250;
export const LOG_ROWS = 200;

export interface OverlayState {
  open: Signal<boolean>;
  snap: Signal<OverlaySnapshot>;
  rate: Signal<number>;
  entries: Signal<TraceEntry[]>;
  busy: Signal<string>;
}

export function createOverlayState(source: OverlaySource, open: boolean): OverlayState {
  return {
    open: signal(open),
    snap: signal(source.snapshot()),
    rate: signal(0),
    entries: signal<TraceEntry[]>([]),
    busy: signal(''),
  };
}

export function App({ source, state, hotkey, onClose }: { source: OverlaySource; state: OverlayState; hotkey: string; onClose: () => void }) {
  const open = state.open.value;
  useEffect(() => {
    if (!open) return;
    const meter = new RateMeter();
    let alive = true;
    let inFlight = false;
    const refresh = () => {
      const snap = source.snapshot();
      state.snap.value = snap;
      state.rate.value = meter.sample(snap.elapsed, snap.counters.logged);
      if (inFlight) return;
      inFlight = true;
      source
        .tail(LOG_ROWS)
        .then((entries) => {
          if (alive) state.entries.value = entries;
        })
        .catch(() => {})
        .finally(() => (inFlight = false));
    };
    refresh();
    const id = setInterval(refresh, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(id);
    };
  }, [open]);

  if (!open) return null;
  const snap = state.snap.value;
  const store = snap.store;
  const healthy = store.ready && store.thread === 'worker' && store.backend === 'indexeddb';
  const mode = store.ready ? `${store.thread} · ${store.backend}` : 'starting';

  const download = () => {
    state.busy.value = 'saving…';
    source
      .download()
      .catch(() => {})
      .finally(() => (state.busy.value = ''));
  };

  return (
    <div class="panel" role="dialog" aria-label="Trace Agent">
      <header>
        <h1>Trace Agent</h1>
        <span class={`chip ${healthy ? 'ok' : 'warn'}`} title="where the trace is stored">
          {mode}
        </span>
        <button type="button" class="download" onClick={download} disabled={state.busy.value !== ''}>
          {state.busy.value || 'Download JSON'}
        </button>
        <button type="button" class="close" aria-label="Close" title={`Close (${hotkey})`} onClick={onClose}>
          ×
        </button>
      </header>
      <Summary snap={snap} rate={state.rate.value} />
      <div class="log-head">
        <span>Event log · newest {LOG_ROWS}</span>
        <span>session {snap.sessionId.slice(0, 8)}</span>
      </div>
      <EventLog entries={state.entries.value} />
      <footer>
        <span>{hotkey} toggles</span>
        <span>
          frame {snap.frame} · capacity {snap.capacity.toLocaleString('en')}
        </span>
      </footer>
    </div>
  );
}
