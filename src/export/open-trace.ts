/**
 * Opens a trace from wherever it comes: a File or Blob (a drop, the file
 * picker), a URL, or a string (a URL, or the JSON text itself); plain or
 * gzipped JSON, our trace format or a Chrome trace we made. The size is
 * checked first (a Blob's size, a response's Content-Length, and the bytes
 * as they are decompressed), the text is read as it arrives (trace-reader.ts)
 * with a pause for the page every few ms, and nothing is handed back until
 * the whole file has been read and checked: a bad file fails with a message
 * that says what and where, never with a frozen tab or half a trace.
 */
import { clearTimer, dateNow, jsonStringify, NativePromise, setTimer, settle } from '../core/builtins';
import { errorMessage, TraceError } from '../core/errors';
import { parseChromeTraceSliced } from './chrome-import';
import { formatBytes } from './json-error';
import type { TraceFile } from './trace-json';
import { TraceTextReader } from './trace-reader';

export type TraceInput = Blob | URL | string;

export interface OpenTraceOptions {
  /** Files (and their decompressed text) larger than this are refused before they are read; default 500 MB. */
  maxBytes?: number;
  /** Bytes read of the total (the file's size; 0 when not known). */
  onProgress?: (done: number, total: number) => void;
  /** A URL whose server sends nothing for this long (no response, or no more bytes) is given up on; default STALL_MS. */
  stallMs?: number;
}

export interface OpenedTrace {
  /** The file's name (a URL's last path segment). */
  name: string;
  trace: TraceFile;
}

/** What a page can open: the entries as objects take several times their text, and a tab has a few GB. */
export const MAX_TRACE_BYTES = 500e6;
/** A server that sends no byte for this long has stalled: the fetch is aborted (else openTrace would never settle). */
export const STALL_MS = 30_000;
/** The reader gives the page a turn this often. */
const SLICE_MS = 12;

export async function openTrace(input: TraceInput, opts: OpenTraceOptions = {}): Promise<OpenedTrace> {
  const max = opts.maxBytes ?? MAX_TRACE_BYTES;
  const { blob, name } = await toBlob(input, max, opts.stallMs ?? STALL_MS);
  if (blob.size > max) throw new TraceError('IMPORT_INVALID', `${name} is ${formatBytes(blob.size)}: larger than the ${formatBytes(max)} a page can open`);
  if (blob.size === 0) throw new TraceError('IMPORT_INVALID', `${name} is empty`);
  const trace = await readBlob(blob, name, max, opts.onProgress);
  return { name, trace };
}

async function toBlob(input: TraceInput, max: number, stallMs: number): Promise<{ blob: Blob; name: string }> {
  if (typeof Blob !== 'undefined' && input instanceof Blob) return { blob: input, name: fileName(input) };
  if (typeof input === 'string' && /^\s*[{[]/.test(input)) return { blob: new Blob([input], { type: 'application/json' }), name: 'trace.json' };
  let url: URL;
  try {
    url = input instanceof URL ? input : new URL(String(input), typeof location !== 'undefined' ? location.href : undefined);
  } catch {
    throw new TraceError('IMPORT_INVALID', `not a trace, a file or a URL: ${jsonStringify(String(input).slice(0, 80))}`);
  }
  const name = decodeURIComponent(url.pathname.split('/').pop() || url.hostname || 'trace.json');
  // Whenever no byte has come for stallMs (the headers, then each chunk of the body): aborted, said so.
  const abort = typeof AbortController === 'function' ? new AbortController() : null;
  let stalled = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer !== undefined) clearTimer(timer);
    timer = setTimer(() => {
      stalled = true;
      abort?.abort();
      if (reader) settle(reader.cancel()); // a pending read then ends (a body not tied to the signal too)
    }, stallMs);
  };
  const stallError = () => new TraceError('IMPORT_INVALID', `could not fetch ${url.href}: the server sent nothing for ${stallMs / 1000} s, given up`);
  arm();
  try {
    let res: Response;
    try {
      res = await fetch(url, abort ? { signal: abort.signal } : undefined);
    } catch (err) {
      throw stalled ? stallError() : new TraceError('IMPORT_INVALID', `could not fetch ${url.href}: ${errorMessage(err)}`);
    }
    if (!res.ok) throw new TraceError('IMPORT_INVALID', `could not fetch ${url.href}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    const length = Number(res.headers.get('content-length'));
    if (length > max) {
      if (res.body) settle(res.body.cancel()); // with the original then: the page's may throw
      throw new TraceError('IMPORT_INVALID', `${name} is ${formatBytes(length)}: larger than the ${formatBytes(max)} a page can open`);
    }
    if (!res.body) return { blob: await res.blob(), name };
    // The body read chunk by chunk, counted: a missing or wrong Content-Length (chunked) is refused once past max, not buffered.
    reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for (;;) {
      arm();
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        throw stalled ? stallError() : new TraceError('IMPORT_INVALID', `could not fetch ${url.href}: ${errorMessage(err)}`);
      }
      if (stalled) throw stallError();
      if (r.done) break;
      bytes += r.value.byteLength;
      if (bytes > max) {
        settle(reader.cancel());
        throw new TraceError('IMPORT_INVALID', `${name} is larger than the ${formatBytes(max)} a page can open (stopped at byte ${bytes})`);
      }
      chunks[chunks.length] = r.value;
    }
    return { blob: new Blob(chunks as BlobPart[]), name };
  } finally {
    if (timer !== undefined) clearTimer(timer);
  }
}

function fileName(b: Blob): string {
  const n = (b as Partial<File>).name;
  return typeof n === 'string' && n ? n : 'the trace';
}

async function readBlob(blob: Blob, name: string, max: number, onProgress?: (done: number, total: number) => void): Promise<TraceFile> {
  const magic = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  const gzipped = magic[0] === 0x1f && magic[1] === 0x8b;
  if (gzipped && typeof DecompressionStream !== 'function') throw new TraceError('IMPORT_INVALID', 'this browser cannot read a gzipped trace (no DecompressionStream)');
  let stream: ReadableStream<Uint8Array> = blob.stream();
  let compressedRead = 0;
  if (gzipped) {
    // Counts the compressed bytes on their way in (the progress is of the file).
    const counted = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          compressedRead += chunk.byteLength;
          ctl.enqueue(chunk);
        },
      }),
    );
    stream = counted.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  }
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const text = new TraceTextReader();
  let bytes = 0;
  let slice = dateNow();
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        throw new TraceError('IMPORT_INVALID', gzipped ? `${name}: the gzip data is corrupt or cut short (after ${bytes} bytes of text, ${text.count} entries): ${errorMessage(err)}` : `${name} could not be read: ${errorMessage(err)}`);
      }
      if (r.done) break;
      bytes += r.value.byteLength;
      if (bytes > max) throw new TraceError('IMPORT_INVALID', `${name} decompresses to more than the ${formatBytes(max)} a page can open (stopped at byte ${bytes})`);
      let chunk: string;
      try {
        chunk = decoder.decode(r.value, { stream: true });
      } catch {
        throw new TraceError('IMPORT_INVALID', `${name} is not UTF-8 text (near byte ${bytes - r.value.byteLength}): not a trace file`);
      }
      text.push(chunk);
      onProgress?.(gzipped ? compressedRead : bytes, blob.size);
      if (dateNow() - slice >= SLICE_MS) {
        await pause();
        slice = dateNow();
      }
    }
    try {
      text.push(decoder.decode());
    } catch {
      throw new TraceError('IMPORT_INVALID', `${name} ends inside a UTF-8 character (byte ${bytes}): it was cut short`);
    }
  } catch (err) {
    // Read no further. A gzip stream is left unread instead of cancelled (its backpressure stops it):
    // Node's DecompressionStream throws an uncaught error when cancelled while it inflates.
    if (gzipped) reader.releaseLock();
    else settle(reader.cancel());
    throw err;
  }
  const result = text.end();
  return result.kind === 'trace' ? result.trace : parseChromeTraceSliced(result.text, pause, SLICE_MS);
}

/** A turn for the page (a task, not a microtask: input and frames go first). */
function pause(): Promise<void> {
  return new NativePromise((resolve) => setTimer(resolve, 0));
}
