// Prints the size of each build (min and gzip) and fails when the drop-in
// script passes its budget. Run by `npm run build`.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// Bytes, dist/trace-agent.js gzipped. Issue 8 started it at 45,000, for the
// walking skeleton (41.7 KiB). Until issue 12 the file also held the store's
// worker as an inlined string (its own copy of the store and the analytics
// engine, 26.5 KB gzip): 115.0 KB in all. Now the file is its own worker
// (started from its URL, or a blob: that imports it), so the store is in it
// once; the analytics engine, which only the worker runs, is now in the
// page's code. What it holds, each part gzipped on its own (`npm run
// size:parts`, 2026-12-03, after issues 12-14; the whole file, 122.7 KB,
// compresses better than the sum of its parts, 125.9 KB):
//   src/overlay: five tabs, shell, log, charts, its CSS          32.9 KB
//   uPlot                                                        22.0 KB
//   src/analytics: the engine the worker runs, alerts, health    21.7 KB
//   src/store: client, host, rings, emergency log, worker start  14.2 KB
//   src/hooks: spans, state, story, input, system, network       13.5 KB
//   preact, hooks, @preact/signals (no preact/compat)             8.7 KB
//   core, export, idb, the entry points, the rest                13.0 KB
// Issues 12-14 (definition-time hooks, the per-method baselines, the store's
// watchdog and emergency-log fallbacks, captured builtins) took it from
// 113.0 to 122.7 KB. The budget is the measured size (122,649) plus ~2%, to
// be tightened as the file shrinks (issue 16 moves the overlay off start-up).
// Issue 15's split of analytics/patterns.ts and stats.ts into files of one job
// (class and method names are not mangled) and the named event types took it
// from 124,811 to 125,144 bytes, past the 125,000 that main sat just under:
// the budget is that measured size plus ~2%.
// Issue 15 (the composition root and the store client as named parts, one
// patch helper; measured with `npm run size:parts`, main 124.8 KB, then
// 127.1 KB: src/store +1.3, the root (src/agent, src/*.ts) +1.2, src/hooks
// +0.2) moved it to that measured size plus ~2%.
// Issue 16 split the drop-in script in three (vite.config.ts, modes lib,
// lib-worker, lib-overlay): dist/trace-agent.js is what the page runs at once
// (core, hooks, the store's client and its main-thread fallback), the store's
// worker is dist/trace-agent.worker.js (the host, the rings, the analytics
// engine) and the overlay dist/trace-agent.overlay.js, loaded when first
// opened (preact, signals, uPlot, the panels, the styles). The budget is now
// on the page's file alone, the one a player waits for: its measured size
// (46,135 bytes at level 9, 2026-12-04) plus ~2%.
// Issue 18 (pins' requests and counters, the trace opener's loader) and
// issue 16's compact rows (the packed batch's wire) took it to 47,181 bytes;
// the Chrome writer and the trace reader moved out to the overlay's file.
// The budget is that measured size plus ~0.5%.
const BUDGET_GZIP = 47_400;
// The ESM build: index.js, its worker (worker.js) and its chunks (the overlay's, imported when first opened).
const esm = existsSync('dist/esm') ? readdirSync('dist/esm').filter((f) => f.endsWith('.js')).sort().map((f) => `dist/esm/${f}`) : ['dist/esm/index.js'];
// The budget is on the first: the drop-in's part that the page runs at once.
const files = ['dist/trace-agent.js', 'dist/trace-agent.worker.js', 'dist/trace-agent.overlay.js', ...esm];
let failed = false;
for (const f of files) {
  if (!existsSync(f)) {
    console.error(`size: ${f} is missing`);
    failed = true;
    continue;
  }
  const buf = readFileSync(f);
  const gz = gzipSync(buf, { level: 9 }).length;
  const over = f === files[0] && gz > BUDGET_GZIP;
  console.log(`size: ${f.padEnd(34)} ${(buf.length / 1024).toFixed(1).padStart(6)} KiB min  ${(gz / 1024).toFixed(1).padStart(6)} KiB gzip${f === files[0] ? `  (budget ${(BUDGET_GZIP / 1024).toFixed(1)} KiB)` : ''}`);
  if (over) {
    console.error(`size: ${f} is ${gz} bytes gzipped, over the ${BUDGET_GZIP} byte budget`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
