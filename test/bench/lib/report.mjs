// The bench's report: medians, min and max over the runs; the table (for the
// terminal and for the README); the goals; bench-results.json.
import { GOALS, PENDING, UNITS } from './benches.mjs';
import { median } from './median.mjs';

const DECIMALS = { '×': 2, 'ms/frame': 2, 'ns/event': 1, 'ns/call': 1, 'ns/span': 1, MiB: 2, fps: 1 };

/** A figure rounded for its unit (what bench-results.json holds). */
export function round(key, v) {
  if (v === null || v === undefined) return null;
  const d = DECIMALS[UNITS[key]] ?? 0;
  return Math.round(v * 10 ** d) / 10 ** d;
}

/** A figure as the table shows it. */
export function show(key, v) {
  if (v === null || v === undefined) return 'null';
  const d = DECIMALS[UNITS[key]] ?? 0;
  return round(key, v).toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });
}


/**
 * bench-results.json: one flat object of medians (null for the keys that
 * cannot run yet), then `_meta`, the `_min` and `_max` over the runs, and
 * `_notes` (why a key is null).
 */
export function results({ samples, order, pending, meta }) {
  const out = {};
  for (const k of order) out[k] = pending.includes(k) ? null : round(k, median(samples[k]));
  const range = (f) => Object.fromEntries(order.filter((k) => !pending.includes(k)).map((k) => [k, round(k, f(...samples[k]))]));
  return {
    ...out,
    _meta: meta,
    _min: range(Math.min),
    _max: range(Math.max),
    _notes: Object.fromEntries(pending.map((k) => [k, PENDING[k]])),
  };
}

/** The rows of the table, from bench-results.json's object. */
export function rows(res, harnessOf) {
  return Object.keys(res)
    .filter((k) => !k.startsWith('_'))
    .map((k) =>
      res[k] === null
        ? [k, 'null', '', '', UNITS[k], res._notes[k] ?? 'not measured']
        : [k, show(k, res[k]), show(k, res._min[k]), show(k, res._max[k]), UNITS[k], harnessOf(k)],
    );
}

/** Each goal of the issue with its measured value: pass, fail or not yet. */
export function goals(res) {
  // Goals on keys this run did not select (--only) are left out; null keys are "not yet".
  return GOALS.filter(({ keys }) => keys.every((k) => k in res)).map(({ goal, keys, check }) => {
    const missing = keys.some((k) => res[k] === null);
    const measured = keys.map((k) => (res[k] === null ? `${k} null` : `${k} ${show(k, res[k])}${UNITS[k] === '×' ? '×' : ` ${UNITS[k]}`}`)).join(', ');
    return [goal, measured, missing ? 'not yet' : check(res) ? 'pass' : 'FAIL'];
  });
}

const HEAD = ['benchmark', 'median', 'min', 'max', 'unit', 'harness'];

/** Plain text for the terminal: numbers right-aligned. */
export function textTable(head, body, numeric = () => false) {
  const table = [head, ...body];
  const widths = head.map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
  const lines = [];
  for (const [i, r] of table.entries()) {
    lines.push(r.map((cell, c) => (numeric(c) ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  ').trimEnd());
    if (i === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  return lines.join('\n');
}

export function printReport(res, harnessOf) {
  console.log(`\n${textTable(HEAD, rows(res, harnessOf), (c) => c >= 1 && c <= 3)}`);
  const g = goals(res);
  if (g.length) console.log(`\ngoals (medians; ratios within each run)\n${textTable(['goal', 'measured', 'status'], g)}`);
}

function markdownTable(head, body, right = () => false) {
  const esc = (s) => String(s).replaceAll('|', '\\|');
  return [`| ${head.join(' | ')} |`, `| ${head.map((_, c) => (right(c) ? '---:' : '---')).join(' | ')} |`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export const README_BEGIN = '<!-- bench:begin: generated from bench-results.json by the bench (write-readme); do not edit by hand -->';
export const README_END = '<!-- bench:end -->';

/** The README's performance figures, generated from bench-results.json's object. */
export function readmeSection(res, harnessOf, command) {
  const m = res._meta;
  const body = rows(res, harnessOf).map((r) => r.map((cell, c) => (c === 0 ? `\`${cell}\`` : cell)));
  return [
    README_BEGIN,
    `\`${command}\` on ${m.date.slice(0, 10)}: ${m.runs} run${m.runs === 1 ? '' : 's'}, ${m.events.toLocaleString('en')} events per stream, ${m.chromium} (headless), ${m.cores} cores, Node ${m.node}; load average ${m.loadavg} (1 min, before the bench started).`,
    `Median, min and max over the runs; a ratio is taken within each run, then summarised.`,
    '',
    markdownTable(HEAD, body, (c) => c >= 1 && c <= 3),
    '',
    'Goals (issue 5), on the medians:',
    '',
    markdownTable(['goal', 'measured', 'status'], goals(res)),
    README_END,
  ].join('\n');
}

/** README text with the section between the markers replaced; throws when the markers are missing. */
export function replaceReadmeSection(readme, section) {
  const a = readme.indexOf(README_BEGIN);
  const b = readme.indexOf(README_END);
  if (a < 0 || b < a) throw new Error(`README.md has no generated performance section (the markers ${README_BEGIN} … ${README_END})`);
  return readme.slice(0, a) + section + readme.slice(b + README_END.length);
}
