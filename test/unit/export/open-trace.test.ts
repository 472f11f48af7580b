import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { parseChromeTrace, parseChromeTraceSliced } from '../../../src/export/chrome-import';
import { ChromeTraceWriter } from '../../../src/export/chrome-trace';
import { openTrace } from '../../../src/export/open-trace';
import { SCHEMA_VERSION, traceHead, TRACE_FORMAT, TRACE_TAIL, type TraceHeader } from '../../../src/export/trace-json';
import { demoTrace } from './demo-trace';

const header: TraceHeader = {
  format: TRACE_FORMAT,
  schemaVersion: SCHEMA_VERSION,
  generator: { name: 'trace-agent', version: 'test' },
  exportedAt: '2026-12-06T00:00:00.000Z',
  session: 'demo',
  sessions: [{ id: 'demo', startedAt: 1, firstSeq: 1, lastSeq: 3, entries: 3 }],
  config: {},
  counters: { logged: 3, rejected: 0, truncated: 0, redacted: 0, dropped: 0, droppedByStore: 0, internalErrors: 0, acked: 3, stored: 3, storedBytes: 0, evicted: 0, deleted: 0, recovered: 0, lostOnUnload: 0, paused: 0 },
  storage: { thread: 'worker', backend: 'indexeddb', problems: [] },
};
const entry = (seq: number, over: Partial<TraceEntry> = {}): TraceEntry => ({ seq, ts: seq, sessionId: 'demo', kind: 'custom', type: 'quest:step', level: 'info', frame: seq, data: { note: 'é ✓' }, ...over });
const fileText = (entries: unknown[]) => traceHead(header) + entries.map((e) => JSON.stringify(e)).join(',') + TRACE_TAIL;
const three = fileText([entry(1), entry(2), entry(3)]);

async function gzip(text: string | Uint8Array): Promise<Blob> {
  return new Response(new Blob([text as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'))).blob();
}

/** openTrace's rejection message. */
async function refused(input: Parameters<typeof openTrace>[0], opts?: Parameters<typeof openTrace>[1]): Promise<string> {
  const err = await openTrace(input, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'it should have failed').toBeInstanceOf(Error);
  expect((err as { code?: string }).code).toBe('IMPORT_INVALID');
  return (err as Error).message;
}

afterEach(() => vi.unstubAllGlobals());

describe('openTrace: what opens', () => {
  it('a File, a Blob, the JSON text, a URL; plain or gzipped; the same entries each way', async () => {
    const want = [entry(1), entry(2), entry(3)];
    expect((await openTrace(new File([three], 'run.json'))).trace.entries).toEqual(want);
    expect((await openTrace(new File([three], 'run.json'))).name).toBe('run.json');
    expect((await openTrace(new Blob([three]))).trace.entries).toEqual(want);
    expect((await openTrace(three)).trace.entries).toEqual(want);
    const opened = await openTrace(await gzip(three));
    expect(opened.trace.entries).toEqual(want);
    expect(opened.trace.counters.logged).toBe(3);
    const gz = await gzip(three);
    vi.stubGlobal('fetch', async (u: URL) => (u.pathname === '/traces/run.json.gz' ? new Response(gz) : new Response('no', { status: 404, statusText: 'Not Found' })));
    const fromUrl = await openTrace('https://example.test/traces/run.json.gz');
    expect(fromUrl.name).toBe('run.json.gz');
    expect(fromUrl.trace.entries).toEqual(want);
    expect(await refused(new URL('https://example.test/missing.json'))).toBe('could not fetch https://example.test/missing.json: HTTP 404 Not Found');
  });

  it('reads in chunks as the bytes arrive (progress on the way), whatever the chunk boundaries', async () => {
    const many = fileText([...Array(3000).keys()].map((i) => entry(i + 1, { data: { text: 'ü'.repeat(i % 50), nested: { a: [1, { b: '}]"\\' }] } } })));
    const bytes = new TextEncoder().encode(many);
    // A stream of 7-byte pieces: entries, strings, escapes and UTF-8 characters are cut anywhere.
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.slice(i, i + 7));
    const blob = new Blob(pieces as BlobPart[]);
    const progress: number[] = [];
    const { trace } = await openTrace(blob, { onProgress: (done) => progress.push(done) });
    expect(trace.entries).toHaveLength(3000);
    expect(trace.entries[2999]).toEqual(JSON.parse(many).entries[2999]);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it('a Chrome trace made by us opens, with the same entries as the trace it was made from', async () => {
    const entries = demoTrace(3, 30);
    const w = new ChromeTraceWriter();
    let text = w.fileHead({ ...header, sessions: [{ id: 'demo', startedAt: 1, firstSeq: 1, lastSeq: entries.length, entries: entries.length }] });
    for (const e of entries) text += w.entryText(e);
    text += w.fileTail();
    const { trace } = await openTrace(new File([text], 'run.chrome.json'));
    expect(trace.entries).toEqual(JSON.parse(JSON.stringify(entries)));
    expect(await refused(JSON.stringify({ traceEvents: [{ ph: 'X', name: 'x', ts: 1, dur: 1, pid: 1, tid: 1 }] }))).toMatch(/a Chrome trace not made by trace-agent/);
  });

  it("a Chrome trace's conversion gives the page turns (between slices of events), and gives the same entries as the one-go conversion", async () => {
    const entries = demoTrace(3, 2000);
    const w = new ChromeTraceWriter();
    let text = w.fileHead({ ...header, sessions: [{ id: 'demo', startedAt: 1, firstSeq: 1, lastSeq: entries.length, entries: entries.length }] });
    for (const e of entries) text += w.entryText(e);
    text += w.fileTail();
    const events = (JSON.parse(text) as { traceEvents: unknown[] }).traceEvents.length;
    expect(events).toBeGreaterThan(4 * 1024);
    let pauses = 0;
    // A slice of 0 ms: a turn at every step (after the parse, every 1024 events of each pass, before the sort).
    const sliced = await parseChromeTraceSliced(text, async () => void pauses++, 0);
    expect(sliced).toEqual(parseChromeTrace(text));
    expect(sliced.entries.length).toBeGreaterThan(0);
    expect(pauses).toBeGreaterThanOrEqual(2 * Math.floor(events / 1024) + 2);
  });

  it("a page whose timers never fire, whose clock races and whose JSON.parse and Array push are wrapped (after we loaded) still opens a trace, ours or Chrome's, without calling them", async () => {
    const many = fileText([...Array(3000).keys()].map((i) => entry(i + 1, { data: { text: 'x'.repeat(i % 50) } })));
    const entries = demoTrace(3, 30);
    const w = new ChromeTraceWriter();
    let chrome = w.fileHead({ ...header, sessions: [{ id: 'demo', startedAt: 1, firstSeq: 1, lastSeq: entries.length, entries: entries.length }] });
    for (const e of entries) chrome += w.entryText(e);
    chrome += w.fileTail();
    const want = JSON.parse(JSON.stringify(entries)) as unknown;
    const blobs = [new Blob([many]), new Blob([chrome])];
    const parse = JSON.parse;
    const push = Array.prototype.push;
    // The wrappers note each call (its stack, read after they are gone) and pass it on: Node's own Blob code calls them too.
    const calls: Error[] = [];
    const note = () => void (calls[calls.length] = new Error());
    let opened: Awaited<ReturnType<typeof openTrace>>[] = [];
    vi.stubGlobal('setTimeout', () => 0); // never calls back
    let fake = 0;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (fake += 1000)); // every read a "long" slice: a pause each chunk
    try {
      JSON.parse = function (this: unknown, ...a: Parameters<typeof parse>) {
        note();
        return Reflect.apply(parse, this, a) as unknown;
      };
      Array.prototype.push = function (this: unknown[], ...items: unknown[]) {
        note();
        return Reflect.apply(push, this, items) as number;
      };
      const a = await openTrace(blobs[0]!);
      const b = await openTrace(blobs[1]!);
      opened = [a, b];
    } finally {
      JSON.parse = parse;
      Array.prototype.push = push;
      now.mockRestore();
      vi.unstubAllGlobals();
    }
    expect(opened[0]!.trace.entries).toHaveLength(3000);
    expect(opened[0]!.trace.entries[2999]).toEqual(entry(3000, { data: { text: 'x'.repeat(2999 % 50) } }));
    expect(opened[1]!.trace.entries).toEqual(want);
    // The caller of each wrapped call (the stack's third line: Error, the wrapper, its caller) is never our code.
    const ours = calls.map((e) => (e.stack ?? '').split('\n')[3] ?? '').filter((line) => line.includes('/src/export/'));
    expect(ours).toEqual([]);
  });
});

describe('openTrace: what fails, saying what and where', () => {
  it('malformed: the entry and its byte offset, the text near it', async () => {
    const good = traceHead(header) + JSON.stringify(entry(1)) + ',';
    const text = good + '{"seq":2,"ts":2,,"x":1}' + TRACE_TAIL;
    const msg = await refused(text);
    const byte = new TextEncoder().encode(good).length + '{"seq":2,"ts":2,'.length;
    expect(msg).toContain(`entry 1 is not JSON at byte ${byte}`);
    expect(msg).toContain('near "{\\"seq\\":2,\\"ts\\":2,,\\"x\\":1}"');
    expect(await refused(fileText([entry(1), { ...entry(2), dur: '5' }]))).toMatch(/^entry 1 \(at byte \d+\): dur is not a number$/);
    expect(await refused(fileText([entry(1), 7]))).toMatch(/^entry 1: expected an object at byte \d+, found "…/);
    expect(await refused(traceHead(header) + JSON.stringify(entry(1)) + ' ' + JSON.stringify(entry(2)) + TRACE_TAIL)).toMatch(/^after entry 0: expected "," or "]" at byte \d+/);
    expect(await refused('{"format":"trace-agent",,}')).toMatch(/the file is not JSON at byte 24 \(line 1, column 25\)/);
    expect(await refused('[1,2]')).toBe('not a trace: the file does not start with a JSON object (at byte 0, near "[1,2]")');
    expect(await refused(three + ' x')).toMatch(/text after the end of the trace at byte \d+/);
    expect(await refused(new Blob([new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])]))).toMatch(/is not UTF-8 text/);
    expect(await refused(JSON.stringify({ ...header }))).toBe('the trace has no entries array');
    expect(await refused(new Blob([]))).toBe('the trace is empty');
  });

  it('truncated: where it was cut, plain or gzipped', async () => {
    const cut = three.slice(0, three.indexOf('"seq":3') + 10);
    const start = new TextEncoder().encode(three.slice(0, three.indexOf('{"seq":3'))).length;
    expect(await refused(cut)).toBe(`the file ends inside entry 2 (which starts at byte ${start}): it was cut short; 2 entries before it read`);
    expect(await refused(three.slice(0, -2))).toMatch(/^the file ends after entry 2, at byte \d+, without closing the entries/);
    expect(await refused(three.slice(0, 40))).toMatch(/^the file ends in its header/);
    const gz = new Uint8Array(await (await gzip(three)).arrayBuffer());
    expect(await refused(new Blob([gz.slice(0, gz.length - 12)]))).toMatch(/the gzip data is corrupt or cut short/);
  });

  it('wrong format or version: refused from the header, before a single entry is read', async () => {
    const garbage = traceHead({ ...header, schemaVersion: 2 }) + '{{{ not entries';
    expect(await refused(garbage)).toBe('schema version 2 is newer than this reader (1)');
    expect(await refused(traceHead({ ...header, schemaVersion: 0 }) + ']}')).toBe('unknown schema version 0');
    expect(await refused(traceHead({ ...header, format: 'other' as never }) + ']}')).toBe('not a trace-agent file (format "other")');
  });

  it('huge: a 2 GB file is refused by its size, without reading a byte; a gzip that inflates past the limit stops there', async () => {
    let read = false;
    class TwoGigabytes extends Blob {
      override get size() {
        return 2e9;
      }
      override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
        read = true;
        return super.stream();
      }
      override slice(): Blob {
        read = true;
        return super.slice();
      }
    }
    expect(await refused(new TwoGigabytes(['{}']))).toBe('the trace is 2.0 GB: larger than the 500 MB a page can open');
    expect(read).toBe(false);
    const bomb = await gzip(traceHead(header) + ' '.repeat(3_000_000) + TRACE_TAIL);
    expect(bomb.size).toBeLessThan(100_000);
    expect(await refused(bomb, { maxBytes: 1_000_000 })).toMatch(/^the trace decompresses to more than the 1\.0 MB a page can open \(stopped at byte \d+\)$/);
    vi.stubGlobal('fetch', async () => new Response('{}', { headers: { 'content-length': String(3e9) } }));
    expect(await refused('https://example.test/big.json')).toBe('big.json is 3.0 GB: larger than the 500 MB a page can open');
  });

  it('a body without Content-Length (chunked) is counted as it comes and refused once past the limit, the rest never read', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(32);
    let pulled = 0;
    let cancelled = false;
    const body = () =>
      new ReadableStream<Uint8Array>({
        pull(ctl) {
          if (pulled >= 4_000_000) return ctl.close();
          pulled += chunk.byteLength;
          ctl.enqueue(chunk);
        },
        cancel() {
          cancelled = true;
        },
      });
    vi.stubGlobal('fetch', async () => new Response(body()));
    expect(await refused('https://example.test/chunked.json', { maxBytes: 1_000_000 })).toMatch(/^chunked\.json is larger than the 1\.0 MB a page can open \(stopped at byte \d+\)$/);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThan(2_000_000);
  });

  it('a stalled server (no response, or a body that stops sending) is given up on after the bound, saying so', async () => {
    // A fetch that never answers, but stops when aborted (as the browser's does).
    vi.stubGlobal('fetch', (_u: URL, init?: RequestInit) => new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))));
    expect(await refused('https://example.test/slow.json', { stallMs: 50 })).toBe('could not fetch https://example.test/slow.json: the server sent nothing for 0.05 s, given up');
    // Headers and a first chunk, then nothing (a body the signal does not reach).
    vi.stubGlobal('fetch', async () => new Response(new ReadableStream<Uint8Array>({ start: (ctl) => ctl.enqueue(new TextEncoder().encode(three.slice(0, 40))) })));
    expect(await refused('https://example.test/stuck.json', { stallMs: 50 })).toBe('could not fetch https://example.test/stuck.json: the server sent nothing for 0.05 s, given up');
  });
});

