/**
 * The event log tab: a virtualised list of the store's entries (or a trace
 * file's), filtered by the store's query, that follows the newest entries
 * until the user scrolls away, and the detail of the entry selected.
 * Only the visible rows are in the DOM; the data comes in pages (log-model.ts).
 * Every value from the trace is rendered as text.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TraceEntry } from '../../core/entry';
import { usePolling } from '../charts';
import { groupDigits } from '../format';
import type { OverlaySource } from '../source';
import { REFRESH_MS, type OverlayState } from '../state';
import { EntryDetail } from './log-detail';
import { LogFilterBar } from './log-filters';
import { queryEntries } from './log-file-list';
import { createRowList } from './log-model';
import type { QueryFn, Row, RowList } from './log-pager';
import { OVERSCAN, ROW_H, rowWindow, scrollHeight, scrollTopFor } from './log-scroll';
import { entryKey, rowId, RowTextCache, type RowText } from './log-row-text';
import { loadSettings, saveSettings, type LogFilters, type LogOrder } from './log-settings';
import { memo } from './memo';

/** While paused, how often to look for newer entries. */
const NEWER_MS = 1_000;
/** The viewport's height until it can be measured. */
const DEFAULT_VIEW_H = 320;

export function LogTab({ source, state }: { source: OverlaySource; state: OverlayState }) {
  const [settings] = useState(loadSettings);
  const [filters, setFilters] = useState<LogFilters>(settings.filters);
  const [order, setOrder] = useState<LogOrder>(settings.order);
  const file = state.file.value;
  const focus = state.focus.value;
  const [follow, setFollow] = useState(focus === null && file === null);
  const [selected, setSelected] = useState<TraceEntry | null>(null);
  const [reveal, setReveal] = useState<TraceEntry | null>(null);

  useEffect(() => saveSettings({ filters, order }), [filters, order]);

  const fileEntries = file?.trace.entries ?? null;
  const query: QueryFn = useMemo(() => (fileEntries ? (q) => Promise.resolve(queryEntries(fileEntries, q)) : (q) => source.query(q)), [fileEntries, source]);
  const list = useMemo(() => createRowList({ query, file: fileEntries, filters, focus, order }), [query, fileEntries, filters, focus, order]);
  useEffect(() => () => list.dispose(), [list]);

  // A jump from another tab, or a file, holds the view still; back to live follows again.
  useEffect(() => {
    setFollow(focus === null && fileEntries === null);
  }, [focus, fileEntries]);
  useEffect(() => setSelected(null), [fileEntries]);

  // Also for a range from another tab: its first query may fail (the store
  // busy or starting) and entries of the range may still be on their way.
  usePolling(() => (follow ? list.refresh() : list.checkNewer()), list.kind === 'array' ? null : follow ? REFRESH_MS : NEWER_MS, [list, follow, focus]);

  const open = (e: TraceEntry) => {
    setSelected(e);
    setReveal(e);
  };
  const live = fileEntries === null;

  return (
    <div class="log-tab">
      {file && (
        <div class="log-banner" role="status">
          <span>
            viewing <b>{file.name}</b>
          </span>
          <button type="button" class="log-back" onClick={() => (state.file.value = null)}>
            back to live
          </button>
        </div>
      )}
      <LogFilterBar filters={filters} onChange={setFilters} />
      <LogStatus
        list={list}
        state={state}
        order={order}
        onOrder={() => setOrder(order === 'newest' ? 'oldest' : 'newest')}
        follow={live && !focus ? follow : null}
        onFollow={setFollow}
      />
      <LogList list={list} order={order} follow={follow} onPause={() => setFollow(false)} selected={selected} onSelect={setSelected} reveal={reveal} />
      {selected && <EntryDetail entry={selected} query={query} onOpen={open} onClose={() => setSelected(null)} />}
    </div>
  );
}

/** The count, the focus chip, order and follow: re-rendered as rows arrive, without the rest of the tab. */
function LogStatus({
  list,
  state,
  order,
  onOrder,
  follow,
  onFollow,
}: {
  list: RowList;
  state: OverlayState;
  order: LogOrder;
  onOrder: () => void;
  /** null: nothing to follow (a file, or a range from another tab). */
  follow: boolean | null;
  onFollow: (follow: boolean) => void;
}) {
  list.version.value; // subscribe: the count changes as pages arrive
  const focus = state.focus.value;
  const newer = list.newer.value;
  const problem = list.problem.value;
  return (
    <div class="log-status">
      {focus && (
        <span class="chip log-focus">
          showing #{focus.seqFrom}–#{focus.seqTo} ({focus.label})
          <button type="button" class="log-focus-clear" aria-label="Show the whole log" onClick={() => (state.focus.value = null)}>
            ×
          </button>
        </span>
      )}
      <span class="log-count" aria-live="polite">
        {list.countLabel()}
      </span>
      {problem && (
        <span class="log-problem" role="alert">
          {problem}
        </span>
      )}
      <span class="log-spacer-x" />
      <button type="button" class="log-order" title="Order of the list" onClick={onOrder}>
        {order === 'newest' ? 'newest first' : 'oldest first'}
      </button>
      {follow === true && (
        <button type="button" class="log-pause" title="Stop following the newest entries" onClick={() => onFollow(false)}>
          ❚❚ pause
        </button>
      )}
      {follow === false && (
        <button type="button" class={`log-newest${newer > 0 ? ' has-newer' : ''}`} title="Follow the newest entries" onClick={() => onFollow(true)}>
          ↓ newest{newer > 0 ? (list.kind === 'seq' ? ` (+${groupDigits(newer)})` : ' (new)') : ''}
        </button>
      )}
    </div>
  );
}

function sameEntry(a: TraceEntry | null, b: TraceEntry | null): boolean {
  return a !== null && b !== null && a.seq === b.seq && a.sessionId === b.sessionId;
}

function LogList({
  list,
  order,
  follow,
  onPause,
  selected,
  onSelect,
  reveal,
}: {
  list: RowList;
  order: LogOrder;
  follow: boolean;
  onPause: () => void;
  selected: TraceEntry | null;
  onSelect: (e: TraceEntry) => void;
  reveal: TraceEntry | null;
}) {
  const el = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(DEFAULT_VIEW_H);
  const [active, setActive] = useState(-1);
  /** The scrollTop we set ourselves: its scroll event is not the user's. */
  const pinned = useRef(NaN);
  /** The list's scrollTop as last set or scrolled to (NaN: not known). */
  const at = useRef(NaN);
  const lastSize = useRef(0);
  const pendingSelect = useRef(-1);
  /** Display positions of the rows rendered by entry key, for a click (rows are memoised: their handler may hold an earlier copy of the entry). */
  const visible = useRef(new Map<string, number>());
  /** The rows' text, formatted once per entry (log-row-text.ts). */
  const texts = useMemo(() => new RowTextCache(), []);
  const selectRef = useRef(onSelect);
  selectRef.current = onSelect;
  const pick = useMemo(
    () => (e: TraceEntry) => {
      setActive(visible.current.get(entryKey(e)) ?? -1);
      selectRef.current(e);
    },
    [],
  );
  list.version.value; // subscribe
  const size = list.size();
  // While following, the view sits at the newest edge and every row in it is
  // new at each refresh (thousands of entries a second): the rows past the
  // view are rendered only once the user scrolls (which pauses following),
  // not re-rendered at every refresh for nobody.
  const win = rowWindow(scrollTop, viewH, size, follow ? 0 : OVERSCAN);
  const height = scrollHeight(size);

  const setTop = (top: number) => {
    const node = el.current;
    if (!node) return;
    // Already there (following the newest, newest first): writing scrollTop and
    // reading it back would force a layout of the new rows for nothing.
    if (top === at.current) return;
    node.scrollTop = top;
    at.current = pinned.current = node.scrollTop;
    setScrollTop(node.scrollTop);
  };

  useLayoutEffect(() => {
    const node = el.current;
    if (!node) return;
    const measure = () => setViewH(node.clientHeight || DEFAULT_VIEW_H);
    measure();
    if (typeof ResizeObserver !== 'function') return;
    const ro = new ResizeObserver(measure);
    ro.observe(node);
    return () => ro.disconnect();
  }, []);

  // A new list (other filters, order, file) starts at its reading edge.
  useLayoutEffect(() => {
    setActive(-1);
    lastSize.current = 0;
    setTop(order === 'oldest' && follow ? height : 0);
  }, [list]);

  useLayoutEffect(() => {
    const grew = size - lastSize.current;
    lastSize.current = size;
    if (follow) setTop(order === 'newest' ? 0 : Math.max(0, height - viewH));
    // Older matches arrive above the rows in view: keep those rows where they are.
    else if (order === 'oldest' && list.kind === 'cursor' && grew !== 0 && size * ROW_H === height) setTop((el.current?.scrollTop ?? 0) + grew * ROW_H);
  }, [size, follow, order, height, viewH, list]);

  useEffect(() => {
    list.want(win.first, win.first + win.count);
  });

  useEffect(() => {
    if (!reveal) return;
    const i = list.indexOf(reveal);
    if (i < 0) return;
    setActive(i);
    onPause();
    setTop(scrollTopFor(i, el.current?.scrollTop ?? 0, viewH, size));
  }, [reveal]);

  const onScroll = () => {
    const node = el.current;
    if (!node) return;
    const top = node.scrollTop;
    at.current = top;
    setScrollTop(top);
    if (Math.abs(top - pinned.current) < 1) return;
    pinned.current = NaN;
    const atEdge = order === 'newest' ? top <= 1 : top >= height - viewH - 1;
    if (follow && !atEdge) onPause();
  };

  const moveTo = (i: number) => {
    if (size === 0) return;
    const next = Math.max(0, Math.min(size - 1, i));
    setActive(next);
    if (follow) onPause();
    setTop(scrollTopFor(next, el.current?.scrollTop ?? 0, viewH, size));
    const row = list.row(next);
    if (row !== null && typeof row === 'object') onSelect(row);
    else pendingSelect.current = next;
  };

  // A row moved to before it was loaded opens when it arrives.
  useEffect(() => {
    const i = pendingSelect.current;
    if (i < 0) return;
    if (i !== active) {
      pendingSelect.current = -1;
      return;
    }
    const row = list.row(i);
    if (row !== null && typeof row === 'object') {
      pendingSelect.current = -1;
      onSelect(row);
    }
  });

  const onKeyDown = (ev: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(viewH / ROW_H) - 1);
    const from = active >= 0 ? active : win.first;
    switch (ev.key) {
      case 'ArrowDown':
        moveTo(active < 0 ? from : from + 1);
        break;
      case 'ArrowUp':
        moveTo(from - 1);
        break;
      case 'PageDown':
        moveTo(from + page);
        break;
      case 'PageUp':
        moveTo(from - page);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(size - 1);
        break;
      case 'Enter':
      case ' ': {
        const row = active >= 0 ? list.row(active) : null;
        if (row !== null && typeof row === 'object') onSelect(row);
        break;
      }
      default:
        return;
    }
    ev.preventDefault();
  };

  const rows = [];
  const indexOf = new Map<string, number>();
  visible.current = indexOf;
  let activeRow: string | undefined;
  // Rows are keyed by their slot in the window, not by entry: as the window
  // moves, a slot's elements show the next entry (following the newest at
  // thousands of entries a second, every row in view is new at each refresh)
  // instead of being removed and made again; scrolling by a row moves one slot.
  const slots = Math.max(win.count, Math.ceil(viewH / ROW_H) + 2 * OVERSCAN + 2);
  for (let i = win.first; i < win.first + win.count; i++) {
    const r = list.row(i);
    const text = r !== null && typeof r === 'object' ? texts.get(r) : null;
    const id = text ? text.id : rowId(r === null ? `l${i}` : `g${r}`);
    if (r !== null && typeof r === 'object') indexOf.set(entryKey(r), i);
    if (i === active) activeRow = id;
    rows.push(<LogRow key={i % slots} id={id} row={r} text={text} active={i === active} selected={r !== null && typeof r === 'object' && sameEntry(r, selected)} onPick={pick} />);
  }

  return (
    <div
      ref={el}
      class="log-list"
      role="listbox"
      tabIndex={0}
      aria-label="event log"
      aria-activedescendant={activeRow}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
    >
      <div class="log-extent" style={{ height: `${height}px` }}>
        <div class="log-rows" style={{ transform: `translateY(${win.top}px)` }}>
          {rows}
        </div>
      </div>
      {size === 0 && <div class="empty">{list.kind === 'seq' ? 'No entries yet.' : list.countLabel() === 'searching…' ? 'Searching…' : 'No entries match.'}</div>}
    </div>
  );
}

const LogRow = memo(
  function LogRow({ id, row, text, active, selected, onPick }: { id: string; row: Row; text: RowText | null; active: boolean; selected: boolean; onPick: (e: TraceEntry) => void }) {
    if (row === null) {
      return (
        <div id={id} class={`log-row loading${active ? ' active' : ''}`} role="option" aria-selected={false}>
          <span class="seq">…</span>
        </div>
      );
    }
    if (typeof row === 'number') {
      return (
        <div id={id} class={`log-row gap${active ? ' active' : ''}`} role="option" aria-selected={false} title="not stored: evicted, dropped, or logged while recording was paused">
          <span class="seq">#{row}</span>
          <span class="main">not stored</span>
        </div>
      );
    }
    const e = row;
    const t = text!;
    return (
      <div
        id={id}
        class={`log-row ${e.level}${active ? ' active' : ''}${selected ? ' selected' : ''}`}
        role="option"
        aria-selected={selected}
        title={t.title}
        onClick={() => onPick(e)}
      >
        <span class="seq">{t.seq}</span>
        <span class="ts">{t.ts}</span>
        <span class={`kind k-${e.kind}`}>{e.kind}</span>
        <span class="main">
          <span class="type">{e.type}</span>
          {t.dur !== '' && <span class="dur">{t.dur}</span>}
          {e.source && e.kind !== 'agent' && <span class="src">{e.source}</span>}
          <span class="data">{t.data}</span>
        </span>
      </div>
    );
  },
  // The same entry fetched again (a new object, the same cached text) shows the same row.
  (a, b) => (a.row === b.row || (a.text !== null && a.text === b.text)) && a.id === b.id && a.active === b.active && a.selected === b.selected,
);
