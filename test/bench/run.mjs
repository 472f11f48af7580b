// `npm run bench`: the benchmarks in real headless Chromium, with no DevTools
// protocol client attached (one changes what it measures: the issue measured
// console.log at ~195 µs a call with Playwright's CDP client attached). So Chromium is spawned
// here directly, with no remote debugging port, and each page POSTs its
// figures back to this process's HTTP server.
//
//   npm run bench [-- --runs 5] [--events 500000] [--only persist,naive,raw] [--timeout 300] [--write-readme]
//
// A run opens each selected bench page once, each in a fresh Chromium with a
// fresh profile; ratios are taken within a run, then every figure is
// summarised over the runs (median, min, max). Medians go to bench-results.json;
// with --write-readme, the README's performance figures are generated from it.
//
//   lib/benches.mjs  the pages, keys, units, ratios, keys not measurable yet, goals
//   lib/browser.mjs  Chromium, the local server, one page in one fresh Chromium
//   lib/report.mjs   medians, the table, the goals, bench-results.json, the README section
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { HARNESS, PENDING, RATIOS, UNITS, benches, harnessOf } from './lib/benches.mjs';
import { chromium, runPage, startServer } from './lib/browser.mjs';
import { runLoads } from './lib/load.mjs';
import { printReport, readmeSection, replaceReadmeSection, results, round } from './lib/report.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'test-results/bench');

// ---- options --------------------------------------------------------------
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    events: { type: 'string', default: '500000' },
    only: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    'write-readme': { type: 'boolean', default: false },
  },
});
const RUNS = positive('runs');
const EVENTS = positive('events');
const TIMEOUT_MS = positive('timeout') * 1000;
function positive(name) {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < 1) fail(`--${name} must be a positive integer, got ${opts[name]}`);
  return v;
}
function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

// ---- what to run ------------------------------------------------------------
const PAGES = benches(EVENTS);
const RUNNER_KEYS = ['script_gzip_bytes', 'vconsole_gzip_bytes', 'eruda_gzip_bytes']; // measured here, not in a browser
const known = [...Object.keys(PAGES), ...Object.keys(UNITS)];
const selected = opts.only ? opts.only.split(',').map((s) => s.trim()).filter(Boolean) : known;
for (const s of selected) if (!known.includes(s)) fail(`--only: unknown benchmark "${s}"; known: ${known.join(', ')}`);
if (opts['write-readme'] && opts.only) fail('--write-readme needs every benchmark: leave out --only');
const wants = (key) => selected.includes(key) || RATIOS[key]?.some((k) => selected.includes(k));
const pages = Object.keys(PAGES).filter((p) => selected.includes(p) || PAGES[p].keys.some(wants));
const runnerKeys = RUNNER_KEYS.filter(wants);
const pending = Object.keys(PENDING).filter(wants);

// ---- build ----------------------------------------------------------------
// Other work on the machine competes for its cores: the load before the bench's own work is recorded with the results.
const loadStart = Math.round(loadavg()[0] * 100) / 100;
if (loadStart > cpus().length / 2) console.warn(`bench: load average ${loadStart} on ${cpus().length} cores: other work may compete with the benchmarks`);
const browser = await chromium(ROOT, OUT, fail);
console.log('bench: building dist/trace-agent.js and the bench pages…');
const env = { ...process.env, NODE_ENV: 'production' };
execSync('npm run -s build:lib', { cwd: ROOT, stdio: 'inherit', env });
if (pages.some((p) => PAGES[p].demo)) execSync('npm run -s build:demo', { cwd: ROOT, stdio: 'inherit', env });
await build({ configFile: join(ROOT, 'test/bench/vite.config.ts'), mode: 'production' });
// The drop-in script with the overlay's bench probe compiled in, for the pages that read it.
if (pages.some((p) => PAGES[p].probe)) {
  for (const mode of ['probe', 'probe-worker', 'probe-overlay']) await build({ configFile: join(ROOT, 'test/bench/vite.config.ts'), mode });
}
// The drop-in script's part the page runs at once (its siblings load later), as a server would send
// it gzipped (level 9, as the build's size report); beside it the files vConsole and Eruda load.
const gzipped = (file) => gzipSync(readFileSync(join(ROOT, file)), { level: 9 }).length;
const runnerFigures = {
  script_gzip_bytes: gzipped('dist/trace-agent.js'),
  vconsole_gzip_bytes: gzipped('node_modules/vconsole/dist/vconsole.min.js'),
  eruda_gzip_bytes: gzipped('node_modules/eruda/eruda.js'),
};

// ---- runs -----------------------------------------------------------------
const server = await startServer({ root: ROOT, out: OUT, pages: PAGES });

const naiveN = PAGES.naive.params.n;
console.log(`bench: ${RUNS} runs of ${pages.join(', ')}; ${EVENTS.toLocaleString('en')} events (naive: ${naiveN.toLocaleString('en')}); ${browser.version}, ${HARNESS}`);
const samples = {}; // key -> number[]
let failed = false;
try {
  for (let run = 1; run <= RUNS; run++) {
    const figures = Object.fromEntries(runnerKeys.map((k) => [k, runnerFigures[k]]));
    for (const page of pages) {
      const measure = PAGES[page].loads ? runLoads : runPage; // the load page is many loads, each its own Chromium
      const msg = await measure({ browser, server, page, bench: PAGES[page], timeoutMs: TIMEOUT_MS });
      Object.assign(figures, msg.figures);
      const info = Object.entries(msg.info ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
      console.log(`  run ${run}/${RUNS} ${page}: ${Object.entries(msg.figures).map(([k, v]) => `${k}=${round(k, v)}`).join(' ')}${info ? `  (${info})` : ''}`);
    }
    for (const [key, [a, b]] of Object.entries(RATIOS)) if (a in figures && b in figures) figures[key] = figures[a] / figures[b];
    for (const [key, v] of Object.entries(figures)) (samples[key] ??= []).push(v);
  }
} catch (e) {
  console.error(`bench: ${e.message}`);
  failed = true;
} finally {
  server.close();
}
if (failed) process.exit(1);

// ---- report ---------------------------------------------------------------
const order = Object.keys(UNITS).filter((k) => k in samples || pending.includes(k)); // the table's order
const meta = { date: new Date().toISOString(), chromium: browser.version, harness: HARNESS, runs: RUNS, events: EVENTS, naiveEvents: naiveN, cores: cpus().length, node: process.version, loadavg: loadStart };
const res = results({ samples, order, pending, meta });
const harness = (k) => harnessOf(k, PAGES);
printReport(res, harness);
writeFileSync(join(ROOT, 'bench-results.json'), `${JSON.stringify(res, null, 2)}\n`);
console.log(`\nbench: medians written to bench-results.json`);

if (opts['write-readme']) {
  const args = [RUNS !== 5 && `--runs ${RUNS}`, EVENTS !== 500_000 && `--events ${EVENTS}`].filter(Boolean).join(' ');
  const command = `npm run bench -- --write-readme${args ? ` ${args}` : ''}`;
  const readme = join(ROOT, 'README.md');
  writeFileSync(readme, replaceReadmeSection(readFileSync(readme, 'utf8'), readmeSection(res, harness, command)));
  console.log('bench: README.md performance section written from bench-results.json');
}
if (samples.lost_events?.some((v) => v !== 0)) fail(`lost events: ${samples.lost_events.join(', ')} (must be 0)`);
