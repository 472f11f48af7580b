/** The newest entries of the live session, newest first. Every value is rendered as text. */
import { useEffect, useState } from 'preact/hooks';
import type { TraceEntry } from '../../core/entry';
import { LOG_ROWS, REFRESH_MS, type OverlayState } from '../state';
import { formatDuration, formatSeconds, preview } from '../format';
import type { OverlaySource } from '../source';

export function LogTab({ source }: { source: OverlaySource; state: OverlayState }) {
  const [entries, setEntries] = useState<readonly TraceEntry[]>([]);
  useEffect(() => {
    let alive = true;
    let inFlight = false;
    const refresh = () => {
      if (inFlight) return;
      inFlight = true;
      source
        .tail(LOG_ROWS)
        .then((e) => alive && setEntries(e))
        .catch(() => {})
        .finally(() => (inFlight = false));
    };
    refresh();
    const id = setInterval(refresh, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(id);
    };
  }, []);
  return <EventLog entries={entries} />;
}

export function EventLog({ entries }: { entries: readonly TraceEntry[] }) {
  if (entries.length === 0) return <div class="log"><div class="empty">No entries yet.</div></div>;
  const rows = [];
  for (let i = entries.length - 1; i >= 0; i--) rows.push(<Row key={entries[i]!.seq} e={entries[i]!} />);
  return (
    <div class="log" role="log" aria-label="event log">
      {rows}
    </div>
  );
}

function Row({ e }: { e: TraceEntry }) {
  const detail = e.kind === 'agent' ? (e.status === 'error' ? e.error?.message : e.args) : e.data;
  return (
    <div class={`row ${e.level}`} title={`${e.type} · frame ${e.frame}`}>
      <span class="seq">#{e.seq}</span>
      <span class="ts">{formatSeconds(e.ts)}</span>
      <span class={`kind k-${e.kind}`}>{e.kind}</span>
      <span class="main">
        <span class="type">{e.type}</span>
        {e.dur !== undefined && <span class="dur">{formatDuration(e.dur)}</span>}
        {e.source && e.kind !== 'agent' && <span class="src">{e.source}</span>}
        <span class="data">{preview(detail)}</span>
      </span>
    </div>
  );
}
