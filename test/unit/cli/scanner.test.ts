import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanTrace, type ScanItem } from '../../../src/cli/scanner';

async function* chunksOf(text: string, cuts: number[]): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c <= at || c >= bytes.length) continue;
    yield bytes.subarray(at, c);
    at = c;
  }
  yield bytes.subarray(at);
}

async function scan(text: string, cuts: number[] = []): Promise<ScanItem[]> {
  const out: ScanItem[] = [];
  for await (const item of scanTrace(chunksOf(text, cuts))) out.push(item);
  return out;
}

const HEADER = { format: 'trace-agent', schemaVersion: 1, session: 'S', nested: { a: [1, { b: '}]' }], s: 'x\\"y' } };
const ENTRIES = [
  { seq: 1, ts: 0.5, type: 'a', data: { text: 'quote " backslash \\ brace } bracket ] comma ,', unicode: 'é – 🎮 \u2028', esc: '\\"' } },
  { seq: 2, ts: 1e-3, type: 'b', data: [[], {}, [[{}]], null, true, false, -1.5e10] },
  { seq: 3, ts: 2, type: 'c' },
];
const FILE = JSON.stringify({ ...HEADER, entries: ENTRIES, after: 7 }, null, 1);

describe('the trace scanner', () => {
  it('reads the header, then each entry, then the keys after the entries', async () => {
    const items = await scan(FILE);
    expect(items[0]).toEqual({ kind: 'header', header: HEADER });
    expect(items.slice(1, 4).map((i) => (i.kind === 'entry' ? i.entry : null))).toEqual(ENTRIES);
    expect(items[4]).toEqual({ kind: 'end', trailer: { after: 7 }, entries: 3, bytes: Buffer.byteLength(FILE) });
  });

  it('gives the same items whatever the chunks (cut anywhere, inside escapes and multi-byte characters)', async () => {
    const whole = await scan(FILE);
    const len = Buffer.byteLength(FILE);
    // Every single cut, then random sets of cuts.
    for (let c = 1; c < len; c++) expect(await scan(FILE, [c])).toEqual(whole);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: len - 1 }), { maxLength: 40 }), async (cuts) => {
        expect(await scan(FILE, cuts)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('reads any JSON values as entries and header values, compact or spaced (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { maxLength: 6 }), fc.jsonValue(), fc.boolean(), fc.array(fc.nat(), { maxLength: 10 }), async (entries, extra, spaced, cuts) => {
        const file = JSON.stringify({ format: 'trace-agent', extra, entries }, null, spaced ? 2 : undefined);
        const items = await scan(file, cuts.map((c) => 1 + (c % Math.max(1, Buffer.byteLength(file) - 1))));
        // JSON.parse is the reference: -0 and 0 both come back as they would from it.
        const ref = JSON.parse(file) as { extra: unknown; entries: unknown[] };
        expect(items[0]).toEqual({ kind: 'header', header: { format: 'trace-agent', extra: ref.extra } });
        expect(items.filter((i) => i.kind === 'entry').map((i) => (i as { entry: unknown }).entry)).toEqual(ref.entries);
      }),
      { numRuns: 300 },
    );
  });

  it('gives each entry its index and the byte offset it starts at', async () => {
    const text = '{"format":"trace-agent","entries":[ {"seq":1} ,\n{"seq":2}]}';
    const items = await scan(text, [37, 48]);
    const entries = items.filter((i) => i.kind === 'entry') as Extract<ScanItem, { kind: 'entry' }>[];
    expect(entries.map((e) => [e.index, e.offset])).toEqual([
      [0, text.indexOf('{"seq":1}')],
      [1, text.indexOf('{"seq":2}')],
    ]);
  });

  it('says where a truncated file ends: the byte, the entries complete, the entry cut off and its start', async () => {
    const cut = FILE.slice(0, FILE.indexOf('"seq": 3') + 4);
    const start = Buffer.byteLength(FILE.slice(0, FILE.lastIndexOf('{', FILE.indexOf('"seq": 3'))));
    await expect(scan(cut, [10, 200])).rejects.toThrow(`the file is truncated: it ends at byte ${Buffer.byteLength(cut)}, inside the entries array, after 2 complete entries (entry 2, from byte ${start}, is cut off)`);
    await expect(scan('{"format":"trace-agent","sessions":[1,2')).rejects.toThrow('the file is truncated: it ends at byte 39, inside the header');
    await expect(scan('{"format":"trace-agent","entries":[{"seq":1},')).rejects.toThrow('after 1 complete entries');
    await expect(scan('')).rejects.toThrow('before the trace began');
  });

  it('says what is malformed and where', async () => {
    const fails = async (text: string, message: (at: number) => string, at: string) => {
      await expect(scan(text)).rejects.toThrow(message(text.indexOf(at)));
    };
    await fails('[1,2]', (b) => `not a trace: expected an object at byte ${b}`, '[');
    await fails('{"format":"trace-agent","entries":{}}', (b) => `"entries" is not an array (at byte ${b})`, '{}');
    await fails('{"format":"trace-agent","entries":[{"seq":1} {"seq":2}]}', (b) => `expected ',' or ']' after entry 0 at byte ${b}`, '{"seq":2}');
    await fails('{"format":"trace-agent","entries":[{"seq":1},]}', (b) => `a ',' before ']' after entry 0 at byte ${b}`, ']}');
    await fails('{"format":"trace-agent","entries":[{"seq":1,}]}', (b) => `entry 0 (at byte ${b}) is not valid JSON`, '{"seq"');
    await fails('{"format":"trace-agent","entries":[]} x', (b) => `text after the trace's end at byte ${b}`, 'x');
    await fails('{"format" "x","entries":[]}', (b) => `expected ':' after "format" at byte ${b}`, '"x"');
    await expect(scan('{"format":"trace-agent"}')).rejects.toThrow('the trace has no entries array');
  });

  it('skips a UTF-8 byte order mark', async () => {
    const items = await scan('\ufeff{"format":"trace-agent","entries":[{"seq":1}]}');
    expect(items.map((i) => i.kind)).toEqual(['header', 'entry', 'end']);
  });
});
