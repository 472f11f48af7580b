// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { describeTarget, HIDDEN_KEY, PlayerInput, textField, type PlayerInputOptions } from '../../../src/hooks/input';

let input: PlayerInput | null = null;
afterEach(() => {
  input?.stop();
  input = null;
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function setup(options: PlayerInputOptions = {}, sink?: (e: TraceEntry) => void) {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: sink ?? ((e) => entries.push(e)) });
  input = new PlayerInput(core, options);
  input.start();
  const types = () => entries.map((e) => e.type);
  return { core, input, entries, types };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  document.body.append(e);
  return e;
}

const key = (target: EventTarget, init: KeyboardEventInit, type = 'keydown') =>
  target.dispatchEvent(new KeyboardEvent(type, { bubbles: true, cancelable: true, ...init }));
const pointer = (target: EventTarget, type: string, init: PointerEventInit = {}) =>
  target.dispatchEvent(new PointerEvent(type, { bubbles: true, cancelable: true, ...init }));
const wheel = (target: EventTarget, init: WheelEventInit = {}) => target.dispatchEvent(new WheelEvent('wheel', { bubbles: true, ...init }));
const touch = (target: EventTarget, type: string, touches: number, changed: { clientX: number; clientY: number }[]) =>
  target.dispatchEvent(new TouchEvent(type, { bubbles: true, touches: Array(touches).fill({}), changedTouches: changed } as unknown as TouchEventInit));

/** Every kind of input once, at `target`. */
function everything(target: EventTarget, core: TraceCore): void {
  key(target, { key: 'a', code: 'KeyA' });
  key(target, { key: 'a', code: 'KeyA' }, 'keyup');
  pointer(target, 'pointerdown');
  pointer(target, 'pointerup');
  core.frame++;
  pointer(target, 'pointermove');
  touch(target, 'touchstart', 1, [{ clientX: 1, clientY: 2 }]);
  touch(target, 'touchend', 0, [{ clientX: 1, clientY: 2 }]);
  core.frame++;
  wheel(target, { deltaY: 100 });
}

describe('PlayerInput', () => {
  it('records keys with code, modifiers, repeat and the target as text', () => {
    const { entries } = setup();
    const canvas = el('canvas', { id: 'game', class: 'main  big extra' });
    key(canvas, { key: 'D', code: 'KeyD', shiftKey: true, ctrlKey: true });
    key(canvas, { key: 'ArrowUp', code: 'ArrowUp', repeat: true });
    key(canvas, { key: 'ArrowUp', code: 'ArrowUp' }, 'keyup');
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({
      kind: 'player',
      type: 'input:keydown',
      level: 'info',
      source: 'player',
      data: { key: 'D', code: 'KeyD', mods: 'ctrl+shift', target: 'canvas#game.main.big' },
    });
    expect(entries[0]!.data).not.toHaveProperty('repeat', true);
    expect(entries[1]!.data).toMatchObject({ key: 'ArrowUp', repeat: true });
    expect(entries[1]!.data).toHaveProperty('mods', undefined);
    expect(entries[2]).toMatchObject({ type: 'input:keyup', data: { key: 'ArrowUp' } });
    // Never the element: data is plain text and numbers, JSON as it is.
    expect(JSON.parse(JSON.stringify(entries[0]!.data))).toEqual({ key: 'D', code: 'KeyD', mods: 'ctrl+shift', target: 'canvas#game.main.big' });
  });

  it('never records what is typed into text fields, but keeps keys that type nothing', () => {
    const { entries } = setup();
    const fields = [el('input', { type: 'text', id: 'name' }), el('textarea'), el('select'), el('div', { contenteditable: 'true' })];
    for (const f of fields) key(f, { key: 'x', code: 'KeyX' });
    expect(entries.map((e) => e.data)).toEqual([
      expect.objectContaining({ key: HIDDEN_KEY, code: undefined, target: 'input#name' }),
      expect.objectContaining({ key: HIDDEN_KEY, code: undefined, target: 'textarea' }),
      expect.objectContaining({ key: HIDDEN_KEY, code: undefined, target: 'select' }),
      expect.objectContaining({ key: HIDDEN_KEY, code: undefined, target: 'div' }),
    ]);
    entries.length = 0;
    key(fields[0]!, { key: 'Enter', code: 'Enter' });
    key(fields[0]!, { key: 'Escape', code: 'Escape' });
    expect(entries.map((e) => e.data)).toEqual([
      expect.objectContaining({ key: 'Enter', code: 'Enter' }),
      expect.objectContaining({ key: 'Escape', code: 'Escape' }),
    ]);
    // Outside a field, the same key is recorded.
    entries.length = 0;
    key(document.body, { key: 'x', code: 'KeyX' });
    expect(entries[0]!.data).toMatchObject({ key: 'x', code: 'KeyX', target: 'body' });
  });

  it('captureText records typed keys, but never in a password field', () => {
    const { entries } = setup({ captureText: true });
    const name = el('input', { type: 'text' });
    const pass = el('input', { type: 'password' });
    const shown = el('input', { type: 'text', autocomplete: 'current-password' }); // after "show password"
    const code = el('input', { autocomplete: 'one-time-code' });
    key(name, { key: 'h', code: 'KeyH' });
    for (const f of [pass, shown, code]) {
      key(f, { key: 'h', code: 'KeyH' });
      key(f, { key: 'Enter', code: 'Enter' }); // not even keys that type nothing
    }
    expect(entries.map((e) => (e.data as { key: string }).key)).toEqual(['h', HIDDEN_KEY, HIDDEN_KEY, HIDDEN_KEY, HIDDEN_KEY, HIDDEN_KEY, HIDDEN_KEY]);
    expect(entries.slice(1).every((e) => (e.data as { code?: string }).code === undefined)).toBe(true);
  });

  it('sees a text field inside an open shadow root, though the event reaches window retargeted', () => {
    const { entries } = setup();
    const host = el('div', { id: 'widget' });
    const field = document.createElement('input');
    host.attachShadow({ mode: 'open' }).append(field);
    field.dispatchEvent(new KeyboardEvent('keydown', { key: 'q', code: 'KeyQ', bubbles: true, composed: true }));
    expect(entries[0]!.data).toMatchObject({ key: HIDDEN_KEY });
  });

  it('records pointer presses and releases with position, button and pointer type', () => {
    const { entries } = setup();
    const button = el('button', { id: 'start' });
    pointer(button, 'pointerdown', { clientX: 10.4, clientY: 20.6, button: 0, buttons: 1, pointerType: 'mouse', altKey: true });
    pointer(button, 'pointerup', { clientX: 11, clientY: 21, button: 0, buttons: 0, pointerType: 'mouse' });
    expect(entries.map((e) => e.type)).toEqual(['input:pointerdown', 'input:pointerup']);
    expect(entries[0]!.data).toMatchObject({ x: 10, y: 21, button: 0, buttons: 1, pointer: 'mouse', mods: 'alt', target: 'button#start' });
  });

  it('records at most one pointer move per frame, and counts the ones skipped', () => {
    const { core, input, entries } = setup();
    const canvas = el('canvas');
    for (let i = 0; i < 5; i++) pointer(canvas, 'pointermove', { clientX: i, clientY: i });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: 'input:pointermove', data: { x: 0, y: 0, target: 'canvas' } });
    expect(input.counters).toEqual({ recorded: 1, throttled: 4 });
    core.frame++;
    pointer(canvas, 'pointermove', { clientX: 7, clientY: 8 });
    pointer(canvas, 'pointermove', { clientX: 9, clientY: 9 });
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ frame: 1, data: { x: 7, y: 8 } });
    expect(input.counters).toEqual({ recorded: 2, throttled: 5 });
    // Presses are never throttled.
    pointer(canvas, 'pointerdown');
    pointer(canvas, 'pointerdown');
    expect(entries).toHaveLength(4);
  });

  it('records touches with the touch count, and wheel turns at most once per frame', () => {
    const { core, input, entries } = setup();
    const canvas = el('canvas', { id: 'c' });
    touch(canvas, 'touchstart', 2, [{ clientX: 5.2, clientY: 6.7 }]);
    touch(canvas, 'touchend', 1, [{ clientX: 5, clientY: 6 }]);
    expect(entries.map((e) => e.data)).toEqual([
      expect.objectContaining({ touches: 2, changed: 1, x: 5, y: 7, target: 'canvas#c' }),
      expect.objectContaining({ touches: 1, changed: 1 }),
    ]);
    expect(entries.map((e) => e.type)).toEqual(['input:touchstart', 'input:touchend']);
    entries.length = 0;
    wheel(canvas, { deltaY: 120.456, deltaX: 0 });
    wheel(canvas, { deltaY: 120 });
    wheel(canvas, { deltaY: 120 });
    core.frame++;
    wheel(canvas, { deltaY: -3, deltaMode: 1 });
    expect(entries.map((e) => e.data)).toEqual([
      expect.objectContaining({ dx: 0, dy: 120.46, target: 'canvas#c' }),
      expect.objectContaining({ dy: -3, mode: 1 }),
    ]);
    expect(input.counters.throttled).toBe(2);
  });

  it('turns each kind off by its option', () => {
    const cases: [keyof PlayerInputOptions, string[]][] = [
      ['keyboard', ['input:keydown', 'input:keyup']],
      ['pointer', ['input:pointerdown', 'input:pointerup', 'input:pointermove']],
      ['touch', ['input:touchstart', 'input:touchend']],
      ['wheel', ['input:wheel']],
    ];
    const all = cases.flatMap(([, t]) => t);
    for (const [option, off] of cases) {
      const { core, types } = setup({ [option]: false });
      everything(document.body, core);
      expect(types()).toEqual(all.filter((t) => !off.includes(t)));
      input!.stop();
    }
  });

  it('listens on window, in the capture phase and passively; the game still prevents defaults and stops propagation', () => {
    const add = vi.spyOn(window, 'addEventListener');
    const { entries } = setup();
    for (const call of add.mock.calls) expect(call[2]).toEqual({ capture: true, passive: true });
    expect(add.mock.calls.map((c) => c[0]).sort()).toEqual(
      ['gamepadconnected', 'gamepaddisconnected', 'keydown', 'keyup', 'pointerdown', 'pointermove', 'pointerup', 'touchcancel', 'touchend', 'touchstart', 'wheel'],
    );
    const canvas = el('canvas');
    canvas.addEventListener('keydown', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
    });
    const ev = new KeyboardEvent('keydown', { key: ' ', code: 'Space', bubbles: true, cancelable: true });
    canvas.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    expect(entries).toHaveLength(1); // capture phase: seen before the game stopped it
  });

  it('removes every listener on stop', () => {
    const add = vi.spyOn(window, 'addEventListener');
    const remove = vi.spyOn(window, 'removeEventListener');
    const { core, entries } = setup();
    input!.stop();
    expect(remove.mock.calls.map((c) => [c[0], c[1], c[2]])).toEqual(add.mock.calls.map((c) => [c[0], c[1], c[2]]));
    everything(document.body, core);
    expect(entries).toEqual([]);
    input!.stop(); // twice is fine
  });

  it('never lets its own errors reach the game', () => {
    const { core, input } = setup({}, () => {
      throw new Error('sink down');
    });
    const seen: string[] = [];
    const canvas = el('canvas');
    for (const type of ['keydown', 'pointerdown', 'pointermove', 'touchstart', 'wheel']) canvas.addEventListener(type, (ev) => seen.push(ev.type));
    const onError = vi.fn();
    window.addEventListener('error', onError);
    expect(() => {
      key(canvas, { key: 'a' });
      pointer(canvas, 'pointerdown');
      pointer(canvas, 'pointermove');
      touch(canvas, 'touchstart', 1, [{ clientX: 0, clientY: 0 }]);
      wheel(canvas, { deltaY: 1 });
    }).not.toThrow();
    window.removeEventListener('error', onError);
    expect(seen).toEqual(['keydown', 'pointerdown', 'pointermove', 'touchstart', 'wheel']);
    expect(core.counters.internalErrors).toBe(5);
    expect(onError).not.toHaveBeenCalled();
    expect(input.counters.recorded).toBe(0);
  });

  it('ignores what `ignore` names (the overlay)', () => {
    const { entries } = setup({ ignore: (t) => t.localName === 'trace-agent-overlay' });
    const host = document.createElement('trace-agent-overlay');
    document.body.append(host);
    const inside = document.createElement('button');
    host.attachShadow({ mode: 'open' }).append(inside);
    inside.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true, composed: true }));
    key(host, { key: 'a' });
    expect(entries).toEqual([]);
    pointer(document.body, 'pointerdown');
    expect(entries).toHaveLength(1);
  });

  describe('gamepads', () => {
    type Pad = { index: number; id: string; mapping: string; connected: boolean; buttons: { pressed: boolean; value: number }[]; axes: number[] };
    function fakePads() {
      const pads: (Pad | null)[] = [];
      const frames: FrameRequestCallback[] = [];
      let handles = 0;
      const cancelled: number[] = [];
      vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => {
        frames.push(cb);
        return ++handles;
      });
      vi.stubGlobal('cancelAnimationFrame', (h: number) => {
        cancelled.push(h);
        frames.length = 0;
      });
      Object.defineProperty(navigator, 'getGamepads', { value: () => pads, configurable: true });
      const pad = (index: number): Pad => ({
        index,
        id: 'Fake Pad (STANDARD GAMEPAD)',
        mapping: 'standard',
        connected: true,
        buttons: Array.from({ length: 4 }, () => ({ pressed: false, value: 0 })),
        axes: [0, 0],
      });
      const frame = () => {
        const run = frames.splice(0);
        for (const cb of run) cb(0);
      };
      const connect = (p: Pad, type = 'gamepadconnected') => window.dispatchEvent(Object.assign(new Event(type), { gamepad: p }));
      return { pads, pad, frame, frames, connect, cancelled };
    }
    afterEach(() => {
      delete (navigator as unknown as Record<string, unknown>)['getGamepads'];
    });

    it('does not poll while no gamepad is connected', () => {
      const f = fakePads();
      const { entries } = setup();
      expect(f.frames).toHaveLength(0);
      expect(entries).toEqual([]);
    });

    it('polls once a frame while one is connected: presses, releases and stick moves beyond the dead zone', () => {
      const f = fakePads();
      const { entries, types } = setup();
      const p = f.pad(0);
      f.pads[0] = p;
      f.connect(p);
      expect(entries[0]).toMatchObject({ type: 'input:gamepadconnected', data: { pad: 0, id: 'Fake Pad (STANDARD GAMEPAD)', mapping: 'standard', buttons: 4, axes: 2 } });
      expect(f.frames).toHaveLength(1); // one poll a frame
      f.frame();
      expect(entries).toHaveLength(1); // nothing changed
      p.buttons[1] = { pressed: true, value: 1 };
      p.buttons[2] = { pressed: true, value: 0.5 };
      f.frame();
      expect(entries.slice(1).map((e) => [e.type, e.data])).toEqual([
        ['input:gamepaddown', { pad: 0, button: 1, value: undefined }],
        ['input:gamepaddown', { pad: 0, button: 2, value: 0.5 }],
      ]);
      f.frame(); // still held: nothing new
      expect(entries).toHaveLength(3);
      p.buttons[1] = { pressed: false, value: 0 };
      p.axes = [0.1, -0.05]; // inside the dead zone
      f.frame();
      expect(types().slice(3)).toEqual(['input:gamepadup']);
      p.axes = [0.6, -0.05];
      f.frame();
      expect(entries.at(-1)).toMatchObject({ type: 'input:gamepadaxes', data: { pad: 0, axes: [0.6, 0] } });
      p.axes = [0.65, 0]; // moved less than the dead zone
      f.frame();
      expect(entries).toHaveLength(5);
      p.axes = [0.02, 0]; // back to rest
      f.frame();
      expect(entries.at(-1)).toMatchObject({ type: 'input:gamepadaxes', data: { axes: [0, 0] } });
      f.connect(p, 'gamepaddisconnected');
      expect(entries.at(-1)).toMatchObject({ type: 'input:gamepaddisconnected', data: { pad: 0 } });
      expect(f.frames).toHaveLength(0); // polling stopped
      expect(f.cancelled).toHaveLength(1);
    });

    it('adopts a pad connected before start, with held buttons as its baseline; the dead zone is an option', () => {
      const f = fakePads();
      const p = f.pad(1);
      p.buttons[0] = { pressed: true, value: 1 };
      f.pads[1] = p;
      const { entries } = setup({ deadZone: 0.5 });
      expect(f.frames).toHaveLength(1);
      f.frame();
      expect(entries).toEqual([]); // held before we started: not a press
      p.axes = [0.4, 0];
      f.frame();
      expect(entries).toEqual([]);
      p.axes = [0.9, 0];
      f.frame();
      expect(entries[0]).toMatchObject({ type: 'input:gamepadaxes', data: { pad: 1, axes: [0.9, 0] } });
    });

    it('gamepad: false neither listens nor polls; stop stops polling', () => {
      const f = fakePads();
      const p = f.pad(0);
      f.pads[0] = p;
      const off = setup({ gamepad: false });
      f.connect(p);
      expect(f.frames).toHaveLength(0);
      expect(off.entries).toEqual([]);
      input!.stop();
      const on = setup();
      expect(f.frames).toHaveLength(1);
      input!.stop();
      expect(f.frames).toHaveLength(0);
      p.buttons[0] = { pressed: true, value: 1 };
      f.frame();
      expect(on.entries).toEqual([]);
    });

    it('a poll that fails is counted and polling goes on', () => {
      const f = fakePads();
      const p = f.pad(0);
      f.pads[0] = p;
      const { core } = setup();
      Object.defineProperty(navigator, 'getGamepads', {
        value: () => {
          throw new Error('denied');
        },
        configurable: true,
      });
      expect(() => f.frame()).not.toThrow();
      expect(core.counters.internalErrors).toBe(1);
      expect(f.frames).toHaveLength(1);
    });
  });
});

describe('helpers', () => {
  it('describes targets in short text', () => {
    expect(describeTarget(window)).toBe('window');
    expect(describeTarget(document)).toBe('document');
    expect(describeTarget(null)).toBeUndefined();
    const c = document.createElement('canvas');
    c.id = 'x'.repeat(100);
    expect(describeTarget(c)).toBe(`canvas#${'x'.repeat(40)}`);
  });

  it('tells text fields from other elements', () => {
    expect(textField(document.createElement('canvas'))).toBeNull();
    expect(textField(null)).toBeNull();
    const pw = document.createElement('input');
    pw.type = 'password';
    expect(textField(pw)).toBe('secret');
    expect(textField(document.createElement('input'))).toBe('text');
  });
});


describe('keys typed inside a closed shadow root (from review)', () => {
  it('are hidden: the host of a closed root may hold a login form', () => {
    class LoginBox extends HTMLElement {}
    if (!customElements.get('login-box')) customElements.define('login-box', LoginBox);
    const host = document.createElement('login-box');
    host.attachShadow({ mode: 'closed' });
    document.body.appendChild(host);
    expect(textField(host)).toBe('text');
    const open = document.createElement('div');
    expect(textField(open)).toBeNull();
    host.remove();
  });
});
