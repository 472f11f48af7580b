/**
 * The flame chart's controller: one canvas (reused, sized in device pixels
 * for crisp lines), a tooltip and a live region, and the input that moves
 * the view. Nothing here goes through Preact: hover, drag, wheel and keys
 * change the controller's state and ask for a draw, and draws are coalesced
 * to one per animation frame, only when the data, the view, the size or the
 * theme changed. Colours are the overlay's CSS variables, read once per
 * theme (the shell's class changing).
 *
 * Everything shown about a span is text (textContent), never markup.
 */
import { listen, unlisten } from '../../core/builtins';
import { cssVars } from '../charts';
import { formatDuration } from '../format';
import { timers } from '../timers';
import type { WaterfallRow } from './agents';
import { drawFlame, FLAME_COLORS, FONT, tickLabel, type FlamePalette } from './flame-draw';
import { describeSpan, sameInView, spanTooltip, type FlameLayout, type FlameSpan } from './flame-layout';
import { AXIS_H, clampView, fit, hitTest, moveSelection, panBy, reveal, ROW_H, rowsShown, timeAt, wheelFactor, zoomAt, type NavKey, type Viewport } from './flame-view';

export interface FlameChartOptions {
  /** A span clicked or Enter pressed on it: open its entries in the log. */
  onPick: (row: WaterfallRow) => void;
  /** The selected span, as one line (for the live region), or null when none. */
  onSelect?: (text: string | null) => void;
}

export interface FlameChartHandle {
  setData(layout: FlameLayout): void;
  destroy(): void;
}

/** A drag shorter than this (CSS pixels) is a click. */
const CLICK_PX = 4;
/** A key's zoom step. */
const KEY_ZOOM = 1.5;
const NAV_KEYS: Readonly<Record<string, NavKey>> = { ArrowLeft: 'ArrowLeft', ArrowRight: 'ArrowRight', ArrowUp: 'ArrowUp', ArrowDown: 'ArrowDown', Home: 'Home', End: 'End' };

export function createFlameChart(host: HTMLElement, options: FlameChartOptions): FlameChartHandle {
  const doc = host.ownerDocument;
  const canvas = doc.createElement('canvas');
  canvas.className = 'fc-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'application');
  canvas.setAttribute('aria-roledescription', 'flame chart');
  canvas.setAttribute('aria-label', 'Recent spans: time left to right, nesting top to bottom. Arrow keys select a span, + and − zoom, 0 fits, Enter opens its entries in the log.');
  const tip = doc.createElement('div');
  tip.className = 'fc-tip';
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;
  const range = doc.createElement('div');
  range.className = 'fc-range';
  host.append(canvas, tip, range);
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = canvas.getContext('2d');
  } catch {
    ctx = null; // no canvas here (a test DOM, canvas disabled): keys and the live region still work
  }

  let layout: FlameLayout | null = null;
  let view: Viewport | null = null;
  /** Until the user moves the view, it follows the data (the newest spans, all of them). */
  let following = true;
  let selected: FlameSpan | null = null;
  let hovered: FlameSpan | null = null;
  let palette: FlamePalette | null = null;
  let charW = 6;
  let width = 0;
  let dpr = 0;
  let rows = 0;
  let queued = false;
  let alive = true;

  // The host's width, read once here and then from the ResizeObserver's entries: a draw reads no layout.
  const widthOf = (w: number) => Math.max(120, Math.floor(w || 400));
  let hostWidth = widthOf(host.clientWidth);
  /** The host has no width (its tab or the overlay hidden): nothing is drawn until it has one again. */
  let hidden = false;

  const draw = () => {
    queued = false;
    if (!alive || hidden || !layout || !view) return;
    try {
      paint(layout, view);
    } catch {
      // A frame callback: nothing throws into the page. The next data, size or input draws again.
    }
  };
  const paint = (layout: FlameLayout, view: Viewport) => {
    rows = rowsShown(layout);
    const ratio = Math.max(1, Math.min(4, (typeof devicePixelRatio === 'number' && devicePixelRatio) || 1));
    const height = AXIS_H + rows * ROW_H;
    // Resized only when its size changes: a canvas keeps its buffer between draws.
    if (width !== hostWidth || dpr !== ratio || canvas.height !== Math.round(height * ratio)) {
      width = hostWidth;
      dpr = ratio;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.setProperty('--fc-h', `${height}px`);
    }
    if (!ctx) {
      range.textContent = rangeText(view, following);
      return;
    }
    if (!palette) {
      palette = cssVars(host, FLAME_COLORS);
      ctx.font = FONT;
      charW = ctx.measureText('M').width || 6;
    }
    const shown = rangeText(view, following);
    if (range.textContent !== shown) range.textContent = shown;
    drawFlame(ctx, layout, view, { width, rows }, dpr, palette, charW, { selected, hovered });
  };
  const schedule = () => {
    if (queued || !alive) return;
    queued = true;
    timers.requestFrame(draw);
  };

  const setView = (v: Viewport, byUser: boolean) => {
    view = v;
    if (byUser) following = false;
    schedule();
  };

  const announce = () => options.onSelect?.(selected ? `${describeSpan(selected.row.e)} · level ${selected.level + 1}` : null);

  const select = (s: FlameSpan | null) => {
    selected = s;
    const shown = s && layout && view ? reveal(view, s, layout, rowsShown(layout)) : view;
    // Only a view that had to move stops following the data.
    if (shown && view && (shown.from !== view.from || shown.to !== view.to || shown.top !== view.top)) setView(shown, true);
    else schedule();
    announce();
  };

  const showTip = (s: FlameSpan | null, x: number, y: number) => {
    if (s !== hovered) {
      hovered = s;
      schedule();
      if (s) tip.textContent = spanTooltip(s.row);
    }
    tip.hidden = s === null;
    if (s) {
      // Kept inside the chart: to the left of the pointer near the right edge.
      const flip = x > width - 220;
      tip.style.setProperty('--tx', `${flip ? Math.max(0, x - 12) : x + 12}px`);
      tip.style.setProperty('--ty', `${y + 14}px`);
      tip.classList.toggle('flip', flip);
    }
  };

  const local = (ev: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  };
  const size = () => ({ width, rows });

  // ---- pointer: hover, drag to pan, click to pick --------------------------------
  /** Where the pointer rests over the canvas (null when not over it): new data is hit-tested there again. */
  let pointer: { x: number; y: number } | null = null;
  let drag: { x: number; y: number; view: Viewport; moved: boolean; id: number } | null = null;
  const onDown = (ev: PointerEvent) => {
    if (ev.button !== 0 || !view) return;
    const p = local(ev);
    drag = { x: p.x, y: p.y, view, moved: false, id: ev.pointerId };
    try {
      canvas.setPointerCapture(ev.pointerId);
    } catch {
      /* no capture here: the drag still follows while the pointer is over the canvas */
    }
  };
  const onMove = (ev: PointerEvent) => {
    if (!layout || !view) return;
    const p = local(ev);
    if (drag) {
      const dx = p.x - drag.x;
      const dy = p.y - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < CLICK_PX) return;
      drag.moved = true;
      showTip(null, 0, 0);
      setView(panBy(drag.view, dx, -Math.round(dy / ROW_H), width, layout, rowsShown(layout)), true);
      return;
    }
    pointer = p;
    showTip(hitTest(layout, view, p.x, p.y, size()), p.x, p.y);
  };
  const onUp = (ev: PointerEvent) => {
    const d = drag;
    drag = null;
    try {
      canvas.releasePointerCapture(ev.pointerId);
    } catch {
      /* not captured */
    }
    if (!d || d.moved || !layout || !view) return;
    const p = local(ev);
    const s = hitTest(layout, view, p.x, p.y, size());
    if (s) {
      selected = s;
      announce();
      schedule();
      options.onPick(s.row);
    }
  };
  const onLeave = () => {
    pointer = null;
    if (!drag) showTip(null, 0, 0);
  };
  const onWheel = (ev: WheelEvent) => {
    if (!layout || !view) return;
    ev.preventDefault();
    const p = local(ev);
    const rowsN = rowsShown(layout);
    // A sideways scroll (a trackpad, shift+wheel) pans; up and down zoom around the pointer.
    const sideways = Math.abs(ev.deltaX) > Math.abs(ev.deltaY) || ev.shiftKey;
    if (sideways) setView(panBy(view, -(ev.deltaX || ev.deltaY), 0, width, layout, rowsN), true);
    else setView(zoomAt(view, timeAt(view, p.x, width), wheelFactor(ev.deltaY, ev.deltaMode), layout, rowsN), true);
    showTip(hitTest(layout, view, p.x, p.y, size()), p.x, p.y);
  };

  // ---- keys: select, zoom, fit, open ----------------------------------------------
  const onKey = (ev: KeyboardEvent) => {
    if (!layout || !view || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const nav = NAV_KEYS[ev.key];
    const rowsN = rowsShown(layout);
    const centre = selected ? (selected.row.start + selected.row.end) / 2 : (view.from + view.to) / 2;
    if (nav) select(moveSelection(layout, selected, nav, view));
    else if (ev.key === '+' || ev.key === '=') setView(zoomAt(view, centre, 1 / KEY_ZOOM, layout, rowsN), true);
    else if (ev.key === '-' || ev.key === '_') setView(zoomAt(view, centre, KEY_ZOOM, layout, rowsN), true);
    else if (ev.key === '0') {
      following = true;
      setView(fit(layout), false);
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      if (selected) options.onPick(selected.row);
    } else return;
    // Ours: not the game's, not the tabs' (the overlay's hotkey and Esc pass, they have modifiers or are not listed).
    ev.preventDefault();
    ev.stopPropagation();
  };
  const onFocus = () => {
    if (!selected && layout && view) select(moveSelection(layout, null, 'Home', view));
  };
  const onBlur = () => schedule();

  const on: [string, EventListener, AddEventListenerOptions?][] = [
    ['pointerdown', onDown as EventListener],
    ['pointermove', onMove as EventListener],
    ['pointerup', onUp as EventListener],
    ['pointercancel', onUp as EventListener],
    ['pointerleave', onLeave],
    ['wheel', onWheel as EventListener, { passive: false }],
    ['keydown', onKey as EventListener],
    ['focus', onFocus],
    ['blur', onBlur],
  ];
  for (const [type, fn, opts] of on) listen(canvas, type, fn, opts);

  // A new size or a new theme: draw again (colours read again for a theme).
  const ro =
    typeof ResizeObserver === 'function'
      ? new ResizeObserver((entries) => {
          const w = entries[entries.length - 1]?.contentRect.width;
          if (w === undefined) return;
          const wasHidden = hidden;
          hidden = w <= 0;
          if (hidden || (!wasHidden && widthOf(w) === hostWidth)) return;
          hostWidth = widthOf(w);
          schedule();
        })
      : null;
  ro?.observe(host);
  const shell = host.closest('.shell');
  const mo =
    shell && typeof MutationObserver === 'function'
      ? new MutationObserver(() => {
          palette = null;
          schedule();
        })
      : null;
  if (shell) mo?.observe(shell, { attributes: true, attributeFilter: ['class'] });
  // A new devicePixelRatio (browser zoom, another screen): the canvas re-sized at the new ratio, so it stays crisp.
  let dprQuery: MediaQueryList | null = null;
  const onDpr = () => {
    watchDpr();
    schedule();
  };
  const watchDpr = () => {
    if (dprQuery) unlisten(dprQuery, 'change', onDpr);
    try {
      dprQuery = matchMedia(`(resolution: ${devicePixelRatio}dppx)`);
    } catch {
      dprQuery = null; // no matchMedia here: the ratio is still read on every draw
    }
    if (dprQuery) listen(dprQuery, 'change', onDpr);
  };
  watchDpr();

  return {
    setData(next) {
      const before = layout;
      const shownBefore = view;
      layout = next;
      const rowsN = rowsShown(next);
      view = following || !view ? fit(next) : clampView(view, next, rowsN);
      // The same view of the same spans there (zoomed in on older ones, say): nothing to draw anew.
      const unchanged = before !== null && shownBefore !== null && sameViewport(shownBefore, view) && sameInView(before, next, view.from, view.to, view.top, rowsN);
      // The same spans keep their selection and hover (by seq); gone ones lose them.
      const had = selected;
      selected = had ? (next.bySeq.get(had.row.e.seq) ?? null) : null;
      if (had && !selected) announce();
      // New data moves the spans (the view follows it): the tooltip is for what is under the pointer now.
      if (pointer && !drag) showTip(hitTest(next, view, pointer.x, pointer.y, { width, rows: rowsN }), pointer.x, pointer.y);
      else if (hovered) {
        hovered = next.bySeq.get(hovered.row.e.seq) ?? null;
        if (!hovered) tip.hidden = true;
      }
      if (!unchanged || selected?.row.e.seq !== had?.row.e.seq) schedule();
    },
    destroy() {
      alive = false;
      for (const [type, fn, opts] of on) unlisten(canvas, type, fn, opts);
      ro?.disconnect();
      mo?.disconnect();
      if (dprQuery) unlisten(dprQuery, 'change', onDpr);
      canvas.remove();
      tip.remove();
      range.remove();
    },
  };
}

const sameViewport = (a: Viewport, b: Viewport) => a.from === b.from && a.to === b.to && a.top === b.top;

/** The range shown, under the chart: its ends to a hundredth of its width, and its width. */
function rangeText(v: Viewport, following: boolean): string {
  const step = (v.to - v.from) / 100;
  return `${tickLabel(v.from, step)} – ${tickLabel(v.to, step)} · ${formatDuration(v.to - v.from)} shown${following ? '' : ' · 0 fits'}`;
}
