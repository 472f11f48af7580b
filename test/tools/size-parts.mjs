// What dist/trace-agent.js is made of (the part of the drop-in script that
// the page runs at once; SIZE_MODE=lib-worker SIZE_FILE=trace-agent.worker.js
// or lib-overlay / trace-agent.overlay.js for its two siblings): builds it once more
// with a sourcemap (into a temp dir), gives each byte of the output to the
// part of the source it came from, and prints each part's size minified and
// gzipped on its own. The whole file compresses a few % better than the sum.
// Run: npm run size:parts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes one sourcemap segment (base64 VLQ) into its numbers. */
function decodeSegment(seg) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of seg) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Where a source path belongs (null: bytes no source maps to, the bundler's own). */
function partOf(source) {
  if (source === null) return 'unmapped (bundler glue)';
  if (source.includes('node_modules/uplot')) return 'uPlot';
  if (/node_modules\/(preact|@preact)/.test(source)) return 'preact + signals';
  if (source.includes('node_modules/idb')) return 'idb';
  const m = /src\/([a-z-]+)\//.exec(source);
  return m ? `src/${m[1]}` : 'src/*.ts';
}
const dir = mkdtempSync(join(tmpdir(), 'trace-agent-size-'));
try {
  execFileSync('npx', ['--no', '--', 'vite', 'build', '--mode', process.env.SIZE_MODE ?? 'lib', '--outDir', dir, '--emptyOutDir', '--sourcemap', '--logLevel', 'warn'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const code = readFileSync(join(dir, process.env.SIZE_FILE ?? 'trace-agent.js'), 'utf8');
  const map = JSON.parse(readFileSync(join(dir, (process.env.SIZE_FILE ?? 'trace-agent.js') + '.map'), 'utf8'));
  const text = new Map();
  const add = (part, from, to) => {
    if (to > from) text.set(part, (text.get(part) ?? '') + code.slice(from, to));
  };
  let src = 0;
  let lineStart = 0;
  // A segment runs to the next one, across line ends: a template literal (the overlay's CSS) spans lines.
  let part = partOf(null);
  for (const lineMap of map.mappings.split(';')) {
    const lineEnd = code.indexOf('\n', lineStart) < 0 ? code.length : code.indexOf('\n', lineStart) + 1;
    let at = lineStart;
    let col = 0;
    for (const seg of lineMap.split(',')) {
      if (!seg) continue;
      const [dc, ds] = decodeSegment(seg);
      col += dc;
      add(part, at, lineStart + col);
      at = lineStart + col;
      if (ds !== undefined) src += ds;
      part = partOf(ds !== undefined ? (map.sources[src] ?? null) : null);
    }
    add(part, at, lineEnd);
    lineStart = lineEnd;
  }
  let sum = 0;
  const rows = [...text].map(([part, s]) => ({ part, min: s.length, gz: gzipSync(s, { level: 9 }).length })).sort((a, b) => b.gz - a.gz);
  for (const r of rows) {
    sum += r.gz;
    console.log(`${r.part.padEnd(52)} ${(r.min / 1000).toFixed(1).padStart(7)} KB min ${(r.gz / 1000).toFixed(1).padStart(7)} KB gzip`);
  }
  const whole = gzipSync(code, { level: 9 }).length;
  console.log(`${'sum of the parts'.padEnd(52)} ${''.padStart(14)} ${(sum / 1000).toFixed(1).padStart(7)} KB gzip`);
  console.log(`${'the whole file'.padEnd(52)} ${(code.length / 1000).toFixed(1).padStart(7)} KB min ${(whole / 1000).toFixed(1).padStart(7)} KB gzip`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
