/**
 * The composition root: what the agent is made of, in the order its parts
 * start (each returns its own stop; destroy() stops them in reverse, each on
 * its own: src/agent/disposers.ts):
 *
 *   session → store client (worker, else main thread) → recording → core
 *   frame loop → page events → page metrics → network spans → player input
 *   overlay → attachments (hook / trackState / trackStory) → page lifecycle
 *
 * The store client exists before the core: the core's sink is the recording,
 * which writes to the client (no sink that forwards to a client made later).
 */
import { TraceCore } from './core/agent';
import { dateNow } from './core/builtins';
import { newSessionId } from './core/clock';
import { withDefaults } from './core/defaults';
import { errorMessage } from './core/errors';
import { PAGE_VISIBILITY, SESSION_START, type PageVisibilityData, type SessionStartData } from './core/event-types';
import { FrameLoop } from './hooks/frame-loop';
import { Hooks, type HookOptions, type HookReport } from './hooks/hook';
import { PlayerInput } from './hooks/input';
import { NetworkSpans } from './hooks/network';
import type { TrackStateOptions } from './hooks/state';
import type { TrackStoryOptions } from './hooks/story';
import { SystemEvents } from './hooks/system';
import type { AlertStatus, GameAlert } from './analytics/alerts';
import { loadTraceOpener } from './agent/open-loader';
import { parseTrace } from './export/trace-json';
import { HOST_TAG } from './overlay/host-tag';
import { StoreClient, type ClientOptions } from './store/client';
import { lazyPageStorage } from './core/page-storage';
import { followPageLifecycle } from './store/page-lifecycle';
import { holdViolationWatch, routeChoiceReady, spawnStoreWorker, workerRouteCount } from './store/spawn-worker';
import { mainThreadTransport, workerTransportFactory, type TransportFactory } from './store/transport';
import { Attachments } from './agent/attach';
import { AgentCounters } from './agent/counters';
import { Disposers } from './agent/disposers';
import { TraceExport } from './agent/export';
import { checkHealth } from './agent/health';
import { checkOptions, type AgentSetup } from './agent/options';
import { OverlayPart } from './agent/overlay-part';
import { QuotaEstimate, sendPageMetrics } from './agent/page-metrics';
import { noticeEntry, Recording } from './agent/recording';
import { nothing, safe, settles } from './agent/safe';
import type { AgentStats, DownloadOptions, ExportOptions, TraceAgent, TraceAgentOptions, TraceQuery } from './agent/types';
import { VERSION } from './agent/version';

export { VERSION } from './agent/version';
export type { AgentStats, DownloadOptions, ExportOptions, StoreLedger, TraceAgent, TraceAgentOptions, TraceQuery } from './agent/types';

/**
 * One worker transport per way to start the worker not given up yet (the
 * script's URL, then blob:): a route that fails is given up and the next
 * transport takes the next. A worker that answered (with IndexedDB or without)
 * ends the worker starts but its own one restart (failover.ts). The main thread is last.
 */
function transportsFor(options: TraceAgentOptions): TransportFactory[] {
  const transports: TransportFactory[] = [];
  const workerTries = options.worker === false ? 0 : Math.max(1, workerRouteCount());
  for (let i = 0; i < workerTries; i++) transports.push(workerTransportFactory(spawnStoreWorker, routeChoiceReady));
  transports.push(mainThreadTransport);
  return transports;
}

/** The store client of a session: batching, failover, the emergency log (src/store/client.ts). */
function startStore(setup: AgentSetup, session: { id: string; startedAt: number }, options: TraceAgentOptions): StoreClient {
  const pageDefaults: ClientOptions = {
    // Looked up when first used (the store's start, a page hide), not during the script's run.
    storage: lazyPageStorage('localStorage'),
    fallbackStorage: lazyPageStorage('sessionStorage'),
    locks: typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null,
    // The worker, IndexedDB and the replay of earlier pages' emergency logs: at the page's first idle moment.
    deferStart: true,
  };
  return new StoreClient(setup.config, session, transportsFor(options), withDefaults(pageDefaults, options.store));
}

export function createTraceAgent(options: TraceAgentOptions = {}): TraceAgent {
  const session = { id: newSessionId(), startedAt: dateNow() };
  // Every option is checked before anything starts.
  const setup = checkOptions(options, session.id);
  const { inPage } = setup;

  // The store first: the core writes to it through the recording from its first entry.
  const client = startStore(setup, session, options);
  const recording = new Recording(client);
  const core = new TraceCore(recording, { strict: options.strict, limits: options.limits, sessionId: session.id, startedAt: session.startedAt });
  client.onNotice = (n) => core.emit(noticeEntry(n));
  const parts = new Disposers(() => core.counters.internalErrors++);
  parts.start(() => {
    const letGo = options.worker === false ? null : holdViolationWatch();
    return () => {
      parts.attempt(() => client.close()); // what is not stored yet goes to the emergency log
      parts.attempt(() => core.detach());
      parts.attempt(() => letGo?.());
    };
  });

  const hooks = new Hooks(core);
  const counters = new AgentCounters(core, client, recording);
  const exports = new TraceExport(core, client, counters, setup);
  const attachments = new Attachments(core, hooks, inPage);
  // Before the page-lifecycle listeners: hiding the page flushes the frame
  // stats first, so the visibility entry stays the last one of a closing page.
  const frames = new FrameLoop(core, options.frames);
  parts.start(() => {
    frames.start();
    return () => frames.stop(); // its last part-second of frame times, before the store closes
  });
  const system = new SystemEvents(core, options.system);
  parts.start(() => {
    system.start();
    return () => system.stop();
  });
  if (setup.config.analytics !== false) parts.start(() => sendPageMetrics(client));
  if (options.network !== false) {
    // A network call made inside an agent's call (an NPC asking an LLM) is that call's child.
    const network = new NetworkSpans(core, () => hooks.newSpanId(), attachments.currentSpan, options.network === true || options.network === undefined ? {} : options.network);
    parts.start(() => {
      network.start();
      return () => network.stop();
    });
  }
  if (inPage && options.input) {
    const input = new PlayerInput(core, {
      ...(options.input === true ? {} : options.input),
      ignore: (el) => el.localName === HOST_TAG, // our overlay's own keys and clicks are not the player's
    });
    parts.start(() => {
      input.start();
      return () => input.stop();
    });
  }
  const overlay = new OverlayPart({ core, client, recording, counters, attachments, frames, system, quota: new QuotaEstimate(core, inPage), exports, setup, agent: () => agent });
  if (inPage && options.overlay !== false) parts.start(() => overlay.start(options.open ?? false));
  parts.start(() => attachments.start());
  if (inPage) {
    parts.start(() =>
      followPageLifecycle(client, {
        onVisibility: (state) => core.emit({ kind: 'system', type: PAGE_VISIBILITY, level: 'info', source: 'page', data: { state } satisfies PageVisibilityData }),
        onFailure: () => core.counters.internalErrors++,
      }),
    );
  }

  const agent = publicApi(core, client, counters, exports, attachments, overlay, frames, setup, parts);
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
          capacity: setup.config.capacity,
          version: VERSION,
        }
      : { capacity: setup.config.capacity, version: VERSION }) satisfies SessionStartData,
  });
  return agent;
}

/** The API the game calls: each method guarded (src/agent/safe.ts), each one line to the part that does it. */
function publicApi(
  core: TraceCore,
  client: StoreClient,
  counters: AgentCounters,
  exports: TraceExport,
  attachments: Attachments,
  overlay: OverlayPart,
  frames: FrameLoop,
  setup: AgentSetup,
  parts: Disposers,
): TraceAgent {
  const query = (q: TraceQuery = {}) => client.request('query', { ...q, sessionId: q.sessionId ?? core.sessionId });
  return {
    sessionId: core.sessionId,
    version: VERSION,
    logEvent: (type, data, metadata, opts) => core.logEvent(type, data, metadata, opts),
    hook: safe(core, (target: unknown, name?: string, opts?: HookOptions): HookReport[] => attachments.hook(target, name, opts), () => []),
    unhook: safe(core, (target: unknown) => attachments.unhook(target), nothing),
    trackState: safe(core, (target: unknown, opts?: TrackStateOptions) => attachments.trackState(target, opts), () => null),
    trackStory: safe(core, (target: unknown, opts?: TrackStoryOptions) => attachments.trackStory(target, opts), () => null),
    // The overlay fails closed on its own (mount.tsx); these only keep a failure from reaching the caller.
    open: safe(core, () => overlay.handle?.open(), nothing),
    close: safe(core, () => overlay.handle?.close(), nothing),
    toggle: safe(core, () => overlay.handle?.toggle(), nothing),
    get isOpen() {
      try {
        return overlay.handle?.isOpen ?? false;
      } catch {
        return false;
      }
    },
    flush: settles(() => client.flush()),
    exportTrace: settles(async (opts?: ExportOptions) => parseTrace(await (await exports.blob(opts)).text())),
    exportBlob: settles((opts?: DownloadOptions) => exports.blob(opts)),
    download: settles((opts: DownloadOptions = {}) => exports.download(opts)),
    openTrace: settles(async (input: Blob | URL | string) => {
      try {
        return overlay.show(await (await loadTraceOpener())(input));
      } catch (err) {
        overlay.showProblem(`opening ${inputName(input)}: ${errorMessage(err)}`);
        throw err;
      }
    }),
    query: settles(query),
    sessions: settles(() => client.sessions()),
    deleteSession: settles(async (sessionId: string) => (await client.request('deleteSession', { sessionId })).deleted),
    generateStats: settles(() => client.request('stats', {})),
    analyzePatterns: settles((timeframe: string = 'session') => client.request('patterns', { timeframe })),
    analyzeTrends: settles((timeframe: string = '5m') => client.request('trends', { timeframe })),
    detectAnomalies: settles(() => client.request('anomalies', {})),
    checkHealth: settles(() => checkHealth(core, client, counters, frames, setup, overlay.problem)),
    triggerAlert: settles((condition: GameAlert | string): Promise<AlertStatus[]> => client.request('triggerAlert', typeof condition === 'string' ? { name: condition } : condition)),
    alerts: settles(() => client.request('alerts', {})),
    // The store checks the range (a bad lastMs is refused there).
    pin: settles((lastMs = 30_000, label?: string) => client.request('pin', { sessionId: core.sessionId, lastMs, toTs: core.elapsed(), label })),
    unpin: settles((id: number) => client.request('unpin', { id })),
    pins: settles(() => client.request('pins', {})),
    stats: safe(
      core,
      (): AgentStats => ({ sessionId: core.sessionId, ...counters.counters(), pending: client.pending, storage: counters.storage(), ledger: counters.ledger(), ...client.status.pins }),
      (err) => ({ sessionId: core.sessionId, ...counters.counters(), pending: client.pending, storage: { thread: null, backend: null, problems: [`stats: ${errorMessage(err)}`] }, ledger: counters.ledgerOrUnknown(), pins: -1, pinsReleased: -1 }),
    ),
    destroy: safe(core, () => parts.stopAll(), nothing),
  };
}

/** How a trace being opened is named in the overlay's message. */
function inputName(input: unknown): string {
  if (typeof Blob !== 'undefined' && input instanceof Blob) return typeof (input as Partial<File>).name === 'string' ? (input as File).name : 'the trace';
  if (typeof input === 'string' && /^\s*[{[]/.test(input)) return 'the trace';
  return String(input);
}
