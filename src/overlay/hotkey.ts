/**
 * Hotkeys such as `Alt+Shift+D`, `F9` or `Ctrl+Backquote`. The key is matched
 * by its physical position (`KeyboardEvent.code`) for letters and digits, so
 * it works on every layout and with macOS Option, which changes `key`.
 */
import { TraceError } from '../core/errors';

export interface Hotkey {
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
  /** A KeyboardEvent.code such as `KeyD`, `F9`, `Backquote`. */
  code: string;
  /** As written, for display. */
  label: string;
}

/** Not used by browsers on Windows, macOS or Linux, nor by common game controls. */
export const DEFAULT_HOTKEY = 'Alt+Shift+D';

const NAMED: Record<string, string> = {
  '`': 'Backquote',
  '~': 'Backquote',
  backquote: 'Backquote',
  escape: 'Escape',
  esc: 'Escape',
  space: 'Space',
  enter: 'Enter',
  tab: 'Tab',
  '\\': 'Backslash',
  backslash: 'Backslash',
  '/': 'Slash',
  slash: 'Slash',
  '.': 'Period',
  ',': 'Comma',
  ';': 'Semicolon',
  "'": 'Quote',
  '[': 'BracketLeft',
  ']': 'BracketRight',
  '-': 'Minus',
  '=': 'Equal',
  insert: 'Insert',
  home: 'Home',
  end: 'End',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  pause: 'Pause',
};

export function parseHotkey(text: string): Hotkey {
  const parts = text.split('+').map((p) => p.trim()).filter(Boolean);
  const key = parts.pop();
  if (!key) throw new TraceError('INVALID_OPTION', `hotkey "${text}" names no key`);
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  for (const m of mods) {
    if (!['ctrl', 'control', 'alt', 'option', 'shift', 'meta', 'cmd', 'command'].includes(m)) {
      throw new TraceError('INVALID_OPTION', `hotkey "${text}": unknown modifier "${m}"`);
    }
  }
  let code: string;
  if (/^[a-z]$/i.test(key)) code = `Key${key.toUpperCase()}`;
  else if (/^[0-9]$/.test(key)) code = `Digit${key}`;
  else if (/^f([1-9]|1[0-9]|2[0-4])$/i.test(key)) code = key.toUpperCase();
  else if (NAMED[key.toLowerCase()]) code = NAMED[key.toLowerCase()]!;
  else if (/^(Key[A-Z]|Digit[0-9]|[A-Z][A-Za-z]+)$/.test(key)) code = key; // already a code
  else throw new TraceError('INVALID_OPTION', `hotkey "${text}": unknown key "${key}"`);
  return {
    ctrl: mods.has('ctrl') || mods.has('control'),
    alt: mods.has('alt') || mods.has('option'),
    shift: mods.has('shift'),
    meta: mods.has('meta') || mods.has('cmd') || mods.has('command'),
    code,
    label: text,
  };
}

export function matchesHotkey(ev: KeyboardEvent, h: Hotkey): boolean {
  return ev.code === h.code && ev.ctrlKey === h.ctrl && ev.altKey === h.alt && ev.shiftKey === h.shift && ev.metaKey === h.meta;
}
