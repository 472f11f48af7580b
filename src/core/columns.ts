/**
 * A batch of entries in columns, the form in which entries cross to the store
 * and are kept there (DESIGN.md, "An encoding worth trying").
 *
 * The fixed fields are typed arrays; type, source and method are ids into the
 * batch's own string table; what varies (data, metadata, args, result, error)
 * is one JSON text per entry, joined by newlines (JSON.stringify never writes
 * a raw newline). Posting this costs a few memcpys and one string instead of
 * a structured clone of every entry, and the store can count, dedupe, filter
 * and summarise a batch without parsing a byte of JSON.
 *
 * In core because both sides read it: the store (client, rings, queries,
 * export) and the analytics collectors, which import it downward.
 * No DOM: used by the page, the worker and Node.
 */
import { apply, ArrayProto, hasOwn, isArray, join, jsonStringify, ObjectProto, push, slice, some } from './builtins';
import { defaultExtras, EXTRA_COLUMNS, hasDefaultExtras, type ExtraColumn, type Extras } from './column-extras';
import { KINDS, LEVELS, NO_DATA, type TraceEntry } from './entry';

export interface ColumnBatch {
  count: number;
  seq: Float64Array;
  ts: Float64Array;
  /** Span duration in ms; NaN for entries that are not spans. */
  dur: Float64Array;
  /** 0 when absent. */
  spanId: Float64Array;
  /** 0 when absent. */
  parentId: Float64Array;
  frame: Uint32Array;
  /** Index into KINDS. */
  kind: Uint8Array;
  /** Index into LEVELS. */
  level: Uint8Array;
  flags: Uint8Array;
  /** Span status and sync/async: see the BIT_ constants. */
  bits: Uint8Array;
  /** Index into `strings`. */
  type: Uint32Array;
  /** Index into `strings` plus one; 0 when absent. */
  source: Uint32Array;
  /** Index into `strings` plus one; 0 when absent. */
  method: Uint32Array;
  strings: string[];
  /**
   * Per entry, the JSON of its data alone (when BIT_DATA_ONLY is set), else
   * `{"data":…,"metadata":…,…}` with the fields it has, or '' when none;
   * joined by '\n'.
   */
  rest: string;
}

const BIT_OK = 1;
/** In `bits`: the entry is a failed span (analytics count errors from it without decoding). */
export const BIT_ERROR = 2;
const BIT_SYNC = 4;
const BIT_ASYNC = 8;
/** The entry's rest line is its data alone: the common case, written without wrapping it. */
const BIT_DATA_ONLY = 16;

const FLOAT_COLUMNS = ['seq', 'ts', 'dur', 'spanId', 'parentId'] as const;
const BYTE_COLUMNS = ['kind', 'level', 'flags', 'bits'] as const;
const WORD_COLUMNS = ['frame', 'type', 'source', 'method'] as const;
type NumericColumn = (typeof FLOAT_COLUMNS)[number] | (typeof BYTE_COLUMNS)[number] | (typeof WORD_COLUMNS)[number];
const ALL_COLUMNS: readonly NumericColumn[] = [...FLOAT_COLUMNS, ...BYTE_COLUMNS, ...WORD_COLUMNS];
const ARRAY_TYPES = { seq: Float64Array, ts: Float64Array, dur: Float64Array, spanId: Float64Array, parentId: Float64Array, kind: Uint8Array, level: Uint8Array, flags: Uint8Array, bits: Uint8Array, frame: Uint32Array, type: Uint32Array, source: Uint32Array, method: Uint32Array } as const;

type Columns = { [K in NumericColumn]: InstanceType<(typeof ARRAY_TYPES)[K]> };

// The numeric columns of a batch are views into two ArrayBuffers (base and
// extras, see `views`): an ArrayBuffer costs microseconds to allocate in
// Chromium; thirteen of them per batch cost more than the entries.
// Captured at start-up, as the typed arrays' `set`: the page may replace the globals later.
const Buffer = ArrayBuffer;
const F64 = Float64Array;
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as { set: (a: ArrayLike<number>) => void; subarray: (from: number, to: number) => unknown };
const typedSet = TypedArrayProto.set;
const typedSubarray = TypedArrayProto.subarray;

type BaseColumns = Omit<Columns, ExtraColumn>;
type Group = readonly NumericColumn[];

/** The columns every entry fills; the extras (column-extras.ts) are a group of their own, in a buffer of their own. Widest first, so every view is aligned. */
const BASE_COLUMNS = ['seq', 'ts', 'frame', 'type', 'kind', 'level', 'flags', 'bits'] as const;

/** Bytes of one entry in a group's buffer. */
function rowBytes(g: Group): number {
  let bytes = 0;
  for (let k = 0; k < g.length; k++) bytes += ARRAY_TYPES[g[k]!].BYTES_PER_ELEMENT;
  return bytes;
}

/**
 * Views of group `g`'s columns for `n` entries, one after another in `buf`
 * (of `n * rowBytes(g)` bytes; a new one when not given), set on `out`.
 */
function views<T>(g: Group, n: number, buf: ArrayBuffer = new Buffer(n * rowBytes(g)), out: Record<string, unknown> = {}): T {
  let at = 0;
  for (let k = 0; k < g.length; k++) {
    const T = ARRAY_TYPES[g[k]!];
    out[g[k]!] = new T(buf, at, n);
    at += T.BYTES_PER_ELEMENT * n;
  }
  return out as T;
}

/** The buffer under `b`'s columns of group `g` when they are exactly the layout `views` makes, else null. */
function bufferOf(g: Group, b: ColumnBatch): ArrayBuffer | null {
  const n = b.count;
  const buf = b[g[0]!].buffer;
  if (!(buf instanceof Buffer) || buf.byteLength !== n * rowBytes(g)) return null;
  let at = 0;
  for (let k = 0; k < g.length; k++) {
    const v = b[g[k]!];
    if (v.buffer !== buf || v.byteOffset !== at || v.length !== n) return null;
    at += v.byteLength;
  }
  return buf;
}

/** The first `n` entries of group `g`'s columns of `from`, copied into a buffer of their size. */
function copyGroup<T>(g: Group, from: Record<string, unknown>, n: number): T {
  const out = views<Record<string, unknown>>(g, n);
  for (let k = 0; k < g.length; k++) apply(typedSet, out[g[k]!], [apply(typedSubarray, from[g[k]!], [0, n])]);
  return out as T;
}

/** The last of `list`, taken off it; undefined when it is empty (index and length only: the page may have broken Array methods). */
function pop(list: ArrayBuffer[]): ArrayBuffer | undefined {
  const last = list[list.length - 1];
  if (last) list.length--;
  return last;
}

// Plain objects with constant keys: a property load with an inline cache, faster than Map.get.
const KIND_INDEX = Object.freeze(Object.assign(Object.create(null) as object, Object.fromEntries(KINDS.map((k, i) => [k, i])))) as Readonly<Record<string, number>>;
const LEVEL_INDEX = Object.freeze(Object.assign(Object.create(null) as object, Object.fromEntries(LEVELS.map((l, i) => [l, i])))) as Readonly<Record<string, number>>;

// The codes of the kind and level columns that readers of batches test for (indexes into KINDS and LEVELS).
export const KIND_STATE = KIND_INDEX['state']!;
export const KIND_PLAYER = KIND_INDEX['player']!;
export const KIND_AGENT = KIND_INDEX['agent']!;
export const KIND_PERF = KIND_INDEX['perf']!;
export const KIND_ERROR = KIND_INDEX['error']!;
export const KIND_CUSTOM = KIND_INDEX['custom']!;
/** Levels at or above this code are errors (error, critical). */
export const LEVEL_ERROR = LEVEL_INDEX['error']!;

/**
 * Fills pre-allocated columns entry by entry on the page; `take()` hands
 * them over (a full batch) or a compact copy (a partial one). The extra
 * columns (column-extras.ts) are written only from the batch's first entry
 * that sets one of them on: a batch of plain events gets the shared defaults.
 */
export class BatchEncoder {
  private n = 0;
  private cols: BaseColumns;
  private extras: Extras;
  /** Whether an entry of this batch set an extra column (from then on every entry writes them). */
  private hasExtras = false;
  private readonly lines: string[];
  /** String → id in `strings`: a null-prototype object, not a Map (whose methods the page may replace). */
  private ids = Object.create(null) as Record<string, number>;
  private strings: string[] = [];
  /** The last type and its id: most entries repeat the type before them. */
  private lastType = '';
  private lastTypeId = -1;
  /** The last kind and level and their codes (most entries repeat them too: no lookup in a dictionary-mode object). */
  private lastKind = '';
  private lastKindCode = KIND_CUSTOM;
  private lastLevel = '';
  private lastLevelCode = 1;
  /**
   * Buffers of full batches that the store is done with (`recycle`), for the
   * next full batch: a fresh ArrayBuffer of a batch's size costs Chromium
   * about a microsecond per KB (zeroed, fresh pages), 50 ns an entry.
   * Base and extra buffers apart (they differ in size).
   */
  private spare: ArrayBuffer[] = [];
  private spareExtras: ArrayBuffer[] = [];

  constructor(readonly capacity: number) {
    this.cols = views(BASE_COLUMNS, capacity);
    this.extras = views(EXTRA_COLUMNS, capacity);
    this.lines = new Array<string>(capacity).fill('');
  }

  get length(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n >= this.capacity;
  }

  /**
   * Adds one entry; false (and nothing added: no half-written slot) when its
   * values cannot be serialised. Entries are safe copies, so that takes a
   * hostile toJSON, or a field that is not what its type says.
   */
  add(e: TraceEntry): boolean {
    let line: string | undefined;
    let dataOnly = 0;
    let kind: number;
    let level: number;
    try {
      const t = e.type;
      const src = e.source;
      const m = e.method;
      // Strings only: a Symbol in the string table would make postMessage refuse the whole batch.
      if (typeof t !== 'string' || (src !== undefined && typeof src !== 'string') || (m !== undefined && typeof m !== 'string')) return false;
      if (typeof e.kind !== 'string' || typeof e.level !== 'string') return false;
      if (e.kind !== this.lastKind) {
        this.lastKind = e.kind;
        this.lastKindCode = KIND_INDEX[e.kind] ?? KIND_CUSTOM;
      }
      if (e.level !== this.lastLevel) {
        this.lastLevel = e.level;
        this.lastLevelCode = LEVEL_INDEX[e.level] ?? 1;
      }
      kind = this.lastKindCode;
      level = this.lastLevelCode;
      if (e.metadata === undefined && e.args === undefined && e.result === undefined && e.error === undefined && e.data !== undefined) {
        // An event with a type only: its line is known without serialising.
        line = e.data === NO_DATA ? '{}' : copyJson(e.data);
        dataOnly = BIT_DATA_ONLY;
      } else {
        line = restJson(e);
      }
      if (typeof line !== 'string') return false;
    } catch {
      return false;
    }
    // From here nothing reads the entry's values but numbers and checked strings.
    const i = this.n;
    const c = this.cols;
    c.seq[i] = e.seq;
    c.ts[i] = e.ts;
    c.frame[i] = e.frame;
    c.kind[i] = kind;
    c.level[i] = level;
    c.flags[i] = e.flags ?? 0;
    c.bits[i] = dataOnly | (e.status === 'ok' ? BIT_OK : e.status === 'error' ? BIT_ERROR : 0) | (e.async === true ? BIT_ASYNC : e.async === false ? BIT_SYNC : 0);
    if (e.type !== this.lastType || this.lastTypeId < 0) {
      this.lastType = e.type;
      this.lastTypeId = this.id(e.type);
    }
    c.type[i] = this.lastTypeId;
    if (this.hasExtras || e.dur !== undefined || e.spanId !== undefined || e.parentId !== undefined || e.source !== undefined || e.method !== undefined) this.addExtras(e, i);
    this.lines[i] = line;
    this.n = i + 1;
    return true;
  }

  /** The batch so far as compact columns; the encoder is empty afterwards. */
  take(): ColumnBatch {
    const n = this.n;
    const c = this.cols;
    const lines = this.lines;
    // join builds one flat string: a rope of += would be flattened again by postMessage.
    const rest = n === lines.length ? join(lines, '\n') : join(slice(lines, 0, n), '\n');
    for (let i = 0; i < n; i++) lines[i] = '';
    let cols: BaseColumns;
    let extras: Extras;
    if (n === this.capacity) {
      // A full batch is handed over as it is; the next one gets fresh columns (or recycled ones).
      cols = c;
      this.cols = views(BASE_COLUMNS, n, pop(this.spare));
      extras = this.hasExtras ? this.extras : defaultExtras(n);
      if (this.hasExtras) this.extras = views(EXTRA_COLUMNS, n, pop(this.spareExtras));
    } else {
      // A partial one is copied to its size: what is posted and stored has no empty tail.
      cols = copyGroup(BASE_COLUMNS, c, n);
      extras = this.hasExtras ? copyGroup(EXTRA_COLUMNS, this.extras, n) : defaultExtras(n);
    }
    this.hasExtras = false;
    const out: ColumnBatch = { count: n, ...cols, ...extras, strings: this.strings, rest };
    this.n = 0;
    this.strings = [];
    this.ids = Object.create(null) as Record<string, number>;
    this.lastTypeId = -1;
    return out;
  }

  /**
   * The store is done with `b`, a batch this encoder handed out, and nothing
   * else holds it (it was structured-cloned to a worker, never handed to a
   * main-thread store as it is): the next full batch may reuse its buffer.
   * Only the buffer of a full batch in the encoder's own layout is kept (at
   * most two); anything else is left to the GC.
   */
  recycle(b: ColumnBatch): void {
    if (b.count !== this.capacity) return;
    const base = bufferOf(BASE_COLUMNS, b);
    if (base && this.spare.length < 2) push(this.spare, base);
    // The shared defaults are each in a buffer of their own, never in this layout.
    const extra = bufferOf(EXTRA_COLUMNS, b);
    if (extra && this.spareExtras.length < 2) push(this.spareExtras, extra);
  }

  /** Entry `i`'s extra columns; the entries before it get the defaults when it is the batch's first to have any. */
  private addExtras(e: TraceEntry, i: number): void {
    const x = this.extras;
    if (!this.hasExtras) {
      this.hasExtras = true;
      for (let j = 0; j < i; j++) {
        x.dur[j] = NaN;
        x.spanId[j] = x.parentId[j] = x.source[j] = x.method[j] = 0;
      }
    }
    x.dur[i] = e.dur ?? NaN;
    x.spanId[i] = e.spanId ?? 0;
    x.parentId[i] = e.parentId ?? 0;
    x.source[i] = e.source === undefined ? 0 : this.id(e.source) + 1;
    x.method[i] = e.method === undefined ? 0 : this.id(e.method) + 1;
  }

  private id(s: string): number {
    let id = this.ids[s];
    if (id === undefined) {
      id = this.strings.length;
      push(this.strings, s);
      this.ids[s] = id;
    }
    return id;
  }
}

// ---- packing: what crosses to a worker -----------------------------------------

/**
 * A batch as it is posted to a worker (store/wire.ts): the encoder's column
 * buffers themselves (`base`, `extras`) in place of their views (a structured
 * clone of eight or thirteen typed-array views costs Chromium ~15 µs a batch
 * more than of the one buffer under them), and no extra columns at all when
 * they are the shared defaults (column-extras.ts). A batch not in the
 * encoder's layout (sliced, replayed) keeps its views.
 */
export type PackedBatch = { count: number; strings: string[]; rest: string; base?: ArrayBuffer; extras?: ArrayBuffer } & Partial<Pick<ColumnBatch, NumericColumn>>;

/** `b` as it is posted to a worker (see PackedBatch); `b` itself when its base columns are not in the encoder's layout (sliced, replayed). */
export function packBatch(b: ColumnBatch): PackedBatch {
  const base = bufferOf(BASE_COLUMNS, b);
  if (!base) return b;
  const out: Record<string, unknown> = { count: b.count, strings: b.strings, rest: b.rest, base };
  if (!hasDefaultExtras(b)) {
    const extras = bufferOf(EXTRA_COLUMNS, b);
    if (extras) out['extras'] = extras;
    else pick(out, b, EXTRA_COLUMNS);
  }
  return out as PackedBatch;
}

function pick(out: Record<string, unknown>, from: object, g: Group): void {
  for (let k = 0; k < g.length; k++) out[g[k]!] = (from as Record<string, unknown>)[g[k]!];
}

/**
 * The batch `packBatch` made, with every column: views over its buffers, the
 * shared defaults for extras it left out. A batch that has its columns is
 * returned as it is; one that is malformed is returned with what it has, for
 * `checkBatch` to refuse (never a throw, never an allocation larger than what
 * it brought).
 */
export function expandBatch(p: PackedBatch): ColumnBatch {
  if (!p || typeof p !== 'object' || (p.base === undefined && p.extras === undefined && p.dur !== undefined)) return p as ColumnBatch;
  const n = p.count;
  if (!(typeof n === 'number' && n >= 1 && n % 1 === 0)) return p as ColumnBatch;
  const out: Record<string, unknown> = { count: n, strings: p.strings, rest: p.rest };
  unpack(out, p, BASE_COLUMNS, p.base, n);
  const seq = out['seq'];
  let bare = p.extras === undefined;
  for (let k = 0; k < EXTRA_COLUMNS.length; k++) if (p[EXTRA_COLUMNS[k]!] !== undefined) bare = false;
  // The defaults only for a batch that brought a seq column of its count (no allocation a malformed count asks for).
  if (bare && seq instanceof F64 && seq.length === n) pick(out, defaultExtras(n), EXTRA_COLUMNS);
  else unpack(out, p, EXTRA_COLUMNS, p.extras, n);
  return out as unknown as ColumnBatch;
}

/** Group `g`'s columns on `out`: views over `buf` when it is one of their layout for `n` entries, else `p`'s own. */
function unpack(out: Record<string, unknown>, p: PackedBatch, g: Group, buf: unknown, n: number): void {
  if (buf instanceof Buffer && buf.byteLength === n * rowBytes(g)) views(g, n, buf, out);
  else pick(out, p, g);
}

/** The JSON of an entry's variable fields, '' when it has none. */
function restJson(e: TraceEntry): string | undefined {
  if (e.data === undefined && e.metadata === undefined && e.args === undefined && e.result === undefined && e.error === undefined) return '';
  return copyJson({ data: e.data, metadata: e.metadata, args: e.args, result: e.result, error: e.error });
}

/**
 * The JSON of a safe copy (plain objects, arrays, strings, finite numbers,
 * booleans, null). `JSON.stringify` calls a `toJSON` it finds on any object,
 * and a page may give every array or object one (Prototype.js's
 * `Array.prototype.toJSON` turns arrays into strings): then our own writer,
 * which never looks at `toJSON`, writes it instead.
 */
export function copyJson(v: unknown): string | undefined {
  return prototypesHaveToJson() ? writePlain(v) : jsonStringify(v);
}

function prototypesHaveToJson(): boolean {
  try {
    return 'toJSON' in ArrayProto || 'toJSON' in ObjectProto;
  } catch {
    return true; // a Proxy in the prototype chain: take the writer that does not ask
  }
}

/** JSON text of plain data, as JSON.stringify would write it without any toJSON. */
function writePlain(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return jsonStringify(v); // a primitive: JSON.stringify looks no toJSON up on it
    case 'number':
      return v - v === 0 ? jsonStringify(v) : 'null'; // finite (NaN and ±Infinity give NaN)
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) s += (i > 0 ? ',' : '') + (writePlain(v[i]) ?? 'null');
        return s + ']';
      }
      let s = '{';
      let first = true;
      for (const k in v) {
        if (!hasOwn(v, k)) continue; // enumerable keys the page added to Object.prototype
        const x = writePlain((v as Record<string, unknown>)[k]);
        if (x === undefined) continue;
        s += (first ? '' : ',') + jsonStringify(k) + ':' + x;
        first = false;
      }
      return s + '}';
    }
    default:
      return undefined; // undefined, functions and symbols are left out, as JSON.stringify does
  }
}

export type Rest = Pick<TraceEntry, 'data' | 'metadata' | 'args' | 'result' | 'error'>;

/** Entry `i`'s rest line as fields. */
function parseRest(b: ColumnBatch, i: number, line: string): Rest | null {
  if (b.bits[i]! & BIT_DATA_ONLY) return { data: JSON.parse(line) as unknown };
  return line ? (JSON.parse(line) as Rest) : null;
}

// ---- reading ----------------------------------------------------------------

/** The per-entry JSON texts of a batch. */
export function restLines(b: ColumnBatch): string[] {
  return b.rest.split('\n');
}

/**
 * Entry `i`'s data, metadata, args, result and error from its JSON line alone,
 * without building the whole entry; null when it has none or the line does not
 * parse (what a reader that wants only the data, such as analytics, needs).
 */
export function restOf(b: ColumnBatch, i: number, line: string): Rest | null {
  try {
    return parseRest(b, i, line);
  } catch {
    return null;
  }
}

/** The batch-local id of a string, or -1 (readers look a type up once per batch, not per entry). */
export function localId(b: ColumnBatch, s: string): number {
  return b.strings.indexOf(s);
}

export function typeOf(b: ColumnBatch, i: number): string {
  return b.strings[b.type[i]!]!;
}

export function sourceOf(b: ColumnBatch, i: number): string | undefined {
  const s = b.source[i]!;
  return s === 0 ? undefined : b.strings[s - 1];
}

export function methodOf(b: ColumnBatch, i: number): string | undefined {
  const m = b.method[i]!;
  return m === 0 ? undefined : b.strings[m - 1];
}

/** Entry `i` of a batch as an object; `line` is its rest text (from `restLines`). */
export function decodeEntry(b: ColumnBatch, i: number, sessionId: string, line: string): TraceEntry {
  const r = parseRest(b, i, line);
  const bits = b.bits[i]!;
  const dur = b.dur[i]!;
  return {
    seq: b.seq[i]!,
    ts: b.ts[i]!,
    sessionId,
    kind: KINDS[b.kind[i]!] ?? 'custom',
    type: typeOf(b, i),
    level: LEVELS[b.level[i]!] ?? 'info',
    source: sourceOf(b, i),
    frame: b.frame[i]!,
    data: r?.data,
    metadata: r?.metadata,
    flags: b.flags[i] || undefined,
    spanId: b.spanId[i] || undefined,
    parentId: b.parentId[i] || undefined,
    method: methodOf(b, i),
    args: r?.args,
    result: r?.result,
    dur: Number.isNaN(dur) ? undefined : dur,
    status: bits & BIT_OK ? 'ok' : bits & BIT_ERROR ? 'error' : undefined,
    error: r?.error,
    async: bits & BIT_ASYNC ? true : bits & BIT_SYNC ? false : undefined,
  };
}

export function decodeBatch(b: ColumnBatch, sessionId: string): TraceEntry[] {
  const lines = restLines(b);
  const out = new Array<TraceEntry>(b.count);
  for (let i = 0; i < b.count; i++) out[i] = decodeEntry(b, i, sessionId, lines[i]!);
  return out;
}

/**
 * Entry `i` as JSON text, written from the columns and its rest text without
 * parsing it: what an export streams. Same fields as `decodeEntry`.
 */
export function entryJson(b: ColumnBatch, i: number, sessionIdJson: string, line: string): string {
  let s = `{"seq":${b.seq[i]},"ts":${b.ts[i]},"sessionId":${sessionIdJson},"kind":"${KINDS[b.kind[i]!] ?? 'custom'}","type":${JSON.stringify(typeOf(b, i))},"level":"${LEVELS[b.level[i]!] ?? 'info'}"`;
  const source = sourceOf(b, i);
  if (source !== undefined) s += `,"source":${JSON.stringify(source)}`;
  s += `,"frame":${b.frame[i]}`;
  if (b.bits[i]! & BIT_DATA_ONLY) s += ',"data":' + line;
  else if (line.length > 2) s += ',' + line.slice(1, -1);
  if (b.flags[i]) s += `,"flags":${b.flags[i]}`;
  if (b.spanId[i]) s += `,"spanId":${b.spanId[i]}`;
  if (b.parentId[i]) s += `,"parentId":${b.parentId[i]}`;
  const method = methodOf(b, i);
  if (method !== undefined) s += `,"method":${JSON.stringify(method)}`;
  const dur = b.dur[i]!;
  if (!Number.isNaN(dur)) s += `,"dur":${dur}`;
  const bits = b.bits[i]!;
  if (bits & BIT_OK) s += ',"status":"ok"';
  else if (bits & BIT_ERROR) s += ',"status":"error"';
  if (bits & BIT_ASYNC) s += ',"async":true';
  else if (bits & BIT_SYNC) s += ',"async":false';
  return s + '}';
}

// ---- checking, slicing, sizing ------------------------------------------------

/** Why `b` is not a well-formed batch of `count` entries, or null when it is. */
export function checkBatch(b: unknown, count: number): string | null {
  if (!b || typeof b !== 'object') return 'not an object';
  const o = b as Record<string, unknown>;
  if (o['count'] !== count || !Number.isInteger(count) || count < 1) return `count ${String(o['count'])} != ${count}`;
  for (let k = 0; k < ALL_COLUMNS.length; k++) {
    const name = ALL_COLUMNS[k]!;
    const col = o[name];
    if (!(col instanceof ARRAY_TYPES[name]) || col.length !== count) return `column ${name} is not a ${ARRAY_TYPES[name].name} of ${count}`;
  }
  const strings = o['strings'];
  if (!isArray(strings) || some(strings as unknown[], (s) => typeof s !== 'string')) return 'strings is not an array of strings';
  const rest = o['rest'];
  if (typeof rest !== 'string') return 'rest is not a string';
  let lines = 1;
  for (let at = rest.indexOf('\n'); at >= 0; at = rest.indexOf('\n', at + 1)) lines++;
  if (lines !== count) return `rest has ${lines} lines for ${count} entries`;
  const cb = b as ColumnBatch;
  for (let i = 0; i < count; i++) {
    if (cb.kind[i]! >= KINDS.length || cb.level[i]! >= LEVELS.length) return `entry ${i} has an unknown kind or level`;
    if (cb.type[i]! >= strings.length || cb.source[i]! > strings.length || cb.method[i]! > strings.length) return `entry ${i} names a string that is not in the table`;
    if (i > 0 && !(cb.seq[i]! > cb.seq[i - 1]!)) return `seq is not increasing at entry ${i}`;
  }
  return null;
}

/** The entries of `b` from index `from` on (what is left of a resent batch after dedupe). */
export function sliceBatch(b: ColumnBatch, from: number): ColumnBatch {
  const lines = restLines(b).slice(from);
  const out = { count: b.count - from, strings: b.strings, rest: lines.join('\n') } as ColumnBatch;
  for (const name of ALL_COLUMNS) (out as unknown as Record<string, unknown>)[name] = b[name].slice(from);
  return out;
}

/** What a batch weighs in storage, in bytes (strings counted a byte a character, as Chromium stores Latin-1 text). */
export function batchBytes(b: ColumnBatch): number {
  let bytes = b.rest.length;
  // Index loops: the page's Array.prototype[Symbol.iterator] may be broken (this runs in the page for every batch).
  for (let i = 0; i < b.strings.length; i++) bytes += b.strings[i]!.length;
  for (let k = 0; k < ALL_COLUMNS.length; k++) bytes += b[ALL_COLUMNS[k]!].byteLength;
  return bytes;
}

/** A batch as plain JSON-able data (for localStorage). */
export function batchToPlain(b: ColumnBatch): Record<string, unknown> {
  const out: Record<string, unknown> = { count: b.count, strings: b.strings, rest: b.rest };
  // Index loops: a page may break the iterators (Array.from uses them).
  for (let k = 0; k < ALL_COLUMNS.length; k++) {
    const name = ALL_COLUMNS[k]!;
    const col = b[name];
    const arr: (number | null)[] = new Array<number | null>(col.length);
    for (let i = 0; i < col.length; i++) arr[i] = name === 'dur' && col[i] !== col[i] ? null : col[i]!;
    out[name] = arr;
  }
  return out;
}

/** The inverse of `batchToPlain`; null when `o` is not one. */
export function batchFromPlain(o: unknown, count: number): ColumnBatch | null {
  if (!o || typeof o !== 'object') return null;
  const p = o as Record<string, unknown>;
  const out = { count: p['count'], strings: p['strings'], rest: p['rest'] } as Record<string, unknown>;
  for (let k = 0; k < ALL_COLUMNS.length; k++) {
    const name = ALL_COLUMNS[k]!;
    const arr = p[name];
    if (!isArray(arr)) return null;
    const col = new ARRAY_TYPES[name](arr.length);
    for (let i = 0; i < arr.length; i++) col[i] = arr[i] === null ? NaN : Number(arr[i]);
    out[name] = col;
  }
  return checkBatch(out, count) === null ? (out as unknown as ColumnBatch) : null;
}
