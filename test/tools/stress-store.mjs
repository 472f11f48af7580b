// A quick end-to-end stress of the drop-in script in headless Chromium (not
// the benchmark suite, which comes with its own issue): logs N small events
// in chunks of 5,000 per task, waits until all are durable, and prints the
// main thread's busy time per event and the events/s that landed in IndexedDB.
// Medians of 5 runs, each on a fresh page. Needs `npm run build:lib` first.
//   node test/tools/stress-store.mjs [N]
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const N = Number(process.argv[2] ?? 300_000);
const RUNS = 5;
const exe = process.env.CHROMIUM_PATH || execSync('command -v chromium || command -v chromium-browser || command -v google-chrome', { shell: '/bin/sh' }).toString().trim();
const script = readFileSync('dist/trace-agent.js');
const server = createServer((req, res) => {
  if (req.url === '/trace-agent.js') {
    res.setHeader('content-type', 'text/javascript');
    res.end(script);
  } else {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><script src="/trace-agent.js" data-db="stress-${Date.now()}" data-capacity="${N * RUNS * 2}" data-overlay="false"></script>`);
  }
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: exe,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = [];
for (let run = 0; run < RUNS; run++) {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.TraceAgent?.stats().storage.backend);
  results.push(
    await page.evaluate(async (n) => {
      const ta = window.TraceAgent;
      const before = ta.stats().acked;
      const t0 = performance.now();
      let busy = 0;
      for (let i = 0; i < n; i += 5_000) {
        const a = performance.now();
        for (let k = 0; k < 5_000; k++) ta.logEvent('stress.tick', { i: i + k, x: 1.5, name: 'npc' });
        busy += performance.now() - a;
        await new Promise((r) => setTimeout(r, 0));
      }
      await ta.flush();
      const s = ta.stats();
      return { busyNs: (busy * 1e6) / n, perSec: n / ((performance.now() - t0) / 1000), landed: s.acked - before, dropped: s.dropped, thread: s.storage.thread };
    }, N),
  );
  await page.close();
}
await browser.close();
server.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`stress: ${N} events x ${RUNS} runs, store in the ${results[0].thread}`);
console.log(`  main-thread busy per logEvent (incl. batching, JSON, postMessage): median ${median(results.map((r) => r.busyNs)).toFixed(0)} ns`);
console.log(`  durable in IndexedDB: median ${Math.round(median(results.map((r) => r.perSec)))} events/s`);
console.log(`  landed ${results.map((r) => r.landed).join(', ')}; dropped ${results.map((r) => r.dropped).join(', ')}`);
