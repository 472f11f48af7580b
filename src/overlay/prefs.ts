/**
 * The overlay's preferences (dock, size, position, opacity, collapsed, theme,
 * open tab): one JSON record in localStorage, validated field by field on
 * read. Storage may be missing, full or forbidden (sandboxed frames, privacy
 * modes): every access is in try/catch and the overlay works without it.
 */
import { pageStorage } from '../core/page-storage';
import { TABS, type Tab } from './state';

export const PREFS_KEY = 'trace-agent:overlay:prefs';
export const PREFS_VERSION = 1;

export const DOCKS = ['right', 'bottom', 'left', 'float'] as const;
export type Dock = (typeof DOCKS)[number];
export const THEMES = ['auto', 'dark', 'light'] as const;
export type ThemePref = (typeof THEMES)[number];

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface OverlayPrefs {
  dock: Dock;
  /** Width when docked left or right (px). */
  side: number;
  /** Height when docked at the bottom (px). */
  bottom: number;
  /** Where and how big when floating (px, viewport coordinates). */
  float: Rect;
  /** 0.6 to 1. */
  opacity: number;
  collapsed: boolean;
  theme: ThemePref;
  tab: Tab;
}

export const OPACITY_MIN = 0.6;
export const OPACITY_MAX = 1;
/** The smallest panel that still shows its header and a few rows. */
export const MIN_W = 300;
export const MIN_H = 200;
/** What a docked panel leaves of the page, at least. */
export const PAGE_MARGIN = 40;

export const DEFAULT_PREFS: Readonly<OverlayPrefs> = Object.freeze({
  dock: 'right',
  side: 440,
  bottom: 320,
  float: Object.freeze({ x: 80, y: 60, w: 480, h: 520 }),
  opacity: 1,
  collapsed: false,
  theme: 'auto',
  tab: 'metrics',
});

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));

/** Each field that is present and valid is kept; the rest are the defaults. Never throws. */
export function validatePrefs(raw: unknown): OverlayPrefs {
  const d = DEFAULT_PREFS;
  const r = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const f = r['float'] !== null && typeof r['float'] === 'object' ? (r['float'] as Record<string, unknown>) : {};
  const size = (v: unknown, min: number, def: number) => (num(v) && v >= min && v <= 100_000 ? Math.round(v) : def);
  const pos = (v: unknown, def: number) => (num(v) && Math.abs(v) <= 100_000 ? Math.round(v) : def);
  return {
    dock: (DOCKS as readonly unknown[]).includes(r['dock']) ? (r['dock'] as Dock) : d.dock,
    side: size(r['side'], MIN_W, d.side),
    bottom: size(r['bottom'], MIN_H, d.bottom),
    float: { x: pos(f['x'], d.float.x), y: pos(f['y'], d.float.y), w: size(f['w'], MIN_W, d.float.w), h: size(f['h'], MIN_H, d.float.h) },
    opacity: num(r['opacity']) ? clamp(r['opacity'], OPACITY_MIN, OPACITY_MAX) : d.opacity,
    collapsed: typeof r['collapsed'] === 'boolean' ? r['collapsed'] : d.collapsed,
    theme: (THEMES as readonly unknown[]).includes(r['theme']) ? (r['theme'] as ThemePref) : d.theme,
    tab: (TABS as readonly unknown[]).includes(r['tab']) ? (r['tab'] as Tab) : d.tab,
  };
}

export function loadPrefs(store: Storage | null = pageStorage()): OverlayPrefs {
  try {
    const text = store?.getItem(PREFS_KEY);
    return validatePrefs(text ? JSON.parse(text) : null);
  } catch {
    return validatePrefs(null);
  }
}

/** False when the record could not be written (no storage, quota, forbidden). */
export function savePrefs(prefs: OverlayPrefs, store: Storage | null = pageStorage()): boolean {
  try {
    if (!store) return false;
    store.setItem(PREFS_KEY, JSON.stringify({ v: PREFS_VERSION, ...prefs }));
    return true;
  } catch {
    return false;
  }
}

/** A floating rectangle that fits the viewport: shrunk to fit, then moved inside. */
export function clampRect(r: Rect, vw: number, vh: number): Rect {
  const w = clamp(r.w, Math.min(MIN_W, vw), vw);
  const h = clamp(r.h, Math.min(MIN_H, vh), vh);
  return { x: clamp(r.x, 0, vw - w), y: clamp(r.y, 0, vh - h), w, h };
}

/** The width of a panel docked left or right (or the height of one docked at the bottom) that fits. */
export function clampDocked(size: number, room: number, min: number): number {
  return Math.round(clamp(size, Math.min(min, room), room - PAGE_MARGIN));
}

export function clampOpacity(v: number): number {
  return num(v) ? clamp(v, OPACITY_MIN, OPACITY_MAX) : OPACITY_MAX;
}
