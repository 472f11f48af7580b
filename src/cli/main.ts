/**
 * The `trace-agent` command (dist/cli/trace-agent.js, package.json's bin):
 *   trace-agent convert <trace.json[.gz]> --to chrome|jsonl|csv [-o out]
 *   trace-agent stats <trace> [--json|--table] [--session id]
 *   trace-agent compare <a> <b> [--json|--table]
 * Every command reads its files as streams (read-trace.ts).
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { errorMessage } from '../core/errors';
import { VERSION } from '../agent/version';
import { compareFiles, compareTable } from './compare';
import { convertTrace, FORMATS, type ConvertFormat } from './convert';
import { readTracePath } from './read-trace';
import { statsTable, traceStats } from './stats';

export const USAGE = `trace-agent ${VERSION}: files of Trace Agent, outside the browser

  trace-agent convert <trace.json[.gz]> --to chrome|jsonl|csv [-o out]
      chrome: Chrome's Trace Event format (Perfetto, chrome://tracing, DevTools)
      jsonl:  the header's line, then one entry a line
      csv:    one entry a row (data, metadata, args, result, error as JSON)
      The output goes to stdout without -o.
  trace-agent stats <trace> [--json|--table] [--session id]
      The analytics engine's stats and the anomalies and alerts it finds (a table by default).
  trace-agent compare <a> <b> [--json|--table]
      Per agent method, calls, errors and p50/p95/p99 of both, most changed first; event types
      of one only; frame times; where the two stories part.
`;

/** A mistake in the command line: the usage is printed with it. */
class UsageError extends Error {}

function output(path: string | undefined): Writable {
  return path ? createWriteStream(path) : process.stdout;
}

/** Runs the command of `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[], stdout: Writable = process.stdout, stderr: Writable = process.stderr): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (command === 'convert') {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { to: { type: 'string' }, output: { type: 'string', short: 'o' } } });
      if (positionals.length !== 1) throw new UsageError('convert takes one trace file');
      const to = values.to as ConvertFormat | undefined;
      if (!to || !FORMATS.includes(to)) throw new UsageError(`--to must be one of ${FORMATS.join(', ')}`);
      const reader = await readTracePath(positionals[0]!);
      const { entries } = await convertTrace(reader, to, values.output ? output(values.output) : stdout);
      if (values.output) stderr.write(`${entries} entries written to ${values.output} (${to})\n`);
      return 0;
    }
    if (command === 'stats') {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' }, table: { type: 'boolean' }, session: { type: 'string' } } });
      if (positionals.length !== 1) throw new UsageError('stats takes one trace file');
      if (values.json && values.table) throw new UsageError('--json or --table, not both');
      const s = await traceStats(await readTracePath(positionals[0]!), values.session);
      stdout.write(values.json ? JSON.stringify(s, null, 2) + '\n' : statsTable(s));
      return 0;
    }
    if (command === 'compare') {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' }, table: { type: 'boolean' } } });
      if (positionals.length !== 2) throw new UsageError('compare takes two trace files');
      if (values.json && values.table) throw new UsageError('--json or --table, not both');
      const [a, b] = positionals as [string, string];
      const c = await compareFiles(await readTracePath(a), await readTracePath(b));
      stdout.write(values.json ? JSON.stringify(c, null, 2) + '\n' : compareTable(c, [a, b]));
      return 0;
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      stderr.write(`trace-agent: ${errorMessage(err)}\n\n${USAGE}`);
      return 2;
    }
    stderr.write(`trace-agent: ${errorMessage(err)}\n`);
    return 1;
  }
}
