/**
 * The event log's filters and order: what they are, how they are kept across
 * page loads (one JSON record in localStorage, validated field by field on
 * read, as the overlay's preferences are) and what they ask of a query.
 */
import { KINDS, LEVELS, type Kind, type Level } from '../../core/entry';
import { pageStorage } from '../../core/page-storage';
import type { OverlayQuery } from '../source';

export interface LogFilters {
  /** Kinds shown; empty: all. */
  kinds: Kind[];
  /** The lowest level shown ('debug': all). */
  minLevel: Level;
  /** Types separated by commas or spaces; `npc.*` is a prefix. */
  types: string;
  /** Sources separated by commas or spaces. */
  sources: string;
  text: string;
}

export type LogOrder = 'newest' | 'oldest';

export interface LogSettings {
  filters: LogFilters;
  order: LogOrder;
}

export const LOG_SETTINGS_KEY = 'trace-agent:overlay:log-filters';

export function defaultFilters(): LogFilters {
  return { kinds: [], minLevel: 'debug', types: '', sources: '', text: '' };
}

/** The saved filters and order; the defaults when storage is forbidden, empty or unreadable. */
export function loadSettings(storage: () => Storage | null = pageStorage): LogSettings {
  const settings: LogSettings = { filters: defaultFilters(), order: 'newest' };
  try {
    const raw = storage()?.getItem(LOG_SETTINGS_KEY);
    if (!raw) return settings;
    const saved = JSON.parse(raw) as Partial<{ filters: Partial<LogFilters>; order: unknown }>;
    const f = saved.filters ?? {};
    if (Array.isArray(f.kinds)) settings.filters.kinds = f.kinds.filter((k): k is Kind => (KINDS as readonly unknown[]).includes(k));
    if ((LEVELS as readonly unknown[]).includes(f.minLevel)) settings.filters.minLevel = f.minLevel as Level;
    for (const k of ['types', 'sources', 'text'] as const) if (typeof f[k] === 'string') settings.filters[k] = f[k].slice(0, 500);
    if (saved.order === 'oldest' || saved.order === 'newest') settings.order = saved.order;
  } catch {
    // A page may forbid storage, or hold something else under our key: start from the defaults.
  }
  return settings;
}

export function saveSettings(settings: LogSettings, storage: () => Storage | null = pageStorage): void {
  try {
    storage()?.setItem(LOG_SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Forbidden or full: the filters hold for this page only.
  }
}

function words(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
}

/** What the filters ask of the store's query (nothing for a filter that is off). */
export function filtersToQuery(f: LogFilters): OverlayQuery {
  const q: OverlayQuery = {};
  if (f.kinds.length > 0 && f.kinds.length < KINDS.length) q.kinds = [...f.kinds];
  const min = LEVELS.indexOf(f.minLevel);
  if (min > 0) q.levels = LEVELS.slice(min);
  const types = words(f.types);
  if (types.length) q.types = types;
  const sources = words(f.sources);
  if (sources.length) q.sources = sources;
  const text = f.text.trim();
  if (text) q.text = text;
  return q;
}

/** Whether a query filters anything beyond a seq range. */
export function filtersSomething(q: OverlayQuery): boolean {
  return q.kinds !== undefined || q.levels !== undefined || q.types !== undefined || q.sources !== undefined || q.text !== undefined;
}
