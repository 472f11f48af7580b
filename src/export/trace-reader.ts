/**
 * Reads a trace file's text as it arrives, chunk by chunk: the header first
 * (checked at once: a file of another format or a newer version fails before
 * its entries are read), then one entry at a time, each parsed and checked on
 * its own. A file that is not right fails with what is wrong and where: the
 * entry's index and its byte offset in the file. What it holds at once is the
 * entries read so far and one entry's text.
 *
 * A file whose top-level object has `traceEvents` is a Chrome trace: its text
 * is kept whole and handed back (chrome-import.ts reads it).
 */
import { jsonParse, push } from '../core/builtins';
import { TraceError } from '../core/errors';
import type { TraceEntry } from '../core/entry';
import { entryProblem, headerProblem, type TraceFile, type TraceHeader } from './trace-json';
import { jsonError, near, utf8Length, where } from './json-error';

type Phase = 'start' | 'head' | 'entries' | 'tail' | 'done' | 'closed' | 'chrome';

/** Consumed text is let go once this much has been read past it. */
const DROP_CHARS = 1 << 16;

export type ReadResult = { kind: 'trace'; trace: TraceFile } | { kind: 'chrome'; text: string };

export class TraceTextReader {
  private buf = '';
  private pos = 0;
  /** Bytes of the file before `buf[0]`. */
  private base = 0;
  private phase: Phase = 'start';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private expectKey = false;
  private keyStart = -1;
  private lastKeyStart = -1;
  private lastKey: string | null = null;
  private header: TraceHeader | null = null;
  private readonly entries: TraceEntry[] = [];
  private entryStart = -1;
  private needComma = false;

  /** Entries read so far. */
  get count(): number {
    return this.entries.length;
  }

  push(text: string): void {
    this.buf += text;
    if (this.phase === 'chrome') return;
    this.scan();
  }

  end(): ReadResult {
    if (this.phase === 'chrome') return { kind: 'chrome', text: this.buf };
    if (this.phase === 'done') return { kind: 'trace', trace: { ...this.header!, entries: this.entries } };
    throw this.truncated();
  }

  private byteAt(i: number): number {
    return this.base + utf8Length(this.buf, i);
  }

  private fail(message: string): TraceError {
    return new TraceError('IMPORT_INVALID', message);
  }

  private scan(): void {
    const s = this.buf;
    for (let i = this.pos; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \\ */) this.escaped = true;
        else if (c === 34 /* " */) {
          this.inString = false;
          if (this.keyStart >= 0) {
            this.gotKey(i);
            if ((this.phase as Phase) === 'chrome') return; // kept whole from here (push)
          }
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      switch (this.phase) {
        case 'start':
          if (c !== 123 /* { */) throw this.fail(`not a trace: the file does not start with a JSON object (at ${where(this.byteAt(i))}, near ${near(s, i)})`);
          this.phase = 'head';
          this.depth = 1;
          this.expectKey = true;
          break;
        case 'head':
          if (this.head(c, i)) return this.scan(); // the entries, from the start of the text kept
          break;
        case 'entries':
          if (this.entry(c, i)) return this.scan(); // on, in the text kept
          break;
        case 'tail':
          if (c !== 125 /* } */) throw this.fail(`after the last entry (${this.entries.length}) the file goes on with ${near(s, i)} at ${where(this.byteAt(i))}, where it should end`);
          this.phase = 'done';
          break;
        case 'done':
        case 'closed':
          throw this.fail(`text after the end of the trace at ${where(this.byteAt(i))}: ${near(s, i)}`);
      }
    }
    this.pos = s.length;
  }

  /** One character of the header; true when the entries begin (the text before them let go). */
  private head(c: number, i: number): boolean {
    if (c === 34) {
      this.inString = true;
      if (this.depth === 1 && this.expectKey) {
        this.keyStart = i;
        this.expectKey = false;
      }
      return false;
    }
    if (c === 123 || c === 91) this.depth++;
    else if (c === 125 || c === 93) {
      this.depth--;
      if (this.depth === 0) this.phase = 'closed'; // an object without entries: end() says what it lacks
    } else if (c === 44 /* , */ && this.depth === 1) this.expectKey = true;
    if (this.depth === 2 && c === 91 && this.lastKey === 'entries') return this.startEntries(i);
    return false;
  }

  private gotKey(end: number): void {
    this.lastKeyStart = this.keyStart;
    try {
      this.lastKey = jsonParse(this.buf.slice(this.keyStart, end + 1)) as string;
    } catch {
      this.lastKey = null;
    }
    this.keyStart = -1;
    if (this.lastKey === 'traceEvents') this.phase = 'chrome';
  }

  /** `"entries":[` found: the header is the object before it. */
  private startEntries(i: number): boolean {
    const before = this.buf.slice(0, this.lastKeyStart).replace(/[\s,]*$/, '');
    const text = before + '}';
    let header: unknown;
    try {
      header = jsonParse(text);
    } catch (err) {
      throw jsonError('the header', text, err);
    }
    const problem = headerProblem(header as Partial<TraceHeader>);
    if (problem) throw this.fail(problem);
    this.header = header as TraceHeader;
    this.phase = 'entries';
    this.depth = 0;
    this.dropTo(i + 1);
    return true;
  }

  /** One character between or inside entries; true when consumed text was let go. */
  private entry(c: number, i: number): boolean {
    if (this.entryStart < 0) {
      if (c === 93 /* ] */) {
        this.phase = 'tail';
        return false;
      }
      if (c === 44 && this.needComma) {
        this.needComma = false;
        return false;
      }
      if (c === 123 && !this.needComma) {
        this.entryStart = i;
        this.depth = 1;
        return false;
      }
      const n = this.entries.length;
      throw this.fail(`${this.needComma ? `after entry ${n - 1}` : `entry ${n}`}: expected ${this.needComma ? '"," or "]"' : 'an object'} at ${where(this.byteAt(i))}, found ${near(this.buf, i)}`);
    }
    if (c === 34) this.inString = true;
    else if (c === 123 || c === 91) this.depth++;
    else if (c === 125 || c === 93) {
      this.depth--;
      if (this.depth === 0) {
        this.addEntry(this.entryStart, i + 1);
        this.entryStart = -1;
        this.needComma = true;
        if (i + 1 >= DROP_CHARS) {
          this.dropTo(i + 1);
          return true;
        }
      }
    }
    return false;
  }

  private addEntry(from: number, to: number): void {
    const n = this.entries.length;
    const text = this.buf.slice(from, to);
    let e: unknown;
    try {
      e = jsonParse(text);
    } catch (err) {
      throw jsonError(`entry ${n}`, text, err, this.byteAt(from));
    }
    const problem = entryProblem(e);
    if (problem) throw this.fail(`entry ${n} (at ${where(this.byteAt(from))}): ${problem}`);
    push(this.entries, e as TraceEntry);
  }

  /** Lets go of the text before `i` (the scan goes on from there). */
  private dropTo(i: number): void {
    this.base += utf8Length(this.buf, i);
    this.buf = this.buf.slice(i);
    this.pos = 0;
  }

  private truncated(): TraceError {
    switch (this.phase) {
      case 'start':
        return this.fail(this.buf.trim() === '' ? 'the file is empty' : 'not a trace: no JSON object in the file');
      case 'head':
        return this.fail(`the file ends in its header, at ${where(this.byteAt(this.buf.length))}: it was cut short, or is not a trace (no "entries")`);
      case 'closed': {
        // The object closed without an entries array: what it is, said by the header's own checks.
        let v: unknown;
        try {
          v = jsonParse(this.buf);
        } catch (err) {
          return jsonError('the file', this.buf, err);
        }
        return this.fail(headerProblem(v as Partial<TraceHeader>) ?? 'the trace has no entries array');
      }
      case 'entries':
        if (this.entryStart >= 0) {
          return this.fail(`the file ends inside entry ${this.entries.length} (which starts at ${where(this.byteAt(this.entryStart))}): it was cut short; ${this.entries.length} entries before it read`);
        }
        return this.fail(`the file ends after entry ${this.entries.length - 1}, at ${where(this.byteAt(this.buf.length))}, without closing the entries ("]}"): it was cut short`);
      case 'tail':
        return this.fail(`the file ends after its entries without the closing "}", at ${where(this.byteAt(this.buf.length))}: it was cut short`);
      default:
        return this.fail('the file could not be read');
    }
  }
}
