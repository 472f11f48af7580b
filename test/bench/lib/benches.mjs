// What `npm run bench` measures: the bench pages (one fresh Chromium each),
// the figures the runner takes itself, the keys that cannot be measured yet
// (null, with the reason), the ratios taken within a run, and the goals.
import { LOAD_KEYS, loadFile, loadHead } from './load.mjs';

export const HARNESS = 'chromium, no CDP';
export const HARNESS_DEMO = 'chromium, no CDP, demo page';
export const HARNESS_NODE = 'node zlib, level 9';
export const HARNESS_PROBE = "chromium, no CDP, demo page, overlay's bench probe";
export const HARNESS_LOAD = 'chromium, no CDP, load page';

/** The bench pages, in the order a run opens them, for `events` events. */
export function benches(events) {
  const warm = Math.min(20_000, Math.ceil(events / 10));
  const naive = Math.max(1_000, Math.round(events / 10)); // one put per event is slow; rates are per second anyway
  return {
    persist: {
      keys: ['persist_events_per_s', 'logEvent_ns', 'logEvent_nodata_ns', 'logEvent_small_ns', 'logEvent_100k_ns', 'lost_events', 'dropped_events', 'consoleLog_ns', 'logEvent_bound_events_per_s', 'persist_busy_share'],
      params: { n: events, chunk: 5_000, warm, pace: 50_000, consoleN: Math.max(1_000, Math.round(events / 5)) },
      // The drop-in script exactly as a game loads it; a fresh database and room for every event.
      head: (token) => `<script src="/trace-agent.js" data-overlay="false" data-db="bench-${token}" data-capacity="${events + warm + 10_000}"></script>`,
    },
    analytics: {
      keys: ['analytics_ns_per_event', 'analytics_ns_per_event_1000_methods'],
      // Per phase: events and agent calls half and half, 200 entries every 10 ms (20,000/s).
      params: { n: Math.min(100_000, events), warm: Math.min(20_000, events), perTick: 200, methods: 1_000, few: 20 },
      head: (token) => `<script src="/trace-agent.js" data-overlay="false" data-db="bench-${token}" data-capacity="${2 * Math.min(100_000, events) + 30_000}"></script>`,
      // Cross-origin isolated: the worker's clock (the engine times itself by it) and the spans' durations in 5 µs steps.
      isolated: true,
    },
    naive: {
      keys: ['naive_persist_events_per_s', 'idbPutPerEvent_ns'],
      params: { n: naive, chunk: 5_000, warm: Math.min(5_000, naive) },
    },
    raw: {
      keys: ['raw_block_write_events_per_s'],
      params: { n: events, batch: 1_000, warm },
    },
    otel: {
      keys: ['otelSpan_ns'],
      params: { n: events, chunk: 2_000, warm },
    },
    calls: {
      keys: ['plainCall_ns', 'hookedCall_ns', 'hookedCallNoCapture_ns'],
      params: { n: Math.max(1_000, Math.round(events / 2)), chunk: 5_000, warm, pace: 50_000, plainN: 10_000_000, plainChunk: 500_000 },
      head: (token) => `<script src="/trace-agent.js" data-overlay="false" data-db="bench-${token}" data-capacity="${events + warm + 10_000}"></script>`,
    },
    export: {
      keys: ['export_1m_ms', 'export_1m_bytes'],
      params: { n: 1_000_000, chunk: 5_000, warm: 20_000, pace: 50_000 },
      // Room for the million and more; a byte capacity that evicts nothing.
      head: (token) => `<script src="/trace-agent.js" data-overlay="false" data-db="bench-${token}" data-capacity="1100000" data-capacity-bytes="2000000000"></script>`,
    },
    open: {
      keys: ['open_1m_ms'],
      params: { n: 1_000_000, chunk: 5_000, warm: 20_000, pace: 50_000 },
      // The overlay's prefs on its Log tab before the drop-in script loads; room for the million; the overlay closed (its file loads at the warm-up's open).
      head: (token) =>
        `<script>localStorage.setItem('trace-agent:overlay:prefs', JSON.stringify({ v: 1, tab: 'log' }))</script>` +
        `<script src="/trace-agent.js" data-db="bench-${token}" data-capacity="1100000" data-capacity-bytes="2000000000"></script>`,
      flags: ['--window-size=1280,900'],
    },
    heap: {
      keys: ['heap_mb_start', 'heap_mb_200k', 'heap_mb_1m'],
      params: { n: 1_000_000, ring: 200_000, chunk: 5_000, warm: 20_000, pace: 50_000 },
      // Every default: capacity 200,000, the overlay closed (since issue 16 not loaded until opened).
      head: () => `<script src="/trace-agent.js"></script>`,
      flags: ['--enable-precise-memory-info', '--js-flags=--expose-gc'],
    },
    fps: {
      keys: ['fps_overlay_closed', 'fps_overlay_open', 'fps_open_vs_closed_worst', ...OVERLAY_TABS.flatMap((t) => [`fps_overlay_closed_${t}`, `fps_overlay_open_${t}`, `fps_open_vs_closed_${t}`])],
      // Per round, each tab: a closed window, then one open on it (3 rounds × 5 tabs × 2 × 3.5 s).
      params: { windows: 3, windowMs: 3_000, settleMs: 500, rate: 10_000, seed: 42 },
      demo: true, // served inside dist/demo/index.html (npm run build:demo)
      flags: ['--window-size=1280,900'],
    },
    overlay: {
      keys: ['overlay_frame_ms_p95_worst', ...OVERLAY_TABS.map((t) => `overlay_frame_ms_p95_${t}`)],
      params: { windowMs: 3_000, settleMs: 500, rate: 10_000 },
      demo: true,
      // The demo's drop-in tag loads the bench's build of the script, with the overlay's bench probe
      // (src/overlay/bench-probe.ts) compiled in (test/bench/vite.config.ts, mode probe); the shipped one has none.
      probe: true,
      // The probe on, before the demo's drop-in script; 5 µs timers.
      head: () => `<script>window.__TRACE_AGENT_BENCH__ = { overlayMs: 0, blocks: 0 };</script>`,
      isolated: true,
      flags: ['--window-size=1280,900'],
    },
    load: {
      keys: LOAD_KEYS,
      // Loads per tool and per kind in a run (lib/load.mjs runs them: `loads`); warm: after `skip` loads that fill the caches.
      params: { n: 15, skip: 3 },
      loads: true,
      head: (token, query) => loadHead(token, query.get('tool')),
      file: loadFile,
    },
  };
}

/** The overlay's tabs, in its order (src/overlay/state.ts). */
export const OVERLAY_TABS = ['metrics', 'log', 'agents', 'anomalies', 'health'];

/** Figures of keys that cannot be measured yet: null, and why. */
export const PENDING = {};

export const UNITS = {
  persist_events_per_s: 'events/s',
  logEvent_bound_events_per_s: 'events/s',
  persist_busy_share: '×',
  logEvent_ns: 'ns/event',
  logEvent_nodata_ns: 'ns/event',
  logEvent_small_ns: 'ns/event',
  logEvent_100k_ns: 'ns/event',
  consoleLog_ns: 'ns/call',
  otelSpan_ns: 'ns/span',
  idbPutPerEvent_ns: 'ns/event',
  plainCall_ns: 'ns/call',
  hookedCall_ns: 'ns/call',
  hookedCallNoCapture_ns: 'ns/call',
  lost_events: 'events',
  dropped_events: 'events',
  naive_persist_events_per_s: 'events/s',
  raw_block_write_events_per_s: 'events/s',
  export_1m_ms: 'ms',
  export_1m_bytes: 'bytes',
  script_gzip_bytes: 'bytes',
  vconsole_gzip_bytes: 'bytes',
  eruda_gzip_bytes: 'bytes',
  heap_mb_start: 'MiB',
  heap_mb_200k: 'MiB',
  heap_mb_1m: 'MiB',
  fps_overlay_closed: 'fps',
  fps_overlay_open: 'fps',
  analytics_ns_per_event: 'ns/event',
  analytics_ns_per_event_1000_methods: 'ns/event',
  overlay_frame_ms_p95_worst: 'ms/frame',
  ...Object.fromEntries(OVERLAY_TABS.map((t) => [`overlay_frame_ms_p95_${t}`, 'ms/frame'])),
  ...Object.fromEntries(OVERLAY_TABS.flatMap((t) => [[`fps_overlay_closed_${t}`, 'fps'], [`fps_overlay_open_${t}`, 'fps']])),
  // Taken within the fps page (each tab's open windows against the closed ones just before them).
  fps_open_vs_closed_worst: '×',
  ...Object.fromEntries(OVERLAY_TABS.map((t) => [`fps_open_vs_closed_${t}`, '×'])),
  open_1m_ms: 'ms',
  ...Object.fromEntries(LOAD_KEYS.map((k) => [k, 'ms'])),
  persist_vs_raw: '×',
  persist_bound_vs_raw: '×',
  persist_vs_naive: '×',
  consoleLog_vs_logEvent: '×',
  otelSpan_vs_logEvent: '×',
  fps_open_vs_closed: '×',
  load_cold_vs_vconsole: '×',
  load_warm_vs_vconsole: '×',
  load_cold_vs_eruda: '×',
  load_warm_vs_eruda: '×',
  load_cold_vs_empty: '×',
};

/** Ratios of figures measured in the same run: key -> [numerator, denominator]. */
export const RATIOS = {
  persist_vs_raw: ['persist_events_per_s', 'raw_block_write_events_per_s'],
  // The most persist could reach against the raw writer, were the store free: the page's own logging rate over it.
  persist_bound_vs_raw: ['logEvent_bound_events_per_s', 'raw_block_write_events_per_s'],
  persist_vs_naive: ['persist_events_per_s', 'naive_persist_events_per_s'],
  consoleLog_vs_logEvent: ['consoleLog_ns', 'logEvent_ns'],
  otelSpan_vs_logEvent: ['otelSpan_ns', 'logEvent_ns'],
  fps_open_vs_closed: ['fps_overlay_open', 'fps_overlay_closed'],
  load_cold_vs_vconsole: ['load_cold_ms', 'vconsole_load_cold_ms'],
  load_warm_vs_vconsole: ['load_warm_ms', 'vconsole_load_warm_ms'],
  load_cold_vs_eruda: ['load_cold_ms', 'eruda_load_cold_ms'],
  load_warm_vs_eruda: ['load_warm_ms', 'eruda_load_warm_ms'],
  load_cold_vs_empty: ['load_cold_ms', 'empty_load_cold_ms'],
};

/** The harness a key's figure comes from. */
export function harnessOf(key, pages) {
  if (key.endsWith('_gzip_bytes')) return HARNESS_NODE;
  if (RATIOS[key] || key.startsWith('fps_open_vs_closed_')) return 'ratio within each run';
  if (pages.overlay.keys.includes(key)) return HARNESS_PROBE;
  if (pages.fps.keys.includes(key)) return HARNESS_DEMO;
  if (pages.load.keys.includes(key)) return HARNESS_LOAD;
  return HARNESS;
}

/**
 * The goals, ratios first. `check(r)` gets the medians (null where not
 * measured) and returns true (pass) or false (fail); a goal whose figures are
 * missing is "not yet".
 */
export const GOALS = [
  { goal: 'load_cold_ms ≤ 0.3 × vconsole_load_cold_ms (overlay closed)', keys: ['load_cold_vs_vconsole'], check: (r) => r.load_cold_vs_vconsole <= 0.3 },
  { goal: 'load_warm_ms ≤ 0.5 × vconsole_load_warm_ms (overlay closed)', keys: ['load_warm_vs_vconsole'], check: (r) => r.load_warm_vs_vconsole <= 0.5 },
  { goal: 'persist_events_per_s ≥ 0.8 × raw_block_write_events_per_s', keys: ['persist_vs_raw'], check: (r) => r.persist_vs_raw >= 0.8 },
  {
    goal: 'on every tab: fps open ≥ 0.98 × closed (the worst tab shown)',
    keys: ['fps_open_vs_closed_worst', ...OVERLAY_TABS.map((t) => `fps_open_vs_closed_${t}`)],
    check: (r) => OVERLAY_TABS.every((t) => r[`fps_open_vs_closed_${t}`] >= 0.98) && r.fps_open_vs_closed_worst >= 0.98,
  },
  { goal: 'logEvent_ns ≤ 0.33 × otelSpan_ns (issue 16)', keys: ['otelSpan_vs_logEvent'], check: (r) => r.otelSpan_vs_logEvent >= 1 / 0.33 },
  { goal: 'logEvent_nodata_ns ≤ 150 (issue 16)', keys: ['logEvent_nodata_ns'], check: (r) => r.logEvent_nodata_ns <= 150 },
  { goal: 'logEvent_ns below consoleLog_ns', keys: ['consoleLog_vs_logEvent'], check: (r) => r.consoleLog_vs_logEvent > 1 },
  { goal: 'logEvent_ns at least 20× below otelSpan_ns', keys: ['otelSpan_vs_logEvent'], check: (r) => r.otelSpan_vs_logEvent >= 20 },
  { goal: 'persist_events_per_s ≥ 30 × naive_persist_events_per_s', keys: ['persist_vs_naive'], check: (r) => r.persist_vs_naive >= 30 },
  { goal: 'logEvent_ns < 1,000', keys: ['logEvent_ns'], check: (r) => r.logEvent_ns < 1_000 },
  { goal: 'persist_events_per_s ≥ 500,000', keys: ['persist_events_per_s'], check: (r) => r.persist_events_per_s >= 500_000 },
  { goal: 'lost_events = 0', keys: ['lost_events'], check: (r) => r.lost_events === 0 },
  {
    goal: 'on every tab: overlay_frame_ms_p95 < 1 (the worst tab shown)',
    keys: ['overlay_frame_ms_p95_worst', ...OVERLAY_TABS.map((t) => `overlay_frame_ms_p95_${t}`)],
    check: (r) => OVERLAY_TABS.every((t) => r[`overlay_frame_ms_p95_${t}`] < 1) && r.overlay_frame_ms_p95_worst < 1,
  },
  { goal: 'open_1m_ms < 200 (open on 1,000,000 entries to the first paint of the log)', keys: ['open_1m_ms'], check: (r) => r.open_1m_ms < 200 },
  { goal: 'export_1m_ms < 3,000', keys: ['export_1m_ms'], check: (r) => r.export_1m_ms < 3_000 },
  { goal: 'hookedCall_ns − plainCall_ns < 3,000 (small args captured; issue 4)', keys: ['hookedCall_ns', 'plainCall_ns'], check: (r) => r.hookedCall_ns - r.plainCall_ns < 3_000 },
  { goal: 'hookedCallNoCapture_ns − plainCall_ns < 1,000 (issue 4)', keys: ['hookedCallNoCapture_ns', 'plainCall_ns'], check: (r) => r.hookedCallNoCapture_ns - r.plainCall_ns < 1_000 },
  { goal: 'script_gzip_bytes < 45,000', keys: ['script_gzip_bytes'], check: (r) => r.script_gzip_bytes < 45_000 },
  {
    goal: 'heap_mb_1m bounded by the ring: < 1 MiB above heap_mb_200k (the default ring full) after 800,000 more events',
    keys: ['heap_mb_1m', 'heap_mb_200k'],
    check: (r) => r.heap_mb_1m - r.heap_mb_200k < 1,
  },
];
