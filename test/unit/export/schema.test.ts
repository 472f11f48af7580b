// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { afterEach, describe, expect, it } from 'vitest';
import { createTraceAgent, type TraceAgent } from '../../../src/create-agent';
import { KINDS } from '../../../src/core/entry';
import { freshDb } from '../store/helpers';

const schema = JSON.parse(readFileSync('schema/trace-v1.schema.json', 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
const validate = ajv.compile(schema);
const problems = (file: unknown) => (validate(file) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));

let agent: TraceAgent | null = null;
afterEach(() => {
  agent?.destroy();
  agent = null;
});

/** A session with an entry of every kind, sync and async spans (nested, failing), tagged, redacted and cut values. */
async function richTrace(): Promise<Record<string, unknown>> {
  const a = (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, limits: { maxString: 40 } }));
  for (const kind of KINDS) a.logEvent(`test:${kind}`, { kind }, { note: 'meta' }, { kind, level: kind === 'error' ? 'error' : 'info', source: 'test' });
  a.logEvent('test:bare');
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic['self'] = cyclic;
  a.logEvent('test:values', {
    map: new Map<unknown, unknown>([['a', 1], [2, new Set([1n, 'x'])]]),
    date: new Date(0),
    bad: new Date(Number.NaN),
    nums: [Number.NaN, Infinity, -Infinity, -0],
    undef: undefined,
    fn: function named() {},
    sym: Symbol('s'),
    re: /x+/g,
    typed: new Float32Array([1, 2, 3]),
    buffer: new ArrayBuffer(8),
    promise: Promise.resolve(1),
    weak: new WeakMap(),
    err: new TypeError('nope'),
    cyclic,
    escaped: { $t: 'not a tag' },
    long: 'x'.repeat(500),
    many: [...Array(500).keys()],
    deep: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: 1 } } } } } } } } } } },
    password: 'hunter2',
  });
  class Npc {
    think(goal: string): string {
      return this.move(goal.length);
    }
    move(n: number): string {
      return `moved ${n}`;
    }
    fail(): never {
      throw new RangeError('out of the map');
    }
    async plan(): Promise<number> {
      this.move(1);
      await Promise.resolve();
      return 3;
    }
  }
  const npc = new Npc();
  a.hook(npc, 'npc');
  npc.think('gold');
  expect(() => npc.fail()).toThrow(RangeError);
  await npc.plan();
  await a.flush();
  const text = await (await a.exportBlob()).text();
  return JSON.parse(text) as Record<string, unknown>;
}

describe('schema/trace-v1.schema.json', () => {
  it('the exporter\'s output validates: every kind, spans (nested, async, failing), tagged, redacted and truncated values', async () => {
    const file = await richTrace();
    expect(problems(file)).toEqual([]);
    const entries = file['entries'] as Record<string, unknown>[];
    // The file holds what the test says it holds, so the validation covered it.
    expect(new Set(entries.map((e) => e['kind']))).toEqual(new Set(KINDS));
    const spans = entries.filter((e) => e['dur'] !== undefined);
    expect(spans.some((s) => s['parentId'] !== undefined)).toBe(true);
    expect(spans.some((s) => s['async'] === true)).toBe(true);
    expect(spans.some((s) => s['status'] === 'error' && typeof (s['error'] as { name?: unknown })?.name === 'string')).toBe(true);
    const values = entries.find((e) => e['type'] === 'test:values')!;
    expect(values['flags']).toBe(3); // truncated and redacted
    const text = JSON.stringify(values['data']);
    for (const tag of ['map', 'set', 'bigint', 'date', 'num', 'undef', 'fn', 'symbol', 'regexp', 'typed', 'buffer', 'promise', 'opaque', 'error', 'cycle', 'obj', 'str', 'more', 'trunc', 'redacted']) {
      expect(text, tag).toContain(`"$t":"${tag}"`);
    }
  });

  it('a broken file fails, saying where', async () => {
    const file = await richTrace();
    const entries = file['entries'] as Record<string, unknown>[];
    const broken = (change: (f: Record<string, unknown>, e: Record<string, unknown>[]) => void) => {
      const f = structuredClone(file);
      change(f, f['entries'] as Record<string, unknown>[]);
      return problems(f);
    };
    expect(broken((f) => (f['schemaVersion'] = 2))).toContain('/schemaVersion must be equal to constant');
    expect(broken((f) => delete f['counters'])).toContain(" must have required property 'counters'");
    expect(broken((_, e) => (e[3]!['kind'] = 'boss'))).toContain('/entries/3/kind must be equal to one of the allowed values');
    expect(broken((_, e) => delete e[1]!['seq'])).toContain("/entries/1 must have required property 'seq'");
    expect(broken((_, e) => (e[0]!['extra'] = 1))).toContain('/entries/0 must NOT have additional properties');
    const span = entries.findIndex((e) => e['dur'] !== undefined);
    expect(broken((_, e) => delete e[span]!['spanId'])).toContain(`/entries/${span} must have property spanId when property dur is present`);
    const values = entries.findIndex((e) => e['type'] === 'test:values');
    expect(broken((_, e) => ((e[values]!['data'] as Record<string, unknown>)['x'] = { $t: 'bogus' })).length).toBeGreaterThan(0);
    expect(broken((_, e) => ((e[values]!['data'] as Record<string, unknown>)['x'] = { $t: 'bigint', v: 'twelve' })).length).toBeGreaterThan(0);
  });

  it("the README's worked example validates", () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### The trace file (schema v1)'));
    const block = /```json\n([\s\S]*?)```/.exec(section);
    expect(block).not.toBeNull();
    expect(problems(JSON.parse(block![1]!))).toEqual([]);
  });
});
