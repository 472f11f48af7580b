/**
 * Mounts the overlay in a shadow root on its own element, so no page CSS
 * leaks in and none of ours leaks out, and wires the hotkey.
 */
import { render } from 'preact';
import { App } from './app';
import { createOverlayState } from './state';
import { matchesHotkey, parseHotkey } from './hotkey';
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
  const state = createOverlayState(source, options.open);
  host.hidden = !options.open;

  const setOpen = (open: boolean) => {
    state.open.value = open;
    host.hidden = !open;
  };
  const handle: OverlayHandle = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!state.open.value),
    get isOpen() {
      return state.open.value;
    },
    destroy: () => {
      window.removeEventListener('keydown', onKey, true);
      render(null, shadow);
      host.remove();
    },
  };

  // Capture phase on window: we see the hotkey before the game does, and
  // swallow only the hotkey (and Escape when focus is in the overlay).
  const onKey = (ev: KeyboardEvent) => {
    if (matchesHotkey(ev, hotkey)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      if (!ev.repeat) handle.toggle();
    } else if (ev.key === 'Escape' && state.open.value && ev.composedPath().includes(host)) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      handle.close();
    }
  };
  window.addEventListener('keydown', onKey, true);

  // On <html>, not <body>: games that rebuild their body keep the overlay.
  document.documentElement.appendChild(host);
  render(<App source={source} state={state} hotkey={hotkey.label} onClose={handle.close} />, shadow);
  return handle;
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
