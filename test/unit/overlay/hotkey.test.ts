import { describe, expect, it } from 'vitest';
import { TraceError } from '../../../src/core/errors';
import { DEFAULT_HOTKEY, matchesHotkey, parseHotkey } from '../../../src/overlay/hotkey';

const key = (code: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}) =>
  ({ code, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods }) as KeyboardEvent;

describe('hotkeys', () => {
  it('parses modifiers and keys into physical key codes', () => {
    expect(parseHotkey(DEFAULT_HOTKEY)).toMatchObject({ alt: true, shift: true, ctrl: false, meta: false, code: 'KeyD' });
    expect(parseHotkey('F9')).toMatchObject({ code: 'F9', alt: false });
    expect(parseHotkey('ctrl + `')).toMatchObject({ ctrl: true, code: 'Backquote' });
    expect(parseHotkey('Cmd+Option+7')).toMatchObject({ meta: true, alt: true, code: 'Digit7' });
  });

  it('matches exactly: extra modifiers do not count', () => {
    const h = parseHotkey('Alt+Shift+D');
    expect(matchesHotkey(key('KeyD', { altKey: true, shiftKey: true }), h)).toBe(true);
    expect(matchesHotkey(key('KeyD', { altKey: true, shiftKey: true, ctrlKey: true }), h)).toBe(false);
    expect(matchesHotkey(key('KeyD', { shiftKey: true }), h)).toBe(false);
    expect(matchesHotkey(key('KeyS', { altKey: true, shiftKey: true }), h)).toBe(false);
  });

  it('refuses what it cannot read', () => {
    expect(() => parseHotkey('')).toThrow(TraceError);
    expect(() => parseHotkey('Hyper+D')).toThrow(/unknown modifier/);
    expect(() => parseHotkey('Alt+??')).toThrow(/unknown key/);
  });
});
