// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { layoutWaterfall } from '../../../src/overlay/panels/agents';
import { drawFlame, FLAME_COLORS, ticks, tickLabel } from '../../../src/overlay/panels/flame-draw';
import { firstEndingAfter, fitText, layoutFlame, nearestAt, spanTooltip, type FlameLayout } from '../../../src/overlay/panels/flame-layout';
import { AXIS_H, clampView, fit, hitTest, MIN_SPAN, moveSelection, panBy, reveal, ROW_H, rowsShown, timeAt, wheelFactor, xOf, zoomAt } from '../../../src/overlay/panels/flame-view';
import { span } from './panels-fake';

/** Spans from [start, end] pairs: `s(seq, start, end, parent?)`. */
const s = (seq: number, start: number, end: number, parentId?: number, over: Partial<TraceEntry> = {}) =>
  span(seq, { ts: end, dur: end - start, spanId: seq, ...(parentId !== undefined ? { parentId } : {}), ...over });

function flame(entries: TraceEntry[]): FlameLayout {
  const w = layoutWaterfall(entries);
  return layoutFlame(w.rows, w.from, w.to);
}

/** Seqs by level: what the chart draws on each row. */
const levels = (f: FlameLayout) => f.levels.map((l) => l.map((x) => x.row.e.seq));

// A root (0..100) with two children, one of which has a child; a second root later; an overlapping async sibling pair.
const TREE = [s(1, 0, 100), s(2, 10, 40, 1), s(3, 50, 90, 1), s(4, 55, 60, 3), s(5, 120, 130), s(6, 140, 200), s(7, 150, 180, 6, { async: true }), s(8, 160, 190, 6, { async: true })];

describe('the flame layout', () => {
  it('puts children one level below their parent, in time order', () => {
    const f = flame(TREE);
    expect(levels(f)).toEqual([
      [1, 5, 6],
      [2, 3, 7],
      [4, 8],
    ]);
    expect(f.from).toBe(0);
    expect(f.to).toBe(200);
    for (const l of f.levels) l.forEach((x, i) => expect(x.index).toBe(i));
  });

  it('gives overlapping siblings levels of their own, so no span is drawn over another', () => {
    const f = flame(TREE);
    for (const level of f.levels) {
      for (let i = 1; i < level.length; i++) expect(level[i]!.row.start).toBeGreaterThanOrEqual(level[i - 1]!.row.end);
    }
    // 8 overlaps 7 (both under 6): it goes below, on the first free level.
    expect(f.bySeq.get(8)!.level).toBe(2);
  });

  it('takes a duration that is NaN, infinite or negative as 0: the axis stays finite and each level stays in order', () => {
    const bad = [span(1, { ts: 50, dur: NaN, spanId: 1 }), span(2, { ts: 60, dur: Infinity, spanId: 2 }), span(3, { ts: 70, dur: -30, spanId: 3 }), s(4, 10, 40), s(5, 45, 80)];
    const f = flame(bad);
    expect(f.from).toBe(10);
    expect(f.to).toBe(80);
    for (const level of f.levels) {
      for (const x of level) expect(x.row.end).toBeGreaterThanOrEqual(x.row.start);
      for (let i = 1; i < level.length; i++) expect(level[i]!.row.start).toBeGreaterThanOrEqual(level[i - 1]!.row.end);
    }
    expect(f.bySeq.get(1)!.row.start).toBe(50);
    expect(f.bySeq.get(2)!.row.start).toBe(60);
    expect(f.bySeq.get(3)!.row.start).toBe(70);
  });

  it('finds what is in view by binary search, and the nearest span to a time', () => {
    const level = flame(TREE).levels[0]!;
    expect(firstEndingAfter(level, 0)).toBe(0);
    expect(firstEndingAfter(level, 101)).toBe(1);
    expect(firstEndingAfter(level, 131)).toBe(2);
    expect(firstEndingAfter(level, 201)).toBe(3);
    expect(nearestAt(level, 50)!.row.e.seq).toBe(1);
    expect(nearestAt(level, 112)!.row.e.seq).toBe(5); // 8 from 5's start, 12 from 1's end
    expect(nearestAt(level, 500)!.row.e.seq).toBe(6);
    expect(nearestAt([], 1)).toBeNull();
  });

  it("describes a span as text: name, duration, status, a short summary of its args, its error", () => {
    const f = flame([s(1, 0, 12.5, undefined, { source: 'npc', method: 'decide', args: [{ id: 7, mood: 'grim' }, 'x'.repeat(200)], status: 'error', error: { name: 'TypeError', message: 'no path' } })]);
    const tip = spanTooltip(f.levels[0]![0]!.row);
    const lines = tip.split('\n');
    expect(lines[0]).toBe('npc.decide');
    expect(lines[1]).toBe('12.5ms · error');
    expect(lines[2]).toMatch(/^args \[\{"id":7,"mood":"grim"\},"x+…$/);
    expect(lines[2]!.length).toBeLessThan(90);
    expect(lines[3]).toBe('TypeError: no path');
    expect(lines[4]).toContain('#1');
    expect(fitText('abcdef', 4)).toBe('abc…');
    expect(fitText('abc', 4)).toBe('abc');
  });
});

describe('the flame viewport', () => {
  const f = flame(TREE);
  const rows = rowsShown(f);

  it('fits the data and maps times to pixels and back', () => {
    const v = fit(f);
    expect(v).toEqual({ from: 0, to: 200, top: 0 });
    expect(xOf(v, 50, 400)).toBe(100);
    expect(timeAt(v, 100, 400)).toBe(50);
    expect(rows).toBe(3);
  });

  it('zooms around the time under the pointer, which stays where it was', () => {
    const v = fit(f);
    const t = timeAt(v, 300, 400); // 150 ms
    const z = zoomAt(v, t, 0.5, f, rows);
    expect(z.to - z.from).toBe(100);
    expect(xOf(z, t, 400)).toBeCloseTo(300, 6);
    // Out again: never wider than the data, never outside it.
    const out = zoomAt(z, t, 10, f, rows);
    expect(out).toEqual({ from: 0, to: 200, top: 0 });
    // In as far as it goes: MIN_SPAN.
    let deep = v;
    for (let i = 0; i < 100; i++) deep = zoomAt(deep, 55, 0.5, f, rows);
    expect(deep.to - deep.from).toBeCloseTo(MIN_SPAN, 9);
    expect(deep.from).toBeLessThanOrEqual(55);
    expect(deep.to).toBeGreaterThanOrEqual(55);
  });

  it('pans by pixels of time and by levels, inside the data', () => {
    const z = zoomAt(fit(f), 100, 0.25, f, rows); // 50 ms wide, around 100
    const p = panBy(z, 100, 0, 400, f, rows); // dragged right by a quarter: 12.5 ms earlier
    expect(p.from).toBeCloseTo(z.from - 12.5, 9);
    expect(p.to - p.from).toBeCloseTo(50, 9);
    expect(panBy(z, 1e6, 0, 400, f, rows).from).toBe(0);
    expect(panBy(z, -1e6, 0, 400, f, rows).to).toBe(200);
    expect(panBy(z, 0, 5, 400, f, 2).top).toBe(1); // 3 levels, 2 shown: the last screenful
    expect(panBy(z, 0, -5, 400, f, 2).top).toBe(0);
    expect(clampView({ from: -50, to: 500, top: 9 }, f, rows)).toEqual({ from: 0, to: 200, top: 0 });
  });

  it('turns wheel deltas into a zoom factor: down zooms out, up zooms in, bounded', () => {
    expect(wheelFactor(100, 0)).toBeCloseTo(1.25, 9);
    expect(wheelFactor(-100, 0)).toBeCloseTo(0.8, 9);
    expect(wheelFactor(3, 1)).toBeCloseTo(wheelFactor(48, 0), 9); // lines
    expect(wheelFactor(1e9, 0)).toBeCloseTo(Math.pow(1.25, 5), 9);
  });

  it('hit-tests a point to the span drawn there, with a little slack for narrow ones', () => {
    const v = fit(f);
    const size = { width: 400, rows };
    const at = (t: number, level: number) => hitTest(f, v, xOf(v, t, 400), AXIS_H + level * ROW_H + ROW_H / 2, size)?.row.e.seq ?? null;
    expect(at(5, 0)).toBe(1);
    expect(at(125, 0)).toBe(5);
    expect(at(110, 0)).toBeNull(); // between 1 and 5
    expect(at(20, 1)).toBe(2);
    expect(at(57, 2)).toBe(4);
    expect(at(45, 2)).toBeNull();
    expect(at(170, 2)).toBe(8);
    // 1 px past a span's end (0.5 ms here) still hits it.
    expect(at(130.5, 0)).toBe(5);
    // The axis, and below the rows shown, hit nothing.
    expect(hitTest(f, v, 10, AXIS_H / 2, size)).toBeNull();
    expect(hitTest(f, v, 10, AXIS_H + rows * ROW_H + 1, size)).toBeNull();
    // Scrolled down a level: the first row is level 1.
    expect(hitTest(f, { ...v, top: 1 }, xOf(v, 20, 400), AXIS_H + 2, size)?.row.e.seq).toBe(2);
  });
});

describe('keyboard navigation of the flame chart', () => {
  const f = flame(TREE);
  const v = fit(f);
  const go = (seq: number | null, ...keys: Parameters<typeof moveSelection>[2][]) => {
    let sel = seq === null ? null : f.bySeq.get(seq)!;
    for (const k of keys) sel = moveSelection(f, sel, k, v);
    return sel?.row.e.seq ?? null;
  };

  it('selects the first span in view when nothing is selected', () => {
    expect(go(null, 'ArrowRight')).toBe(1);
    expect(moveSelection(f, null, 'ArrowDown', { from: 125, to: 200, top: 0 })!.row.e.seq).toBe(5);
    expect(moveSelection(f, null, 'ArrowDown', { from: 0, to: 200, top: 1 })!.row.e.seq).toBe(2);
  });

  it('steps through a level with left and right, and stops at its ends', () => {
    expect(go(1, 'ArrowRight')).toBe(5);
    expect(go(1, 'ArrowRight', 'ArrowRight', 'ArrowRight')).toBe(6);
    expect(go(5, 'ArrowLeft', 'ArrowLeft')).toBe(1);
    expect(go(5, 'End')).toBe(6);
    expect(go(6, 'Home')).toBe(1);
  });

  it('goes down to a child and up to the parent', () => {
    expect(go(1, 'ArrowDown')).toBe(2);
    expect(go(3, 'ArrowDown')).toBe(4);
    expect(go(4, 'ArrowUp')).toBe(3);
    expect(go(3, 'ArrowUp')).toBe(1);
    expect(go(1, 'ArrowUp')).toBe(1); // the top
    expect(go(4, 'ArrowDown')).toBe(4); // the bottom
    // 5 has no child: down goes to what is nearest below (2's level holds 3 and 7; 3 is nearer).
    expect(go(5, 'ArrowDown')).toBe(3);
  });

  it('reveals a selected span out of view, keeping the zoom', () => {
    const z = { from: 0, to: 20, top: 0 };
    const r = reveal(z, f.bySeq.get(6)!, f, rowsShown(f));
    expect(r.to - r.from).toBe(20);
    // 6 (140..200) is longer than the view: its middle is shown.
    expect(r.from).toBeLessThanOrEqual(170);
    expect(r.to).toBeGreaterThanOrEqual(170);
    expect(r.from).toBeGreaterThanOrEqual(140);
    const r5 = reveal(z, f.bySeq.get(5)!, f, rowsShown(f));
    expect(r5.from).toBeLessThanOrEqual(120);
    expect(r5.to).toBeGreaterThanOrEqual(130);
    expect(reveal(z, f.bySeq.get(2)!, f, 3)).toEqual(z); // in view: unmoved
    expect(reveal({ from: 0, to: 200, top: 0 }, f.bySeq.get(8)!, f, 2).top).toBe(1);
  });
});

/** A 2D context that records the rectangles filled (happy-dom has no canvas). */
function recordingContext() {
  const rects: { x: number; y: number; w: number; h: number; fill: string }[] = [];
  const texts: string[] = [];
  const ctx = {
    fillStyle: '',
    strokeStyle: '',
    lineWidth: 1,
    font: '',
    textAlign: 'left',
    textBaseline: 'middle',
    setTransform() {},
    fillRect(x: number, y: number, w: number, h: number) {
      rects.push({ x, y, w, h, fill: String(this.fillStyle) });
    },
    strokeRect() {},
    fillText(t: string) {
      texts.push(t);
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, rects, texts };
}

describe('drawing the flame chart', () => {
  it('draws each span in view as a rectangle in its status colour, with its name where it fits', () => {
    const f = flame([s(1, 0, 100, undefined, { method: 'think', source: 'npc' }), s(2, 10, 30, 1, { status: 'error' }), s(3, 40, 90, 1)]);
    const { ctx, rects, texts } = recordingContext();
    const n = drawFlame(ctx, f, fit(f), { width: 500, rows: rowsShown(f) }, 2, FLAME_COLORS, 6, { selected: null, hovered: null });
    expect(n).toBe(3);
    const spans = rects.filter((r) => r.y >= AXIS_H && r.h > 4 && r.fill !== FLAME_COLORS.line);
    expect(spans.map((r) => r.fill)).toEqual([FLAME_COLORS.warn, FLAME_COLORS.err, FLAME_COLORS.warn]); // 100 ms and 50 ms are slow
    expect(spans[0]!.w).toBeCloseTo(499, 0);
    expect(texts.some((t) => t.startsWith('npc.think'))).toBe(true);
  });

  it('culls spans out of view and merges sub-pixel ones: the work is bounded by the width', () => {
    // 10,000 spans of 0.01 ms side by side: 100 ms on 200 px.
    const many = Array.from({ length: 10_000 }, (_, i) => s(i + 1, i * 0.01, i * 0.01 + 0.009));
    const f = flame(many);
    const { ctx } = recordingContext();
    const n = drawFlame(ctx, f, fit(f), { width: 200, rows: 1 }, 1, FLAME_COLORS, 6, { selected: null, hovered: null });
    expect(n).toBeLessThanOrEqual(200);
    expect(n).toBeGreaterThan(0);
    // Zoomed into 1 ms: only the hundred or so spans there, each wide enough to draw on its own.
    const z = { from: 50, to: 51, top: 0 };
    const m = drawFlame(ctx, f, z, { width: 200, rows: 1 }, 1, FLAME_COLORS, 6, { selected: null, hovered: null });
    expect(m).toBeGreaterThanOrEqual(99);
    expect(m).toBeLessThanOrEqual(102);
  });

  it('puts axis ticks 1, 2 or 5 × 10^k apart, labelled with the decimals they need', () => {
    const t = ticks({ from: 0, to: 1000, top: 0 }, 400);
    expect(t.step).toBe(200);
    expect(t.times).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(tickLabel(1200, 200)).toBe('1.2s');
    const fine = ticks({ from: 10, to: 10.05, top: 0 }, 400);
    expect(fine.step).toBeGreaterThanOrEqual(0.01);
    expect(fine.step).toBeLessThanOrEqual(0.02 + 1e-12);
    expect(tickLabel(10.02, 0.02)).toBe('0.01002s');
  });
});
