// Prints the size of each build (min and gzip) and fails when the drop-in
// script passes its budget. Run by `npm run build`.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP = 45_000; // bytes, dist/trace-agent.js gzipped (issue 8: start at 45 KB, tighten)
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
