import { afterEach, describe, expect, it } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { stateAt } from '../../../src/export/state-replay';
import { StateTracker } from '../../../src/hooks/state';
import { followStatePath } from '../../../src/hooks/state-path';

const g = globalThis as Record<string, unknown> & { requestAnimationFrame?: unknown; cancelAnimationFrame?: unknown };
afterEach(() => {
  delete g['game'];
  delete g.requestAnimationFrame;
  delete g.cancelAnimationFrame;
});

function setup(state: unknown) {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: (e) => entries.push(e) });
  return { entries, tracker: new StateTracker(core, () => 0, state, { name: 'state' }) };
}

describe('followStatePath', () => {
  it('an accessor at the path: the game reads the proxy, and its assignment replaces the tracked root; stop puts its own object back', () => {
    const first = { hp: 3 };
    g['game'] = { state: first };
    const game = g['game'] as { state: { hp: number } };
    const { entries, tracker } = setup(first);
    const follower = followStatePath('game.state', tracker);
    expect(game.state).toBe(tracker.proxy);
    game.state.hp = 2;
    const second = { hp: 9 };
    game.state = second;
    expect(game.state).not.toBe(second); // its proxy
    game.state.hp = 8;
    expect(second.hp).toBe(8);
    expect(entries.map((e) => e.type)).toEqual(['state:checkpoint', 'state:change', 'state:replace', 'state:change']);
    tracker.stop();
    follower.stop();
    expect(Object.getOwnPropertyDescriptor(game, 'state')).toMatchObject({ value: second, writable: true });
  });

  it('a property that cannot take an accessor (a var declared before the agent) holds the proxy, and a frame sees the replacement', () => {
    const frames: FrameRequestCallback[] = [];
    g.requestAnimationFrame = (cb: FrameRequestCallback) => frames.push(cb);
    g.cancelAnimationFrame = () => {};
    const game = {} as { state: { hp: number } };
    Object.defineProperty(game, 'state', { value: { hp: 3 }, writable: true, enumerable: true, configurable: false });
    g['game'] = game;
    const { entries, tracker } = setup(game.state);
    const follower = followStatePath('game.state', tracker);
    expect(game.state).toBe(tracker.proxy);
    game.state = { hp: 7 }; // unseen until the frame
    game.state.hp = 6; // a raw write: in the replacement's checkpoint
    frames.shift()!(0);
    expect(game.state).toBe(tracker.proxy);
    game.state.hp = 5;
    expect(entries.map((e) => e.type)).toEqual(['state:checkpoint', 'state:replace', 'state:change']);
    expect(stateAt(entries, entries.at(-1)!.seq)!.state).toEqual({ hp: 5 });
    tracker.stop();
    follower.stop();
    expect(game.state).toEqual({ hp: 5 });
    expect(game.state).toBe(tracker.source);
  });

  it('refuses a path it cannot write', () => {
    const game = {};
    Object.defineProperty(game, 'state', { value: { hp: 1 }, writable: false, configurable: false });
    g['game'] = game;
    const { tracker } = setup((game as { state: object }).state);
    expect(() => followStatePath('game.state', tracker)).toThrow(/state is not writable/);
  });

  it("never goes in front of the game's own getter/setter: a class's `get state()` with a plain object is refused, its setter still runs", () => {
    class Game {
      sets = 0;
      private s: unknown = { hp: 1 };
      get state(): unknown {
        return this.s;
      }
      set state(v: unknown) {
        this.sets++;
        this.s = v;
      }
    }
    const game = new Game();
    g['game'] = game;
    const { tracker } = setup(game.state);
    expect(() => followStatePath('game.state', tracker)).toThrow(/state is a getter\/setter of the game's/);
    game.state = { hp: 2 };
    expect(game.sets).toBe(1);
    expect(Object.getOwnPropertyDescriptor(game, 'state')).toBeUndefined(); // the class's accessor, not hidden
  });

  it("a store behind the game's own accessor (defineProperty get/set) is only read: its setter runs, a frame sees the new store, and stop leaves the accessor", () => {
    const frames: FrameRequestCallback[] = [];
    g.requestAnimationFrame = (cb: FrameRequestCallback) => frames.push(cb);
    g.cancelAnimationFrame = () => {};
    const makeStore = (hp: number) => {
      let state = { hp };
      const listeners: (() => void)[] = [];
      return {
        getState: () => state,
        subscribe: (l: () => void) => (listeners.push(l), () => {}),
        set(hp: number) {
          state = { hp };
          for (const l of listeners) l();
        },
      };
    };
    let held = makeStore(1);
    let sets = 0;
    const game = {};
    const get = () => held;
    Object.defineProperty(game, 'store', { get, set: (v: ReturnType<typeof makeStore>) => ((held = v), sets++), enumerable: true, configurable: true });
    g['game'] = game;
    const { entries, tracker } = setup(held);
    const follower = followStatePath('game.store', tracker);
    expect(Object.getOwnPropertyDescriptor(game, 'store')!.get).toBe(get);
    held.set(2);
    (game as { store: unknown }).store = makeStore(7);
    expect(sets).toBe(1);
    frames.shift()!(0);
    held.set(8);
    expect(entries.map((e) => e.type)).toEqual(['state:checkpoint', 'state:change', 'state:replace', 'state:change']);
    tracker.stop();
    follower.stop();
    expect(Object.getOwnPropertyDescriptor(game, 'store')!.get).toBe(get);
  });

  it('stop puts the property back as it was: an own one keeps its shape, an inherited one is seen again', () => {
    const shared = { hp: 1 };
    const game = Object.create({ state: shared }) as { state: { hp: number } };
    g['game'] = game;
    const first = setup(shared);
    const follower = followStatePath('game.state', first.tracker);
    expect(game.state).toBe(first.tracker.proxy);
    first.tracker.stop();
    follower.stop();
    expect(Object.getOwnPropertyDescriptor(game, 'state')).toBeUndefined();
    expect(game.state).toBe(shared);
    const own = { hp: 2 };
    Object.defineProperty(game, 'state', { value: own, writable: true, enumerable: false, configurable: true });
    const second = setup(own);
    const again = followStatePath('game.state', second.tracker);
    second.tracker.stop();
    again.stop();
    expect(Object.getOwnPropertyDescriptor(game, 'state')).toEqual({ value: own, writable: true, enumerable: false, configurable: true });
  });

  it('an object inheriting from the holder assigns its own property, leaving the tracked state; no path through __proto__', () => {
    function Base() {}
    const shared = { hp: 1 };
    (Base.prototype as { state?: object }).state = shared;
    g['game'] = { Base };
    const { entries, tracker } = setup(shared);
    const follower = followStatePath('game.Base.prototype.state', tracker);
    const inst = new (Base as unknown as new () => { state: object })();
    const mine = { hp: 5 };
    inst.state = mine;
    expect(Object.getOwnPropertyDescriptor(inst, 'state')!.value).toBe(mine);
    expect(entries.map((e) => e.type)).toEqual(['state:checkpoint']);
    expect((Base.prototype as { state: object }).state).toBe(tracker.proxy);
    tracker.stop();
    follower.stop();
    expect(() => followStatePath('game.__proto__.state', tracker)).toThrow(/__proto__/);
  });

  it('NaN as the tracked root is one replacement, not one a frame', () => {
    const frames: FrameRequestCallback[] = [];
    g.requestAnimationFrame = (cb: FrameRequestCallback) => frames.push(cb);
    g.cancelAnimationFrame = () => {};
    const game = {} as { state: unknown };
    Object.defineProperty(game, 'state', { value: { hp: 3 }, writable: true, enumerable: true, configurable: false });
    g['game'] = game;
    const { entries, tracker } = setup(game.state);
    const follower = followStatePath('game.state', tracker);
    game.state = NaN;
    for (let i = 0; i < 3; i++) frames.shift()!(0);
    expect(entries.map((e) => e.type)).toEqual(['state:checkpoint', 'state:replace']);
    expect(tracker.replace(NaN)).toBeNaN(); // the accessor's way in: the same root again records nothing
    expect(entries).toHaveLength(2);
    tracker.stop();
    follower.stop();
  });
});
