/**
 * Mounts the overlay in a shadow root on its own element, so no page CSS
 * leaks in and none of ours leaks out, and wires the hotkey, Escape and focus.
 */
import { effect } from '@preact/signals';
import { Component, options as preactOptions, render, type ComponentChildren } from 'preact';
import { afterFrame, listen, microtask, setTimer, unlisten } from '../core/builtins';
import { errorMessage } from '../core/errors';
import { App } from './app';
import { showFile } from './open-file';
import { benchProbe } from './bench-probe';
import { createOverlayState } from './state';
import { matchesHotkey, parseHotkey } from './hotkey';
import { loadPrefs } from './prefs';
import { reportFault, setFaultHandler } from './fault';
import { captureTimers } from './timers';
import { createShellState, persistPrefs, Shell } from './shell';
import type { OverlaySource } from './source';
import { OVERLAY_CSS } from './styles/index';
import { HOST_TAG } from './host-tag';

export interface OverlayOptions {
  hotkey: string;
  open: boolean;
  /** Opened by the hotkey (the first open, which loaded the overlay): focus goes in, and back on close. */
  byKey?: boolean;
  /** The overlay failed and was taken down for the rest of the page (said once, with the reason). */
  onFault?: (reason: string) => void;
}

export interface OverlayHandle {
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  destroy(): void;
}

export { HOST_TAG } from './host-tag';

/**
 * Preact schedules re-renders with `queueMicrotask` and hook effects with
 * `requestAnimationFrame`, looked up when called: give it the ones captured at
 * start-up (the same behaviour as its defaults), unless someone set their own.
 */
function captureScheduler(): void {
  const o = preactOptions as { debounceRendering?: (cb: () => void) => void; requestAnimationFrame?: (cb: () => void) => void };
  o.debounceRendering ??= microtask;
  o.requestAnimationFrame ??= afterFrame;
}

/** Catches what the overlay's components throw (renders, effects): the overlay fails closed. */
class Guard extends Component<{ children: ComponentChildren }, { failed: boolean }> {
  override state = { failed: false };
  override componentDidCatch(err: unknown): void {
    this.setState({ failed: true });
    reportFault(err);
  }
  override render() {
    return this.state.failed ? null : this.props.children;
  }
}

/**
 * Compile-time: true only in the bench's build of the drop-in script
 * (test/bench/vite.config.ts); the shipped builds define it false
 * (vite.config.ts), so they leave the bench probe out.
 */
declare const __TRACE_AGENT_BENCH__: boolean | undefined;

export function mountOverlay(source: OverlaySource, options: OverlayOptions): OverlayHandle {
  // Bench only: times the overlay's own work when the page asks for it (see bench-probe.ts), through
  // the global timers it wraps; the bench then measures Preact on those, as before this capture.
  const timed = typeof __TRACE_AGENT_BENCH__ !== 'undefined' && __TRACE_AGENT_BENCH__ ? benchProbe() : null;
  if (!timed) captureScheduler();
  captureTimers(timed !== null); // with the bench probe: the page's timers, which it wrapped
  const hotkey = parseHotkey(options.hotkey);
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: 'open' });
  adoptStyles(shadow, OVERLAY_CSS);
  const prefs = loadPrefs();
  // Opened by the hotkey: mounted closed, then opened as the hotkey opens it (below).
  const openNow = options.open && options.byKey !== true;
  const state = createOverlayState(source, openNow, prefs.tab);
  const shell = createShellState(prefs);
  const stopPersisting = persistPrefs(shell, state);
  // The traces the game opens (openTrace()) are shown here, the last one before this mount too.
  const stopOpened = source.onTraceOpened?.((o) => ('problem' in o ? (state.problem.value = o.problem) : showFile(state, o))) ?? (() => undefined);
  host.hidden = !openNow;
  // Hidden host when closed, whoever closes it (the panel's × sets state.open too).
  const stopHiding = effect(() => {
    host.hidden = !state.open.value;
  });

  /** Where focus was before the hotkey (or a click) took it into the overlay. */
  let returnFocus: HTMLElement | null = null;
  const focusInside = () => document.activeElement === host;

  /**
   * Fails closed, once: a failure of ours in the overlay takes it down for
   * the rest of the page (hidden, unmounted, the hotkey released to the
   * game) and is reported with its reason, rather than failing again on
   * every frame. The trace goes on without the overlay.
   */
  let failed: string | null = null;
  const failClosed = (err: unknown) => {
    if (failed !== null) return;
    failed = errorMessage(err);
    setFaultHandler(null);
    try {
      host.hidden = true;
    } catch {
      /* nothing more to hide */
    }
    unlisten(window, 'keydown', onKey as EventListener, true);
    // Unmounted later, outside whatever render or effect failed (its cleanups clear the overlay's timers).
    setTimer(() => {
      try {
        render(null, shadow);
      } catch {
        /* what the page broke breaks the unmount too: the host goes anyway */
      }
      try {
        host.remove();
      } catch {
        /* already gone */
      }
    }, 0);
    try {
      options.onFault?.(failed);
    } catch {
      /* the agent's side of the report failed: the overlay is down all the same */
    }
  };
  setFaultHandler(failClosed);

  const setOpen = (open: boolean, byKey = false) => {
    if (failed !== null) return;
    try {
      toggleOpen(open, byKey);
    } catch (err) {
      failClosed(err);
    }
  };
  const toggleOpen = (open: boolean, byKey: boolean) => {
    if (open === state.open.peek()) return;
    if (open) {
      if (byKey) {
        returnFocus = pageFocus();
        shell.focusRequest.value++;
      }
      state.open.value = true;
      return;
    }
    const restore = focusInside();
    state.open.value = false;
    if (restore) {
      const back = returnFocus;
      returnFocus = null;
      if (back && back.isConnected) back.focus({ preventScroll: true });
      else (shadow.activeElement as HTMLElement | null)?.blur();
    }
  };
  const handle: OverlayHandle = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!state.open.peek()),
    get isOpen() {
      return failed === null && state.open.peek();
    },
    destroy: () => {
      unlisten(window, 'keydown', onKey as EventListener, true);
      setFaultHandler(null);
      if (failed === null) render(null, shadow);
      stopPersisting();
      stopOpened();
      stopHiding();
      shell.toaster.stop();
      host.remove();
    },
  };

  // Capture phase on window: we see the hotkey before the game does, and
  // swallow only the hotkey (and Escape when focus is in the overlay).
  const onKey = (ev: KeyboardEvent) => {
    try {
      onHotkey(ev);
    } catch (err) {
      failClosed(err);
    }
  };
  const onHotkey = (ev: KeyboardEvent) => {
    if (matchesHotkey(ev, hotkey)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      if (!ev.repeat) setOpen(!state.open.peek(), true);
    } else if (ev.key === 'Escape' && state.open.peek() && ev.composedPath().includes(host)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      const inToast = ev.composedPath().some((t) => t instanceof Element && t.classList.contains('toast'));
      if (inToast) {
        shell.toaster.dismiss();
        shell.focusRequest.value++; // back into the panel (or the badge)
      } else handle.close();
    }
  };
  // The original addEventListener, captured at start-up (core/builtins.ts).
  listen(window, 'keydown', onKey as EventListener, true);
  // Where focus came from when it enters the overlay by a click or Tab: it goes back there on close.
  listen(host, 'focusin', ((ev: FocusEvent) => {
    const from = ev.relatedTarget;
    if (from instanceof HTMLElement && from !== host && !host.contains(from)) returnFocus = from;
  }) as EventListener);
  // Keys typed in the overlay (its filters, its buttons) are not the game's:
  // they stop at the host (the game's capture listeners on window still see them).
  // Not keyup: a key held for the game while focus moved into the overlay must
  // still be released for the game, or its character keeps running.
  const stop = (ev: Event) => ev.stopPropagation();
  listen(host, 'keydown', stop);
  listen(host, 'keypress', stop);
  // Nor are the overlay's clicks and wheel turns: scrolling the log must not
  // zoom the game's camera, a click on a button must not fire a weapon.
  const kept = ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'click', 'dblclick', 'wheel', 'contextmenu'];
  for (let i = 0; i < kept.length; i++) listen(host, kept[i]!, stop, { passive: true });

  // On <html>, not <body>: games that rebuild their body keep the overlay.
  document.documentElement.appendChild(host);
  const draw = () =>
    render(
      <Guard>
        <Shell source={source} state={state} shell={shell}>
          <App source={source} state={state} hotkey={hotkey.label} onClose={handle.close} />
        </Shell>
      </Guard>,
      shadow,
    );
  try {
    if (timed) timed(draw);
    else draw();
  } catch (err) {
    failClosed(err);
  }
  if (options.open && !openNow) setOpen(true, true);
  return handle;
}

/** The page's focused element, through open shadow roots (not our own). */
function pageFocus(): HTMLElement | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement && el.localName !== HOST_TAG) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement && el !== document.body && el.localName !== HOST_TAG ? el : null;
}

function adoptStyles(root: ShadowRoot, css: string): void {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    return;
  }
  // Browsers without constructable stylesheets (Safari < 16.4): a <style>
  // element, which a CSP without 'unsafe-inline' for styles will refuse.
  const style = document.createElement('style');
  style.textContent = css;
  root.appendChild(style);
}
