/**
 * A trace file on disk, plain or gzipped (told by its first two bytes, as
 * the overlay tells them), read as a stream: its header checked as the
 * overlay checks an opened file (export/trace-json.ts), then each entry
 * checked and handed on, one at a time.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { TraceEntry } from '../core/entry';
import { TraceError } from '../core/errors';
import { entryProblem, headerProblem, type TraceHeader } from '../export/trace-json';
import { scanTrace } from './scanner';

/** Chunks read from the stream at a time. */
const CHUNK_BYTES = 256 * 1024;

/** The bytes of the file's text: gunzipped when the file is gzip. */
async function traceBytes(path: string): Promise<AsyncIterable<Uint8Array>> {
  const fh = await open(path, 'r');
  let magic: Uint8Array;
  try {
    magic = new Uint8Array(2);
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) return file;
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  file.on('error', (err) => gunzip.destroy(err));
  return file.pipe(gunzip);
}

export interface TraceReader {
  /** Resolves with the header, before the first entry. */
  header(): Promise<TraceHeader>;
  /** The entries, in the file's order; checked one by one. */
  entries(): AsyncGenerator<TraceEntry>;
}

/**
 * Reads the trace of `chunks` (a file's bytes, traceBytes): `header()` first,
 * then iterate `entries()` once.
 */
export function readTrace(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): TraceReader {
  const items = scanTrace(chunks);
  let header: Promise<TraceHeader> | null = null;
  const readHeader = async (): Promise<TraceHeader> => {
    const first = await items.next();
    if (first.done || first.value.kind !== 'header') throw new TraceError('IMPORT_INVALID', 'the trace has no entries array');
    const problem = headerProblem(first.value.header as Partial<TraceHeader>);
    if (problem) throw new TraceError('IMPORT_INVALID', problem);
    return first.value.header as unknown as TraceHeader;
  };
  return {
    header: () => (header ??= readHeader()),
    async *entries() {
      await (header ??= readHeader());
      for (;;) {
        const r = await items.next();
        if (r.done || r.value.kind === 'end') return;
        if (r.value.kind !== 'entry') continue;
        const problem = entryProblem(r.value.entry);
        if (problem) throw new TraceError('IMPORT_INVALID', `entry ${r.value.index} (at byte ${r.value.offset}): ${problem}`);
        yield r.value.entry as TraceEntry;
      }
    },
  };
}

/** A trace file on disk, read as a stream. */
export async function readTracePath(path: string): Promise<TraceReader> {
  return readTrace(await traceBytes(path));
}
