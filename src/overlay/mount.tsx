/**
 * Mounts the overlay in a shadow root on its own element, so no page CSS
 * leaks in and none of ours leaks out, and wires the hotkey, Escape and focus.
 */
import { effect } from '@preact/signals';
import { render } from 'preact';
import { App } from './app';
import { benchProbe } from './bench-probe';
import { createOverlayState } from './state';
import { matchesHotkey, parseHotkey } from './hotkey';
import { loadPrefs } from './prefs';
import { createShellState, persistPrefs, Shell } from './shell';
import type { OverlaySource } from './source';
import { OVERLAY_CSS } from './styles/index';

export interface OverlayOptions {
  hotkey: string;
  open: boolean;
}

export interface OverlayHandle {
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  destroy(): void;
}

export const HOST_TAG = 'trace-agent-overlay';

export function mountOverlay(source: OverlaySource, options: OverlayOptions): OverlayHandle {
  const hotkey = parseHotkey(options.hotkey);
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: 'open' });
  adoptStyles(shadow, OVERLAY_CSS);
  const prefs = loadPrefs();
  const state = createOverlayState(source, options.open, prefs.tab);
  const shell = createShellState(prefs);
  const stopPersisting = persistPrefs(shell, state);
  host.hidden = !options.open;
  // Hidden host when closed, whoever closes it (the panel's × sets state.open too).
  const stopHiding = effect(() => {
    host.hidden = !state.open.value;
  });

  /** Where focus was before the hotkey (or a click) took it into the overlay. */
  let returnFocus: HTMLElement | null = null;
  const focusInside = () => document.activeElement === host;

  const setOpen = (open: boolean, byKey = false) => {
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
      return state.open.peek();
    },
    destroy: () => {
      window.removeEventListener('keydown', onKey, true);
      render(null, shadow);
      stopPersisting();
      stopHiding();
      shell.toaster.stop();
      host.remove();
    },
  };

  // Capture phase on window: we see the hotkey before the game does, and
  // swallow only the hotkey (and Escape when focus is in the overlay).
  const onKey = (ev: KeyboardEvent) => {
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
  window.addEventListener('keydown', onKey, true);
  // Where focus came from when it enters the overlay by a click or Tab: it goes back there on close.
  host.addEventListener('focusin', (ev) => {
    const from = ev.relatedTarget;
    if (from instanceof HTMLElement && from !== host && !host.contains(from)) returnFocus = from;
  });
  // Keys typed in the overlay (its filters, its buttons) are not the game's:
  // they stop at the host (the game's capture listeners on window still see them).
  // Not keyup: a key held for the game while focus moved into the overlay must
  // still be released for the game, or its character keeps running.
  for (const type of ['keydown', 'keypress'] as const) host.addEventListener(type, (ev) => ev.stopPropagation());
  // Nor are the overlay's clicks and wheel turns: scrolling the log must not
  // zoom the game's camera, a click on a button must not fire a weapon.
  for (const type of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'click', 'dblclick', 'wheel', 'contextmenu'] as const) {
    host.addEventListener(type, (ev) => ev.stopPropagation(), { passive: true });
  }

  // On <html>, not <body>: games that rebuild their body keep the overlay.
  document.documentElement.appendChild(host);
  const draw = () =>
    render(
      <Shell source={source} state={state} shell={shell}>
        <App source={source} state={state} hotkey={hotkey.label} onClose={handle.close} />
      </Shell>,
      shadow,
    );
  // Bench only: times the overlay's own work when the page asks for it (see bench-probe.ts); else just draws.
  const timed = benchProbe();
  if (timed) timed(draw);
  else draw();
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
