/**
 * One entry in full: its fields as text, its values as JSON trees, its span's
 * parent and children (each opens in turn), the state at that moment when
 * the trace can rebuild it, and a copy button.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { FLAG_REDACTED, FLAG_TRUNCATED, type TraceEntry } from '../../core/entry';
import { errorMessage } from '../../core/errors';
import { STATE_CHECKPOINT, STATE_REPLACE } from '../../core/event-types';
import { stateAt } from '../../export/state-replay';
import { formatDuration, formatSeconds } from '../format';
import { JsonTree } from './log-json-tree';
import type { QueryFn } from './log-pager';
import { all, chain, resolved } from '../../core/builtins';

/** Children of a span listed. */
export const CHILDREN_SHOWN = 50;
/** State changes read to rebuild a state. */
export const STATE_CHANGES = 5_000;
/** Tracked states rebuilt at most. */
const STATE_SOURCES = 4;

export function EntryDetail({ entry, query, onOpen, onClose }: { entry: TraceEntry; query: QueryFn; onOpen: (e: TraceEntry) => void; onClose: () => void }) {
  return (
    <section class="log-detail" aria-label={`entry #${entry.seq}`}>
      <div class="ld-head">
        <span class={`ld-kind k-${entry.kind}`}>{entry.kind}</span>
        <span class={`ld-type lv-${entry.level}`}>{entry.type}</span>
        <span class="ld-seq">#{entry.seq}</span>
        <CopyButton entry={entry} />
        <button type="button" class="ld-close" aria-label="Close the detail" onClick={onClose}>
          ×
        </button>
      </div>
      <Fields e={entry} />
      {(['data', 'metadata', 'args', 'result', 'error'] as const).map((k) =>
        entry[k] === undefined ? null : (
          <div class="ld-block" key={k}>
            <JsonTree label={k} value={entry[k]} openDepth={2} />
          </div>
        ),
      )}
      {(entry.spanId !== undefined || entry.parentId !== undefined) && <SpanLinks key={`${entry.sessionId}:${entry.seq}`} entry={entry} query={query} onOpen={onOpen} />}
      <StateAt key={`${entry.sessionId}:${entry.seq}`} entry={entry} query={query} />
    </section>
  );
}

function Fields({ e }: { e: TraceEntry }) {
  const flags: string[] = [];
  if ((e.flags ?? 0) & FLAG_TRUNCATED) flags.push('truncated');
  if ((e.flags ?? 0) & FLAG_REDACTED) flags.push('redacted');
  const rows: [string, string][] = [
    ['seq', String(e.seq)],
    ['ts', formatSeconds(e.ts)],
    ['frame', String(e.frame)],
    ['session', e.sessionId],
    ['kind', e.kind],
    ['type', e.type],
    ['level', e.level],
  ];
  if (e.source !== undefined) rows.push(['source', e.source]);
  if (e.method !== undefined) rows.push(['method', e.method]);
  if (e.spanId !== undefined) rows.push(['span', String(e.spanId)]);
  if (e.parentId !== undefined) rows.push(['parent', String(e.parentId)]);
  if (e.dur !== undefined) rows.push(['duration', `${formatDuration(e.dur)} (started ${formatSeconds(e.ts - e.dur)})`]);
  if (e.status !== undefined) rows.push(['status', e.status]);
  if (e.async !== undefined) rows.push(['async', String(e.async)]);
  if (flags.length) rows.push(['flags', flags.join(', ')]);
  return (
    <dl class="ld-fields">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function EntryLink({ e, onOpen }: { e: TraceEntry; onOpen: (e: TraceEntry) => void }) {
  return (
    <li>
      <button type="button" class="ld-link" onClick={() => onOpen(e)}>
        <span class="ld-seq">#{e.seq}</span> <span class={`lv-${e.level}`}>{e.type}</span>
        {e.dur !== undefined && <span class="ld-dur"> {formatDuration(e.dur)}</span>}
        {e.status === 'error' && <span class="lv-error"> error</span>}
      </button>
    </li>
  );
}

type Loaded<T> = { state: 'loading' } | { state: 'done'; value: T } | { state: 'failed'; problem: string };

/** Runs `load` when the component mounts (a new entry remounts it: see the keys above). */
function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let alive = true;
    chain(
      load(),
      (value) => alive && setResult({ state: 'done', value }),
      (err) => alive && setResult({ state: 'failed', problem: errorMessage(err) }),
    );
    return () => {
      alive = false;
    };
  }, []);
  return result;
}

function SpanLinks({ entry, query, onOpen }: { entry: TraceEntry; query: QueryFn; onOpen: (e: TraceEntry) => void }) {
  const sessionId = entry.sessionId;
  const links = useLoad(async () => {
    const both = await all([
      entry.parentId !== undefined ? query({ sessionId, spanIds: [entry.parentId], limit: 1 }) : resolved(null),
      entry.spanId !== undefined ? query({ sessionId, parentIds: [entry.spanId], order: 'oldest', limit: CHILDREN_SHOWN }) : resolved(null),
    ] as const);
    const parent = both[0];
    const children = both[1];
    return { parent: parent?.entries[0] ?? null, children: children?.entries ?? null, more: children?.next != null };
  });
  return (
    <div class="ld-block ld-span">
      {links.state === 'loading' && <div class="ld-dim">looking up the span's parent and children…</div>}
      {links.state === 'failed' && <div class="ld-problem">span lookup failed: {links.problem}</div>}
      {links.state === 'done' && (
        <>
          {entry.parentId !== undefined && (
            <div class="ld-parent">
              <span class="ld-label">parent span</span>
              {links.value.parent ? (
                <ul>
                  <EntryLink e={links.value.parent} onOpen={onOpen} />
                </ul>
              ) : (
                <span class="ld-dim"> {entry.parentId} (not stored, or not ended yet)</span>
              )}
            </div>
          )}
          {links.value.children && (
            <div class="ld-children">
              <span class="ld-label">
                children{links.value.children.length ? ` (${links.value.children.length}${links.value.more ? '+, first ' + CHILDREN_SHOWN : ''})` : ''}
              </span>
              {links.value.children.length === 0 ? (
                <span class="ld-dim"> none stored</span>
              ) : (
                <ul>
                  {links.value.children.map((c) => (
                    <EntryLink key={c.seq} e={c} onOpen={onOpen} />
                  ))}
                </ul>
              )}
            </div>
          )}
        </>
      )}
    </div>
  );
}

interface StateView {
  source: string;
  state: unknown;
  checkpointSeq: number;
  applied: number;
  exact: boolean;
  cut: boolean;
}

/** Entries a replay can start from: each holds the whole state (a replacement, the new root's). */
const STATE_STARTS = [STATE_CHECKPOINT, STATE_REPLACE];

/** Every tracked state (one per source) as it was right after the entry, from its last checkpoint or replacement. */
export async function statesAt(query: QueryFn, entry: TraceEntry): Promise<StateView[]> {
  const sessionId = entry.sessionId;
  const cps = await query({ sessionId, kinds: ['state'], types: STATE_STARTS, toSeq: entry.seq, order: 'newest', limit: 20 });
  const latest = new Map<string, TraceEntry>();
  for (const cp of cps.entries) {
    const source = cp.source ?? 'state';
    if (!latest.has(source) && latest.size < STATE_SOURCES) latest.set(source, cp);
  }
  const views: StateView[] = [];
  for (const [source, cp] of latest) {
    const q = { sessionId, kinds: ['state' as const], fromSeq: cp.seq, toSeq: entry.seq, order: 'oldest' as const, limit: STATE_CHANGES };
    const res = await query(cp.source === undefined ? q : { ...q, sources: [cp.source] });
    const replayed = stateAt(res.entries, entry.seq, source);
    if (replayed) views.push({ source, ...replayed, cut: res.next !== null, exact: replayed.exact && res.next === null });
  }
  return views;
}

/** Collapsed until asked for: rebuilding a state reads up to STATE_CHANGES entries. */
function StateAt({ entry, query }: { entry: TraceEntry; query: QueryFn }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="ld-block ld-state">
      <button type="button" class="j-toggle ld-state-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'} state at this moment
      </button>
      {open && <StateBody entry={entry} query={query} />}
    </div>
  );
}

function StateBody({ entry, query }: { entry: TraceEntry; query: QueryFn }) {
  const states = useLoad(() => statesAt(query, entry));
  if (states.state === 'loading') return <div class="ld-dim">rebuilding…</div>;
  if (states.state === 'failed') return <div class="ld-problem">state lookup failed: {states.problem}</div>;
  if (states.value.length === 0) return <div class="ld-dim">no state checkpoint before this entry (trackState not used, or evicted)</div>;
  return (
    <>
      {states.value.map((s) => (
        <div class="ld-state-one" key={s.source}>
          <div class="ld-dim">
            {s.source}: checkpoint #{s.checkpointSeq} + {s.applied} change{s.applied === 1 ? '' : 's'}
            {!s.exact && <span class="ld-inexact"> · not exact{s.cut ? ` (more than ${STATE_CHANGES} changes)` : ' (values were cut)'}</span>}
          </div>
          <JsonTree label={s.source} value={s.state} openDepth={1} />
        </div>
      ))}
    </>
  );
}

/** Copies the entry as JSON: the clipboard API where the page allows it, else a selected textarea. */
function CopyButton({ entry }: { entry: TraceEntry }) {
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [fallback, setFallback] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    setStatus(null);
    setFallback(null);
  }, [entry]);
  useEffect(() => {
    const el = area.current;
    if (!el || fallback === null) return;
    el.focus();
    el.select();
    let copied = false;
    try {
      copied = typeof document.execCommand === 'function' && document.execCommand('copy');
    } catch {
      copied = false;
    }
    setStatus(copied ? { ok: true, text: 'copied' } : { ok: false, text: 'select and copy the text below (Ctrl+C)' });
  }, [fallback]);

  const copy = () => {
    const json = JSON.stringify(entry, null, 2);
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (clipboard && typeof clipboard.writeText === 'function') {
      chain(
        clipboard.writeText(json),
        () => setStatus({ ok: true, text: 'copied' }),
        (err) => {
          setStatus({ ok: false, text: `clipboard refused: ${errorMessage(err)}` });
          setFallback(json);
        },
      );
    } else setFallback(json);
  };
  return (
    <>
      <button type="button" class="ld-copy" onClick={copy}>
        copy JSON
      </button>
      {status && (
        <span class={`ld-copy-status ${status.ok ? 'ok' : 'bad'}`} role="status">
          {status.text}
        </span>
      )}
      {fallback !== null && <textarea ref={area} class="ld-copy-text" readOnly aria-label="entry JSON" value={fallback} />}
    </>
  );
}
