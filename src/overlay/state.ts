/** The overlay's state, shared by the shell, the toolbar and the tabs (Preact signals). */
import { signal, type Signal } from '@preact/signals';
import type { JSX } from 'preact';
import type { TraceEntry } from '../core/entry';
import type { TraceFile } from '../export/trace-json';
import type { DownloadProgress, OverlaySnapshot, OverlaySource } from './source';

/** Text and lists refresh at most 4 times a second (stats-gl's text rate). */
export const REFRESH_MS = 250;

export const TABS = ['metrics', 'log', 'agents', 'anomalies', 'health', 'compare'] as const;
export type Tab = (typeof TABS)[number];

/** Where the log should look: set by a link from another tab (an anomaly's entries). */
export interface LogFocus {
  seqFrom: number;
  seqTo: number;
  label: string;
}

export interface OverlayState {
  open: Signal<boolean>;
  snap: Signal<OverlaySnapshot>;
  rate: Signal<number>;
  tab: Signal<Tab>;
  focus: Signal<LogFocus | null>;
  /** A trace file opened for viewing (null: the live session). */
  file: Signal<{ name: string; trace: TraceFile } | null>;
  /** What the toolbar is doing, with its progress. */
  busy: Signal<{ what: string; progress: DownloadProgress | null } | null>;
  /** The last toolbar failure, shown until the next action. */
  problem: Signal<string>;
}

export function createOverlayState(source: OverlaySource, open: boolean, tab: Tab = 'metrics'): OverlayState {
  return {
    open: signal(open),
    snap: signal(source.snapshot()),
    rate: signal(0),
    tab: signal(tab),
    focus: signal(null),
    file: signal(null),
    busy: signal(null),
    problem: signal(''),
  };
}

/** A tab's panel: it fetches what it shows from the source, while it is mounted. */
export type TabPanel = (props: { source: OverlaySource; state: OverlayState }) => JSX.Element | null;

/** For panels that show entries of a file opened for viewing instead of the live store. */
export function fileEntries(state: OverlayState): readonly TraceEntry[] | null {
  return state.file.value?.trace.entries ?? null;
}
