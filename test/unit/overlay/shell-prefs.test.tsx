// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clampDocked, clampRect, DEFAULT_PREFS, loadPrefs, MIN_H, MIN_W, PAGE_MARGIN, PREFS_KEY, savePrefs, validatePrefs, type OverlayPrefs } from '../../../src/overlay/prefs';
import { createShellState, persistPrefs } from '../../../src/overlay/shell';
import type { OverlayState } from '../../../src/overlay/state';

afterEach(() => localStorage.clear());

const custom: OverlayPrefs = {
  dock: 'float',
  side: 520,
  bottom: 260,
  float: { x: 12, y: 34, w: 500, h: 400 },
  opacity: 0.75,
  collapsed: true,
  theme: 'light',
  tab: 'anomalies',
};

describe('overlay prefs', () => {
  it('round-trips through one JSON record in localStorage', () => {
    expect(savePrefs(custom)).toBe(true);
    expect(Object.keys(localStorage)).toEqual([PREFS_KEY]);
    expect(JSON.parse(localStorage.getItem(PREFS_KEY)!)).toMatchObject({ v: 1, dock: 'float' });
    expect(loadPrefs()).toEqual(custom);
  });

  it('gives the defaults when there is nothing, or nothing readable', () => {
    expect(loadPrefs()).toEqual(DEFAULT_PREFS);
    for (const text of ['{not json', 'null', '42', '"right"', '[1,2]', '{}']) {
      localStorage.setItem(PREFS_KEY, text);
      expect(loadPrefs()).toEqual(DEFAULT_PREFS);
    }
  });

  it('keeps each valid field and replaces each invalid one by its default', () => {
    const p = validatePrefs({
      dock: 'top',
      side: 600,
      bottom: -5,
      float: { x: 'a', y: 10, w: 10, h: Infinity },
      opacity: 0.1,
      collapsed: 'yes',
      theme: 'dark',
      tab: 'nope',
      extra: { a: 1 },
    });
    expect(p).toEqual({
      dock: DEFAULT_PREFS.dock,
      side: 600,
      bottom: DEFAULT_PREFS.bottom,
      float: { x: DEFAULT_PREFS.float.x, y: 10, w: DEFAULT_PREFS.float.w, h: DEFAULT_PREFS.float.h },
      opacity: 0.6, // a number out of range is clamped
      collapsed: DEFAULT_PREFS.collapsed,
      theme: 'dark',
      tab: DEFAULT_PREFS.tab,
    });
    expect(validatePrefs({ opacity: 7 }).opacity).toBe(1);
    expect(validatePrefs({ opacity: NaN }).opacity).toBe(1);
  });

  it('survives storage that throws (forbidden, full)', () => {
    const broken = {
      getItem: vi.fn(() => {
        throw new DOMException('denied', 'SecurityError');
      }),
      setItem: vi.fn(() => {
        throw new DOMException('full', 'QuotaExceededError');
      }),
    } as unknown as Storage;
    expect(loadPrefs(broken)).toEqual(DEFAULT_PREFS);
    expect(savePrefs(custom, broken)).toBe(false);
    expect(loadPrefs(null)).toEqual(DEFAULT_PREFS);
    expect(savePrefs(custom, null)).toBe(false);
  });

  it('keeps a floating rectangle and docked sizes inside the viewport', () => {
    expect(clampRect({ x: 900, y: -50, w: 400, h: 300 }, 1000, 700)).toEqual({ x: 600, y: 0, w: 400, h: 300 });
    expect(clampRect({ x: 10, y: 10, w: 5000, h: 5000 }, 1000, 700)).toEqual({ x: 0, y: 0, w: 1000, h: 700 });
    expect(clampRect({ x: 10, y: 10, w: 10, h: 10 }, 1000, 700)).toMatchObject({ w: MIN_W, h: MIN_H });
    // A viewport smaller than the minimum: the rectangle is the viewport.
    expect(clampRect({ x: 10, y: 10, w: 500, h: 500 }, 200, 150)).toEqual({ x: 0, y: 0, w: 200, h: 150 });
    expect(clampDocked(5000, 1000, MIN_W)).toBe(1000 - PAGE_MARGIN);
    expect(clampDocked(10, 1000, MIN_W)).toBe(MIN_W);
    expect(clampDocked(400, 250, MIN_W)).toBe(250);
  });

  it('are written when they change (not on mount, not during a drag), and the tab with them', () => {
    const state = { tab: signal('metrics') } as unknown as OverlayState;
    const shell = createShellState(validatePrefs(null));
    const save = vi.fn();
    const stop = persistPrefs(shell, state, save);
    expect(save).not.toHaveBeenCalled();
    shell.dock.value = 'left';
    expect(save).toHaveBeenLastCalledWith(expect.objectContaining({ dock: 'left' }));
    state.tab.value = 'health';
    expect(save).toHaveBeenLastCalledWith(expect.objectContaining({ dock: 'left', tab: 'health' }));
    save.mockClear();
    shell.dragging.value = true;
    for (let i = 0; i < 10; i++) shell.side.value = 400 + i;
    expect(save).not.toHaveBeenCalled();
    shell.dragging.value = false;
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenLastCalledWith(expect.objectContaining({ side: 409 }));
    stop();
    shell.opacity.value = 0.8;
    expect(save).toHaveBeenCalledTimes(1);
  });
});
