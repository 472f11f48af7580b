// `npm run bench`: the benchmarks in real headless Chromium, with no DevTools
// protocol client attached (one changes what it measures: console.log costs
// ~195 µs with CDP attached, well under 1 µs without). So Chromium is spawned
// here directly, with no remote debugging port, and each page POSTs its
// figures back to this process's HTTP server.
//
//   npm run bench [-- --runs 5] [--events 500000] [--only persist,naive,raw] [--timeout 300]
//
// A run opens each selected bench page once, each in a fresh Chromium with a
// fresh profile; ratios are taken within a run, then every figure is
// summarised over the runs (median, min, max). Medians go to bench-results.json.
import { execSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, transformWithOxc } from 'vite';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'test-results/bench');
const HARNESS = 'chromium, no CDP';

// ---- options --------------------------------------------------------------
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    events: { type: 'string', default: '500000' },
    only: { type: 'string' },
    timeout: { type: 'string', default: '300' },
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

// ---- the benchmarks: one page each, and the keys it reports ----------------
const WARM = Math.min(20_000, Math.ceil(EVENTS / 10));
const NAIVE_EVENTS = Math.max(1_000, Math.round(EVENTS / 10)); // one put per event is slow; rates are per second anyway
const BENCHES = {
  persist: {
    keys: ['persist_events_per_s', 'logEvent_ns', 'logEvent_100k_ns', 'lost_events', 'dropped_events'],
    params: { n: EVENTS, chunk: 5_000, warm: WARM, pace: 50_000 },
    // The drop-in script exactly as a game loads it; a fresh database and room for every event.
    head: (token) => `<script src="/trace-agent.js" data-overlay="false" data-db="bench-${token}" data-capacity="${EVENTS + WARM + 10_000}"></script>`,
  },
  naive: {
    keys: ['naive_persist_events_per_s', 'idbPutPerEvent_ns'],
    params: { n: NAIVE_EVENTS, chunk: 5_000, warm: Math.min(5_000, NAIVE_EVENTS) },
  },
  raw: {
    keys: ['raw_block_write_events_per_s'],
    params: { n: EVENTS, batch: 1_000, warm: WARM },
  },
};
const UNITS = {
  persist_events_per_s: 'events/s',
  logEvent_ns: 'ns/event',
  logEvent_100k_ns: 'ns/event',
  lost_events: 'events',
  dropped_events: 'events',
  naive_persist_events_per_s: 'events/s',
  idbPutPerEvent_ns: 'ns/event',
  raw_block_write_events_per_s: 'events/s',
  persist_vs_naive: '×',
  persist_vs_raw: '×',
};
// Ratios of figures measured in the same run.
const RATIOS = {
  persist_vs_naive: ['persist_events_per_s', 'naive_persist_events_per_s'],
  persist_vs_raw: ['persist_events_per_s', 'raw_block_write_events_per_s'],
};

const selected = opts.only ? opts.only.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(BENCHES);
const pages = Object.keys(BENCHES).filter((page) => selected.some((s) => s === page || BENCHES[page].keys.includes(s) || RATIOS[s]?.some((k) => BENCHES[page].keys.includes(k))));
for (const s of selected) {
  if (!BENCHES[s] && !UNITS[s]) fail(`--only: unknown benchmark "${s}"; known: ${[...Object.keys(BENCHES), ...Object.keys(UNITS)].join(', ')}`);
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

// ---- Chromium -------------------------------------------------------------
// Reuse the browser tests' Chromium discovery: strip the types from chromium.ts (Node 20 cannot import .ts).
const chromiumTs = join(ROOT, 'test/browser/chromium.ts');
const { code } = await transformWithOxc(readFileSync(chromiumTs, 'utf8'), chromiumTs, { lang: 'ts' });
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'chromium.mjs'), code);
const { findChromium, CHROMIUM_ARGS } = await import(join(OUT, 'chromium.mjs'));
let chromium = null;
try {
  chromium = findChromium();
} catch (e) {
  fail(e.message);
}
if (!chromium) fail('no Chromium found: set CHROMIUM_PATH to a Chromium or Chrome binary, or put `chromium` on the PATH (Debian/Ubuntu: apt-get install chromium)');
const chromiumVersion = spawnSync(chromium, ['--version'], { encoding: 'utf8' }).stdout.match(/[\w ]*?\d+(\.\d+)+/)?.[0].trim() ?? 'unknown';

// ---- build ----------------------------------------------------------------
console.log('bench: building dist/trace-agent.js and the bench pages…');
execSync('npm run -s build:lib', { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
await build({ configFile: join(ROOT, 'test/bench/vite.config.ts'), mode: 'production' });

// ---- server ---------------------------------------------------------------
const TYPES = { '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8' };
const waiting = new Map(); // token -> resolve(result)
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  if (req.method === 'POST' && url.pathname === '/result') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let msg;
      try {
        msg = JSON.parse(body);
      } catch {
        return send(400, 'text/plain', 'bad json');
      }
      waiting.get(msg.token)?.(msg);
      send(204, 'text/plain', '');
    });
    return;
  }
  const page = url.pathname.match(/^\/(\w+)\.html$/)?.[1];
  if (page && BENCHES[page]) {
    const head = BENCHES[page].head?.(url.searchParams.get('token')) ?? '';
    return send(200, TYPES['.html'], `<!doctype html><meta charset="utf-8"><title>bench: ${page}</title>${head}<script type="module" src="/pages/${page}.js"></script>`);
  }
  const file =
    url.pathname === '/trace-agent.js' ? join(ROOT, 'dist/trace-agent.js')
    : url.pathname.startsWith('/pages/') && !url.pathname.includes('..') ? join(OUT, url.pathname)
    : null;
  if (file) {
    try {
      return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    } catch {
      /* fall through to 404 */
    }
  }
  send(404, 'text/plain', 'not found');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- one page in one fresh Chromium ------------------------------------------
async function runPage(page) {
  const token = randomUUID();
  const query = new URLSearchParams({ token, ...BENCHES[page].params });
  const profile = mkdtempSync(join(tmpdir(), 'trace-agent-bench-'));
  // Never a DevTools endpoint, even if the shared flags gain one.
  const shared = CHROMIUM_ARGS.filter((a) => !a.startsWith('--remote-debugging') && !a.startsWith('--headless') && !a.startsWith('--user-data-dir'));
  const args = ['--headless=new', ...shared, `--user-data-dir=${profile}`, `${origin}/${page}.html?${query}`];
  // Its own process group, so that killing it takes the renderer and GPU processes too.
  const child = spawn(chromium, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let timer;
  try {
    const msg = await Promise.race([
      new Promise((r) => waiting.set(token, r)),
      exited.then(({ code, signal }) => Promise.reject(new Error(`Chromium exited early (code ${code}, signal ${signal})`))),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no result within ${TIMEOUT_MS / 1000} s (--timeout)`)), TIMEOUT_MS))),
    ]);
    if (msg.error) throw new Error(`the page failed: ${msg.error}`);
    return msg;
  } catch (e) {
    const log = stderr.split('\n').filter((l) => l && !l.includes('dbus')).join('\n'); // headless without a session bus: noise
    throw new Error(`bench "${page}": ${e.message}\n--- Chromium stderr (tail, dbus noise left out) ---\n${log}`);
  } finally {
    clearTimeout(timer);
    waiting.delete(token);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

// ---- runs -----------------------------------------------------------------
console.log(`bench: ${RUNS} runs of ${pages.join(', ')}; ${EVENTS.toLocaleString('en')} events (naive: ${NAIVE_EVENTS.toLocaleString('en')}); ${chromiumVersion}, ${HARNESS}`);
const samples = {}; // key -> number[]
let failed = false;
try {
  for (let run = 1; run <= RUNS; run++) {
    const figures = {};
    for (const page of pages) {
      const msg = await runPage(page);
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
function round(key, v) {
  if (UNITS[key] === '×') return Math.round(v * 100) / 100;
  if (UNITS[key] === 'ns/event') return Math.round(v * 10) / 10;
  return Math.round(v);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const order = Object.keys(UNITS).filter((k) => k in samples); // everything the selected pages measured
const rows = order.map((k) => [k, median(samples[k]), Math.min(...samples[k]), Math.max(...samples[k])].map((v, i) => (i === 0 ? v : UNITS[k] === '×' ? v.toFixed(2) : round(k, v).toLocaleString('en'))).concat(UNITS[k], HARNESS));
const table = [['benchmark', 'median', 'min', 'max', 'unit', 'harness'], ...rows];
const widths = table[0].map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
console.log('');
for (const [i, r] of table.entries()) {
  console.log(r.map((cell, c) => (c >= 1 && c <= 3 ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}

const results = { _meta: { date: new Date().toISOString(), chromium: chromiumVersion, harness: HARNESS, runs: RUNS, events: EVENTS, naiveEvents: NAIVE_EVENTS, cores: cpus().length, node: process.version } };
for (const k of order) results[k] = round(k, median(samples[k]));
writeFileSync(join(ROOT, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nbench: medians written to bench-results.json`);
if (samples.lost_events?.some((v) => v !== 0)) fail(`lost events: ${samples.lost_events.join(', ')} (must be 0)`);
