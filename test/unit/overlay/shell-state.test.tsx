// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertStatus } from '../../../src/analytics/alerts';
import type { Anomaly } from '../../../src/analytics/engine';
import { validatePrefs } from '../../../src/overlay/prefs';
import { createShellState, setDock, Shell, WARN_POLL_MS, type ShellState } from '../../../src/overlay/shell';
import type { OverlaySnapshot, OverlaySource } from '../../../src/overlay/source';
import { createOverlayState, type OverlayState } from '../../../src/overlay/state';

interface Fake {
  source: OverlaySource;
  snap: OverlaySnapshot;
  engine: { alerts: AlertStatus[]; anomalies: Anomaly[] };
  calls: { alerts: number; anomalies: number };
}

function fakeSource(): Fake {
  const f: Fake = {
    snap: {
      sessionId: 's',
      elapsed: 10_000,
      counters: { logged: 0, rejected: 0, truncated: 0, redacted: 0, dropped: 0, droppedByStore: 0, internalErrors: 0, acked: 0, stored: 0, storedBytes: 0, evicted: 0, deleted: 0, recovered: 0, lostOnUnload: 0, paused: 0 },
      pending: 0,
      fps: 59.6,
      frame: 1,
      capacity: 1000,
      store: { ready: true, thread: 'worker', backend: 'indexeddb', problems: [], totals: { stored: 0, bytes: 0, evicted: 0, deleted: 0, appended: 0, quotaEvicted: 0, abandoned: 0 } },
      hookProblems: [],
      unsupported: [],
      paused: false,
      analytics: true,
      quota: null,
    },
    engine: { alerts: [], anomalies: [] },
    calls: { alerts: 0, anomalies: 0 },
    source: null as never,
  };
  f.source = {
    snapshot: () => ({ ...f.snap }),
    alerts: async () => {
      f.calls.alerts++;
      return { statuses: f.engine.alerts, rules: [] };
    },
    anomalies: async () => {
      f.calls.anomalies++;
      return { anomalies: f.engine.anomalies, total: f.engine.anomalies.length };
    },
  } as Partial<OverlaySource> as OverlaySource;
  return f;
}

const anomaly = (id: number, to: number): Anomaly => ({ id, metric: 'frameTime', kind: 'spike', severity: 'warning', from: to - 1000, to, seqFrom: 1, seqTo: 2, value: 50, expected: 16, low: 10, high: 20, z: 9, score: 1, reason: 'spike' });

let root: HTMLElement;
let fake: Fake;
let state: OverlayState;
let shell: ShellState;

function mount(open = true) {
  fake = fakeSource();
  state = createOverlayState(fake.source, open);
  shell = createShellState(validatePrefs(null));
  act(() => {
    render(
      <Shell source={fake.source} state={state} shell={shell}>
        <div class="panel" role="dialog">
          <header>
            <h1>Trace Agent</h1>
          </header>
          <nav>
            <button type="button" role="tab" aria-selected="false">
              metrics
            </button>
            <button type="button" role="tab" aria-selected="true">
              log
            </button>
          </nav>
        </div>
      </Shell>,
      root,
    );
  });
}
const $ = <T extends Element = HTMLElement>(sel: string) => root.querySelector<T>(sel);
const flush = async () => {
  await act(async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  });
};

beforeEach(() => {
  root = document.createElement('div');
  document.body.appendChild(root);
});
afterEach(() => {
  act(() => render(null, root));
  root.remove();
  shell?.toaster.stop();
  vi.useRealTimers();
});

describe('the shell', () => {
  it('renders nothing and polls nothing while the overlay is closed', async () => {
    vi.useFakeTimers();
    mount(false);
    expect(root.innerHTML).toBe('');
    vi.advanceTimersByTime(WARN_POLL_MS * 5);
    await flush();
    expect(fake.calls).toEqual({ alerts: 0, anomalies: 0 });
  });

  it('docks right by default, then bottom, left and floating, from the dock buttons', () => {
    mount();
    const frame = () => $('.frame')!;
    expect(frame().className).toContain('dock-right');
    expect(frame().style.width).toBe('440px');
    expect($('.db-right')!.getAttribute('aria-pressed')).toBe('true');
    act(() => $('.db-bottom')!.click());
    expect(shell.dock.value).toBe('bottom');
    expect(frame().className).toContain('dock-bottom');
    expect(frame().style.height).toBe('320px');
    act(() => $('.db-left')!.click());
    expect(frame().className).toContain('dock-left');
    act(() => $('.db-float')!.click());
    expect(frame().className).toContain('dock-float');
    expect(frame().style.left).toBe('80px');
    expect(frame().style.top).toBe('60px');
    expect(frame().style.width).toBe('480px');
    expect($('.grip')).not.toBeNull();
  });

  it('moves and resizes from the keyboard, inside the viewport', () => {
    mount();
    act(() => {
      shell.viewport.value = { w: 1000, h: 700 };
      setDock(shell, 'right');
    });
    const handle = $('.resize')!;
    act(() => void handle.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })));
    expect(shell.side.value).toBe(456); // docked right: left makes it wider
    act(() => void handle.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', shiftKey: true, bubbles: true })));
    expect(shell.side.value).toBe(392);
    act(() => setDock(shell, 'float'));
    const grip = $('.grip')!;
    for (let i = 0; i < 100; i++) act(() => void grip.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true })));
    expect(shell.float.value.x).toBe(1000 - shell.float.value.w); // stopped at the edge
    act(() => void $('.resize')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', shiftKey: true, bubbles: true })));
    expect(shell.float.value.h).toBe(520 + 64);
  });

  it('drags a floating panel by its header with pointer events', () => {
    mount();
    act(() => {
      shell.viewport.value = { w: 1000, h: 700 };
      setDock(shell, 'float');
    });
    const h1 = $('header h1')!;
    const frame = $('.frame')!;
    const pe = (type: string, x: number, y: number) => new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1, button: 0, bubbles: true, cancelable: true });
    act(() => void h1.dispatchEvent(pe('pointerdown', 100, 70)));
    expect(shell.dragging.value).toBe(true);
    act(() => void frame.dispatchEvent(pe('pointermove', 150, 100)));
    expect(shell.float.value).toMatchObject({ x: 130, y: 90 });
    act(() => void frame.dispatchEvent(pe('pointermove', 5000, -400)));
    expect(shell.float.value).toMatchObject({ x: 1000 - 480, y: 0 });
    act(() => void frame.dispatchEvent(pe('pointerup', 5000, -400)));
    expect(shell.dragging.value).toBe(false);
    // A button in the header does not start a drag.
    const tab = $('[role="tab"]')!;
    act(() => void tab.dispatchEvent(pe('pointerdown', 100, 70)));
    expect(shell.dragging.value).toBe(false);
  });

  it('resizes by dragging its handle, from where the drag began, docked or floating', () => {
    mount();
    act(() => {
      shell.viewport.value = { w: 1000, h: 700 };
      setDock(shell, 'right');
    });
    const frame = $('.frame')!;
    const pe = (type: string, x: number, y: number) => new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1, button: 0, bubbles: true, cancelable: true });
    const side = shell.side.value;
    act(() => void $('.resize')!.dispatchEvent(pe('pointerdown', 500, 300)));
    act(() => void frame.dispatchEvent(pe('pointermove', 470, 300)));
    act(() => void frame.dispatchEvent(pe('pointermove', 450, 300)));
    expect(shell.side.value).toBe(side + 50); // docked right: dragging left makes it wider
    act(() => void frame.dispatchEvent(pe('pointerup', 450, 300)));
    act(() => setDock(shell, 'float'));
    const r = shell.float.value;
    act(() => void $('.resize')!.dispatchEvent(pe('pointerdown', 500, 300)));
    act(() => void $('.frame')!.dispatchEvent(pe('pointermove', 540, 330)));
    expect(shell.float.value).toMatchObject({ x: r.x, y: r.y, w: r.w + 40, h: r.h + 30 });
    act(() => void $('.frame')!.dispatchEvent(pe('pointerup', 540, 330)));
    expect(shell.dragging.value).toBe(false);
  });

  it('sets the opacity from its slider (60-100 %)', () => {
    mount();
    const input = $<HTMLInputElement>('.opacity input')!;
    expect(input.min).toBe('60');
    input.value = '70';
    act(() => void input.dispatchEvent(new Event('input', { bubbles: true })));
    expect(shell.opacity.value).toBe(0.7);
    expect($('.frame')!.style.opacity).toBe('0.7');
  });

  it('follows the system theme, and the override cycles auto, dark, light', () => {
    mount();
    act(() => {
      shell.systemDark.value = true;
    });
    expect($('.shell')!.classList.contains('dark')).toBe(true);
    act(() => {
      shell.systemDark.value = false;
    });
    expect($('.shell')!.classList.contains('light')).toBe(true);
    act(() => $('.theme')!.click());
    expect(shell.theme.value).toBe('dark');
    expect($('.shell')!.classList.contains('dark')).toBe(true);
    act(() => $('.theme')!.click());
    expect(shell.theme.value).toBe('light');
    act(() => {
      shell.systemDark.value = true;
    });
    expect($('.shell')!.classList.contains('light')).toBe(true);
    act(() => $('.theme')!.click());
    expect(shell.theme.value).toBe('auto');
  });

  it('collapses to a badge (the panel unmounted) and expands again, moving focus', () => {
    mount();
    act(() => $('.collapse')!.click());
    expect($('.panel')).toBeNull();
    const badge = $('.badge')!;
    expect(badge.tagName).toBe('BUTTON');
    expect(badge.textContent).toContain('60');
    expect(document.activeElement).toBe(badge);
    act(() => badge.click());
    expect(shell.collapsed.value).toBe(false);
    expect($('.panel')).not.toBeNull();
    expect(document.activeElement?.textContent).toBe('log'); // the selected tab
  });

  it('polls the engine at most every 2 s while open (collapsed too), and counts warnings on the badge', async () => {
    vi.useFakeTimers();
    mount();
    await flush();
    expect(fake.calls.alerts).toBe(1);
    act(() => $('.collapse')!.click());
    fake.engine.anomalies = [anomaly(1, 9_000), anomaly(2, 9_500)];
    vi.advanceTimersByTime(WARN_POLL_MS - 1);
    await flush();
    expect(fake.calls.alerts).toBe(1);
    vi.advanceTimersByTime(1);
    await flush();
    expect(fake.calls.alerts).toBe(2);
    expect($('.badge-warn')!.textContent).toBe('⚠ 2');
    expect($('.badge')!.getAttribute('aria-label')).toContain('2 active warnings');
    // New ones toast even while collapsed.
    expect($('.toast')!.textContent).toContain('2 new warnings');
    act(() => $<HTMLButtonElement>('.toast-close')!.click());
    expect($('.toast')).toBeNull();
    // Closed: no more polls, no toast.
    act(() => {
      state.open.value = false;
    });
    fake.engine.anomalies = [...fake.engine.anomalies, anomaly(3, 9_800)];
    vi.advanceTimersByTime(WARN_POLL_MS * 5);
    await flush();
    expect(fake.calls.alerts).toBe(2);
    expect(shell.toaster.out.value).toBeNull();
  });

  it('with analytics off, the badge counts store problems and drops, and never asks the engine', async () => {
    vi.useFakeTimers();
    mount();
    await flush();
    fake.snap.analytics = false;
    fake.snap.store = { ...fake.snap.store, problems: ['no worker: CSP'] };
    fake.snap.counters = { ...fake.snap.counters, dropped: 3 };
    const before = fake.calls.alerts;
    vi.advanceTimersByTime(WARN_POLL_MS);
    await flush();
    expect(fake.calls.alerts).toBe(before);
    expect(shell.warnings.value).toBe(2);
    expect($('.warn-count')!.textContent).toBe('⚠ 2');
  });
});
