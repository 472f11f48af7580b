// Prints the size of each build (min and gzip) and fails when the drop-in
// script passes its budget. Run by `npm run build`.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// Bytes, dist/trace-agent.js gzipped. Issue 8 started it at 45,000, for the
// walking skeleton (41.7 KiB). Since then, measured with this script:
// - the analytics engine (issue 6) in the worker, inlined: 58.6 KiB;
// - overlay v1 (issue 7): uPlot (~21.5 KiB gzip on its own), the five tabs,
//   the virtual log and the shell: 112.3 KiB.
// The budget is the measured size plus ~4%, to be tightened as the file
// shrinks: a worker that loads this same file would drop the second copy of
// the store (~12 KiB), and the overlay's code has not been put on a diet.
const BUDGET_GZIP = 120_000;
const files = ['dist/trace-agent.js', 'dist/esm/index.js'];
let failed = false;
for (const f of files) {
  if (!existsSync(f)) {
    console.error(`size: ${f} is missing`);
    failed = true;
    continue;
  }
  const buf = readFileSync(f);
  const gz = gzipSync(buf, { level: 9 }).length;
  const over = f === files[0] && gz > BUDGET_GZIP;
  console.log(`size: ${f.padEnd(22)} ${(buf.length / 1024).toFixed(1).padStart(6)} KiB min  ${(gz / 1024).toFixed(1).padStart(6)} KiB gzip${f === files[0] ? `  (budget ${(BUDGET_GZIP / 1024).toFixed(1)} KiB)` : ''}`);
  if (over) {
    console.error(`size: ${f} is ${gz} bytes gzipped, over the ${BUDGET_GZIP} byte budget`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
