/**
 * The shell around the panel: where it sits (docked right, bottom, left, or
 * floating), its size and opacity, the theme, the badge it collapses to, and
 * the toast for new warnings. The panel itself (<App>) is its child: mounted
 * only while expanded, so a collapsed overlay runs nothing but the badge's
 * polls, and a closed one runs nothing at all.
 */
import { effect, signal, type Signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import {
  clampDocked,
  clampOpacity,
  clampRect,
  DOCKS,
  MIN_H,
  MIN_W,
  OPACITY_MAX,
  OPACITY_MIN,
  savePrefs,
  THEMES,
  type Dock,
  type OverlayPrefs,
  type Rect,
  type ThemePref,
} from './prefs';
import type { OverlaySource } from './source';
import type { OverlayState } from './state';
import { countWarnings, Toaster, ToastRegion, WarningTracker, type EngineWarnings } from './toast';
import { all, listen, unlisten } from '../core/builtins';
import { reportFault } from './fault';
import { timers } from './timers';

/** The badge's warning count and the toasts poll the engine at most this often. */
export const WARN_POLL_MS = 2_000;
/** The badge's FPS refreshes this often while collapsed (the panel refreshes the snapshot itself while expanded). */
export const BADGE_REFRESH_MS = 500;
/** Arrow keys move or resize by this much (Shift: 4×). */
export const KEY_STEP = 16;

export interface ShellState {
  dock: Signal<Dock>;
  side: Signal<number>;
  bottom: Signal<number>;
  float: Signal<Rect>;
  opacity: Signal<number>;
  collapsed: Signal<boolean>;
  theme: Signal<ThemePref>;
  /** The system's preference (prefers-color-scheme: dark). */
  systemDark: Signal<boolean>;
  viewport: Signal<{ w: number; h: number }>;
  /** Active warnings (the badge's number). */
  warnings: Signal<number>;
  /** A drag or resize is under way (prefs are written when it ends). */
  dragging: Signal<boolean>;
  /** Bumped to move focus into the shell (the panel, or the badge when collapsed). */
  focusRequest: Signal<number>;
  toaster: Toaster;
}

export function createShellState(prefs: OverlayPrefs): ShellState {
  return {
    dock: signal(prefs.dock),
    side: signal(prefs.side),
    bottom: signal(prefs.bottom),
    float: signal(prefs.float),
    opacity: signal(prefs.opacity),
    collapsed: signal(prefs.collapsed),
    theme: signal(prefs.theme),
    systemDark: signal(systemPrefersDark()),
    viewport: signal(viewportSize()),
    warnings: signal(0),
    dragging: signal(false),
    focusRequest: signal(0),
    toaster: new Toaster(signal(null)),
  };
}

export function prefsOf(shell: ShellState, state: OverlayState): OverlayPrefs {
  return {
    dock: shell.dock.value,
    side: shell.side.value,
    bottom: shell.bottom.value,
    float: shell.float.value,
    opacity: shell.opacity.value,
    collapsed: shell.collapsed.value,
    theme: shell.theme.value,
    tab: state.tab.value,
  };
}

/** Writes the prefs whenever one changes (not during a drag: once it ends). Returns the disposer. */
export function persistPrefs(shell: ShellState, state: OverlayState, save: (p: OverlayPrefs) => unknown = savePrefs): () => void {
  let first = true;
  return effect(() => {
    const prefs = prefsOf(shell, state);
    if (shell.dragging.value) return;
    if (first) {
      first = false; // what was just read needs no writing back
      return;
    }
    save(prefs);
  });
}

export function setDock(shell: ShellState, dock: Dock): void {
  shell.dock.value = dock;
  if (dock === 'float') {
    const { w, h } = shell.viewport.peek();
    shell.float.value = clampRect(shell.float.peek(), w, h);
  }
}

export function setOpacity(shell: ShellState, v: number): void {
  shell.opacity.value = clampOpacity(v);
}

export function setCollapsed(shell: ShellState, collapsed: boolean, focus = true): void {
  shell.collapsed.value = collapsed;
  if (focus) shell.focusRequest.value++;
}

export function nextTheme(t: ThemePref): ThemePref {
  return THEMES[(THEMES.indexOf(t) + 1) % THEMES.length]!;
}

export function effectiveTheme(shell: ShellState): 'dark' | 'light' {
  const t = shell.theme.value;
  return t === 'auto' ? (shell.systemDark.value ? 'dark' : 'light') : t;
}

/** Moves (floating) or resizes by a delta, kept inside the viewport. */
export function moveBy(shell: ShellState, dx: number, dy: number): void {
  const { w, h } = shell.viewport.peek();
  const r = shell.float.peek();
  shell.float.value = clampRect({ ...r, x: r.x + dx, y: r.y + dy }, w, h);
}

export function resizeBy(shell: ShellState, dx: number, dy: number): void {
  resizeFrom(shell, shell.dock.peek() === 'bottom' ? shell.bottom.peek() : shell.side.peek(), shell.float.peek(), dx, dy);
}

/** Resizes from a docked size or a floating rect (the current ones, or those where a drag began) by a delta, kept inside the viewport. */
function resizeFrom(shell: ShellState, size: number, r: Rect, dx: number, dy: number): void {
  const { w, h } = shell.viewport.peek();
  switch (shell.dock.peek()) {
    case 'right':
      shell.side.value = clampDocked(size - dx, w, MIN_W);
      break;
    case 'left':
      shell.side.value = clampDocked(size + dx, w, MIN_W);
      break;
    case 'bottom':
      shell.bottom.value = clampDocked(size - dy, h, MIN_H);
      break;
    case 'float':
      shell.float.value = clampRect({ ...r, w: Math.min(r.w + dx, w - r.x), h: Math.min(r.h + dy, h - r.y) }, w, h);
      break;
  }
}

function systemPrefersDark(): boolean {
  try {
    return typeof matchMedia === 'function' ? !matchMedia('(prefers-color-scheme: light)').matches : true;
  } catch {
    return true;
  }
}

function viewportSize(): { w: number; h: number } {
  return typeof window === 'undefined' ? { w: 1280, h: 800 } : { w: window.innerWidth, h: window.innerHeight };
}

const px = (n: number) => `${Math.round(n)}px`;

/** Where the frame goes, by dock: set from script (CSSOM), which a strict CSP allows. */
export function frameStyle(shell: ShellState): Record<string, string> {
  const { w, h } = shell.viewport.value;
  const opacity = String(shell.opacity.value);
  switch (shell.dock.value) {
    case 'right':
    case 'left':
      return { width: px(clampDocked(shell.side.value, w, MIN_W)), opacity };
    case 'bottom':
      return { height: px(clampDocked(shell.bottom.value, h, MIN_H)), opacity };
    case 'float': {
      const r = clampRect(shell.float.value, w, h);
      return { left: px(r.x), top: px(r.y), width: px(r.w), height: px(r.h), opacity };
    }
  }
}

/** The toast goes beside the panel (or the badge), never over it. */
export function toastPlace(shell: ShellState): Record<string, string> {
  const { w, h } = shell.viewport.value;
  const gap = 12;
  const dock = shell.dock.value;
  if (shell.collapsed.value) {
    if (dock === 'bottom') return { right: px(gap), bottom: px(52) };
    if (dock === 'left') return { left: px(gap), top: px(52) };
    if (dock === 'float') {
      const r = clampRect(shell.float.value, w, h);
      return r.y + 52 + 60 < h ? { left: px(Math.min(r.x, w - 320)), top: px(r.y + 44) } : { left: px(Math.min(r.x, w - 320)), bottom: px(h - r.y + 8) };
    }
    return { right: px(gap), top: px(52) };
  }
  if (dock === 'right') return { right: px(clampDocked(shell.side.value, w, MIN_W) + gap), bottom: px(gap) };
  if (dock === 'left') return { left: px(clampDocked(shell.side.value, w, MIN_W) + gap), bottom: px(gap) };
  if (dock === 'bottom') return { right: px(gap), bottom: px(clampDocked(shell.bottom.value, h, MIN_H) + gap) };
  const r = clampRect(shell.float.value, w, h);
  // Below the floating panel when there is room, else above it, else in the corner.
  if (r.y + r.h + 60 < h) return { left: px(r.x), top: px(r.y + r.h + 8) };
  if (r.y > 60) return { left: px(r.x), bottom: px(h - r.y + 8) };
  return { right: px(gap), bottom: px(gap) };
}

function badgePlace(shell: ShellState): Record<string, string> {
  const { w, h } = shell.viewport.value;
  switch (shell.dock.value) {
    case 'left':
      return { left: '8px', top: '8px' };
    case 'bottom':
      return { right: '8px', bottom: '8px' };
    case 'float': {
      const r = clampRect(shell.float.value, w, h);
      return { left: px(Math.min(r.x, w - 140)), top: px(Math.min(r.y, h - 40)) };
    }
    default:
      return { right: '8px', top: '8px' };
  }
}

/** Asks the engine (when analytics run) for alerts and anomalies; null when it cannot say. */
async function engineWarnings(source: OverlaySource, analytics: boolean): Promise<EngineWarnings | null> {
  if (!analytics) return null;
  try {
    const both = await all([source.alerts(), source.anomalies()] as const);
    return { alerts: both[0].statuses, anomalies: both[1].anomalies };
  } catch {
    return null;
  }
}

/** A keydown handler that turns arrow keys into a step of KEY_STEP px (Shift: 4×) and leaves other keys alone. */
function onArrowKey(by: (dx: number, dy: number) => void): (ev: KeyboardEvent) => void {
  return (ev) => {
    const step = ev.shiftKey ? KEY_STEP * 4 : KEY_STEP;
    const dx = ev.key === 'ArrowLeft' ? -step : ev.key === 'ArrowRight' ? step : 0;
    const dy = ev.key === 'ArrowUp' ? -step : ev.key === 'ArrowDown' ? step : 0;
    if (!dx && !dy) return;
    ev.preventDefault();
    by(dx, dy);
  };
}

const DOCK_LABEL: Record<Dock, string> = { right: 'Dock right', bottom: 'Dock bottom', left: 'Dock left', float: 'Float' };
const NO_DRAG = 'button, input, select, textarea, a, label, progress, summary, [role="tab"], [contenteditable], [tabindex]:not([tabindex="-1"])';

interface Drag {
  id: number;
  mode: 'move' | 'resize';
  x: number;
  y: number;
  /** Values at the start: the float rect, or the docked size. */
  rect: Rect;
  size: number;
}

export function Shell({ source, state, shell, children }: { source: OverlaySource; state: OverlayState; shell: ShellState; children?: ComponentChildren }) {
  const open = state.open.value;
  const collapsed = shell.collapsed.value;
  const root = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  const focusSeen = useRef(shell.focusRequest.peek());

  // The system theme, while mounted.
  useEffect(() => {
    let mq: MediaQueryList | null = null;
    try {
      mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : null;
    } catch {
      mq = null;
    }
    if (!mq) return;
    const on = () => (shell.systemDark.value = !mq!.matches);
    on();
    // The original addEventListener, captured at start-up (core/builtins.ts).
    listen(mq, 'change', on);
    return () => unlisten(mq!, 'change', on);
  }, []);

  // The viewport, while open: everything is kept inside it.
  useEffect(() => {
    if (!open) return;
    const on = () => (shell.viewport.value = viewportSize());
    on();
    listen(window, 'resize', on);
    return () => unlisten(window, 'resize', on);
  }, [open]);

  // Warnings: the badge's count and the toasts, every 2 s while open (collapsed or not), never while closed.
  useEffect(() => {
    if (!open) return;
    const tracker = new WarningTracker();
    let alive = true;
    let inFlight = false;
    const tick = async () => {
      if (inFlight || (typeof document !== 'undefined' && document.hidden)) return;
      inFlight = true;
      try {
        const snap = source.snapshot();
        const engine = await engineWarnings(source, snap.analytics);
        if (!alive) return;
        shell.warnings.value = countWarnings(snap, engine);
        if (engine) shell.toaster.push(tracker.update(engine, snap.elapsed));
      } catch (err) {
        reportFault(err);
      } finally {
        inFlight = false;
      }
    };
    tick();
    const id = timers.setInterval(tick, WARN_POLL_MS);
    return () => {
      alive = false;
      timers.clearInterval(id);
      shell.toaster.stop();
    };
  }, [open]);

  // The badge's FPS while collapsed (expanded, the panel refreshes the snapshot).
  useEffect(() => {
    if (!open || !collapsed) return;
    const refresh = () => (state.snap.value = source.snapshot());
    refresh();
    const id = timers.setInterval(refresh, BADGE_REFRESH_MS);
    return () => timers.clearInterval(id);
  }, [open, collapsed]);

  // Focus into the shell when asked (opened with the hotkey, expanded, collapsed).
  useLayoutEffect(() => {
    const req = shell.focusRequest.value;
    if (req === focusSeen.current || !open) return;
    focusSeen.current = req;
    const el = root.current;
    if (!el) return;
    const target = collapsed
      ? el.querySelector<HTMLElement>('.badge')
      : (el.querySelector<HTMLElement>('.panel [role="tab"][aria-selected="true"]') ?? el.querySelector<HTMLElement>('.frame'));
    target?.focus({ preventScroll: true });
  });

  if (!open) return null;
  const dock = shell.dock.value;
  const theme = effectiveTheme(shell);
  const toaster = shell.toaster;
  const viewWarnings = () => {
    toaster.dismiss();
    state.tab.value = 'anomalies';
    if (shell.collapsed.peek()) setCollapsed(shell, false);
  };

  const onPointerDown = (ev: PointerEvent) => {
    if (ev.button !== 0 || drag.current) return;
    const t = ev.target as Element;
    const handle = t.closest('.resize');
    if (!handle) {
      // Floating: the header and the shell bar move it (not their buttons and fields).
      if (shell.dock.peek() !== 'float' || !t.closest('header, .shell-bar') || t.closest(NO_DRAG)) return;
    }
    const mode = handle ? 'resize' : 'move';
    const d = shell.dock.peek();
    const { w, h } = shell.viewport.peek();
    drag.current = {
      id: ev.pointerId,
      mode,
      x: ev.clientX,
      y: ev.clientY,
      rect: clampRect(shell.float.peek(), w, h),
      size: d === 'bottom' ? clampDocked(shell.bottom.peek(), h, MIN_H) : clampDocked(shell.side.peek(), w, MIN_W),
    };
    try {
      (ev.currentTarget as Element).setPointerCapture(ev.pointerId);
    } catch {
      /* a pointer that is already gone */
    }
    shell.dragging.value = true;
    ev.preventDefault();
  };
  const onPointerMove = (ev: PointerEvent) => {
    const g = drag.current;
    if (!g || g.id !== ev.pointerId) return;
    const dx = ev.clientX - g.x;
    const dy = ev.clientY - g.y;
    if (g.mode === 'resize') return resizeFrom(shell, g.size, g.rect, dx, dy);
    const { w, h } = shell.viewport.peek();
    shell.float.value = clampRect({ ...g.rect, x: g.rect.x + dx, y: g.rect.y + dy }, w, h);
  };
  const onPointerEnd = (ev: PointerEvent) => {
    const g = drag.current;
    if (!g || g.id !== ev.pointerId) return;
    drag.current = null;
    shell.dragging.value = false;
  };
  // Closed or collapsed in the middle of a drag (Escape, the hotkey): the frame
  // is gone before its pointerup, so the drag ends here.
  useEffect(() => {
    if (open && !collapsed) return;
    drag.current = null;
    if (shell.dragging.peek()) shell.dragging.value = false;
  }, [open, collapsed]);

  const onResizeKey = onArrowKey((dx, dy) => resizeBy(shell, dx, dy));
  const onMoveKey = onArrowKey((dx, dy) => moveBy(shell, dx, dy));

  const opacityPct = Math.round(shell.opacity.value * 100);
  return (
    <div ref={root} class={`shell ${theme} dock-${dock}${collapsed ? ' collapsed' : ''}`}>
      {collapsed ? (
        <Badge state={state} shell={shell} />
      ) : (
        <div
          class={`frame dock-${dock}${shell.dragging.value ? ' dragging' : ''}`}
          tabIndex={-1}
          style={frameStyle(shell)}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerEnd}
          onPointerCancel={onPointerEnd}
          onLostPointerCapture={onPointerEnd}
        >
          <div class="shell-bar" role="toolbar" aria-label="Overlay layout">
            {dock === 'float' && (
              <button type="button" class="grip" aria-label="Move (arrow keys)" title="Drag the header to move; arrow keys move too" onKeyDown={onMoveKey}>
                ⠿
              </button>
            )}
            <span class="docks" role="group" aria-label="Dock">
              {DOCKS.map((d) => (
                <button type="button" class={`dock-btn db-${d}`} aria-pressed={d === dock} aria-label={DOCK_LABEL[d]} title={DOCK_LABEL[d]} onClick={() => setDock(shell, d)}>
                  <span class="ico" aria-hidden="true" />
                </button>
              ))}
            </span>
            <label class="opacity" title={`Opacity ${opacityPct}%`}>
              <span aria-hidden="true">◑</span>
              <input
                type="range"
                min={OPACITY_MIN * 100}
                max={OPACITY_MAX * 100}
                step={5}
                value={opacityPct}
                aria-label="Opacity"
                aria-valuetext={`${opacityPct}%`}
                onInput={(ev) => setOpacity(shell, Number((ev.currentTarget as HTMLInputElement).value) / 100)}
              />
            </label>
            <button
              type="button"
              class="theme"
              aria-label={`Theme: ${shell.theme.value}. Switch to ${nextTheme(shell.theme.value)}`}
              title={`Theme: ${shell.theme.value} (click: ${nextTheme(shell.theme.value)})`}
              onClick={() => (shell.theme.value = nextTheme(shell.theme.value))}
            >
              ◐ {shell.theme.value}
            </button>
            <span class="spacer" />
            <WarnCount shell={shell} onView={viewWarnings} />
            <button type="button" class="collapse" aria-label="Collapse to a badge" title="Collapse to a badge" onClick={() => setCollapsed(shell, true)}>
              ▁
            </button>
          </div>
          {children}
          <div
            class="resize"
            role="separator"
            tabIndex={0}
            aria-label="Resize (arrow keys)"
            aria-orientation={dock === 'bottom' ? 'horizontal' : 'vertical'}
            title="Drag to resize; arrow keys resize too"
            onKeyDown={onResizeKey}
          />
        </div>
      )}
      <ToastRegion toaster={toaster} place={toastPlace(shell)} onView={viewWarnings} />
    </div>
  );
}

/**
 * The badge a collapsed overlay shows: the FPS and the warnings. Its own
 * component, so the snapshot's refresh and a new warning count re-render it,
 * not the shell around the panel.
 */
function Badge({ state, shell }: { state: OverlayState; shell: ShellState }) {
  const n = shell.warnings.value;
  const fps = state.snap.value.fps;
  return (
    <button
      type="button"
      class={`badge${n > 0 ? ' has-warnings' : ''}`}
      style={badgePlace(shell)}
      aria-label={`Trace Agent: ${fps > 0 ? fps.toFixed(0) : 'no'} FPS, ${n} active warning${n === 1 ? '' : 's'}. Expand`}
      title="Expand the Trace Agent panel"
      onClick={() => setCollapsed(shell, false)}
    >
      <span class="badge-fps">{fps > 0 ? fps.toFixed(0) : '–'}</span>
      <span class="badge-unit">fps</span>
      <span class={`badge-warn${n > 0 ? ' on' : ''}`}>⚠ {n}</span>
    </button>
  );
}

/** The shell bar's warning count (none while there are none): re-rendered by the count alone. */
function WarnCount({ shell, onView }: { shell: ShellState; onView: () => void }) {
  const n = shell.warnings.value;
  if (!(n > 0)) return null;
  return (
    <button type="button" class="warn-count" aria-label={`${n} active warning${n === 1 ? '' : 's'}: show anomalies`} title="Active warnings: firing alerts and anomalies of the last minute" onClick={onView}>
      ⚠ {n}
    </button>
  );
}
