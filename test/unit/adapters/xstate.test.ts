// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, createMachine, fromPromise } from 'xstate';
import { traceXState } from '../../../src/adapters/xstate';
import { createTraceAgent, type TraceAgent } from '../../../src/create-agent';
import { freshDb } from '../store/helpers';

let agent: TraceAgent | null = null;
afterEach(() => {
  agent?.destroy();
  agent = null;
});
const make = () => (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false }));
const read = async (a: TraceAgent) => {
  await a.flush();
  return (await a.query({ order: 'oldest', types: ['story:*', 'xstate:*'] })).entries.map((e) => ({ type: e.type, source: e.source, level: e.level, data: e.data }));
};

describe('traceXState, with the real xstate', () => {
  it('a promise actor (no state value) enters with its status; its rejection is an error-level status change, after its parent\'s reaction; events: false records no events', async () => {
    const a = make();
    const loader = createMachine({
      id: 'loader',
      initial: 'loading',
      states: {
        loading: {
          invoke: { id: 'fetchMap', src: fromPromise(async () => Promise.reject(new Error('no map'))), onError: 'failed' },
        },
        failed: { type: 'final' },
      },
    });
    const actor = createActor(loader, { id: 'loader', inspect: traceXState(a, { events: false }) });
    const done = new Promise<void>((resolve) => actor.subscribe({ complete: resolve }));
    actor.start();
    await done;
    const e = await read(a);
    expect(e.filter((x) => x.type === 'xstate:event')).toEqual([]);
    // The child starts (its first snapshot) inside the parent's start, before the parent's first snapshot;
    // XState reports the parent's reaction to the rejection (xstate.error.actor.<id>) before the child's own errored snapshot.
    expect(e.map((x) => [x.type, x.source, x.level, x.data])).toEqual([
      ['story:enter', 'fetchMap', 'info', { node: null, status: 'active', actor: 'x:1' }],
      ['story:enter', 'loader', 'info', { node: 'loading', status: 'active', actor: 'x:0' }],
      ['story:transition', 'loader', 'info', expect.objectContaining({ from: 'loading', to: 'failed', event: 'xstate.error.actor.fetchMap' })],
      ['xstate:status', 'loader', 'info', { from: 'active', to: 'done', event: 'xstate.error.actor.fetchMap' }],
      ['xstate:status', 'fetchMap', 'error', { from: 'active', to: 'error', event: 'xstate.promise.reject' }],
    ]);
  });

  it('skipEvents takes names and patterns', async () => {
    const a = make();
    const door = createMachine({ id: 'door', initial: 'shut', states: { shut: { on: { 'ui.open': 'open', KNOCK: 'shut' } }, open: {} } });
    const actor = createActor(door, { inspect: traceXState(a, { skipEvents: ['xstate.init', /^ui\./] }) }).start();
    actor.send({ type: 'KNOCK' });
    actor.send({ type: 'ui.open' });
    const e = await read(a);
    expect(e.filter((x) => x.type === 'xstate:event').map((x) => (x.data as { event: { type: string } }).event.type)).toEqual(['KNOCK']);
    expect(e.filter((x) => x.type === 'story:transition').map((x) => x.data)).toMatchObject([{ from: 'shut', to: 'open', event: 'ui.open' }]); // the KNOCK self-transition is no move
  });
});
