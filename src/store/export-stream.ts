/**
 * The trace file, written by the store block by block into a Blob (gzipped
 * through CompressionStream when asked and available), so that a million
 * entries never pass through the page's thread: the page gets a Blob handle
 * and progress messages.
 */
import type { ChromeTraceWriter } from '../export/chrome-trace';
import { traceHead, TRACE_TAIL } from '../export/trace-json';
import { decodeEntry, entryJson, restLines, type ColumnBatch } from '../core/columns';
import type { ExportParams, ExportResult } from './protocol';
import type { TraceRing } from './ring';

type Payloads = (key: number) => Promise<ColumnBatch[] | undefined>;

/**
 * Where the Chrome trace writer comes from, set by the entry: the worker has
 * it in its file; the page's own script, whose store runs on the main thread
 * only as a fallback, loads it from the overlay's file (the Perfetto button is
 * the overlay's), so that the script a player waits for does not carry it.
 */
export type ChromeWriterLoader = () => Promise<ChromeTraceWriter>;
let chromeWriter: ChromeWriterLoader | null = null;

export function setChromeWriter(load: ChromeWriterLoader): void {
  chromeWriter = load;
}

/** Text gathered before it is handed to the Blob or the compressor. */
const CHUNK_CHARS = 1 << 20;
const HEADS_PAGE = 64;
/** Progress messages at most this often. */
const PROGRESS_MS = 100;

export async function writeExport(
  ring: TraceRing,
  payloads: Payloads,
  p: ExportParams,
  progress: (done: number, total: number) => void,
): Promise<ExportResult> {
  const all = await ring.sessions();
  // Oldest session first, each in seq order: the order the trace happened in.
  const sessions = (p.session === 'all' ? all : all.filter((s) => s.id === p.session)).reverse();
  let total = 0;
  for (const s of sessions) total += s.entries;
  const sink = p.gzip && typeof CompressionStream === 'function' ? gzipSink() : textSink();

  const header = { ...p.header, sessions: sessions.slice().reverse() };
  // Chrome's format: every entry decoded and turned into events; ours: written from the columns.
  if (p.format === 'chrome' && !chromeWriter) throw new Error('the Chrome trace format cannot be written by this build');
  const chrome = p.format === 'chrome' ? await chromeWriter!() : null;
  let chunk = chrome ? chrome.fileHead(header) : traceHead(header);
  let first = !chrome;
  let done = 0;
  let lastProgress = 0;
  for (const s of sessions) {
    const idJson = JSON.stringify(s.id);
    const maxSeq = p.upTo?.sessionId === s.id ? p.upTo.seq : Infinity;
    let fromSeq = -Infinity;
    let past = false;
    while (!past) {
      const heads = await ring.heads(s.id, 'oldest', fromSeq, Infinity, HEADS_PAGE);
      for (const h of heads) {
        if (h.firstSeq > maxSeq) {
          past = true;
          break;
        }
        fromSeq = h.lastSeq + 1;
        const parts = await payloads(h.key);
        if (!parts) continue; // evicted while the export ran
        for (const b of parts) {
          const lines = restLines(b);
          for (let i = 0; i < b.count; i++) {
            if (b.seq[i]! > maxSeq) continue;
            done++;
            if (chrome) {
              chunk += chrome.entryText(decodeEntry(b, i, s.id, lines[i]!));
              continue;
            }
            chunk += (first ? '' : ',') + entryJson(b, i, idJson, lines[i]!);
            first = false;
          }
        }
        if (chunk.length >= CHUNK_CHARS) {
          await sink.write(chunk);
          chunk = '';
        }
        const now = Date.now();
        if (now - lastProgress >= PROGRESS_MS) {
          lastProgress = now;
          progress(done, Math.max(done, total));
        }
      }
      if (heads.length < HEADS_PAGE) break;
    }
  }
  await sink.write(chunk + (chrome ? chrome.fileTail() : TRACE_TAIL));
  progress(done, done);
  return { blob: await sink.close(), entries: done };
}

interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<Blob>;
}

function textSink(): Sink {
  // A Blob per chunk: the browser may keep its bytes outside the JS heap, which then holds one chunk at a time.
  const parts: Blob[] = [];
  return {
    write: async (text) => void parts.push(new Blob([text])),
    close: async () => new Blob(parts, { type: 'application/json' }),
  };
}

function gzipSink(): Sink {
  const cs = new CompressionStream('gzip');
  const writer = cs.writable.getWriter();
  const out = new Response(cs.readable).blob();
  const encoder = new TextEncoder();
  return {
    write: (text) => writer.write(encoder.encode(text)),
    close: async () => {
      await writer.close();
      return new Blob([await out], { type: 'application/gzip' });
    },
  };
}
