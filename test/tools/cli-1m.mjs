// The command line on a big file: writes a demo-like trace of N entries
// (default 1,000,000; gzipped), then runs the built command (dist/cli/trace-agent.js:
// `npm run build:cli` first) on it: convert to each format and stats. Prints the
// time and the peak RSS of each run (the child's, from process.resourceUsage after
// it exits, reported through `node --import` of a tiny hook) and the load.
//
//   node test/tools/cli-1m.mjs [entries] [--keep]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeDemoTrace } from './demo-trace.mjs';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'dist/cli/trace-agent.js');
if (!existsSync(bin)) {
  console.error('dist/cli/trace-agent.js is missing: run `npm run build:cli` first');
  process.exit(2);
}
const n = Number(process.argv[2] ?? 1_000_000);
const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'trace-agent-1m-'));
const trace = join(dir, `demo-${n}.json.gz`);
// Prints the process's peak RSS (KB) on stderr as it exits.
const hook = join(dir, 'peak-rss.mjs');
writeFileSync(hook, "process.on('exit', () => process.stderr.write(`\\npeak-rss-kb ${process.resourceUsage().maxRSS}\\n`));\n");

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`load before: ${load()}`);
let t0 = performance.now();
await writeDemoTrace(trace, n);
console.log(`wrote ${n} entries: ${trace} (${(statSync(trace).size / 1e6).toFixed(1)} MB gzipped) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const runs = [
  ['convert', trace, '--to', 'chrome', '-o', join(dir, 'out.chrome.json')],
  ['convert', trace, '--to', 'jsonl', '-o', join(dir, 'out.jsonl')],
  ['convert', trace, '--to', 'csv', '-o', join(dir, 'out.csv')],
  ['stats', trace, '--json'],
];
for (const args of runs) {
  t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', hook, bin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const s = (performance.now() - t0) / 1000;
  const peak = /peak-rss-kb (\d+)/.exec(r.stderr ?? '');
  const out = args[args.indexOf('-o') + 1];
  const size = args.includes('-o') && existsSync(out) ? ` → ${(statSync(out).size / 1e6).toFixed(0)} MB` : '';
  console.log(`trace-agent ${args[0]} ${args.slice(2).filter((a) => !a.startsWith(dir)).join(' ')}: exit ${r.status}, ${s.toFixed(1)} s, peak RSS ${peak ? (Number(peak[1]) / 1024).toFixed(0) : '?'} MB${size}`);
  if (r.status !== 0) console.log(r.stderr);
}
console.log(`load after: ${load()}`);
if (keep) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
