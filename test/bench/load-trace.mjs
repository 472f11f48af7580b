// Where a cold load of the load page spends its time (lib/load.mjs: the
// clock between the inline scripts around a tool's tag), read from Chromium's
// own startup trace: still no DevTools protocol client attached, one fresh
// Chromium (fresh profile) per load, as the bench's cold loads.
//
//   node test/bench/load-trace.mjs [--tools trace,vconsole,empty] [--loads 5] [--no-build]
//                                  [--builds name=dir,...]
//
// --builds adds a tool `trace@name` per build: the drop-in tag with the
// trace-agent*.js files of `dir` (another build of the script, to compare
// with the shipped dist/ in the same invocation, the loads interleaved).
//
// For each load, on the renderer's main thread between the end of the first
// inline script (T0) and the start of the last (T1):
//   window   T1 − T0, what load_*_cold_ms measures (inflated a little by tracing)
//   run      V8 running the tag's scripts (the tool's own start included)
//   lazy     of which compiling functions on their first call (V8.CompileCode)
//   layout   of which forced style and layout (Document::UpdateStyleAndLayout)
//   parse    the script's parse and compile on a background thread (script
//            streaming), which a parser-blocking tag waits for; the task
//            runs as the bytes arrive, so it holds their transfer too
//   runCpu, parseCpu  the same two in the threads' CPU time (a loaded
//            machine stretches the wall times, not these)
//   wait     the main thread idle: waiting for the response, then for the
//            background parse (so `parse` is mostly inside `wait`)
// and the medians per tool. The machine's load sways every figure: compare
// tools within one invocation.
import { execSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { benches } from './lib/benches.mjs';
import { chromium, startServer } from './lib/browser.mjs';
import { LOAD_TOOLS } from './lib/load.mjs';
import { median } from './lib/median.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'test-results/bench');
const { values: opts } = parseArgs({
  options: {
    tools: { type: 'string', default: 'trace,vconsole,empty' },
    loads: { type: 'string', default: '5' },
    builds: { type: 'string', default: '' },
    'no-build': { type: 'boolean', default: false },
  },
});
/** name → folder of another build's drop-in files, served under /load/@name/. */
const builds = new Map(
  opts.builds
    .split(',')
    .filter(Boolean)
    .map((b) => {
      const [name, dir] = b.split('=');
      if (!name || !dir || !/^\w+$/.test(name) || !existsSync(join(dir, 'trace-agent.js'))) fail(`--builds: "${b}" is not name=dir with dir/trace-agent.js`);
      return [name, resolve(dir)];
    }),
);
for (const name of builds.keys()) {
  LOAD_TOOLS[`trace@${name}`] = { prefix: '', tag: (token) => `<script src="/load/@${name}/trace-agent.js" data-db="load-${token}"></script>` };
}
const tools = [...opts.tools.split(',').map((s) => s.trim()).filter(Boolean), ...[...builds.keys()].map((n) => `trace@${n}`)];
for (const t of tools) if (!LOAD_TOOLS[t]) fail(`unknown tool ${t}; known: ${Object.keys(LOAD_TOOLS).join(', ')}`);
const LOADS = Number(opts.loads);
if (!Number.isInteger(LOADS) || LOADS < 1) fail(`--loads must be a positive integer, got ${opts.loads}`);
function fail(message) {
  console.error(`load-trace: ${message}`);
  process.exit(1);
}

const browser = await chromium(ROOT, OUT, fail);
if (!opts['no-build']) {
  // What the bench loads: the shipped script and the load page's module.
  execSync('npm run -s build:lib', { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  await build({ configFile: join(ROOT, 'test/bench/vite.config.ts'), mode: 'production' });
}
const PAGES = benches(1);
const shippedFile = PAGES.load.file;
PAGES.load.file = (root, name) => {
  const m = /^@(\w+)\/(trace-agent(\.[a-z]+)?\.js)$/.exec(name);
  if (m && builds.has(m[1])) return join(builds.get(m[1]), m[2]);
  return shippedFile(root, name);
};
const server = await startServer({ root: ROOT, out: OUT, pages: PAGES });

/** Trace categories: V8's compile and run, Blink's layout, the loader. */
const CATEGORIES = 'v8,v8.execute,disabled-by-default-v8.compile,devtools.timeline,blink,loading';
const TRACE_MS = 5_000;

/** One cold load of `tool` in a fresh Chromium with a startup trace; resolves to the trace's events. */
async function tracedLoad(tool, i) {
  const profile = mkdtempSync(join(tmpdir(), 'trace-agent-load-trace-'));
  const file = join(profile, 'trace.json');
  const query = new URLSearchParams({ token: `trace-${tool}-${i}`, tool, n: '1', skip: '0' });
  const args = [
    '--headless=new',
    ...browser.args,
    `--user-data-dir=${profile}`,
    `--trace-startup=${CATEGORIES}`,
    `--trace-startup-file=${file}`,
    `--trace-startup-duration=${TRACE_MS / 1000}`,
    '--trace-startup-format=json',
    `${server.origin}/load.html?${query}`,
  ];
  const child = spawn(browser.path, args, { detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    // Chromium writes the file when the trace's duration is over; it is complete once it parses.
    const until = Date.now() + TRACE_MS + 60_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      if (existsSync(file)) {
        try {
          return JSON.parse(readFileSync(file, 'utf8')).traceEvents;
        } catch {
          /* still being written */
        }
      }
      if (Date.now() > until) throw new Error(`no trace from load ${i} of ${tool} within ${(TRACE_MS + 60_000) / 1000} s`);
    }
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** The breakdown of one load's trace (see the top of the file); null when the page's scripts are not in it. */
function breakdown(events) {
  const isPage = (e) => JSON.stringify(e.args ?? {}).includes('/load.html');
  const runs = events.filter((e) => e.name === 'v8.run' && e.ph === 'X').sort((a, b) => a.ts - b.ts);
  const t0 = runs.find(isPage);
  if (!t0) return null;
  // T1 is the last inline script of the page's head: the one after which no inline script runs before the page's module.
  const inline = runs.filter((e) => isPage(e) && e.pid === t0.pid && e.tid === t0.tid);
  const t1 = inline.at(-1);
  if (!t1 || t1 === t0) return null;
  const from = t0.ts + t0.dur;
  const to = t1.ts;
  const within = (e) => e.ph === 'X' && e.pid === t0.pid && e.ts >= from && e.ts + e.dur <= to;
  const main = (name) => events.filter((e) => within(e) && e.tid === t0.tid && e.name === name).reduce((s, e) => s + e.dur, 0) / 1000;
  const sum = (list, key) => list.reduce((s, e) => s + (e[key] ?? 0), 0) / 1000;
  const parses = events.filter((e) => within(e) && e.tid !== t0.tid && e.name === 'v8.parseOnBackground');
  // The tag's scripts and the tool's inline start (vConsole's `new VConsole()`), not the T0/T1 readings.
  const tagRuns = events.filter((e) => within(e) && e.tid === t0.tid && e.name === 'v8.run');
  const window = (to - from) / 1000;
  const busy = events.filter((e) => within(e) && e.tid === t0.tid && e.name === 'RunTask').reduce((s, e) => s + e.dur, 0) / 1000;
  const run = sum(tagRuns, 'dur');
  return {
    window,
    run,
    runCpu: sum(tagRuns, 'tdur'),
    lazy: main('V8.CompileCode'),
    layout: main('Document::UpdateStyleAndLayout'),
    parse: sum(parses, 'dur'),
    parseCpu: sum(parses, 'tdur'),
    wait: Math.max(0, window - Math.max(busy, run)),
  };
}

const COLUMNS = ['window', 'run', 'runCpu', 'lazy', 'layout', 'parse', 'parseCpu', 'wait'];
const rows = Object.fromEntries(tools.map((t) => [t, []]));
console.log(`load-trace: ${LOADS} cold loads per tool, each in a fresh Chromium with a startup trace (${browser.version}); ms`);
try {
  for (let i = 0; i < LOADS; i++) {
    for (const tool of tools) {
      const b = breakdown(await tracedLoad(tool, i));
      if (!b) throw new Error(`load ${i} of ${tool}: the page's inline scripts are not in the trace`);
      rows[tool].push(b);
      console.log(`  ${tool.padEnd(14)} ${COLUMNS.map((c) => `${c} ${b[c].toFixed(1)}`).join('  ')}`);
    }
  }
} finally {
  server.close();
}
console.log(`\nmedians (ms)\n${'tool'.padEnd(14)} ${COLUMNS.map((c) => c.padStart(7)).join('')}`);
for (const tool of tools) console.log(`${tool.padEnd(14)} ${COLUMNS.map((c) => median(rows[tool].map((r) => r[c])).toFixed(1).padStart(7)).join('')}`);
