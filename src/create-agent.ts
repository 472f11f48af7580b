/**
 * Wires the pieces into one agent: core → store client (worker, else main
 * thread) → overlay, plus hooks, the frame loop and page-lifecycle handling.
 */
import { TraceCore, type LogOptions } from './core/agent';
import { all, apply, dateNow, listen, rejected, settle, slice, unlisten } from './core/builtins';
import type { SessionInfo } from './core/entry';
import { withDefaults } from './core/defaults';
import { errorMessage, TraceError } from './core/errors';
import { DEFAULT_HITCH_MS, PAGE_VISIBILITY, SESSION_START, type PageVisibilityData, type SessionStartData } from './core/event-types';
import type { CopyLimits } from './core/safe-copy';
import { FrameLoop, type FrameLoopOptions } from './hooks/frame-loop';
import { PlayerInput, type PlayerInputOptions } from './hooks/input';
import { NetworkSpans, type NetworkOptions } from './hooks/network';
import { SystemEvents, type SystemEventsOptions } from './hooks/system';
import { Hooks, type HookOptions, type HookReport } from './hooks/hook';
import { parsePath, resolvePath } from './hooks/paths';
import { PendingPaths, type Again } from './hooks/pending-paths';
import { checkRule, type AlertRule, type AlertStatus, type GameAlert } from './analytics/alerts';
import type { Anomaly, EngineStats } from './analytics/engine';
import { assessHealth, type HealthReport } from './analytics/health';
import type { PatternReport } from './analytics/patterns';
import type { TrendReport } from './analytics/trends';
import { StateTracker, type StateHandle, type TrackStateOptions } from './hooks/state';
import { followStatePath, type PathFollower } from './hooks/state-path';
import { StoryTracker, type StoryHandle, type TrackStoryOptions } from './hooks/story';
import { parseTrace, readTraceFile, SCHEMA_VERSION, TRACE_FORMAT, type TraceCounters, type TraceFile, type TraceHeader } from './export/trace-json';
import { DEFAULT_HOTKEY, parseHotkey } from './overlay/hotkey';
import { HOST_TAG, mountOverlay, type OverlayHandle } from './overlay/mount';
import { saveFile } from './overlay/save-file';
import type { OverlaySnapshot, OverlaySource } from './overlay/source';
import { StoreClient, type ClientOptions } from './store/client';
import { pageStorage } from './store/emergency';
import type { QueryParams, QueryResult, StoreConfig } from './store/protocol';
import { routeChoiceReady, spawnStoreWorker, workerRouteCount } from './store/spawn-worker';
import { mainThreadTransport, workerTransportFactory, type TransportFactory } from './store/transport';

export const VERSION = '0.1.0';

export interface TraceAgentOptions {
  /** Toggles the overlay; default `Alt+Shift+D`. */
  hotkey?: string;
  /** Ring capacity in entries across all stored sessions; default 200,000. */
  capacity?: number;
  /** Ring capacity in bytes across all stored sessions; default 100 MB. */
  capacityBytes?: number;
  /** Sessions kept; older ones are deleted whole. Default 20. */
  maxSessions?: number;
  /** Show the overlay at once; default false. */
  open?: boolean;
  /** Mount the overlay at all (false for a headless tracer); default true in a page. */
  overlay?: boolean;
  /** IndexedDB database name; default `trace-agent`. */
  dbName?: string;
  /** Throw TraceError on bad input instead of counting it; default false. */
  strict?: boolean;
  /** Limits for copying logged data. */
  limits?: Partial<CopyLimits>;
  /** Run the store in a worker (default) or force it onto the main thread. */
  worker?: boolean;
  /** Batching and backpressure of the store client. */
  store?: ClientOptions;
  /** Player input (keyboard, pointer, touch, wheel, gamepad) as `player` entries; off by default. */
  input?: boolean | PlayerInputOptions;
  /** Page errors, unhandled rejections, focus, long tasks and frames (on); console.error/warn (off). */
  system?: SystemEventsOptions;
  /** Frame stats (`frame:stats` each second) and hitches (`frame:hitch`). */
  frames?: FrameLoopOptions;
  /** The game's fetch and XMLHttpRequest calls as spans (default on); false to leave them alone. */
  network?: boolean | NetworkOptions;
  /** The analytics engine in the store's worker (default on): stats, patterns, anomalies, alerts. */
  analytics?: boolean;
  /** Alert rules added to the defaults; a rule with a default's name replaces it. */
  alerts?: AlertRule[];
  /** Thresholds of alert rules, by rule name or metric: `{ fps: 25, errorRate: 0.1 }`. */
  thresholds?: Record<string, number>;
}

export interface AgentStats extends TraceCounters {
  sessionId: string;
  /** Entries logged but not yet durable. */
  pending: number;
  storage: TraceHeader['storage'];
  /** The store's ledger and how it keeps up: what the counters reconcile with (README, Guarantees). */
  ledger: StoreLedger;
}

export interface StoreLedger {
  /** Entries ever written to the ring, all sessions: stored + evicted + deleted + abandoned. */
  appended: number;
  /** Entries left in a database the store lost hold of (it went on in memory). */
  abandoned: number;
  /** Of `evicted`: evicted early because the storage quota was full. */
  quotaEvicted: number;
  /** Entries the quota refused outright (of `droppedByStore`). */
  quotaRefused: number;
  /** Entries that could not be serialised for the store (of `internalErrors`). */
  unserialisable: number;
  /** ms since the store last acked while entries are pending. */
  stalledMs: number;
  /** Stores the watchdog declared dead on this page (restarted or replaced). */
  deadStores: number;
}

export interface ExportOptions {
  /** The current session (default), another session's id, or 'all'. */
  session?: string;
  /** Called as the store writes the file: entries done of the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface DownloadOptions extends ExportOptions {
  /** Gzip the file (`.json.gz`) where the browser has CompressionStream. */
  gzip?: boolean;
}

/** A query of the store; the session defaults to the current one. */
export type TraceQuery = Omit<QueryParams, 'sessionId'> & { sessionId?: string };

export interface TraceAgent {
  readonly sessionId: string;
  readonly version: string;
  logEvent(type: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, options?: LogOptions): void;
  /** Traces an object's, a class's or an array's methods; `target` may be a global path such as `game.npcs`. */
  hook(target: unknown, name?: string, options?: HookOptions): HookReport[];
  unhook(target: unknown): void;
  /**
   * Records the changes of a state: a store with subscribe/getState, a
   * signal, or a plain object (through a Proxy: use the handle's `proxy`, or
   * pass a global path such as `game.state`, where the proxy is put in place).
   * Null when it cannot (the reason is in health).
   */
  trackState(target: unknown, options?: TrackStateOptions): StateHandle | null;
  /** Records a story graph's node transitions; `target` may be a global path. Null when it cannot. */
  trackStory(target: unknown, options?: TrackStoryOptions): StoryHandle | null;
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  /** Resolves when everything logged so far is durable. */
  flush(): Promise<void>;
  /** The trace as the Download button saves it, parsed. */
  exportTrace(options?: ExportOptions): Promise<TraceFile>;
  /** The trace file as a Blob, built by the store (gzipped when asked). */
  exportBlob(options?: DownloadOptions): Promise<Blob>;
  /** Saves `trace-<session>.json` (or `.json.gz`). */
  download(options?: DownloadOptions): Promise<void>;
  /** A page of stored entries, filtered by the store. */
  query(query?: TraceQuery): Promise<QueryResult>;
  /** Stored sessions, newest first. */
  sessions(): Promise<SessionInfo[]>;
  /** Deletes a stored session; resolves to the entries deleted. */
  deleteSession(sessionId: string): Promise<number>;
  /** Counts, rates, per-method latency, frames and player statistics of this session, from the analytics engine. */
  generateStats(): Promise<EngineStats>;
  /** Frequent sequences, loops, busiest agents and story transitions over `timeframe` ('30s', '5m', '1h', 'session'). */
  analyzePatterns(timeframe?: string): Promise<PatternReport>;
  /** Per metric (event rate, error rate, latency p95, frame time p95, fps) over `timeframe`: slope, direction and a smoothed series. */
  analyzeTrends(timeframe?: string): Promise<TrendReport>;
  /** Anomalies found so far (newest first), with what, where, how far from normal and why. */
  detectAnomalies(): Promise<{ anomalies: Anomaly[]; total: number }>;
  /** ok / degraded / critical, with the reasons. */
  checkHealth(): Promise<HealthReport>;
  /** The game's own alert: fires now; `{ name, resolve: true }` resolves it. Resolves to every alert's status. */
  triggerAlert(condition: GameAlert | string): Promise<AlertStatus[]>;
  /** Every alert's status and the rules. */
  alerts(): Promise<{ statuses: AlertStatus[]; rules: AlertRule[] }>;
  stats(): AgentStats;
  destroy(): void;
}

const DEFAULT_CAPACITY = 200_000;
const DEFAULT_CAPACITY_BYTES = 100_000_000;
const DEFAULT_MAX_SESSIONS = 20;
/** Entries of the newest blocks the store keeps in memory for the overlay. */
const TAIL_ENTRIES = 5_000;
/** checkHealth asks the engine for alerts and anomalies; past this it answers from what the page knows. */
const HEALTH_ASK_MS = 3_000;

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new TraceError('INVALID_OPTION', `${name} must be a number >= ${min}, got ${String(value)}`);
  }
  return Math.floor(v);
}

export function createTraceAgent(options: TraceAgentOptions = {}): TraceAgent {
  const capacity = positive('capacity', options.capacity, DEFAULT_CAPACITY, 1_000);
  const maxBytes = positive('capacityBytes', options.capacityBytes, DEFAULT_CAPACITY_BYTES, 100_000);
  const maxSessions = positive('maxSessions', options.maxSessions, DEFAULT_MAX_SESSIONS, 1);
  const inPage = typeof window !== 'undefined' && typeof document !== 'undefined';
  // Every option is checked before anything starts (worker, database, frame loop).
  const hotkey = options.hotkey ?? DEFAULT_HOTKEY;
  parseHotkey(hotkey);
  // Rules are checked here (a bad one is an INVALID_OPTION, not a silent
  // analytics:off later) and copied to plain data, which crosses to the worker.
  const rules = options.alerts?.map((r) => {
    const problem = checkRule(r);
    if (problem) throw new TraceError('INVALID_OPTION', problem);
    return { ...r };
  });
  const config: StoreConfig = {
    dbName: options.dbName ?? 'trace-agent',
    capacity,
    maxBytes,
    maxSessions,
    tailSize: TAIL_ENTRIES,
    // The session is set once the core has one: analytics follow the live session only.
    // The frame loop's hitch threshold goes with it: the overlay and the analytics count the same frames as hitches.
    analytics: options.analytics === false ? false : { sessionId: '', rules: rules ?? null, thresholds: { ...options.thresholds }, hitchMs: options.frames?.hitchMs ?? DEFAULT_HITCH_MS },
  };

  // The core needs a sink at construction and the client needs the session: a
  // sink that forwards to the client closes the loop.
  let client!: StoreClient;
  // Paused recording: entries are still stamped (seq stays the order of
  // everything that happened) and counted, but not stored.
  let paused = false;
  let pausedEntries = 0;
  const core = new TraceCore(
    {
      write: (e) => {
        if (paused) pausedEntries++;
        else client.write(e);
      },
    },
    { strict: options.strict, limits: options.limits },
  );
  const transports: TransportFactory[] = [];
  // One worker transport per way to start the worker not given up yet (the
  // script's URL, then blob:): a route that fails is given up and the next
  // transport takes the next. A worker that answered (with IndexedDB or without)
  // ends the worker starts but its own one restart (client.ts).
  const workerTries = options.worker === false ? 0 : Math.max(1, workerRouteCount());
  for (let i = 0; i < workerTries; i++) transports.push(workerTransportFactory(spawnStoreWorker, routeChoiceReady));
  transports.push(mainThreadTransport);
  const pageDefaults: ClientOptions = {
    storage: pageStorage(),
    fallbackStorage: pageStorage('sessionStorage'),
    locks: typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null,
  };
  if (config.analytics) config.analytics.sessionId = core.sessionId;
  client = new StoreClient(config, { id: core.sessionId, startedAt: core.startedAt }, transports, withDefaults(pageDefaults, options.store));
  // The store has no seq of its own: what it reports (a full quota) becomes a system entry here.
  client.onNotice = (n) => {
    switch (n.event) {
      case 'alert':
        core.emit({ kind: 'system', type: `alert:${n.data.to}`, level: n.level, source: 'analytics', data: n.data });
        return;
      case 'anomaly':
        core.emit({ kind: 'system', type: 'anomaly', level: n.level, source: 'analytics', data: n.data });
        return;
      case 'loop':
        core.emit({ kind: 'system', type: 'loop:detected', level: n.level, source: 'analytics', data: n.data });
        return;
      default:
        core.emit({ kind: 'system', type: n.event, level: n.level, source: 'trace-agent', data: n.data });
    }
  };

  const hooks = new Hooks(core);
  /** The span running now, for entries caused by it (0 outside any traced call). */
  const currentSpan = () => Math.max(0, hooks.current);
  const trackers: { stop(): void }[] = [];
  const hookProblems: { path: string; reason: string }[] = [];
  const noteHookProblem = (path: string, reason: string) => {
    const known = hookProblems.find((p) => p.path === path);
    if (known) known.reason = reason;
    else if (hookProblems.length < 50) hookProblems.push({ path, reason });
  };
  // Paths not defined yet: watched by accessors, tried again as the page loads (src/hooks/pending-paths.ts).
  const retrying = inPage && document.readyState !== 'complete';
  const pending = new PendingPaths({ note: noteHookProblem }, retrying);
  /**
   * hook / trackState / trackStory: resolves a global path (or takes the
   * value), hands it to `use`; a failure is reported in health under `label`
   * (thrown in strict mode).
   */
  function attach<T>(what: string, target: unknown, label: string, use: (value: unknown) => T): T | null {
    if (destroyed) return null;
    try {
      const value = typeof target === 'string' ? resolvePath(target) : target;
      if (typeof target === 'string' && (value === undefined || value === null)) {
        throw new TraceError('HOOK_FAILED', `${what}("${target}"): not found on window`);
      }
      const result = use(value);
      clearHookProblem(label);
      return result;
    } catch (err) {
      noteHookProblem(label, errorMessage(err));
      if (core.strict) throw err;
      return null;
    }
  }
  /**
   * As attach, for a global path: one that does not resolve yet is waited
   * for, and `use` runs when the game defines it (null now). With `again`
   * (hook), the path is looked at again at each retry while the page loads,
   * once it is taken: methods the game adds after assigning it are hooked then.
   */
  function attachPath<T>(what: string, path: string, use: (value: unknown) => T, again: Again | null = null): T | null {
    if (destroyed) return null;
    let value: unknown;
    try {
      value = resolvePath(path);
    } catch {
      value = undefined;
    }
    const id = `${what} ${path}`;
    if (value !== undefined && value !== null) {
      const result = attach(what, value, path, use);
      if (result !== null && again) pending.revisit(id, path, again);
      return result;
    }
    // Strict mode too: a path the game has yet to define is no bad input.
    pending.wait(
      id,
      path,
      (v) => {
        try {
          return attach(what, v, path, use) !== null;
        } catch {
          return false; // strict mode's throw has nobody to reach inside the game's assignment; the problem is noted
        }
      },
      again,
    );
    return null;
  }
  /** trackState / trackStory: as attach (or attachPath), and the tracker is kept for destroy(). */
  function track<T extends { stop(): void }>(what: string, target: unknown, name: string, make: (source: unknown) => T): T | null {
    const keep = (source: unknown) => {
      const tracker = make(source);
      trackers.push(tracker);
      return tracker;
    };
    return typeof target === 'string' ? attachPath(what, target, keep) : attach(what, target, name, keep);
  }
  const clearHookProblem = (path: string) => {
    const i = hookProblems.findIndex((p) => p.path === path);
    if (i >= 0) hookProblems.splice(i, 1);
  };
  let destroyed = false;
  // Before the page-lifecycle listeners: hiding the page flushes the frame
  // stats first, so the visibility entry stays the last one of a closing page.
  const frames = new FrameLoop(core, options.frames);
  frames.start();
  const system = new SystemEvents(core, options.system);
  system.start();
  // Once a second, what only the page knows goes to the analytics engine.
  // performance.memory (Chromium) is read afresh each time: a MemoryInfo holds the figures of when it was read.
  const heapMb = (): number | null => {
    const m = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
    return m ? Math.round(m.usedJSHeapSize / 1e5) / 10 : null;
  };
  // The origin's storage use, for the overlay's health tab: asked for only
  // while the overlay reads snapshots, at most every 10 s (estimate() is not free).
  let quota: OverlaySnapshot['quota'] = null;
  let estimatedAt = -Infinity;
  const estimate = () => {
    if (core.elapsed() - estimatedAt < 10_000) return;
    estimatedAt = core.elapsed();
    const storage = inPage ? navigator.storage : undefined;
    if (typeof storage?.estimate !== 'function') return;
    settle(storage.estimate(), (e) => (quota = { usage: e.usage ?? 0, quota: e.quota ?? 0 }));
  };
  const metricsTimer =
    config.analytics === false
      ? null
      : setInterval(() => {
          const c = client.counters;
          // This page's own drops (an earlier page's losses are not this session's health).
          client.sendMetrics(c.droppedBackpressure + c.droppedStore, heapMb());
        }, 1_000);
  let network: NetworkSpans | null = null;
  if (options.network !== false) {
    // A network call made inside an agent's call (an NPC asking an LLM) is that call's child.
    network = new NetworkSpans(core, () => hooks.newSpanId(), currentSpan, options.network === true || options.network === undefined ? {} : options.network);
    network.start();
  }
  let input: PlayerInput | null = null;
  if (inPage && options.input) {
    input = new PlayerInput(core, {
      ...(options.input === true ? {} : options.input),
      ignore: (el) => el.localName === HOST_TAG, // our overlay's own keys and clicks are not the player's
    });
    input.start();
  }

  const counters = (): TraceCounters => ({
    logged: core.counters.logged,
    rejected: core.counters.rejected,
    truncated: core.counters.truncated,
    redacted: core.counters.redacted,
    dropped: client.counters.droppedBackpressure,
    droppedByStore: client.counters.droppedStore,
    internalErrors: core.counters.internalErrors + client.counters.droppedUnserialisable,
    acked: client.counters.acked,
    stored: client.status.totals.stored,
    storedBytes: client.status.totals.bytes,
    evicted: client.status.totals.evicted,
    deleted: client.status.totals.deleted,
    recovered: client.counters.recovered,
    lostOnUnload: client.counters.droppedEmergency,
    paused: pausedEntries,
  });
  const ledger = (): StoreLedger => {
    const t = client.status.totals;
    const live = client.liveness();
    // What this page stored in a database a later store of it could not open is abandoned too.
    const left = client.leftInDatabase;
    return {
      appended: t.appended + left,
      abandoned: t.abandoned + left,
      quotaEvicted: t.quotaEvicted,
      quotaRefused: live.quota.refused,
      unserialisable: client.counters.droppedUnserialisable,
      stalledMs: Math.round(live.stalledMs),
      deadStores: live.deadStores,
    };
  };
  /** For stats()' fallback: the ledger, or -1 in every field when even it cannot be read (never made-up zeros). */
  const ledgerOrUnknown = (): StoreLedger => {
    try {
      return ledger();
    } catch {
      return { appended: -1, abandoned: -1, quotaEvicted: -1, quotaRefused: -1, unserialisable: -1, stalledMs: -1, deadStores: -1 };
    }
  };
  const storage = (): TraceHeader['storage'] => ({
    thread: client.status.thread,
    backend: client.status.backend,
    problems: slice(client.status.problems), // not a spread: the page's Array.prototype[Symbol.iterator] may be broken
  });

  async function exportBlob(opts: DownloadOptions & { format?: 'trace-agent' | 'chrome' } = {}): Promise<Blob> {
    const session = opts.session ?? core.sessionId;
    await client.flush();
    // The file holds this session up to here, and its header counts up to here:
    // what is logged while the store writes the file stays out of both.
    const upTo = { sessionId: core.sessionId, seq: core.lastSeq };
    const header: Omit<TraceHeader, 'sessions'> = {
      format: TRACE_FORMAT,
      schemaVersion: SCHEMA_VERSION,
      generator: { name: 'trace-agent', version: VERSION },
      exportedAt: new Date(dateNow()).toISOString(),
      session,
      config: { capacity, capacityBytes: maxBytes, maxSessions, dbName: config.dbName, hotkey, strict: core.strict },
      counters: counters(),
      storage: storage(),
    };
    await client.flush(); // what was logged while the first flush waited, up to upTo, is durable too
    const { blob } = await client.request('export', { session, header, gzip: opts.gzip === true, format: opts.format, upTo }, opts.onProgress);
    return blob;
  }

  const source: OverlaySource = {
    snapshot: (): OverlaySnapshot => {
      estimate(); // refreshes the quota figure now and then, only while the overlay asks
      return {
        sessionId: core.sessionId,
        elapsed: core.elapsed(),
        counters: counters(),
        pending: client.pending,
        fps: frames.fps(),
        frame: core.frame,
        capacity: config.capacity,
        store: client.status,
        hookProblems,
        unsupported: system.unsupported,
        paused,
        analytics: config.analytics !== false && client.status.thread === 'worker',
        quota,
      };
    },
    tail: async (limit) => (await client.request('query', { sessionId: core.sessionId, limit })).entries.reverse(),
    query: (q) => client.request('query', { ...q, sessionId: q.sessionId ?? core.sessionId }),
    stats: () => agent.generateStats(),
    trends: (timeframe) => agent.analyzeTrends(timeframe),
    patterns: (timeframe) => agent.analyzePatterns(timeframe),
    anomalies: () => agent.detectAnomalies(),
    alerts: () => agent.alerts(),
    health: () => agent.checkHealth(),
    download: (o = {}) => agent.download({ gzip: o.gzip, onProgress: o.onProgress && ((done, total) => o.onProgress!({ done, total })) }),
    async downloadChromeTrace(o = {}) {
      const blob = await exportBlob({ format: 'chrome', onProgress: o.onProgress && ((done, total) => o.onProgress!({ done, total })) });
      saveFile(`trace-${core.sessionId}.chrome.json`, [blob], 'application/json');
    },
    openTraceFile: (file) => readTraceFile(file),
    setPaused(p) {
      if (p === paused) return;
      // Said in the trace before pausing and after resuming, so the gap shows.
      if (p) core.emit({ kind: 'system', type: 'trace:paused', level: 'info', source: 'trace-agent' });
      paused = p;
      if (!p) core.emit({ kind: 'system', type: 'trace:resumed', level: 'info', source: 'trace-agent', data: { skipped: pausedEntries } });
    },
    async clear() {
      await client.flush();
      await client.request('deleteSession', { sessionId: core.sessionId });
    },
  };

  let overlay: OverlayHandle | null = null;
  /** Why the overlay was taken down (it fails closed: src/overlay/mount.tsx), for health. */
  let overlayProblem: string | null = null;
  const onOverlayFault = (reason: string) => {
    overlayProblem = `the overlay failed and was closed for this page: ${reason}`;
    core.counters.internalErrors++;
    core.emit({ kind: 'system', type: 'overlay:failed', level: 'warn', source: 'trace-agent', data: { reason } });
  };
  if (inPage && options.overlay !== false) {
    try {
      overlay = mountOverlay(source, { hotkey, open: options.open ?? false, onFault: onOverlayFault });
    } catch (err) {
      // The trace goes on without its overlay.
      console.warn('[trace-agent] the overlay could not be shown:', errorMessage(err));
    }
  }

  // Page lifecycle: flush when hidden; on pagehide/freeze the un-acked tail goes
  // to the emergency log, because the store's open transaction dies with the page.
  // A page event handler of ours never throws into the page, and one failing
  // step (a page that broke a builtin since) does not skip the next: each is
  // tried on its own and counted.
  const attempt = (step: () => void) => {
    try {
      step();
    } catch {
      core.counters.internalErrors++;
    }
  };
  const onVisibility = () => {
    const hidden = document.visibilityState === 'hidden';
    attempt(() => core.emit({ kind: 'system', type: PAGE_VISIBILITY, level: 'info', source: 'page', data: { state: document.visibilityState } satisfies PageVisibilityData }));
    if (hidden) {
      attempt(() => settle(client.flush())); // no store left: the emergency log below still runs
      // When the page is unloading, visibilitychange comes after pagehide:
      // save again so that this last entry is covered too.
      attempt(() => client.saveEmergency());
    } else {
      attempt(() => client.discardEmergency());
    }
  };
  const onPageHide = () => attempt(() => client.saveEmergency());
  const onPageShow = (ev: PageTransitionEvent) => {
    if (ev.persisted) attempt(() => client.discardEmergency());
  };
  // Paths still waited for are tried again as the page loads: what an accessor could not see.
  const onReadyState = () => {
    if (document.readyState === 'interactive') pending.retry('interactive');
  };
  const onContentLoaded = () => pending.retry('DOMContentLoaded');
  const onLoad = () => pending.retry('load');
  if (retrying) {
    if (document.readyState === 'loading') document.addEventListener('readystatechange', onReadyState);
    document.addEventListener('DOMContentLoaded', onContentLoaded, { once: true });
    window.addEventListener('load', onLoad, { once: true });
  }
  if (inPage) {
    listen(document, 'visibilitychange', onVisibility);
    listen(window, 'pagehide', onPageHide);
    listen(document, 'freeze', onPageHide);
    listen(window, 'pageshow', onPageShow as EventListener);
  }

  /**
   * The public API never throws into the game, whatever the page did to its
   * builtins: a failure of ours in a method that returns a value is counted
   * (internalErrors) and gives `fallback`; a method that returns a promise
   * gives a rejected one. Strict mode's TraceError still goes to the caller.
   * `apply`, not a spread: the page's Array.prototype[Symbol.iterator] may be broken.
   */
  function safe<A extends unknown[], R>(fn: (...args: A) => R, fallback: (err: unknown) => R): (...args: A) => R {
    return function (this: unknown, ...args: A): R {
      try {
        return apply(fn, this, args) as R;
      } catch (err) {
        if (core.strict && err instanceof TraceError) throw err;
        core.counters.internalErrors++;
        return fallback(err);
      }
    };
  }
  function settles<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return function (this: unknown, ...args: A): Promise<R> {
      try {
        return apply(fn, this, args) as Promise<R>;
      } catch (err) {
        return rejected(err instanceof TraceError ? err : new TraceError('STORE_FAILED', errorMessage(err)));
      }
    };
  }
  const nothing = () => undefined;

  const agent: TraceAgent = {
    sessionId: core.sessionId,
    version: VERSION,
    logEvent: (type, data, metadata, opts) => core.logEvent(type, data, metadata, opts),
    hook: safe((target: unknown, name?: string, opts?: HookOptions): HookReport[] => {
      const label = typeof target === 'string' ? target : (name ?? typeof target);
      // A path names the agent (`game.npcs`, `Npc.prototype` → `Npc`) unless a name is given.
      const agentName = name ?? (typeof target === 'string' ? target.replace(/^(window|globalThis|self)\./, '').replace(/\.prototype$/, '') : undefined);
      const use = (value: unknown, onlyNew = false) => hooks.hook(value, agentName, opts, onlyNew);
      if (typeof target !== 'string') return attach('hook', target, label, use) ?? [];
      // A path is hooked again at the retries: an object may get its methods after it is assigned.
      let total = 0;
      const count = (reports: HookReport[]) => {
        for (const r of reports) total += r.methods.length;
        return reports;
      };
      const again: Again = (value) => {
        if (destroyed) return { added: [], total };
        const added = count(use(value, true)).flatMap((r) => r.methods.map((m) => `${r.agent}.${m}`));
        return { added, total };
      };
      return attachPath('hook', target, (value) => count(use(value)), again) ?? [];
    }, () => []),
    unhook: safe((target: unknown) => {
      if (typeof target === 'string') pending.forget(`hook ${target}`); // not hooked yet: no longer waited for, nor looked at again
      else pending.forgetValue(target);
      hooks.unhook(typeof target === 'string' ? resolvePath(target) : target);
    }, nothing),
    trackState: safe((target: unknown, opts?: TrackStateOptions) =>
      track('trackState', target, opts?.name ?? 'state', (source) => {
        const tracker = new StateTracker(core, currentSpan, source, { name: typeof target === 'string' ? lastKey(target) : undefined, ...opts });
        // A path: the game reads it through the path, so the proxy goes there behind an
        // accessor that follows the game's replacements of the whole state; the game's own
        // object goes back on stop() and destroy() (a proxy cannot be cloned: structuredClone,
        // postMessage and IndexedDB would refuse the game's state).
        if (typeof target === 'string') {
          let follower: PathFollower;
          try {
            follower = followStatePath(target, tracker);
          } catch (err) {
            tracker.stop();
            throw err;
          }
          const stop = tracker.stop.bind(tracker);
          tracker.stop = () => {
            stop();
            follower.stop();
          };
        }
        return tracker;
      }), () => null),
    trackStory: safe((target: unknown, opts?: TrackStoryOptions) =>
      track('trackStory', target, opts?.name ?? 'story', (graph) => new StoryTracker(core, graph as object, { name: typeof target === 'string' ? lastKey(target) : undefined, ...opts })), () => null),
    // The overlay fails closed on its own (mount.tsx); these only keep a failure from reaching the caller.
    open: safe(() => overlay?.open(), nothing),
    close: safe(() => overlay?.close(), nothing),
    toggle: safe(() => overlay?.toggle(), nothing),
    get isOpen() {
      try {
        return overlay?.isOpen ?? false;
      } catch {
        return false;
      }
    },
    flush: settles(() => client.flush()),
    exportTrace: settles(async (opts?: ExportOptions) => parseTrace(await (await exportBlob(opts)).text())),
    exportBlob: settles(exportBlob),
    download: settles(async (opts: DownloadOptions = {}) => {
      const blob = await exportBlob(opts);
      const gz = blob.type === 'application/gzip' ? '.gz' : '';
      saveFile(`trace-${opts.session ?? core.sessionId}.json${gz}`, [blob], blob.type);
    }),
    query: settles((q: TraceQuery = {}) => client.request('query', { ...q, sessionId: q.sessionId ?? core.sessionId })),
    sessions: settles(() => client.sessions()),
    deleteSession: settles(async (sessionId: string) => (await client.request('deleteSession', { sessionId })).deleted),
    generateStats: settles(() => client.request('stats', {})),
    analyzePatterns: settles((timeframe: string = 'session') => client.request('patterns', { timeframe })),
    analyzeTrends: settles((timeframe: string = '5m') => client.request('trends', { timeframe })),
    detectAnomalies: settles(() => client.request('anomalies', {})),
    checkHealth: settles(async () => {
      const c = counters();
      // The frame rate is the page's own; the rest comes from the engine when it runs.
      const engine: { fps: number | null; errorRate: number | null; alerts: AlertStatus[]; recent: number } = { fps: frames.fps() || null, errorRate: null, alerts: [], recent: 0 };
      if (config.analytics !== false && client.status.ready) {
        try {
          const both = await all([
            client.request('alerts', {}, undefined, HEALTH_ASK_MS),
            client.request('anomalies', { sinceMs: core.elapsed() - 60_000 }, undefined, HEALTH_ASK_MS),
          ] as const);
          const alerts = both[0];
          const anomalies = both[1];
          engine.errorRate = alerts.metrics['errorRate'] ?? null;
          engine.alerts = alerts.statuses;
          engine.recent = anomalies.anomalies.length;
        } catch {
          /* the engine is off or the store is down: health says the rest */
        }
      }
      const live = client.liveness();
      return assessHealth({
        at: core.elapsed(),
        storage: { thread: client.status.thread, backend: client.status.backend, ready: client.status.ready, problems: client.status.problems },
        store: {
          pending: live.pending,
          stalledMs: live.stalledMs,
          behind: live.behind,
          deadStores: live.deadStores,
          quotaEvicted: client.status.totals.quotaEvicted,
          quotaRefused: live.quota.refused,
          quotaNotices: live.quota.notices,
          emergencyWritable: live.emergencyWritable,
        },
        // Bad input: calls refused by validation (the game's, not the agent's failure).
        counters: { dropped: c.dropped, droppedByStore: c.droppedByStore, lostOnUnload: c.lostOnUnload, internalErrors: c.internalErrors, badInput: c.rejected },
        agent: overlayProblem === null ? [] : [overlayProblem],
        fps: engine.fps,
        errorRate: engine.errorRate,
        alerts: engine.alerts,
        recentAnomalies: engine.recent,
      });
    }),
    triggerAlert: settles((condition: GameAlert | string) => client.request('triggerAlert', typeof condition === 'string' ? { name: condition } : condition)),
    alerts: settles(() => client.request('alerts', {})),
    stats: safe(
      (): AgentStats => ({ sessionId: core.sessionId, ...counters(), pending: client.pending, storage: storage(), ledger: ledger() }),
      (err) => ({ sessionId: core.sessionId, ...counters(), pending: client.pending, storage: { thread: null, backend: null, problems: [`stats: ${errorMessage(err)}`] }, ledger: ledgerOrUnknown() }),
    ),
    destroy: safe(() => {
      if (destroyed) return;
      destroyed = true;
      // Every step is tried on its own: one that throws (a page that broke a
      // builtin since) must not leave the timers, listeners and store after it running.
      attempt(() => pending.clear());
      attempt(() => hooks.unhookAll());
      for (let i = 0; i < trackers.length; i++) attempt(() => trackers[i]!.stop());
      attempt(() => {
        if (metricsTimer !== null) clearInterval(metricsTimer);
      });
      attempt(() => input?.stop());
      attempt(() => network?.stop());
      attempt(() => system.stop());
      attempt(() => frames.stop()); // its last part-second of frame times, before the store closes
      attempt(() => overlay?.destroy());
      attempt(() => client.close()); // what is not stored yet goes to the emergency log
      attempt(() => core.detach());
      if (retrying) {
        attempt(() => document.removeEventListener('readystatechange', onReadyState));
        attempt(() => document.removeEventListener('DOMContentLoaded', onContentLoaded));
        attempt(() => window.removeEventListener('load', onLoad));
      }
      if (inPage) {
        attempt(() => unlisten(document, 'visibilitychange', onVisibility));
        attempt(() => unlisten(window, 'pagehide', onPageHide));
        attempt(() => unlisten(document, 'freeze', onPageHide));
        attempt(() => unlisten(window, 'pageshow', onPageShow as EventListener));
      }
    }, nothing),
  };

  core.emit({
    kind: 'system',
    type: SESSION_START,
    level: 'info',
    source: 'trace-agent',
    data: (inPage
      ? {
          url: location.origin + location.pathname, // no query or hash: they may hold secrets
          userAgent: navigator.userAgent,
          viewport: { width: innerWidth, height: innerHeight, dpr: devicePixelRatio },
          capacity: config.capacity,
          version: VERSION,
        }
      : { capacity: config.capacity, version: VERSION }) satisfies SessionStartData,
  });
  return agent;
}

/** The last name of a path: `game.state` → `state`. */
function lastKey(path: string): string {
  const parts = parsePath(path);
  return parts[parts.length - 1] ?? path;
}
