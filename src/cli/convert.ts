/**
 * `trace-agent convert <trace> --to chrome|jsonl|csv`: a trace JSON file
 * (plain or gzipped) to Chrome's Trace Event format (Perfetto,
 * chrome://tracing, DevTools), to JSON Lines (the header's line, then one
 * entry a line) or to CSV (one entry a row; what varies as JSON cells).
 * Entry by entry, in bounded memory.
 */
import type { Writable } from 'node:stream';
import type { TraceEntry } from '../core/entry';
import { ChromeTraceWriter } from '../export/chrome-trace';
import type { TraceReader } from './read-trace';
import { TextSink } from './sink';

export const FORMATS = ['chrome', 'jsonl', 'csv'] as const;
export type ConvertFormat = (typeof FORMATS)[number];

/** The CSV's columns: the fixed fields, then the varying ones as JSON. */
export const CSV_COLUMNS = ['seq', 'ts', 'sessionId', 'frame', 'kind', 'level', 'type', 'source', 'method', 'dur', 'spanId', 'parentId', 'status', 'async', 'flags', 'data', 'metadata', 'args', 'result', 'error'] as const;
const JSON_COLUMNS: ReadonlySet<string> = new Set(['data', 'metadata', 'args', 'result', 'error']);

/**
 * A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line
 * break. Text that a spreadsheet would run as a formula (= + - @, a tab or a
 * carriage return first) gets a leading `'`; numbers are left as they are.
 */
export function csvCell(v: unknown, json: boolean): string {
  if (v === undefined || v === null) return '';
  let s = json ? JSON.stringify(v) : String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(e: TraceEntry): string {
  const rec = e as unknown as Record<string, unknown>;
  let row = '';
  for (let k = 0; k < CSV_COLUMNS.length; k++) {
    const name = CSV_COLUMNS[k]!;
    if (k > 0) row += ',';
    row += csvCell(rec[name], JSON_COLUMNS.has(name));
  }
  return row + '\r\n';
}

/** Converts the trace of `reader` to `to`, written to `out`; resolves with the entries converted. */
export async function convertTrace(reader: TraceReader, to: ConvertFormat, out: Writable): Promise<{ entries: number }> {
  const sink = new TextSink(out);
  const header = await reader.header();
  let n = 0;
  if (to === 'chrome') {
    const writer = new ChromeTraceWriter();
    await sink.write(writer.fileHead(header));
    for await (const e of reader.entries()) {
      await sink.write(writer.entryText(e));
      n++;
    }
    await sink.write(writer.fileTail());
  } else if (to === 'jsonl') {
    await sink.write(JSON.stringify(header) + '\n');
    for await (const e of reader.entries()) {
      await sink.write(JSON.stringify(e) + '\n');
      n++;
    }
  } else {
    await sink.write(CSV_COLUMNS.join(',') + '\r\n');
    for await (const e of reader.entries()) {
      await sink.write(csvRow(e));
      n++;
    }
  }
  await sink.end();
  return { entries: n };
}
