/**
 * Compare: a trace file (A, the reference: a good run) against the live
 * session or a second file (B). Per agent method, calls, errors and
 * p50/p95/p99 side by side, most changed first, with what changed beyond the
 * sketches' error; event types of one only; both frame-time distributions
 * overlaid (uPlot, percentile on x); where the two stories part.
 * Nothing is read until the user asks: a comparison reads every entry once.
 */
import { signal } from '@preact/signals';
import { useMemo, useRef, useState } from 'preact/hooks';
import { compareTraces, droppedText, type MethodComparison, type StoryStep, type TraceComparison } from '../../analytics/compare';
import { errorMessage } from '../../core/errors';
import { Chart, type ChartData, type ChartSpec } from '../charts';
import { formatCount } from '../format';
import type { OverlaySource } from '../source';
import type { OverlayState } from '../state';
import { fileSide, liveSide, type Side } from './compare-sides';

/** Methods shown in the table, most changed first. */
const SHOWN = 50;

type Against = 'live' | 'file';
interface Picked {
  name: string;
  open: () => Side;
}

const FRAME_SPEC: ChartSpec = {
  label: 'frame time distributions: A and B by percentile',
  series: [
    { label: 'A', color: 'c1' },
    { label: 'B', color: 'c2' },
  ],
  format: (v) => `${v.toFixed(v < 10 ? 1 : 0)} ms`,
  xFormat: (v) => `p${v}`,
  yAtLeast: 20,
};

export function CompareTab({ source, state }: { source: OverlaySource; state: OverlayState }) {
  const opened = state.file.value;
  const [a, setA] = useState<Picked | null>(() => (opened ? { name: opened.name, open: () => fileSide(opened.name, opened.trace) } : null));
  const [b, setB] = useState<Picked | null>(null);
  const [against, setAgainst] = useState<Against>('live');
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<{ c: TraceComparison; a: Side; b: Side } | null>(null);
  const frames = useMemo(() => signal<ChartData | null>(null), []);

  const pick = (set: (p: Picked) => void) => async (file: File) => {
    setProblem(null);
    setBusy(`opening ${file.name}`);
    try {
      const trace = await source.openTraceFile(file);
      set({ name: file.name, open: () => fileSide(file.name, trace) });
    } catch (err) {
      setProblem(`${file.name}: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
    }
  };

  const run = async () => {
    if (!a || busy) return;
    setProblem(null);
    setBusy('comparing');
    try {
      const sa = a.open();
      const sb = against === 'live' ? await liveSide(source, (n) => setBusy(`reading the live session: ${formatCount(n)} entries`)) : b ? b.open() : null;
      if (!sb) throw new Error('open a second file to compare with');
      const c = compareTraces(sa.digest, sb.digest);
      frames.value = [c.frames.curve.q, c.frames.curve.a, c.frames.curve.b];
      setResult({ c, a: sa, b: sb });
    } catch (err) {
      setProblem(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="compare">
      <section class="sides" aria-label="traces compared">
        <div class="side">
          <span class="fig-title">A (reference)</span> <span class="name">{a ? a.name : 'no file yet'}</span> <FileButton label="open file A" onFile={pick(setA)} disabled={busy !== null} />
        </div>
        <div class="side" role="radiogroup" aria-label="B">
          <span class="fig-title">B</span>{' '}
          <label>
            <input type="radio" name="against" checked={against === 'live'} onChange={() => setAgainst('live')} /> live session
          </label>{' '}
          <label>
            <input type="radio" name="against" checked={against === 'file'} onChange={() => setAgainst('file')} /> a second file
          </label>{' '}
          {against === 'file' && (
            <>
              <span class="name">{b ? b.name : 'no file yet'}</span> <FileButton label="open file B" onFile={pick(setB)} disabled={busy !== null} />
            </>
          )}
        </div>
        <button type="button" class="run" disabled={!a || busy !== null || (against === 'file' && !b)} onClick={() => void run()}>
          compare
        </button>
        {busy && (
          <span class="dim" role="status">
            {busy}…
          </span>
        )}
        {problem && (
          <div class="problems" role="alert">
            ⚠ {problem}
          </div>
        )}
        {!a && <div class="empty">Open a trace file (a good run) as A, then compare the live session or a second file with it.</div>}
      </section>
      {result && <Result c={result.c} a={result.a} b={result.b} />}
      <section class="frames" aria-label="frame times" hidden={!result}>
        <span class="fig-title">frame time by percentile</span> <span class="legend-a">A</span> <span class="legend-b">B</span>
        <Chart spec={FRAME_SPEC} data={frames} />
      </section>
    </div>
  );
}

/** A button that opens the file picker; the picked file goes to `onFile`. */
function FileButton({ label, onFile, disabled }: { label: string; onFile: (f: File) => void; disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" class="open" disabled={disabled} onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        aria-label={label}
        accept=".json,.gz,application/json,application/gzip"
        hidden
        onChange={(ev) => {
          const el = ev.currentTarget;
          const f = el.files?.[0];
          el.value = '';
          if (f) onFile(f);
        }}
      />
    </>
  );
}

const fig = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(Number(v.toPrecision(3))));
const pct = (v: number | undefined) => (v === undefined ? '–' : `${fig(v * 100)}%`);

function Result({ c, a, b }: { c: TraceComparison; a: Side; b: Side }) {
  const side = (label: string, s: Side, x: TraceComparison['a']) => (
    <div class="side-sum">
      <b>{label}</b> {s.label}: {formatCount(x.entries)} entries, {fig(x.durationMs / 1000)} s, {formatCount(x.calls)} agent calls ({formatCount(x.errors)} failed)
      {s.truncated && <span class="dim"> · the first {formatCount(x.entries)} entries only</span>}
      {droppedText(x.dropped) && <span class="dim dropped"> · {droppedText(x.dropped)}</span>}
    </div>
  );
  const changed = c.methods.filter((m) => m.score > 0).length;
  return (
    <>
      <section class="summary" aria-label="summary">
        {side('A', a, c.a)}
        {side('B', b, c.b)}
        <div class="dim">
          {changed === 0 ? 'No method changed beyond the sketches’ error' : `${changed} method${changed === 1 ? '' : 's'} changed`} · percentiles within {c.relativeError * 100}%, a ratio of two within ±{fig(c.ratioError * 100)}%
        </div>
      </section>
      <section aria-label="methods compared">
        <div class="table-wrap">
          <table class="methods">
            <caption class="dim">each cell: A · B</caption>
            <thead>
              <tr>
                <th scope="col">method</th>
                <th scope="col">calls</th>
                <th scope="col">err</th>
                <th scope="col">p50 ms</th>
                <th scope="col">p95 ms</th>
                <th scope="col">p99 ms</th>
              </tr>
            </thead>
            <tbody>
              {c.methods.slice(0, SHOWN).map((m) => (
                <MethodRow m={m} />
              ))}
            </tbody>
          </table>
        </div>
        {c.methods.length + c.unlisted.methods > SHOWN && <div class="dim">{c.methods.length + c.unlisted.methods - SHOWN} more methods, unchanged or less changed</div>}
      </section>
      <section class="types" aria-label="event types">
        <div>
          <span class="fig-title">only in A</span> {c.types.onlyInA.length === 0 ? <span class="dim">none</span> : c.types.onlyInA.map((t) => <code>{`${t.type} ×${t.count}`}</code>)}
          {c.unlisted.onlyInA > 0 && <span class="dim"> and {c.unlisted.onlyInA} more</span>}
        </div>
        <div>
          <span class="fig-title">only in B</span> {c.types.onlyInB.length === 0 ? <span class="dim">none</span> : c.types.onlyInB.map((t) => <code>{`${t.type} ×${t.count}`}</code>)}
          {c.unlisted.onlyInB > 0 && <span class="dim"> and {c.unlisted.onlyInB} more</span>}
        </div>
        <div class="dim">{c.types.inBoth} types in both</div>
      </section>
      <section class="story" aria-label="story">
        <span class="fig-title">story</span> <StoryLine c={c} />
      </section>
    </>
  );
}

function MethodRow({ m }: { m: MethodComparison }) {
  const two = (x: number | null | undefined, y: number | null | undefined) => `${fig(x)} · ${fig(y)}`;
  // What changed goes on a row of its own under the method: the panel is narrow.
  return (
    <>
      <tr class={m.score > 0 ? 'changed' : ''}>
        <th scope="row" class="name" title={m.name}>
          <span class="agent">{m.agent}</span>
          {m.method ? `.${m.method}` : ''}
        </th>
        <td class="num">{`${m.a ? formatCount(m.a.calls) : '–'} · ${m.b ? formatCount(m.b.calls) : '–'}`}</td>
        <td class="num">{`${pct(m.a?.errorRate)} · ${pct(m.b?.errorRate)}`}</td>
        <td class="num">{two(m.a?.p50, m.b?.p50)}</td>
        <td class="num">{two(m.a?.p95, m.b?.p95)}</td>
        <td class="num">{two(m.a?.p99, m.b?.p99)}</td>
      </tr>
      {m.findings.length > 0 && (
        <tr class="what">
          <td colSpan={6}>{m.findings.join('; ')}</td>
        </tr>
      )}
    </>
  );
}

function StoryLine({ c }: { c: TraceComparison }) {
  const d = c.story.divergence;
  if (c.story.a === 0 && c.story.b === 0) return <span class="dim">no story:transition in either</span>;
  if (!d) return <span>the same path ({c.story.a} steps)</span>;
  const step = (s: StoryStep | null) => (s ? `${s.from} → ${s.to} at ${fig(s.ts / 1000)} s` : 'ended');
  return (
    <span class="divergence">
      the same for {d.index} steps, then A: {step(d.a)}; B: {step(d.b)}
    </span>
  );
}
