/**
 * The overlay: header and toolbar, tabs, and the footer. Only the open tab is
 * mounted, and each tab polls its own data while mounted: nothing runs while
 * the overlay is closed, nothing per logged event.
 */
import type { ComponentChildren } from 'preact';
import { useErrorBoundary, useMemo, useRef } from 'preact/hooks';
import { RateMeter } from '../analytics/rate';
import { errorMessage } from '../core/errors';
import { DropHint, openBlob, runTask, useDropZone } from './open-file';
import { usePolling } from './charts';
import { groupDigits } from './format';
import { PANELS } from './panels/index';
import { memo } from './panels/memo';
import { Summary } from './panels/summary';
import type { DownloadProgress, OverlaySnapshot, OverlaySource } from './source';
import { REFRESH_MS, TABS, type OverlayState, type TabPanel } from './state';

export function App({ source, state, hotkey, onClose }: { source: OverlaySource; state: OverlayState; hotkey: string; onClose: () => void }) {
  const open = state.open.value;
  const meter = useMemo(() => new RateMeter(), [open]);
  usePolling(
    () => {
      const snap = source.snapshot();
      state.snap.value = snap;
      state.rate.value = meter.sample(snap.elapsed, snap.counters.logged);
    },
    open ? REFRESH_MS : null,
    [open],
  );

  const drop = useDropZone(source, state);
  if (!open) return null;
  const tab = state.tab.value;
  const Panel = PANELS[tab];
  // The snapshot is read by the parts that show it (LiveHeader, LiveSummary,
  // Footer), so its refresh re-renders those, not the tabs and the tab list.
  return (
    <div class={`panel${drop.dragging ? ' dropping' : ''}`} role="dialog" aria-label="Trace Agent" {...drop.handlers}>
      {drop.dragging && <DropHint />}
      <LiveHeader source={source} state={state} hotkey={hotkey} onClose={onClose} />
      <LiveSummary state={state} />
      <nav class="tabs" role="tablist" aria-label="views">
        {TABS.map((t) => (
          <button
            type="button"
            role="tab"
            class={`tab${t === tab ? ' on' : ''}`}
            aria-selected={t === tab}
            onClick={() => (state.tab.value = t)}
            onKeyDown={(ev) => moveTab(ev, state)}
          >
            {t}
          </button>
        ))}
      </nav>
      <div class="tab-body" role="tabpanel" aria-label={tab}>
        {Panel ? (
          <TabBody key={tab} Panel={Panel} source={source} state={state} />
        ) : (
          <div class="empty">No {tab} view in this build.</div>
        )}
      </div>
      <Footer state={state} hotkey={hotkey} />
    </div>
  );
}

/** The header, fed from the snapshot: only what it shows changes it (Header is memoised on those props). */
function LiveHeader({ source, state, hotkey, onClose }: { source: OverlaySource; state: OverlayState; hotkey: string; onClose: () => void }) {
  const snap = state.snap.value;
  return <Header source={source} state={state} hotkey={hotkey} onClose={onClose} paused={snap.paused} {...storeChip(snap.store)} />;
}

function LiveSummary({ state }: { state: OverlayState }) {
  return <Summary snap={state.snap.value} rate={state.rate.value} />;
}

function Footer({ state, hotkey }: { state: OverlayState; hotkey: string }) {
  const snap = state.snap.value;
  return (
    <footer>
      <span>{hotkey} toggles · Esc closes</span>
      <span>
        frame {snap.frame} · capacity {groupDigits(snap.capacity)}
      </span>
    </footer>
  );
}

/** Arrow keys move between tabs (the WAI-ARIA tabs pattern). */
function moveTab(ev: KeyboardEvent, state: OverlayState): void {
  if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
  ev.preventDefault();
  const i = TABS.indexOf(state.tab.value);
  const next = TABS[(i + (ev.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length]!;
  state.tab.value = next;
  const nav = (ev.currentTarget as HTMLElement).parentElement;
  (nav?.children[TABS.indexOf(next)] as HTMLElement | undefined)?.focus();
}

/** The header's chip: where the trace is stored, and whether that is the good place. */
function storeChip(store: OverlaySnapshot['store']): { healthy: boolean; mode: string } {
  return { healthy: store.ready && store.thread === 'worker' && store.backend === 'indexeddb', mode: store.ready ? `${store.thread} · ${store.backend}` : 'starting' };
}

type HeaderProps = { source: OverlaySource; state: OverlayState; hotkey: string; onClose: () => void; paused: boolean; healthy: boolean; mode: string };

/**
 * Memoised on what it shows (the snapshot's paused flag and store chip, as
 * props): the snapshot refreshing 4 times a second re-renders the counters,
 * not the toolbar. Its own signals (busy, problem) still reach it.
 */
const Header = memo(function Header({ source, state, hotkey, onClose, paused, healthy, mode }: HeaderProps) {
  const busy = state.busy.value;
  const fileInput = useRef<HTMLInputElement>(null);

  const run = (what: string, action: (onProgress: (p: DownloadProgress) => void) => Promise<void>) => runTask(state, what, action);
  const openFile = (ev: Event) => {
    const input = ev.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) openBlob(source, state, file, file.name);
  };

  return (
    <header>
      <h1>Trace Agent</h1>
      <span class={`chip ${healthy ? 'ok' : 'warn'}`} title="where the trace is stored">
        {mode}
      </span>
      <div class="toolbar" role="toolbar" aria-label="trace">
        <button type="button" class="pause" aria-pressed={paused} title={paused ? 'Resume recording' : 'Pause recording (entries are counted, not stored)'} onClick={() => source.setPaused(!paused)}>
          {paused ? '▶ resume' : '❚❚ pause'}
        </button>
        <button type="button" class="clear" title="Delete what is stored of this session" onClick={() => run('clearing', () => source.clear())}>
          clear
        </button>
        <button type="button" class="download" title="Download the trace JSON" disabled={busy !== null} onClick={() => run('saving', (p) => source.download({ onProgress: p }))}>
          JSON
        </button>
        <button type="button" class="download-chrome" title="Download in Chrome's trace format (Perfetto)" disabled={busy !== null} onClick={() => run('saving', (p) => source.downloadChromeTrace({ onProgress: p }))}>
          Perfetto
        </button>
        <button type="button" class="open-file" title="Open a downloaded trace" disabled={busy !== null} onClick={() => fileInput.current?.click()}>
          open
        </button>
        <input ref={fileInput} type="file" accept=".json,.gz,application/json,application/gzip" hidden onChange={openFile} />
      </div>
      <button type="button" class="close" aria-label="Close" title={`Close (${hotkey})`} onClick={onClose}>
        ×
      </button>
      {busy && (
        <div class="progress" role="progressbar" aria-label={busy.what} aria-valuemin={0} aria-valuemax={busy.progress?.total ?? 0} aria-valuenow={busy.progress?.done ?? 0}>
          <span>{busy.what}…</span>
          {busy.progress && busy.progress.total > 0 && <progress max={busy.progress.total} value={busy.progress.done} />}
        </div>
      )}
      {state.problem.value && (
        <div class="toolbar-problem" role="alert">
          {state.problem.value}
        </div>
      )}
    </header>
  );
});

/**
 * The open tab, apart from the header: the snapshot refreshes the header 4
 * times a second, and a tab reads the snapshot itself where it shows it.
 */
const TabBody = memo(function TabBody({ Panel, source, state }: { Panel: TabPanel; source: OverlaySource; state: OverlayState }) {
  return (
    <Guard>
      <Panel source={source} state={state} />
    </Guard>
  );
});

/** A tab that fails to render (a bug of ours, a trace file of strange shape) shows why, and the rest of the overlay goes on. */
function Guard({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary();
  if (error) {
    return (
      <div class="empty" role="alert">
        This view failed: {errorMessage(error)}{' '}
        <button type="button" onClick={reset}>
          try again
        </button>
      </div>
    );
  }
  return <>{children}</>;
}
