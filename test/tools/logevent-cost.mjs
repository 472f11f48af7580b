// `node test/tools/logevent-cost.mjs [--root <checkout>] [--calls 2000] [--rounds 150] [--quantile 0.1] [--stages a,b] [--payloads none,small3] [--prof <dir>]`
//
// Where logEvent's main-thread time goes: test/tools/logevent-stages.ts timed
// in headless Chromium (the bench's harness: no CDP, cross-origin isolated),
// each stage of the path on its own, many short samples, stages interleaved
// round by round, the --quantile (10th percentile) over the rounds: other load
// only adds time to a sample. Prints ns per call of every stage for each
// payload (none, the bench's 3 keys, 5 keys), and what each step adds (the
// difference of two stages). `--root` times another checkout's src/ (only its
// src/ is read: `--root /work/main`, or a worktree of main) with this page,
// for a before/after on the same machine. `--stages`/`--payloads` run a
// subset; `--prof <dir>` adds V8's sampling profiler (`--js-flags=--prof`),
// one log per process. Not a test; the bench's logEvent_* keys are the
// product's figures (test/bench/README.md: where logEvent's time goes).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'vite';
import { chromium, runPage, startServer } from '../bench/lib/browser.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { values: opts } = parseArgs({
  options: {
    root: { type: 'string' },
    calls: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '150' },
    stages: { type: 'string' },
    payloads: { type: 'string' },
    prof: { type: 'string' },
    quantile: { type: 'string', default: '0.1' },
  },
});
const SRC = resolve(opts.root ?? ROOT);
const OUT = join(ROOT, 'test-results/logevent-cost');
const dir = join(OUT, 'page');
mkdirSync(dir, { recursive: true });
// The page with its imports pointed at the checkout being timed.
const page = readFileSync(join(ROOT, 'test/tools/logevent-stages.ts'), 'utf8').replaceAll("'../../src/", `'${SRC}/src/`);
writeFileSync(join(dir, 'stages.ts'), page);
await build({
  configFile: false,
  root: dir,
  logLevel: 'warn',
  build: { outDir: join(OUT, 'out/pages'), emptyOutDir: true, target: 'es2022', modulePreload: false, rolldownOptions: { input: { stages: join(dir, 'stages.ts') }, output: { entryFileNames: '[name].js' } } },
});
const browser = await chromium(ROOT, join(OUT, 'out'), (m) => {
  console.error(`logevent-cost: ${m}`);
  process.exit(1);
});
const server = await startServer({ root: ROOT, out: join(OUT, 'out'), pages: { stages: { isolated: true } } });
try {
  const params = { calls: opts.calls, rounds: opts.rounds, quantile: opts.quantile, ...(opts.stages && { stages: opts.stages }), ...(opts.payloads && { payloads: opts.payloads }) };
  // --prof <dir>: V8's sampling profiler in every process (one log per pid), for `node --prof-process`.
  const flags = opts.prof ? [`--js-flags=--prof --logfile=${resolve(opts.prof)}/v8-%p.log --no-logfile-per-isolate`] : [];
  if (opts.prof) mkdirSync(resolve(opts.prof), { recursive: true });
  const msg = await runPage({ browser, server, page: 'stages', bench: { params, flags }, timeoutMs: 900_000 });
  console.log(`${browser.version}, ${SRC}: ns per call, quantile ${opts.quantile} of ${opts.rounds} rounds of ${opts.calls} calls`);
  const f = msg.figures;
  const stages = Object.keys(Object.values(f)[0]);
  console.log(['payload', ...stages].map((s) => s.padStart(12)).join(''));
  for (const [p, row] of Object.entries(f)) console.log([p, ...stages.map((s) => row[s].toFixed(0))].map((s) => s.padStart(12)).join(''));
  if (opts.stages) process.exit(0);
  // What each step of the path adds, from the stages' differences.
  const steps = (r) => ({
    'payload object (the game)': r.alloc,
    'clock read': r.clock,
    'safe copy': r.copy,
    '  of which redaction': r.copy - r.copyNoRedact,
    // A type-only event takes no copy (payload 'none' is still timed through the copier for the record).
    'checks, stamp, entry object': r.core - r.alloc - (r === f.none ? 0 : r.copy) - r.clock,
    'JSON line': r.json,
    'columns, string table, join': r.encode - r.json,
    'batching (Batcher around the encoder)': r.batched - r.core - r.encode,
    'postMessage (structured clone)': r.posted - r.batched,
    'public arrow': r.drop - r.posted,
    'total (drop)': r.drop,
    'OpenTelemetry span, same page': r.otel,
    'total / OpenTelemetry span': r.drop / r.otel,
  });
  console.log('\nwhat each step adds (ns per call):');
  const rows = Object.fromEntries(Object.entries(f).map(([p, r]) => [p, steps(r)]));
  const names = Object.keys(rows.none);
  console.log(['step'.padEnd(40), ...Object.keys(rows).map((p) => p.padStart(8))].join(''));
  for (const n of names) console.log([n.padEnd(40), ...Object.values(rows).map((r) => r[n].toFixed(n.includes('/') ? 2 : 0).padStart(8))].join(''));
} finally {
  server.close();
}
