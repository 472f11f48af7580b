// The command as it ships: `vite build --mode cli` (the build script's step) into a
// folder of the test's own, then run with node on a small file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoTrace } from '../../tools/demo-trace.mjs';

let dir: string;
let bin: string;
let trace: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trace-agent-bin-'));
  await build({ mode: 'cli', logLevel: 'silent', build: { outDir: join(dir, 'cli') } });
  bin = join(dir, 'cli', 'trace-agent.js');
  trace = join(dir, 'small.json.gz');
  await writeDemoTrace(trace, 3_000);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the built trace-agent command', () => {
  it('is one Node ES module with a shebang', () => {
    const code = readFileSync(bin, 'utf8');
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(code).not.toMatch(/from ["'](?!node:)[^"']+["']/); // imports nothing but node:*
  });

  it('converts and prints stats', () => {
    const out = join(dir, 'small.chrome.json');
    const c = run('convert', trace, '--to', 'chrome', '-o', out);
    expect(c.stderr).toBe('3000 entries written to ' + out + ' (chrome)\n');
    expect(c.status).toBe(0);
    const chrome = JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { ph: string }[] };
    expect(chrome.traceEvents.filter((e) => e.ph === 'X').length).toBeGreaterThan(2_000);
    const s = run('stats', trace, '--json');
    expect(s.status).toBe(0);
    expect((JSON.parse(s.stdout) as { entries: number }).entries).toBe(3_000);
    const csv = run('convert', trace, '--to', 'csv');
    expect(csv.stdout.split('\r\n')).toHaveLength(3_002);
  });

  it('exits 1 with the reason on a truncated file, 2 on a wrong command line', () => {
    const cut = join(dir, 'cut.json');
    spawnSync(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(cut)}, require('zlib').gunzipSync(require('fs').readFileSync(${JSON.stringify(trace)})).subarray(0, 5000))`]);
    const r = run('stats', cut);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^trace-agent: the file is truncated: it ends at byte 5000, inside the entries array, after \d+ complete entries/);
    const u = run('frobnicate');
    expect(u.status).toBe(2);
    expect(u.stderr).toContain('unknown command "frobnicate"');
  });

  // Streaming, not reading the file whole: a 1M-entry trace (about 210 MB of JSON) converts and
  // gives its stats with the JS heap capped at 48 MB, which a whole-file read could not fit in.
  // The time and the peak RSS are printed, not asserted (they vary with the machine's load).
  it('converts a 1,000,000-entry file and gives its stats with the heap capped at 48 MB', async () => {
    const big = join(dir, 'big.json.gz');
    await writeDemoTrace(big, 1_000_000);
    const hook = join(dir, 'peak-rss.mjs');
    writeFileSync(hook, "process.on('exit', () => process.stderr.write(`\\npeak-rss-kb ${process.resourceUsage().maxRSS}\\n`));\n");
    const capped = (...args: string[]) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--max-old-space-size=48', '--import', hook, bin, ...args], { encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
      const peak = Number(/peak-rss-kb (\d+)/.exec(r.stderr)?.[1] ?? NaN);
      console.log(`trace-agent ${args[0]}${args[0] === 'convert' ? ` --to ${args[3]}` : ''} on 1M entries: ${((performance.now() - t0) / 1000).toFixed(1)} s, peak RSS ${(peak / 1024).toFixed(0)} MB (load ${loadavg()[0]!.toFixed(2)})`);
      return r;
    };
    const out = join(dir, 'big.chrome.json');
    const c = capped('convert', big, '--to', 'chrome', '-o', out);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toContain(`1000000 entries written to ${out} (chrome)`);
    expect(statSync(out).size).toBeGreaterThan(100e6);
    rmSync(out);
    const s = capped('stats', big, '--json');
    expect(s.status, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { entries: number }).entries).toBe(1_000_000);
  }, 600_000);
});
