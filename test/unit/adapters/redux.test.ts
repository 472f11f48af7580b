// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { configureStore, createAsyncThunk, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { afterEach, describe, expect, it } from 'vitest';
import { traceRedux } from '../../../src/adapters/redux';
import { createTraceAgent, type TraceAgent } from '../../../src/create-agent';
import { freshDb } from '../store/helpers';

let agent: TraceAgent | null = null;
afterEach(() => {
  agent?.destroy();
  agent = null;
});

const counter = createSlice({
  name: 'counter',
  initialState: { n: 0 },
  reducers: {
    add: (state, action: PayloadAction<number>) => {
      state.n += action.payload;
    },
    broken: () => {
      throw new Error('reducer failed');
    },
  },
});
const load = createAsyncThunk('counter/load', async (n: number) => n);

describe('traceRedux, in a typed RTK store (the middleware type-checks against RTK\'s)', () => {
  it('actions are spans (the reducer\'s throw recorded and rethrown), an async thunk\'s pending is a child of its thunk, fulfilled comes after', async () => {
    const a = (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false }));
    const store = configureStore({ reducer: counter.reducer, middleware: (gdm) => gdm().prepend(traceRedux(a, { name: 'game' })) });
    store.dispatch(counter.actions.add(2));
    expect(() => store.dispatch(counter.actions.broken())).toThrow('reducer failed');
    await store.dispatch(load(5));
    expect(store.getState().n).toBe(2);
    await a.flush();
    const spans = (await a.query({ kinds: ['agent'], order: 'oldest' })).entries;
    // The thunk returns a promise: an async span, recorded when it settles, after its fulfilled action.
    expect(spans.map((s) => [s.type, s.status, s.async])).toEqual([
      ['game.counter/add', 'ok', undefined],
      ['game.counter/broken', 'error', undefined],
      ['game.counter/load/pending', 'ok', undefined],
      ['game.counter/load/fulfilled', 'ok', undefined],
      ['game.thunk', 'ok', true],
    ]);
    expect(spans[2]!.parentId).toBe(spans[4]!.spanId);
    expect(spans[3]!.parentId).toBeUndefined(); // after the thunk's first await
  });
});
