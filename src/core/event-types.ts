/**
 * The event types the agent writes itself, each named once, with the shape of
 * its `data` where another module reads it. The hooks and the composition
 * root that write these entries and the analytics, export and overlay that
 * read them import the names from here, so a writer and its readers cannot
 * drift apart on a string. A game's own types are any strings it likes.
 *
 * Types only and string constants: no DOM, nothing that runs.
 */

// ---- frames (src/hooks/frame-loop.ts) ----------------------------------------------

/** Once a second: the frame times since the last one. Read by the stats collector and the Chrome trace export. */
export const FRAME_STATS = 'frame:stats';
export interface FrameStatsData {
  frames: number;
  /** Frame times in ms, oldest first. */
  times: number[];
  /** The frame number of the first time. */
  from: number;
}

/**
 * A frame longer than this (ms) is a hitch, unless `frames.hitchMs`
 * (`data-hitch-ms`) says otherwise: the frame loop and the stats collector
 * are given the same value (a long task: DESIGN.md "Frames").
 */
export const DEFAULT_HITCH_MS = 50;

/** At once, for a frame longer than the hitch threshold. */
export const FRAME_HITCH = 'frame:hitch';
export interface FrameHitchData {
  frame: number;
  /** ms */
  dur: number;
}

// ---- story (src/hooks/story.ts) ----------------------------------------------------

/** A move from one story node to another. Read by the pattern analyzer (transitions, dwell). */
export const STORY_TRANSITION = 'story:transition';
export interface StoryTransitionData {
  from: string | null;
  to: string | null;
  /** The choice of the call that moved the story, when it was a string or number. */
  choice?: string | number;
  /** The outermost method of the move, or 'frame' when a frame's poll saw it. */
  via: string;
  /** Time spent in `from` (ms). */
  dwellMs: number;
}

// ---- state (src/hooks/state.ts) ----------------------------------------------------

/** A path into a tracked state: keys and array indexes. */
export type StatePath = (string | number)[];

export interface StateChange {
  op: 'set' | 'delete';
  path: StatePath;
  prev?: unknown;
  next?: unknown;
}

/** Changes to a tracked state. Read by the state replay (src/export/state-replay.ts). */
export const STATE_CHANGE = 'state:change';
export interface StateChangeData {
  changes: StateChange[];
  /** Changes reported at once past `maxChanges`: counted, not kept. */
  more?: number;
}

/** The whole state, copied: where a replay starts. */
export const STATE_CHECKPOINT = 'state:checkpoint';
export interface StateCheckpointData {
  label?: string;
  /** Changes recorded so far. */
  changes: number;
  state: unknown;
}

/** The game replaced the whole state: a checkpoint of the new value. */
export const STATE_REPLACE = 'state:replace';
export interface StateReplaceData {
  replacements: number;
  changes: number;
  /** Whether the new value is tracked (a proxy or a subscription). */
  tracked: boolean;
  state: unknown;
}

// ---- page and session (the composition root) ---------------------------------------

/** The page was hidden or shown. Read by the player collector (time the tab was hidden is not play). */
export const PAGE_VISIBILITY = 'page:visibility';
export interface PageVisibilityData {
  state: 'visible' | 'hidden';
}

/** The first entry of a session. The player collector leaves it out of progression. */
export const SESSION_START = 'session:start';
export interface SessionStartData {
  /** Origin and path only: a query or hash may hold secrets. */
  url?: string;
  userAgent?: string;
  viewport?: { width: number; height: number; dpr: number };
  capacity: number;
  version: string;
}

// ---- player input (src/hooks/input.ts) ---------------------------------------------

/**
 * The input types with fixed names (a touch is `input:<its event type>`). The player collector tells them apart: releases,
 * continuous samples and pads coming and going are not actions of the player's.
 */
export const INPUT_KEY_DOWN = 'input:keydown';
export const INPUT_KEY_UP = 'input:keyup';
export const INPUT_POINTER_DOWN = 'input:pointerdown';
export const INPUT_POINTER_UP = 'input:pointerup';
export const INPUT_POINTER_MOVE = 'input:pointermove';
export const INPUT_WHEEL = 'input:wheel';
export const INPUT_GAMEPAD_DOWN = 'input:gamepaddown';
export const INPUT_GAMEPAD_UP = 'input:gamepadup';
export const INPUT_GAMEPAD_AXES = 'input:gamepadaxes';
export const INPUT_GAMEPAD_CONNECTED = 'input:gamepadconnected';
export const INPUT_GAMEPAD_DISCONNECTED = 'input:gamepaddisconnected';
