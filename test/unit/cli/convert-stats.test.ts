import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertTrace, CSV_COLUMNS, csvCell } from '../../../src/cli/convert';
import { main } from '../../../src/cli/main';
import { readTrace, readTracePath } from '../../../src/cli/read-trace';
import { statsTable, traceStats } from '../../../src/cli/stats';
import { compareTable } from '../../../src/cli/compare';
import { compareTraces, DIGEST_LIMITS } from '../../../src/analytics/compare';
import { AnalyticsEngine } from '../../../src/analytics/engine';
import { BatchEncoder } from '../../../src/core/columns';
import type { TraceEntry } from '../../../src/core/entry';
import { ChromeTraceWriter } from '../../../src/export/chrome-trace';
import { demoEntries, writeDemoTrace } from '../../tools/demo-trace.mjs';

const N = 6_000;
let dir: string;
let plain: string;
let gzipped: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trace-agent-cli-'));
  plain = join(dir, 'demo.json');
  gzipped = join(dir, 'demo.json.gz');
  await writeDemoTrace(plain, N);
  await writeDemoTrace(gzipped, N);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a stream received, as text. */
function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (b: Buffer) => parts.push(b));
  return { out, text: () => Buffer.concat(parts).toString('utf8') };
}

const entries = () => [...demoEntries(N)] as TraceEntry[];

describe('trace-agent convert', () => {
  it('writes the Chrome trace the exporter writes, from a gzipped file as from a plain one', async () => {
    for (const file of [plain, gzipped]) {
      const c = capture();
      const r = await convertTrace(await readTracePath(file), 'chrome', c.out);
      expect(r.entries).toBe(N);
      const trace = JSON.parse(c.text()) as { otherData: { format: string; session: string }; traceEvents: unknown[] };
      const w = new ChromeTraceWriter();
      const events = [...entries().flatMap((e) => w.events(e)), ...w.finish()];
      expect(trace.otherData.format).toBe('trace-agent');
      expect(trace.otherData.session).toBe('demo-session');
      expect(trace.traceEvents).toEqual(JSON.parse(JSON.stringify(events)));
    }
  });

  it('writes JSON Lines: the header, then every entry as it is in the file', async () => {
    const c = capture();
    await convertTrace(await readTracePath(gzipped), 'jsonl', c.out);
    const lines = c.text().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const file = JSON.parse(readFileSync(plain, 'utf8')) as { entries: unknown[] } & Record<string, unknown>;
    const { entries: fileEntries, ...header } = file;
    expect(lines[0]).toEqual(header);
    expect(lines.slice(1)).toEqual(fileEntries);
  });

  it('writes CSV: a row an entry, quoted where a cell needs it, what varies as JSON', async () => {
    const c = capture();
    await convertTrace(await readTracePath(plain), 'csv', c.out);
    const rows = c.text().split('\r\n');
    expect(rows[0]).toBe(CSV_COLUMNS.join(','));
    expect(rows.length).toBe(N + 2); // header, rows, the empty string after the last CRLF
    const failed = entries().find((e) => e.status === 'error')!;
    const row = rows[failed.seq]!;
    expect(row.startsWith(`${failed.seq},${failed.ts},demo-session,${failed.frame},agent,error,${failed.type},`)).toBe(true);
    // The error's JSON holds quotes and a backslash: one quoted cell, its quotes doubled.
    expect(row.endsWith(csvCell(failed.error, true))).toBe(true);
    expect(csvCell({ a: 'x,"y"' }, true)).toBe('"{""a"":""x,\\""y\\""""}"');
    expect(csvCell('line\nbreak', false)).toBe('"line\nbreak"');
    expect(csvCell(undefined, false)).toBe('');
    // A cell a spreadsheet would run as a formula is text ('), a number is left a number.
    expect(csvCell('=HYPERLINK("http://x")', false)).toBe(`"'=HYPERLINK(""http://x"")"`);
    for (const f of ['+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(f, false).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell(-5, false)).toBe('-5');
    expect(csvCell(-5, true)).toBe('-5');
    expect(csvCell('a=b', false)).toBe('a=b');
  });

  it('stops with a message saying where, on an entry that is not an entry', async () => {
    const text = '{"format":"trace-agent","schemaVersion":1,"session":"S","entries":[{"seq":1,"ts":0,"type":"a","kind":"custom","level":"info"},{"seq":2,"ts":1,"type":"b","kind":"nope","level":"info"}]}';
    const c = capture();
    await expect(convertTrace(readTrace([text]), 'jsonl', c.out)).rejects.toThrow(`entry 1 (at byte ${text.indexOf('{"seq":2')}): unknown kind "nope"`);
    await expect(convertTrace(readTrace(['{"format":"trace-agent","schemaVersion":9,"entries":[]}']), 'csv', capture().out)).rejects.toThrow('schema version 9 is newer than this reader (1)');
    await expect(convertTrace(readTrace(['{"format":"other","entries":[]}']), 'csv', capture().out)).rejects.toThrow('not a trace-agent file (format "other")');
    // The overlay's header checks: a schema version is a whole number from 1.
    for (const v of ['0', '-1', '1.5', '"1"']) await expect(convertTrace(readTrace([`{"format":"trace-agent","schemaVersion":${v},"entries":[]}`]), 'csv', capture().out)).rejects.toThrow(`unknown schema version ${v}`);
  });
});

describe('trace-agent stats', () => {
  it('gives the figures the engine gives when fed the same entries', async () => {
    const s = await traceStats(await readTracePath(gzipped));
    // The engine, fed the entries in one batch a 100 ms of trace time as the page posts them.
    const engine = new AnalyticsEngine({ sessionId: 'demo-session' });
    const enc = new BatchEncoder(1_000);
    let until = -Infinity;
    for (const e of entries()) {
      if (enc.full || e.ts >= until) {
        if (enc.length > 0) engine.consume(enc.take(), 'demo-session');
        until = (Math.floor(e.ts / 100) + 1) * 100;
      }
      enc.add(e);
    }
    engine.consume(enc.take(), 'demo-session');
    const want = engine.generateStats();
    expect(s.entries).toBe(N);
    expect(s.sessionId).toBe('demo-session');
    expect(s.stats.methods).toEqual(want.methods);
    expect(s.stats.frames).toEqual(want.frames);
    expect(s.stats.total.count).toBe(N);
    expect(s.stats.methods.map((m) => `${m.agent}.${m.method}`).sort()).toEqual(['director.plan', 'npc.decide', 'npc.move', 'pathfinder.findPath']);
  });

  it('prints a table or JSON', async () => {
    const t = capture();
    expect(await main(['stats', plain], t.out, t.out)).toBe(0);
    expect(t.text()).toMatch(/^session demo-session: 6000 entries read/);
    expect(t.text()).toMatch(/\npathfinder\.findPath +\d+ +\d+ /);
    const j = capture();
    expect(await main(['stats', plain, '--json'], j.out, j.out)).toBe(0);
    const parsed = JSON.parse(j.text()) as { entries: number; stats: { methods: unknown[] }; anomalies: { total: number } };
    expect(parsed.entries).toBe(N);
    expect(parsed.stats.methods).toHaveLength(4);
    expect(typeof parsed.anomalies.total).toBe('number');
  });

  it('exits 2 with the usage on a wrong command line, 1 with the reason on a bad file', async () => {
    const e = capture();
    expect(await main(['convert', plain, '--to', 'xml'], e.out, e.out)).toBe(2);
    expect(e.text()).toContain('--to must be one of chrome, jsonl, csv');
    expect(e.text()).toContain('trace-agent convert <trace.json[.gz]>');
    const f = capture();
    expect(await main(['stats', join(dir, 'missing.json')], f.out, f.out)).toBe(1);
    expect(f.text()).toContain('ENOENT');
    // An output that cannot be opened: exit 1 with the reason, not an uncaught error.
    const g = capture();
    const out = join(dir, 'no-such-dir', 'out.csv');
    expect(await main(['convert', plain, '--to', 'csv', '-o', out], g.out, g.out)).toBe(1);
    expect(g.text()).toMatch(/^trace-agent: .*ENOENT.*no-such-dir/);
  });
});

describe('printed text from a file', () => {
  it('has no control characters: a type, a method or a story state cannot drive the terminal', async () => {
    const evil = '\u001b[2J\u001b]0;owned\u0007x\nfake line\u009b31m';
    const es = [
      { seq: 1, ts: 0, sessionId: 's', kind: 'custom', type: evil, level: 'info', frame: 0 },
      { seq: 2, ts: 1, sessionId: 's', kind: 'custom', type: 'story:transition', level: 'info', frame: 0, data: { from: evil, to: evil } },
      { seq: 3, ts: 2, sessionId: 's', kind: 'agent', type: 'a.m', source: evil, method: evil, level: 'info', frame: 0, dur: 1, status: 'ok' },
    ] as TraceEntry[];
    const c = compareTable(compareTraces(es, []));
    const text = JSON.stringify({ format: 'trace-agent', schemaVersion: 1, entries: es });
    const st = statsTable(await traceStats(readTrace([text])));
    for (const out of [c, st]) {
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(out.split('\n').some((l) => l.startsWith('fake line'))).toBe(false);
    }
    expect(c).toContain('[2J]0;ownedxfake line31m');
  });

  it('the compare table counts what the digests and the lists left out', () => {
    const es = Array.from({ length: DIGEST_LIMITS.types + 2 }, (_, k) => ({ seq: k + 1, ts: k, sessionId: 's', kind: 'custom', type: `t${k}`, level: 'info', frame: 0 }) as TraceEntry);
    const c = compareTable(compareTraces([], es));
    expect(c).toContain(`B: counted under '(other)' or not kept: 2 entries of types past ${DIGEST_LIMITS.types}`);
    expect(c).toMatch(new RegExp(`event types only in B: t0 \\(1\\), .* and ${DIGEST_LIMITS.types - 200} more\n`));
  });
});

describe('trace-agent compare', () => {
  it('streams both files and lists the faulty method first, as a table or JSON', async () => {
    const slow = join(dir, 'slow.json.gz');
    await writeDemoTrace(slow, N, { seed: 2, fault: { method: 'npc.decide', slow: 4 } });
    const t = capture();
    expect(await main(['compare', plain, slow], t.out, t.out)).toBe(0);
    const lines = t.text().split('\n');
    const head = lines.findIndex((l) => l.startsWith('method '));
    expect(lines[head + 1]).toMatch(/^npc\.decide .* p95 [\d.]+ → [\d.]+ ms \(×[\d.]+; A [\d.]+–[\d.]+, B [\d.]+–[\d.]+ ms\)/);
    const j = capture();
    expect(await main(['compare', gzipped, slow, '--json'], j.out, j.out)).toBe(0);
    const c = JSON.parse(j.text()) as { methods: { name: string }[]; a: { entries: number } };
    expect(c.methods[0]!.name).toBe('npc.decide');
    expect(c.a.entries).toBe(N);
    const u = capture();
    expect(await main(['compare', plain], u.out, u.out)).toBe(2);
    expect(u.text()).toContain('compare takes two trace files');
  });
});
