/**
 * `trace-agent compare <a> <b>`: two trace files digested as they stream
 * (analytics/compare.ts), then compared: what changed per agent method, most
 * changed first; event types of one only; frame times; where the stories part.
 */
import { compareTraces, droppedText, TraceDigester, type TraceComparison } from '../analytics/compare';
import type { TraceReader } from './read-trace';
import { printable, table } from './stats';

/** Digests a trace as it streams. */
async function digest(reader: TraceReader): Promise<TraceDigester> {
  const d = new TraceDigester();
  await reader.header();
  for await (const e of reader.entries()) d.add(e);
  return d;
}

export async function compareFiles(a: TraceReader, b: TraceReader): Promise<TraceComparison> {
  const da = await digest(a);
  const db = await digest(b);
  return compareTraces(da.digest(), db.digest());
}

const fig = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v.toPrecision(4)));

/** The comparison as text for a terminal: A is the first file, B the second. */
export function compareTable(c: TraceComparison, names: [string, string] = ['A', 'B']): string {
  const out: string[] = [];
  // Every line but the table's (printable already) holds text from the files.
  const put = (line: string) => out.push(printable(line));
  put(`A: ${names[0]}: ${c.a.entries} entries, ${fig(c.a.durationMs / 1000)} s, ${c.a.calls} agent calls (${c.a.errors} failed)`);
  put(`B: ${names[1]}: ${c.b.entries} entries, ${fig(c.b.durationMs / 1000)} s, ${c.b.calls} agent calls (${c.b.errors} failed)`);
  for (const [label, side] of [['A', c.a], ['B', c.b]] as const) {
    const dropped = droppedText(side.dropped);
    if (dropped) put(`${label}: ${dropped}`);
  }
  put(`percentiles within ${c.relativeError * 100}% (DDSketch): a ratio of two within ±${fig(c.ratioError * 100)}%`);
  out.push('');
  put('methods, most changed first:');
  out.push(
    table([
      ['method', 'calls A', 'calls B', 'err% A', 'err% B', 'p50 A', 'p50 B', 'p95 A', 'p95 B', '×p95', 'p99 A', 'p99 B', 'what changed'],
      ...c.methods.map((m) => [m.name, m.a?.calls ?? null, m.b?.calls ?? null, m.a ? fig(m.a.errorRate * 100) : null, m.b ? fig(m.b.errorRate * 100) : null, fig(m.a?.p50), fig(m.b?.p50), fig(m.a?.p95), fig(m.b?.p95), fig(m.change.p95), fig(m.a?.p99), fig(m.b?.p99), m.findings.join('; ') || '–']),
    ]),
  );
  if (c.unlisted.methods > 0) put(`${c.unlisted.methods} more methods, unchanged or less changed, not listed`);
  out.push('');
  const types = (label: string, list: { type: string; count: number }[], more: number) => `${label}: ${list.length === 0 ? '–' : list.map((t) => `${t.type} (${t.count})`).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  put(types('event types only in A', c.types.onlyInA, c.unlisted.onlyInA));
  put(types('event types only in B', c.types.onlyInB, c.unlisted.onlyInB));
  const f = c.frames;
  put(`frame time ms, A → B: p50 ${fig(f.a.p50) ?? '–'} → ${fig(f.b.p50) ?? '–'}, p95 ${fig(f.a.p95) ?? '–'} → ${fig(f.b.p95) ?? '–'}, p99 ${fig(f.a.p99) ?? '–'} → ${fig(f.b.p99) ?? '–'} (${f.a.count} and ${f.b.count} frames)`);
  const d = c.story.divergence;
  const step = (s: { from: string; to: string; ts: number } | null) => (s ? `${s.from} → ${s.to} at ${fig(s.ts / 1000)} s` : 'the story had ended');
  put(d === null ? `story: the same path (${c.story.a} steps)` : `story: the same for ${d.index} steps, then A: ${step(d.a)}; B: ${step(d.b)}`);
  return out.join('\n') + '\n';
}
