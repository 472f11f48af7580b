/**
 * The agent's options, checked before anything starts (worker, database,
 * frame loop): a bad one is an INVALID_OPTION at once, not a silent failure
 * later. Alert rules are copied to plain data, which crosses to the worker.
 */
import { TraceError } from '../core/errors';
import { DEFAULT_HITCH_MS } from '../core/event-types';
import { checkRule } from '../analytics/alerts';
import { DEFAULT_HOTKEY, parseHotkey } from '../overlay/hotkey';
import type { StoreConfig } from '../store/protocol';
import type { PinOptions } from '../store/pins';
import type { TraceAgentOptions } from './types';

const DEFAULT_CAPACITY = 200_000;
const DEFAULT_CAPACITY_BYTES = 100_000_000;
const DEFAULT_MAX_SESSIONS = 20;
/** Entries of the newest blocks the store keeps in memory for the overlay. */
const TAIL_ENTRIES = 5_000;

/** What the parts of the agent are made with. */
export interface AgentSetup {
  /** Whether there is a page (window and document): the overlay, input and the page's lifecycle need one. */
  inPage: boolean;
  hotkey: string;
  /** The store's configuration (its analytics follow the session checkOptions was given). */
  config: StoreConfig;
}

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new TraceError('INVALID_OPTION', `${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return Math.floor(v);
}

/** The pins' options, checked here and copied to plain data; the store's worker fills in the defaults (DEFAULT_PIN_OPTIONS). */
function checkPins(p: Partial<PinOptions> = {}): Partial<PinOptions> {
  const { before = 0, after = 0, maxShare = 0.5 } = p;
  if (!(before >= 0 && after >= 0 && maxShare > 0 && maxShare < 1)) throw new TraceError('INVALID_OPTION', 'pins: before and after must be ms >= 0, maxShare in (0, 1)');
  return { ...p };
}

export function checkOptions(options: TraceAgentOptions, sessionId: string): AgentSetup {
  const capacity = positive('capacity', options.capacity, DEFAULT_CAPACITY, 1_000);
  const maxBytes = positive('capacityBytes', options.capacityBytes, DEFAULT_CAPACITY_BYTES, 100_000);
  const maxSessions = positive('maxSessions', options.maxSessions, DEFAULT_MAX_SESSIONS, 1);
  const pins = checkPins(options.pins);
  const hotkey = options.hotkey ?? DEFAULT_HOTKEY;
  parseHotkey(hotkey);
  const rules = options.alerts?.map((r) => {
    const problem = checkRule(r);
    if (problem) throw new TraceError('INVALID_OPTION', problem);
    return { ...r };
  });
  return {
    inPage: typeof window !== 'undefined' && typeof document !== 'undefined',
    hotkey,
    config: {
      dbName: options.dbName ?? 'trace-agent',
      capacity,
      maxBytes,
      maxSessions,
      tailSize: TAIL_ENTRIES,
      pins,
      // Analytics follow the live session only. The frame loop's hitch threshold goes with
      // them: the overlay and the analytics count the same frames as hitches.
      analytics: options.analytics === false ? false : { sessionId, rules: rules ?? null, thresholds: { ...options.thresholds }, hitchMs: options.frames?.hitchMs ?? DEFAULT_HITCH_MS },
    },
  };
}
