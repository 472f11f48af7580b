/**
 * A streaming scanner of a trace JSON file: the header (every top-level key
 * but `entries`), then the entries one at a time, from chunks of bytes as a
 * Node stream gives them. Only the value being read is held, never the file:
 * a trace of a million entries is read in the memory of one entry.
 *
 * It finds where each value ends by its brackets and strings, byte by byte
 * (the bytes of `"`, `\`, brackets and commas never occur inside a UTF-8
 * multi-byte character, so a chunk may end anywhere), then hands the value's
 * text to JSON.parse. What is wrong says where: the byte offset (of the text,
 * after gunzip) and the entry's index.
 *
 * Node only (Buffer); no DOM.
 */
import { TraceError } from '../core/errors';

/** What the scanner yields: the header once (before the first entry), each entry, and keys after the entries at the end. */
export type ScanItem = { kind: 'header'; header: Record<string, unknown> } | { kind: 'entry'; entry: unknown; index: number; offset: number } | { kind: 'end'; trailer: Record<string, unknown>; entries: number; bytes: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Where the top-level object is. */
const enum At {
  Start,
  KeyOrClose,
  Key,
  Colon,
  Value,
  AfterValue,
  EntriesOpen,
  EntryOrClose,
  Entry,
  AfterEntry,
  Done,
}

/** Reads one JSON value's bytes as they come; `done` once it is complete. */
class ValueReader {
  private parts: Uint8Array[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scalar = false;
  started = false;
  /** Byte offset of the value's first byte. */
  offset = 0;

  reset(): void {
    this.parts = [];
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.scalar = false;
    this.started = false;
    this.offset = -1;
  }

  /**
   * Reads from `buf[i]`; returns the index after the value's last byte when
   * the value ends in this chunk, else -1 (the chunk's rest is kept). A scalar
   * (number, true, null) ends at the first delimiter, which is not consumed.
   */
  feed(buf: Uint8Array, i: number): number {
    const start = i;
    const n = buf.length;
    if (!this.started) {
      this.started = true;
      const c = buf[i]!;
      if (c === QUOTE) {
        this.inString = true;
        i++;
      } else if (c === OPEN_OBJ || c === OPEN_ARR) {
        this.depth = 1;
        i++;
      } else this.scalar = true;
    }
    if (this.scalar) {
      for (; i < n; i++) {
        const c = buf[i]!;
        if (c === COMMA || c === CLOSE_OBJ || c === CLOSE_ARR || isSpace(c)) return this.keep(buf, start, i);
      }
      this.parts.push(buf.subarray(start, n));
      return -1;
    }
    for (; i < n; i++) {
      const c = buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 0) return this.keep(buf, start, i + 1);
        }
      } else if (c === QUOTE) this.inString = true;
      else if (c === OPEN_OBJ || c === OPEN_ARR) this.depth++;
      else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        if (--this.depth === 0) return this.keep(buf, start, i + 1);
      }
    }
    this.parts.push(buf.subarray(start, n));
    return -1;
  }

  /** Whether a scalar is being read (it ends at the file's end too). */
  get isScalar(): boolean {
    return this.scalar;
  }

  private keep(buf: Uint8Array, start: number, end: number): number {
    this.parts.push(buf.subarray(start, end));
    return end;
  }

  /** The value's text. */
  text(): string {
    const parts = this.parts;
    this.parts = [];
    return parts.length === 1 ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength).toString('utf8') : Buffer.concat(parts).toString('utf8');
  }
}

/**
 * The header, then the entries of a trace JSON file, as its bytes come.
 * Throws a TraceError ('IMPORT_INVALID') saying what is wrong and where.
 */
export async function* scanTrace(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<ScanItem> {
  let at = At.Start;
  let offset = 0; // of the chunk's first byte
  let key = '';
  let index = 0;
  let headerSent = false;
  const header: Record<string, unknown> = {};
  const trailer: Record<string, unknown> = {};
  const value = new ValueReader();
  const where = (i: number) => `byte ${offset + i}`;
  const fail = (msg: string): never => {
    throw new TraceError('IMPORT_INVALID', msg);
  };
  const parse = (what: string): unknown => {
    const text = value.text();
    try {
      return JSON.parse(text);
    } catch (err) {
      return fail(`${what} (at byte ${value.offset}) is not valid JSON: ${(err as Error).message}`);
    }
  };

  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let i = 0;
    const n = buf.length;
    // The file's first bytes: a UTF-8 byte order mark is skipped.
    if (offset === 0 && n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
    while (i < n) {
      if (at === At.Key || at === At.Value || at === At.Entry) {
        if (!value.started) {
          while (i < n && isSpace(buf[i]!)) i++;
          if (i === n) break;
          if (at === At.Entry && buf[i] === CLOSE_ARR) fail(`a ',' before ']' after entry ${index - 1} at ${where(i)}`);
          if (at === At.Key && buf[i] !== QUOTE) fail(`expected a key at ${where(i)}`);
          value.offset = offset + i;
        }
        const end = value.feed(buf, i);
        if (end < 0) break;
        i = end;
        if (at === At.Key) {
          key = parse('a key') as string;
          at = At.Colon;
        } else if (at === At.Value) {
          (headerSent ? trailer : header)[key] = parse(`the value of "${key}"`);
          at = At.AfterValue;
        } else {
          const entry = parse(`entry ${index}`);
          yield { kind: 'entry', entry, index, offset: value.offset };
          index++;
          at = At.AfterEntry;
        }
        value.reset();
        continue;
      }
      const c = buf[i]!;
      if (isSpace(c)) {
        i++;
        continue;
      }
      switch (at) {
        case At.Start:
          if (c !== OPEN_OBJ) fail(`not a trace: expected an object at ${where(i)}`);
          at = At.KeyOrClose;
          break;
        case At.KeyOrClose:
          if (c === CLOSE_OBJ) at = At.Done;
          else {
            at = At.Key;
            continue;
          }
          break;
        case At.Colon:
          if (c !== COLON) fail(`expected ':' after "${key}" at ${where(i)}`);
          if (key === 'entries' && headerSent) fail(`a second "entries" at ${where(i)}`);
          at = key === 'entries' ? At.EntriesOpen : At.Value;
          break;
        case At.AfterValue:
          if (c === COMMA) at = At.Key;
          else if (c === CLOSE_OBJ) at = At.Done;
          else fail(`expected ',' or '}' at ${where(i)}`);
          break;
        case At.EntriesOpen:
          if (c !== OPEN_ARR) fail(`"entries" is not an array (at ${where(i)})`);
          headerSent = true;
          yield { kind: 'header', header };
          at = At.EntryOrClose;
          break;
        case At.EntryOrClose:
          if (c === CLOSE_ARR) at = At.AfterValue;
          else {
            at = At.Entry;
            continue;
          }
          break;
        case At.AfterEntry:
          if (c === CLOSE_ARR) at = At.AfterValue;
          else if (c === COMMA) at = At.Entry;
          else fail(`expected ',' or ']' after entry ${index - 1} at ${where(i)}`);
          break;
        default:
          fail(`text after the trace's end at ${where(i)}`);
      }
      i++;
    }
    offset += n;
  }
  // A number or literal that ends with the file.
  if (at === At.Value && value.started && value.isScalar) {
    (headerSent ? trailer : header)[key] = parse(`the value of "${key}"`);
    at = At.AfterValue;
  }
  if (at !== At.Done) {
    const inEntries = at === At.Entry || at === At.AfterEntry || at === At.EntryOrClose;
    const inside = inEntries ? `inside the entries array, after ${index} complete entries` : at === At.Start ? 'before the trace began' : 'inside the header';
    const partial = at === At.Entry && value.started ? ` (entry ${index}, from byte ${value.offset}, is cut off)` : '';
    fail(`the file is truncated: it ends at byte ${offset}, ${inside}${partial}`);
  }
  if (!headerSent) fail('the trace has no entries array');
  yield { kind: 'end', trailer, entries: index, bytes: offset };
}
