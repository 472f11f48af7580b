// `npm run eval:nab -- [nab folder] [--threshold x] [--opts '{"k":v}'] [--sweep] [--quiet]`
//
// Streams every series of <folder>/data/<category>/*.csv through a fresh
// StreamingDetector (src/analytics/anomaly.ts), one point at a time, scores it
// with NAB's standard profile (src/analytics/nab-score.ts), and prints per-file
// scores beside each reference detector's per-file score from
// reference_scores.csv, then each detector's normalised score over the folder,
// ours last: `NAB standard (normalized): <score>`.
//
// One fixed configuration for every file: the detector's defaults and
// DEFAULT_THRESHOLD. --opts / --threshold / --sweep exist only to tune those
// global constants; the reported figure uses the defaults unless told otherwise.
//
// Node 20 cannot run TypeScript, so the two sources are bundled with the
// installed vite (rolldown inside) into test-results/eval-nab/ first.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'vite';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'test-results/eval-nab');

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threshold: { type: 'string' },
    opts: { type: 'string' },
    sweep: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const folder = resolve(ROOT, positionals[0] ?? '../shared/data/nab');
if (!existsSync(join(folder, 'data')) || !existsSync(join(folder, 'combined_windows.json'))) {
  console.error(`eval:nab: ${folder} is not a NAB folder (needs data/<category>/*.csv and combined_windows.json)`);
  process.exit(1);
}

mkdirSync(OUT, { recursive: true });
await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    outDir: OUT,
    emptyOutDir: true,
    minify: false,
    target: 'node20',
    lib: {
      entry: { anomaly: join(ROOT, 'src/analytics/anomaly.ts'), 'nab-score': join(ROOT, 'src/analytics/nab-score.ts') },
      formats: ['es'],
      fileName: (_format, name) => `${name}.mjs`,
    },
  },
});
const { StreamingDetector, DEFAULT_THRESHOLD } = await import(pathToFileURL(join(OUT, 'anomaly.mjs')).href);
const { parseNabCsv, parseWindows, parseReferenceScores, scoreFile, normalizedScore, PROFILES } = await import(
  pathToFileURL(join(OUT, 'nab-score.mjs')).href
);

const detectorOpts = opts.opts ? JSON.parse(opts.opts) : {};
const threshold = opts.threshold !== undefined ? Number(opts.threshold) : DEFAULT_THRESHOLD;
const cost = PROFILES.standard;
const windows = parseWindows(readFileSync(join(folder, 'combined_windows.json'), 'utf8'));

// ---- check the scorer first: it must reproduce NAB's numenta rows ------------
{
  const scoresDir = join(folder, 'numenta_scores');
  const refFile = join(folder, 'reference_scores.csv');
  if (existsSync(scoresDir) && existsSync(refFile)) {
    const th = JSON.parse(readFileSync(join(folder, 'thresholds.json'), 'utf8')).numenta.standard.threshold;
    const rows = parseReferenceScores(readFileSync(refFile, 'utf8')).filter((r) => r.detector === 'numenta' && r.profile === 'standard');
    const wrong = [];
    for (const row of rows) {
      const { times, values } = parseNabCsv(readFileSync(join(scoresDir, row.file), 'utf8'));
      const sc = scoreFile(times, values, windows[row.file] ?? [], th, cost);
      if (Math.abs(sc.score - row.score) > 1e-6 || sc.tp !== row.tp || sc.fp !== row.fp || sc.fn !== row.fn || sc.tn !== row.tn) wrong.push(row.file);
    }
    console.log(`scorer check: ${rows.length - wrong.length}/${rows.length} numenta rows of reference_scores.csv reproduced (score, TP, TN, FP, FN)`);
    if (wrong.length > 0) {
      console.error(`eval:nab: the scorer does not reproduce NAB on ${wrong.join(', ')}`);
      process.exit(1);
    }
  } else {
    console.log('scorer check: skipped (no numenta_scores/ or reference_scores.csv in this folder)');
  }
}

// ---- run the detector over every file ---------------------------------------
const files = [];
for (const cat of readdirSync(join(folder, 'data')).sort()) {
  const dir = join(folder, 'data', cat);
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.csv')) files.push(`${cat}/${f}`);
}
const runs = [];
let points = 0;
let ns = 0n;
for (const file of files) {
  const { times, values } = parseNabCsv(readFileSync(join(folder, 'data', file), 'utf8'));
  const det = new StreamingDetector(detectorOpts);
  const scores = new Float64Array(values.length);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < values.length; i++) scores[i] = det.update(values[i], times[i]).score;
  ns += process.hrtime.bigint() - t0;
  points += values.length;
  runs.push({ file, times, scores, windows: windows[file] ?? [] });
}
const windowCount = runs.reduce((s, r) => s + r.windows.length, 0);
/** Windows of a file score that a detection scored. */
const found = (fileScore) => fileScore.windows.filter((w) => w.detectedAt >= 0).length;

function scoreAll(th) {
  let total = 0;
  const per = runs.map((r) => {
    const s = scoreFile(r.times, r.scores, r.windows, th, cost);
    total += s.score;
    return s;
  });
  return { per, total, normalized: normalizedScore(total, windowCount, cost) };
}

if (opts.sweep) {
  const ths = [];
  for (let t = 0.3; t < 0.999; t += 0.01) ths.push(Number(t.toFixed(3)));
  let best = { th: threshold, n: -Infinity };
  const lines = [];
  for (const th of ths) {
    const all = scoreAll(th);
    const n = all.normalized;
    const tp = all.per.reduce((s, p) => s + found(p), 0);
    const fp = all.per.reduce((s, p) => s + p.fp, 0);
    lines.push(`${th.toFixed(2)}:${n.toFixed(2)}(${tp}/${fp})`);
    if (n > best.n) best = { th, n };
  }
  console.log(lines.join(' '));
  console.log(`best threshold ${best.th} -> ${best.n.toFixed(3)}`);
}

const ours = scoreAll(threshold);

// ---- reference detectors ----------------------------------------------------
const refPath = join(folder, 'reference_scores.csv');
const refRows = existsSync(refPath) ? parseReferenceScores(readFileSync(refPath, 'utf8')).filter((r) => r.profile === 'standard') : [];
const detectors = [...new Set(refRows.map((r) => r.detector))].filter((d) => d !== 'null');
const ref = new Map(refRows.map((r) => [`${r.detector}|${r.file}`, r.score]));
const abbrev = { ARTime: 'ARTime', contextOSE: 'CAD-OSE', numenta: 'HTM', relativeEntropy: 'RelEnt', randomCutForest: 'RCF', twitterADVec: 'ADVec', windowedGaussian: 'WinGauss' };
const col = (s, w) => String(s).padStart(w);

if (!opts.quiet) {
  const head = `${'file'.padEnd(52)} ${col('win', 3)} ${col('ours', 8)} ${col('TP', 3)} ${col('FP', 3)} ` + detectors.map((d) => col(abbrev[d] ?? d, 8)).join(' ');
  console.log(head);
  runs.forEach((r, i) => {
    const s = ours.per[i];
    const refs = detectors.map((d) => {
      const v = ref.get(`${d}|${r.file}`);
      return col(v === undefined ? '-' : v.toFixed(3), 8);
    });
    console.log(`${r.file.padEnd(52)} ${col(r.windows.length, 3)} ${col(s.score.toFixed(3), 8)} ${col(found(s), 3)} ${col(s.fp, 3)} ${refs.join(' ')}`);
  });
  console.log('');
}

const detected = ours.per.reduce((s, p) => s + found(p), 0);
const fps = ours.per.reduce((s, p) => s + p.fp, 0);
console.log(`${files.length} files, ${windowCount} windows, ${points} points; ours: threshold ${threshold}, ${detected}/${windowCount} windows detected, ${fps} false-positive rows; ${(Number(ns) / points).toFixed(0)} ns/point (update() in this loop, JIT warm-up on short files included)`);
console.log('normalised over these files (100 * (S - S_null) / (S_perfect - S_null)), standard profile:');
const table = detectors.map((d) => {
  let total = 0;
  let n = 0;
  for (const r of runs) {
    const v = ref.get(`${d}|${r.file}`);
    if (v !== undefined) {
      total += v;
      n++;
    }
  }
  return { d, n, normalized: normalizedScore(total, windowCount, cost) };
});
table.sort((a, b) => b.normalized - a.normalized);
for (const t of table) console.log(`  ${(t.d + (t.n < runs.length ? ` (${t.n}/${runs.length} files)` : '')).padEnd(22)} ${t.normalized.toFixed(2)}`);
console.log(`NAB standard (normalized): ${ours.normalized.toFixed(2)}`);
