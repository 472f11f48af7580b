/**
 * Player input as `player` entries: keyboard, pointer, touch, wheel and
 * gamepad. Opt-in. Listens on `window` in the capture phase and passively, so
 * the game's own handlers run as before: never delayed, and preventDefault
 * keeps working for them. Moves and wheel turns are kept to one per
 * animation frame; a stick is polled once per frame, and only while a
 * gamepad is connected.
 *
 * Privacy: targets are described as short text (`canvas#game.main`), never
 * kept as elements; what is typed into a text field is never recorded
 * unless `captureText` is set, and never in a password field.
 */
import type { TraceCore } from '../core/agent';
import { withDefaults } from '../core/defaults';
import {
  INPUT_GAMEPAD_AXES,
  INPUT_GAMEPAD_CONNECTED,
  INPUT_GAMEPAD_DISCONNECTED,
  INPUT_GAMEPAD_DOWN,
  INPUT_GAMEPAD_UP,
  INPUT_KEY_DOWN,
  INPUT_KEY_UP,
  INPUT_POINTER_DOWN,
  INPUT_POINTER_MOVE,
  INPUT_POINTER_UP,
  INPUT_WHEEL,
} from '../core/event-types';

export interface PlayerInputOptions {
  /** keydown and keyup (default true). */
  keyboard?: boolean;
  /** pointerdown, pointerup and pointermove, one move per frame at most (default true). */
  pointer?: boolean;
  /** touchstart, touchend and touchcancel (default true). */
  touch?: boolean;
  /** wheel, one per frame at most (default true). */
  wheel?: boolean;
  /** Gamepad buttons and sticks, polled once per frame while one is connected (default true). */
  gamepad?: boolean;
  /** Record the keys typed into text fields (default false). Password fields are never recorded. */
  captureText?: boolean;
  /** Stick movement smaller than this is ignored, and values inside it read as 0 (default 0.15). */
  deadZone?: number;
  /** Events on or inside an element for which this returns true are not recorded (the overlay's host, say). */
  ignore?: (target: Element) => boolean;
}

export interface PlayerInputCounters {
  /** Input entries emitted. */
  recorded: number;
  /** Moves and wheel turns skipped because one was already recorded in that frame. */
  throttled: number;
}

/** What replaces a key typed into a text field. */
export const HIDDEN_KEY = '…';

/**
 * Keys that type nothing, kept even in text fields: a game's chat box is
 * submitted with Enter and closed with Escape, and that is worth seeing.
 */
const NAMED_KEYS = new Set([
  'Enter', 'Escape', 'Tab', 'Backspace', 'Delete', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight',
  'Home', 'End', 'PageUp', 'PageDown', 'Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'CapsLock',
]);

/** autocomplete tokens of fields as secret as a password, even when a "show password" button made them type=text. */
const SECRET_AUTOCOMPLETE = /password|one-time-code|cc-/i;

interface PadState {
  buttons: boolean[];
  /** The axes as last recorded, dead zone applied. */
  axes: number[];
}

type ResolvedOptions = Required<Omit<PlayerInputOptions, 'ignore'>> & Pick<PlayerInputOptions, 'ignore'>;

const DEFAULTS: ResolvedOptions = { keyboard: true, pointer: true, touch: true, wheel: true, gamepad: true, captureText: false, deadZone: 0.15 };

type Listener = [type: string, fn: (ev: Event) => void];

const LISTEN: AddEventListenerOptions = { capture: true, passive: true };

export class PlayerInput {
  readonly counters: PlayerInputCounters = { recorded: 0, throttled: 0 };
  private readonly options: ResolvedOptions;
  private listeners: Listener[] = [];
  private running = false;
  /** Frame of the last recorded move and wheel turn; -1: none yet. */
  private moveFrame = -1;
  private wheelFrame = -1;
  private readonly pads = new Map<number, PadState>();
  private pollHandle = 0;
  private polling = false;

  constructor(
    private readonly core: TraceCore,
    options: PlayerInputOptions = {},
  ) {
    this.options = withDefaults<ResolvedOptions>(DEFAULTS, options);
  }

  start(): void {
    if (this.running || typeof window === 'undefined') return;
    this.running = true;
    const o = this.options;
    const on = (type: string, fn: (ev: Event) => void) => this.listeners.push([type, this.guard(fn)]);
    if (o.keyboard) {
      on('keydown', (ev) => this.key(ev as KeyboardEvent));
      on('keyup', (ev) => this.key(ev as KeyboardEvent));
    }
    if (o.pointer) {
      on('pointerdown', (ev) => this.pointer(ev as PointerEvent));
      on('pointerup', (ev) => this.pointer(ev as PointerEvent));
      on('pointermove', (ev) => this.move(ev as PointerEvent));
    }
    if (o.touch) {
      on('touchstart', (ev) => this.touch(ev as TouchEvent));
      on('touchend', (ev) => this.touch(ev as TouchEvent));
      on('touchcancel', (ev) => this.touch(ev as TouchEvent));
    }
    if (o.wheel) on('wheel', (ev) => this.wheel(ev as WheelEvent));
    if (o.gamepad) {
      on('gamepadconnected', (ev) => this.padConnected(ev as GamepadEvent, true));
      on('gamepaddisconnected', (ev) => this.padConnected(ev as GamepadEvent, false));
    }
    for (const [type, fn] of this.listeners) window.addEventListener(type, fn, LISTEN);
    // A pad connected before we started sends no event: look once.
    if (o.gamepad) {
      try {
        this.adoptConnectedPads();
      } catch {
        this.core.counters.internalErrors++;
      }
    }
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const [type, fn] of this.listeners) window.removeEventListener(type, fn, LISTEN);
    this.listeners = [];
    this.stopPolling();
    this.pads.clear();
    this.moveFrame = -1;
    this.wheelFrame = -1;
  }

  /** Our failures are counted, never thrown into the page's event dispatch. */
  private guard(fn: (ev: Event) => void): (ev: Event) => void {
    return (ev) => {
      try {
        fn(ev);
      } catch {
        this.core.counters.internalErrors++;
      }
    };
  }

  private record(type: string, data: Record<string, unknown>): void {
    this.core.emit({ kind: 'player', type, level: 'info', source: 'player', data });
    this.counters.recorded++;
  }

  /** The element an event was really aimed at (inside open shadow roots too), or null when ignored. */
  private targetOf(ev: Event): { el: Element | null; ignored: boolean } {
    // At window an event from a shadow tree is retargeted to its host; the
    // first node of the composed path is the element itself (open roots only).
    const path = typeof ev.composedPath === 'function' ? ev.composedPath() : [];
    const first = path[0] ?? ev.target;
    const el = isElement(first) ? first : isElement(ev.target) ? ev.target : null;
    const ignore = this.options.ignore;
    let ignored = false;
    if (ignore) {
      for (const node of path.length > 0 ? path : [ev.target]) {
        if (isElement(node) && ignore(node)) {
          ignored = true;
          break;
        }
      }
    }
    return { el, ignored };
  }

  private key(ev: KeyboardEvent): void {
    const { el, ignored } = this.targetOf(ev);
    if (ignored) return;
    let key = String(ev.key ?? '').slice(0, 32);
    let code: string | undefined = String(ev.code ?? '').slice(0, 32);
    const field = textField(el);
    if (field === 'secret' || (field === 'text' && !this.options.captureText && !NAMED_KEYS.has(key))) {
      // The physical key says as much as the character: both go.
      key = HIDDEN_KEY;
      code = undefined;
    }
    this.record(ev.type === 'keydown' ? INPUT_KEY_DOWN : INPUT_KEY_UP, {
      key,
      code,
      mods: modifiers(ev),
      repeat: ev.repeat || undefined,
      target: describeTarget(el ?? ev.target),
    });
  }

  private pointer(ev: PointerEvent): void {
    const { el, ignored } = this.targetOf(ev);
    if (ignored) return;
    this.record(ev.type === 'pointerdown' ? INPUT_POINTER_DOWN : INPUT_POINTER_UP, {
      x: Math.round(ev.clientX),
      y: Math.round(ev.clientY),
      button: ev.button,
      buttons: ev.buttons,
      pointer: ev.pointerType || undefined,
      mods: modifiers(ev),
      target: describeTarget(el ?? ev.target),
    });
  }

  private move(ev: PointerEvent): void {
    // One move a frame: the frame is the unit the game sees input in.
    if (this.core.frame === this.moveFrame) {
      this.counters.throttled++;
      return;
    }
    const { el, ignored } = this.targetOf(ev);
    if (ignored) return;
    this.moveFrame = this.core.frame;
    this.record(INPUT_POINTER_MOVE, {
      x: Math.round(ev.clientX),
      y: Math.round(ev.clientY),
      buttons: ev.buttons || undefined,
      pointer: ev.pointerType || undefined,
      target: describeTarget(el ?? ev.target),
    });
  }

  private touch(ev: TouchEvent): void {
    const { el, ignored } = this.targetOf(ev);
    if (ignored) return;
    const first = ev.changedTouches?.[0];
    this.record(`input:${ev.type}`, {
      touches: ev.touches?.length ?? 0,
      changed: ev.changedTouches?.length ?? 0,
      x: first ? Math.round(first.clientX) : undefined,
      y: first ? Math.round(first.clientY) : undefined,
      target: describeTarget(el ?? ev.target),
    });
  }

  private wheel(ev: WheelEvent): void {
    if (this.core.frame === this.wheelFrame) {
      this.counters.throttled++;
      return;
    }
    const { el, ignored } = this.targetOf(ev);
    if (ignored) return;
    this.wheelFrame = this.core.frame;
    this.record(INPUT_WHEEL, {
      dx: round2(ev.deltaX),
      dy: round2(ev.deltaY),
      dz: ev.deltaZ ? round2(ev.deltaZ) : undefined,
      // 0 pixels, 1 lines, 2 pages
      mode: ev.deltaMode || undefined,
      mods: modifiers(ev),
      target: describeTarget(el ?? ev.target),
    });
  }

  // ---- gamepads ----

  private padConnected(ev: GamepadEvent, connected: boolean): void {
    const pad = ev.gamepad;
    if (!pad) return;
    this.record(connected ? INPUT_GAMEPAD_CONNECTED : INPUT_GAMEPAD_DISCONNECTED, {
      pad: pad.index,
      id: String(pad.id).slice(0, 100),
      mapping: pad.mapping || undefined,
      buttons: pad.buttons?.length,
      axes: pad.axes?.length,
    });
    if (connected) {
      this.pads.set(pad.index, newPadState(pad));
      this.startPolling();
    } else {
      this.pads.delete(pad.index);
      if (this.pads.size === 0) this.stopPolling();
    }
  }

  private adoptConnectedPads(): void {
    for (const pad of readPads()) {
      if (pad && pad.connected !== false && !this.pads.has(pad.index)) this.pads.set(pad.index, newPadState(pad));
    }
    if (this.pads.size > 0) this.startPolling();
  }

  private startPolling(): void {
    if (this.polling || typeof requestAnimationFrame !== 'function') return;
    this.polling = true;
    const tick = () => {
      if (!this.polling) return;
      try {
        this.poll();
      } catch {
        this.core.counters.internalErrors++;
      }
      this.pollHandle = requestAnimationFrame(tick);
    };
    this.pollHandle = requestAnimationFrame(tick);
  }

  private stopPolling(): void {
    if (!this.polling) return;
    this.polling = false;
    if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this.pollHandle);
  }

  /** Compares each connected pad with what was last recorded of it. */
  private poll(): void {
    const dz = this.options.deadZone;
    for (const pad of readPads()) {
      if (!pad) continue;
      const state = this.pads.get(pad.index);
      if (!state) continue;
      const buttons = pad.buttons ?? [];
      for (let i = 0; i < buttons.length; i++) {
        const pressed = !!buttons[i]?.pressed;
        if (pressed === !!state.buttons[i]) continue;
        state.buttons[i] = pressed;
        const value = buttons[i]?.value ?? 0;
        this.record(pressed ? INPUT_GAMEPAD_DOWN : INPUT_GAMEPAD_UP, {
          pad: pad.index,
          button: i,
          // Analog triggers: how far; a digital button is just pressed.
          value: value > 0 && value < 1 ? round2(value) : undefined,
        });
      }
      // The sticks: one entry a frame at most, with every axis, when one of
      // them moved by more than the dead zone (or into or out of it).
      const axes = pad.axes ?? [];
      let moved = false;
      const now: number[] = new Array(axes.length);
      for (let i = 0; i < axes.length; i++) {
        const raw = Number(axes[i]) || 0;
        const v = Math.abs(raw) < dz ? 0 : round2(raw);
        now[i] = v;
        const before = state.axes[i] ?? 0;
        if (v !== before && (Math.abs(v - before) >= dz || v === 0 || before === 0)) moved = true;
      }
      if (moved) {
        state.axes = now;
        this.record(INPUT_GAMEPAD_AXES, { pad: pad.index, axes: now });
      }
    }
  }
}

function readPads(): readonly (Gamepad | null)[] {
  const nav = typeof navigator !== 'undefined' ? navigator : undefined;
  if (!nav || typeof nav.getGamepads !== 'function') return [];
  return nav.getGamepads() ?? [];
}

function newPadState(pad: Gamepad): PadState {
  // What is held when we start is the baseline, not a press.
  return {
    buttons: Array.from(pad.buttons ?? [], (b) => !!b?.pressed),
    axes: Array.from(pad.axes ?? [], () => 0),
  };
}

function isElement(t: unknown): t is Element {
  return !!t && typeof t === 'object' && (t as Node).nodeType === 1;
}

/** 'text' for an editable field, 'secret' for a password (or as secret), null otherwise. */
export function textField(el: Element | null): 'text' | 'secret' | null {
  if (!el) return null;
  const tag = el.localName;
  if (tag === 'input') {
    const input = el as HTMLInputElement;
    if (String(input.type).toLowerCase() === 'password') return 'secret';
    if (SECRET_AUTOCOMPLETE.test(input.getAttribute('autocomplete') ?? '')) return 'secret';
    return 'text';
  }
  if (tag === 'textarea' || tag === 'select') return 'text';
  if ((el as HTMLElement).isContentEditable === true) return 'text';
  // A custom element whose shadow root we cannot see (closed): what is typed
  // inside it (a login form) reaches us as aimed at the host. Assume a field.
  if (tag.includes('-') && (el as HTMLElement).shadowRoot === null) return 'text';
  return null;
}

/** `tag#id.class1.class2`, short: enough to tell the canvas from a button. */
export function describeTarget(t: EventTarget | null): string | undefined {
  if (!t) return undefined;
  if (typeof window !== 'undefined' && t === window) return 'window';
  const node = t as Node;
  if (node.nodeType === 9) return 'document';
  if (!isElement(t)) return undefined;
  let s = t.localName;
  if (t.id) s += `#${t.id.slice(0, 40)}`;
  const cls = typeof t.className === 'string' ? t.className.trim() : '';
  if (cls) s += `.${cls.split(/\s+/, 2).join('.').slice(0, 40)}`;
  return s;
}

function modifiers(ev: KeyboardEvent | MouseEvent): string | undefined {
  let s = '';
  if (ev.ctrlKey) s += '+ctrl';
  if (ev.altKey) s += '+alt';
  if (ev.shiftKey) s += '+shift';
  if (ev.metaKey) s += '+meta';
  return s ? s.slice(1) : undefined;
}

function round2(n: number): number {
  return Math.round((Number(n) || 0) * 100) / 100;
}
