// `node test/tools/engine-cost.mjs [--base <dir>] [--browser] [--rounds 7] [--methods 20,1000] [--seconds 10] [--rate 20000] [--clock cpu|wall]`
//
// The analytics engine's cost per entry in Node, on the stream of the bench's
// analytics page (test/bench/pages/analytics.ts): half `bench.tick` events,
// half agent calls (sync decide() spans of a few µs, every 50th failing;
// async plan() spans of 10–30 ms, every 40th failing) over `methods` methods,
// `rate` entries a second of trace time, one frame:stats entry a second,
// encoded by the page's BatchEncoder into batches of at most 1,000 entries
// or 100 ms, as the client posts them.
//
// With --base, the engine and encoder of another checkout (a worktree of the
// base commit) are bundled too, and each round times both on the same batches,
// alternately in the same process: the ratio head/base is per round, its
// median over the rounds is printed. Each consume() is timed by the
// process's CPU time (`--clock cpu`, the default: a loaded machine's other
// work does not count) or by performance.now() (`--clock wall`). With
// --browser, the same runs in a page in headless Chromium (the product's V8;
// cross-origin isolated, so performance.now() has 5 µs steps; no CDP), by
// the wall clock: it needs --base. Not a test; `npm run bench` holds the
// Chromium figures. Also a profile target: `node --cpu-prof test/tools/engine-cost.mjs`.
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { chromium, runPage, startServer } from '../bench/lib/browser.mjs';
import { bundleForNode } from './bundle-for-node.mjs';
import { entries, measure } from './engine-stream.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'test-results/engine-cost');
const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    browser: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '7' },
    methods: { type: 'string', default: '20,1000' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20000' },
    clock: { type: 'string', default: 'cpu' },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const RATE = Number(opts.rate);
const METHODS = opts.methods.split(',').map(Number);
const BASE = opts.base ? resolve(opts.base) : null;
// The encoder moved from src/store to src/core (issue 15): a base checkout may have either.
const columnsOf = (root) => ['src/core/columns.ts', 'src/store/columns.ts'].map((f) => join(root, f)).find((f) => existsSync(f));
const print = (methods, count, r, where) => {
  const row = Object.entries(r.ns).map(([k, xs]) => `${k} ${r.median[k].toFixed(0)} ns/entry (${xs.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`${where}: ${methods} methods, ${count} entries: ${row.join('; ')}${r.ratio === null ? '' : `  head/base ${r.ratio.toFixed(3)}`}`);
};

if (opts.browser) {
  if (!BASE) throw new Error('--browser compares two checkouts: give --base <dir>');
  // The page imports both checkouts' engine and encoder, and the shared stream and timing.
  const dir = join(OUT, 'page');
  mkdirSync(dir, { recursive: true });
  const src = (root, file) => JSON.stringify(join(root, file));
  writeFileSync(
    join(dir, 'ab.js'),
    `import * as headEngine from ${src(ROOT, 'src/analytics/engine.ts')};
import * as headColumns from ${JSON.stringify(columnsOf(ROOT))};
import * as baseEngine from ${src(BASE, 'src/analytics/engine.ts')};
import * as baseColumns from ${JSON.stringify(columnsOf(BASE))};
import { entries, measure } from ${src(ROOT, 'test/tools/engine-stream.mjs')};
const token = new URLSearchParams(location.search).get('token');
const builds = { head: { AnalyticsEngine: headEngine.AnalyticsEngine, BatchEncoder: headColumns.BatchEncoder }, base: { AnalyticsEngine: baseEngine.AnalyticsEngine, BatchEncoder: baseColumns.BatchEncoder } };
const post = (body) => fetch('/result', { method: 'POST', body: JSON.stringify({ token, ...body }) });
try {
  const figures = {};
  for (const methods of ${JSON.stringify(METHODS)}) {
    const list = entries(methods, ${SECONDS}, ${RATE});
    figures[methods] = { count: list.length, ...measure(builds, list, ${ROUNDS}, () => performance.now()) };
  }
  post({ figures });
} catch (e) {
  post({ error: String((e && e.stack) || e) });
}
`,
  );
  await build({ configFile: false, root: dir, logLevel: 'warn', build: { outDir: join(dir, 'out/pages'), emptyOutDir: true, target: 'es2022', minify: false, modulePreload: false, rolldownOptions: { input: { ab: join(dir, 'ab.js') }, output: { entryFileNames: '[name].js' } } } });
  const browser = await chromium(ROOT, join(dir, 'out'), (m) => {
    console.error(`engine-cost: ${m}`);
    process.exit(1);
  });
  const server = await startServer({ root: ROOT, out: join(dir, 'out'), pages: { ab: { isolated: true } } });
  try {
    const msg = await runPage({ browser, server, page: 'ab', bench: { params: {} }, timeoutMs: 600_000 });
    for (const [methods, r] of Object.entries(msg.figures)) print(methods, r.count, r, browser.version);
  } finally {
    server.close();
  }
} else {
  // CPU time of this process (µs steps): other work on a loaded machine preempts the wall clock, not this one.
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const clock = opts.clock === 'wall' ? () => performance.now() : cpuMs;
  const load = async (root, out) => {
    const m = await bundleForNode(out, { engine: join(root, 'src/analytics/engine.ts'), columns: columnsOf(root) });
    return { AnalyticsEngine: m.engine.AnalyticsEngine, BatchEncoder: m.columns.BatchEncoder };
  };
  const builds = { head: await load(ROOT, join(OUT, 'head')) };
  if (BASE) builds.base = await load(BASE, join(OUT, 'base'));
  for (const methods of METHODS) {
    const list = entries(methods, SECONDS, RATE);
    print(methods, list.length, measure(builds, list, ROUNDS, clock), `node ${process.version}, ${opts.clock} time`);
  }
}
