/**
 * The log's filter bar. Chips and the level apply at once; typed filters
 * apply TYPING_MS after the last key, so the store is not queried per key.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { KINDS, LEVELS, type Kind, type Level } from '../../core/entry';
import { defaultFilters, type LogFilters } from './log-settings';
import { timers } from '../timers';

export const TYPING_MS = 200;

type TextField = 'types' | 'sources' | 'text';

export function LogFilterBar({ filters, onChange }: { filters: LogFilters; onChange: (f: LogFilters) => void }) {
  // What is typed, ahead of what is applied.
  const [draft, setDraft] = useState(filters);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(filters);
  latest.current = filters;

  useEffect(() => () => void (timer.current && timers.clearTimeout(timer.current)), []);

  const apply = (f: LogFilters) => {
    if (timer.current) timers.clearTimeout(timer.current);
    timer.current = null;
    setDraft(f);
    onChange(f);
  };
  const type = (field: TextField, value: string) => {
    const next = { ...draft, [field]: value };
    setDraft(next);
    if (timer.current) timers.clearTimeout(timer.current);
    timer.current = timers.setTimeout(() => {
      timer.current = null;
      onChange({ ...latest.current, types: next.types, sources: next.sources, text: next.text });
    }, TYPING_MS);
  };
  const toggleKind = (k: Kind) => {
    const kinds = draft.kinds.includes(k) ? draft.kinds.filter((x) => x !== k) : KINDS.filter((x) => x === k || draft.kinds.includes(x));
    apply({ ...draft, kinds });
  };
  const active = draft.kinds.length > 0 || draft.minLevel !== 'debug' || draft.types || draft.sources || draft.text;

  return (
    <div class="log-filters" role="group" aria-label="filters">
      <div class="lf-kinds" role="group" aria-label="kinds">
        {KINDS.map((k) => (
          <button type="button" key={k} class={`lf-chip k-${k}`} aria-pressed={draft.kinds.includes(k)} onClick={() => toggleKind(k)}>
            {k}
          </button>
        ))}
      </div>
      <div class="lf-fields">
        <label class="lf-level">
          <span>level ≥</span>
          <select value={draft.minLevel} onChange={(ev) => apply({ ...draft, minLevel: (ev.currentTarget as HTMLSelectElement).value as Level })}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <input class="lf-type" type="search" placeholder="type (npc.*)" aria-label="type, or prefix ending in *" value={draft.types} onInput={(ev) => type('types', (ev.currentTarget as HTMLInputElement).value)} />
        <input class="lf-source" type="search" placeholder="source" aria-label="source" value={draft.sources} onInput={(ev) => type('sources', (ev.currentTarget as HTMLInputElement).value)} />
        <input class="lf-text" type="search" placeholder="text" aria-label="text" value={draft.text} onInput={(ev) => type('text', (ev.currentTarget as HTMLInputElement).value)} />
        {active && (
          <button type="button" class="lf-clear" title="Clear the filters" onClick={() => apply(defaultFilters())}>
            clear
          </button>
        )}
      </div>
    </div>
  );
}
