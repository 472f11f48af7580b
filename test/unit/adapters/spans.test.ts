// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { spanMaker } from '../../../src/adapters/spans';
import { stateValue } from '../../../src/adapters/xstate';
import { createTraceAgent, type TraceAgent } from '../../../src/create-agent';
import { freshDb } from '../store/helpers';

let agent: TraceAgent | null = null;
afterEach(() => {
  agent?.destroy();
  agent = null;
});
const make = () => (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, system: { errors: false } }));

async function spans(a: TraceAgent) {
  await a.flush();
  return (await a.query({ kinds: ['agent'], order: 'oldest' })).entries;
}

describe('spanMaker: spans through the public hook()', () => {
  it('a run is a span named <agent>.<name> with its args and result; a run inside a run is its child; a throw is recorded and rethrown', async () => {
    const a = make();
    const s = spanMaker(a, 'redux');
    const out = s.run('inventory/add', [{ type: 'inventory/add' }], () => s.run('inventory/count', [], () => 3) + 1);
    expect(out).toBe(4);
    expect(() => s.run('boom', [], () => {
      throw new Error('no');
    })).toThrow('no');
    const e = await spans(a);
    expect(e.map((x) => [x.type, x.status, x.args, x.result])).toEqual([
      ['redux.inventory/count', 'ok', undefined, 3], // empty arguments are left out
      ['redux.inventory/add', 'ok', [{ type: 'inventory/add' }], 4],
      ['redux.boom', 'error', undefined, undefined],
    ]);
    expect(e[0]!.parentId).toBe(e[1]!.spanId);
  });

  it('past maxNames, names share `other`, with the name as the first argument: the holder cannot grow without bound', async () => {
    const a = make();
    const s = spanMaker(a, 'g', { maxNames: 2 });
    for (const n of ['a', 'b', 'c', 'd', 'a']) s.run(n, [1], () => n);
    const e = await spans(a);
    expect(e.map((x) => [x.type, x.args])).toEqual([
      ['g.a', [1]],
      ['g.b', [1]],
      ['g.other', ['c', 1]],
      ['g.other', ['d', 1]],
      ['g.a', [1]],
    ]);
  });

  it('after destroy the work still runs, untraced', () => {
    const a = make();
    const s = spanMaker(a, 'g');
    a.destroy();
    expect(s.run('late', [], () => 'ran')).toBe('ran');
  });
});

describe('stateValue: XState state values as one node name', () => {
  it('flat, nested and parallel values', () => {
    expect(stateValue('idle')).toBe('idle');
    expect(stateValue({ chase: 'running' })).toBe('chase.running');
    expect(stateValue({ chase: { running: 'fast' } })).toBe('chase.running.fast');
    expect(stateValue({ body: 'walking', mind: { alert: 'high' } })).toBe('body.walking, mind.alert.high');
    expect(stateValue({ a: { x: 'p', y: 'q' } })).toBe('a.x.p, a.y.q');
    expect(stateValue(undefined)).toBeNull();
  });
});
