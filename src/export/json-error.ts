/**
 * Messages for a trace file that does not read: what is wrong and where (the
 * byte offset in the file's text, the line and column, and the text around
 * it), so that a user can find the place in an editor.
 */
import { jsonStringify } from '../core/builtins';
import { errorMessage, TraceError } from '../core/errors';

/** UTF-8 bytes of `text` (the offsets a file's reader reports are bytes, not UTF-16 units). */
export function utf8Length(text: string, end = text.length): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Where in a file: `byte 123 (line 4, column 7)`, from the text before it. */
export function where(byte: number, line?: number, column?: number): string {
  return line === undefined ? `byte ${byte}` : `byte ${byte} (line ${line}, column ${column})`;
}

/** The text around index `i`, on one line, quoted. */
export function near(text: string, i: number): string {
  const from = Math.max(0, i - 24);
  const s = text.slice(from, i + 24).replace(/\s+/g, ' ');
  return jsonStringify((from > 0 ? '…' : '') + s + (i + 24 < text.length ? '…' : ''));
}

/** The index JSON.parse names in its message ("at position 17"), or null. */
function jsonErrorIndex(err: unknown): number | null {
  const m = /position (\d+)/.exec(errorMessage(err));
  return m ? Number(m[1]) : null;
}

/** Lines and columns (1-based) of index `i` in `text`. */
function lineColumn(text: string, i: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let k = 0; k < i && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      last = k;
    }
  }
  return { line, column: i - last };
}

/**
 * The error for `text` (which starts at byte `base` of the file) that
 * JSON.parse refused: `<what> is not JSON at byte N: <why>, near "…"` (with
 * the line and column when `text` is the file from its start).
 */
export function jsonError(what: string, text: string, err: unknown, base = 0): TraceError {
  const why = errorMessage(err).replace(/\s*\(line \d+ column \d+\)/, '');
  const i = jsonErrorIndex(err);
  if (i === null) return new TraceError('IMPORT_INVALID', `${what} is not JSON (it starts at ${where(base)}): ${why}`);
  const byte = base + utf8Length(text, i);
  let at = where(byte);
  if (base === 0) {
    const lc = lineColumn(text, i);
    at = where(byte, lc.line, lc.column);
  }
  return new TraceError('IMPORT_INVALID', `${what} is not JSON at ${at}: ${why}, near ${near(text, i)}`);
}

/** Sizes for messages: 2.0 GB, 512 MB, 3.4 KB. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n} bytes`;
}
