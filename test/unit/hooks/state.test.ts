import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import { FLAG_REDACTED, type TraceEntry } from '../../../src/core/entry';
import { stateAt } from '../../../src/export/state-replay';
import { Hooks } from '../../../src/hooks/hook';
import { StateTracker } from '../../../src/hooks/state';
import { recorded } from './recorded';

function setup() {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: (e) => entries.push(e) });
  const hooks = new Hooks(core);
  const changes = () => entries.filter((e) => e.type === 'state:change');
  return { core, hooks, entries, changes, track: (src: unknown, o = {}) => new StateTracker(core, () => hooks.current, src, o) };
}

/** A minimal Redux-like store: immutable updates, subscribe, getState. */
function reduxStore<S>(initial: S) {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(update: (s: S) => S) {
      state = update(state);
      for (const l of listeners) l();
    },
    subscribe(l: () => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    listeners,
  };
}

describe('trackState through a Proxy', () => {
  it('records sets and deletes at any depth with their path, previous and next values', () => {
    const { changes, track } = setup();
    const raw = { player: { hp: 10, pos: { x: 0, y: 0 }, inventory: ['key'] }, flags: {} as Record<string, boolean> };
    const state = track(raw).proxy as typeof raw;
    state.player.hp = 7;
    state.player.pos.x = 3;
    state.player.inventory.push('map');
    state.flags['door'] = true;
    delete state.flags['door'];
    state.player.hp = 7; // unchanged: nothing recorded
    expect(changes().map((e) => (e.data as { changes: unknown[] }).changes[0])).toEqual([
      { op: 'set', path: ['player', 'hp'], prev: 10, next: 7 },
      { op: 'set', path: ['player', 'pos', 'x'], prev: 0, next: 3 },
      { op: 'set', path: ['player', 'inventory', 1], next: 'map' },
      { op: 'set', path: ['flags', 'door'], next: true },
      { op: 'delete', path: ['flags', 'door'], prev: true },
    ]);
    expect(raw.player.inventory).toEqual(['key', 'map']); // the game's object changed as it would have
  });

  it('names the span that caused a change', () => {
    const { hooks, changes, track } = setup();
    const state = track({ gold: 0 }).proxy as { gold: number };
    const shop = {
      buy() {
        state.gold -= 5;
      },
    };
    hooks.hook(shop, 'shop');
    shop.buy();
    state.gold = 100; // outside any span
    const [inSpan, outside] = changes();
    expect(inSpan!.parentId).toBeGreaterThan(0);
    expect(outside!.parentId).toBeUndefined();
  });

  it('stores raw objects, never its proxies, and leaves class instances alone', () => {
    const { track } = setup();
    class Vec {
      constructor(public x: number) {}
    }
    const raw = { a: { n: 1 }, b: null as unknown, v: new Vec(1) };
    const state = track(raw).proxy as typeof raw;
    state.b = state.a;
    expect(raw.b).toBe(raw.a);
    expect(state.v).toBe(raw.v);
  });

  it('checkpoints at the start, every N changes and on demand', () => {
    const { entries, track } = setup();
    const t = track({ n: 0 }, { checkpointEvery: 3 });
    const s = t.proxy as { n: number };
    for (let i = 1; i <= 7; i++) s.n = i;
    t.checkpoint('manual');
    const labels = entries.filter((e) => e.type === 'state:checkpoint').map((e) => (e.data as { label: string }).label);
    expect(labels).toEqual(['start', 'every', 'every', 'manual']);
  });

  it('ignores paths, and stops recording while the proxy keeps working', () => {
    const { changes, track } = setup();
    const t = track({ fx: { particles: [] as number[] }, hp: 1 }, { ignore: ['fx'] });
    const s = t.proxy as { fx: { particles: number[] }; hp: number };
    s.fx.particles.push(1);
    s.hp = 2;
    t.stop();
    s.hp = 3;
    expect(changes()).toHaveLength(1);
    expect(s.hp).toBe(3);
  });
});

describe('trackState of a store with subscribe', () => {
  it('diffs immutable states: one entry per notification with every changed path', () => {
    const { changes, track } = setup();
    const store = reduxStore({ player: { hp: 10, pos: { x: 0 } }, level: 1, boss: { hp: 50 } as { hp: number } | undefined });
    const t = track(store);
    store.dispatch((s) => ({ ...s, player: { ...s.player, hp: 9 }, level: 2 }));
    store.dispatch((s) => ({ ...s, boss: undefined }));
    store.dispatch((s) => s); // nothing changed
    expect(changes().map((e) => (e.data as { changes: unknown[] }).changes)).toEqual([
      [
        { op: 'set', path: ['player', 'hp'], prev: 10, next: 9 },
        { op: 'set', path: ['level'], prev: 1, next: 2 },
      ],
      [{ op: 'set', path: ['boss'], prev: { hp: 50 }, next: { $t: 'undef' } }],
    ]);
    t.stop();
    expect(store.listeners.size).toBe(0);
  });

  it('keeps at most maxChanges per entry and counts the rest', () => {
    const { changes, track } = setup();
    const store = reduxStore<Record<string, number>>({});
    track(store, { maxChanges: 3 });
    store.dispatch(() => Object.fromEntries([...Array(10)].map((_, i) => [`k${i}`, i])));
    const data = changes()[0]!.data as { changes: unknown[]; more: number };
    expect(data.changes).toHaveLength(3);
    expect(data.more).toBeGreaterThan(0);
  });

  it('tracks a signal (subscribe and value)', () => {
    const { changes, track } = setup();
    let value = 1;
    const subs: (() => void)[] = [];
    const signal = {
      get value() {
        return value;
      },
      peek: () => value,
      subscribe(fn: () => void) {
        subs.push(fn);
        return () => {};
      },
    };
    track(signal, { name: 'score' });
    value = 5;
    subs.forEach((f) => f());
    expect(changes()[0]).toMatchObject({ source: 'score', data: { changes: [{ op: 'set', path: [], prev: 1, next: 5 }] } });
  });
});

describe('stateAt: the state at any seq', () => {
  it('rebuilds, from the trace alone, the state after every entry', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y'), fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)), fc.boolean()),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 10 }),
        (ops, every) => {
          const { entries, track } = setup();
          const raw: Record<string, Record<string, unknown>> = { a: {}, b: {}, c: {} };
          const s = track(raw, { checkpointEvery: every }).proxy as typeof raw;
          const truth: { seq: number; state: unknown }[] = [];
          for (const [k1, k2, v, del] of ops) {
            if (del) delete s[k1]![k2];
            else s[k1]![k2] = v;
            truth.push({ seq: entries.at(-1)!.seq, state: structuredClone(raw) });
          }
          for (const t of truth) expect(stateAt(entries, t.seq)?.state).toEqual(t.state);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('says when it cannot be exact, and when no checkpoint precedes the seq', () => {
    const { entries, track } = setup();
    const s = track({ text: '' }).proxy as { text: string };
    s.text = 'x'.repeat(5_000); // longer than a change keeps
    expect(stateAt(entries, entries.at(-1)!.seq)!.exact).toBe(false);
    expect(stateAt(entries, 0)).toBeNull();
  });
});

describe('trackState leaves the game working (from review)', () => {
  it('reads frozen nested objects (Immer freezes state) without throwing', () => {
    const { track } = setup();
    const s = track({ cfg: Object.freeze({ level: Object.freeze({ n: 1 }) }), hp: 1 }).proxy as { cfg: { level: { n: number } }; hp: number };
    expect(s.cfg.level.n).toBe(1);
  });

  it('refuses a class instance, a Map or a Set as the root, saying why', () => {
    const { track } = setup();
    class Game {
      #secret = 1;
      hit() {
        return this.#secret;
      }
    }
    expect(() => track(new Game())).toThrow(/plain object or array; got an instance of Game/);
    expect(() => track(new Map())).toThrow(/instance of Map/);
  });

  it('records the true path after an array shifts', () => {
    const { changes, track } = setup();
    const s = track({ list: [{ hp: 1 }, { hp: 2 }] }).proxy as { list: { hp: number }[] };
    void s.list[1]!.hp; // a proxy for list[1] exists now
    s.list.shift();
    s.list[0]!.hp = 99;
    const last = changes().at(-1)!.data as { changes: { path: unknown[] }[] };
    expect(last.changes[0]!.path).toEqual(['list', 0, 'hp']);
  });
});

describe('trackState honours the page redaction rule', () => {
  it('in changes and checkpoints, as spans do', () => {
    const entries: TraceEntry[] = [];
    const core = new TraceCore({ write: (e) => entries.push(e) }, { limits: { redact: (key) => key === 'playerName' } });
    const state = new StateTracker(core, () => 0, { playerName: 'ann', hp: 3, party: [] as unknown[] }).proxy as { party: unknown[] };
    state.party.push({ playerName: 'bob', level: 2 });
    expect((entries[0]!.data as { state: unknown }).state).toEqual({ playerName: { $t: 'redacted' }, hp: 3, party: [] });
    const changes = entries.filter((e) => e.type === 'state:change').map((e) => (e.data as { changes: unknown[] }).changes[0]);
    expect(changes).toEqual([
      { op: 'set', path: ['party', 0], next: { playerName: { $t: 'redacted' }, level: 2 } },
    ]);
  });
});

describe('trackState redacts a change under a secret key (from review)', () => {
  it('as the checkpoint does: the default keys and the page rule, flagged', () => {
    const entries: TraceEntry[] = [];
    const core = new TraceCore({ write: (e) => entries.push(e) }, { limits: { redact: (key) => key === 'playerName' } });
    const state = new StateTracker(core, () => 0, { password: 'a', user: { email: 'x@y', playerName: 'ann', hp: 1 }, list: ['p'] }).proxy as {
      password: string;
      user: { email: string; playerName: string; hp: number };
      list: string[];
    };
    state.password = 'hunter2';
    state.user.email = 'z@w';
    state.user.playerName = 'bob';
    delete (state.user as { email?: string }).email;
    state.user.hp = 2;
    state.list[0] = 'q';
    const changes = entries.filter((e) => e.type === 'state:change');
    expect(changes.map((e) => (e.data as { changes: unknown[] }).changes[0])).toEqual([
      { op: 'set', path: ['password'], prev: { $t: 'redacted' }, next: { $t: 'redacted' } },
      { op: 'set', path: ['user', 'email'], prev: { $t: 'redacted' }, next: { $t: 'redacted' } },
      { op: 'set', path: ['user', 'playerName'], prev: { $t: 'redacted' }, next: { $t: 'redacted' } },
      { op: 'delete', path: ['user', 'email'], prev: { $t: 'redacted' } },
      { op: 'set', path: ['user', 'hp'], prev: 1, next: 2 },
      { op: 'set', path: ['list', 0], prev: 'p', next: 'q' },
    ]);
    expect(changes.map((e) => e.flags)).toEqual([FLAG_REDACTED, FLAG_REDACTED, FLAG_REDACTED, FLAG_REDACTED, undefined, undefined]);
    expect(core.counters.redacted).toBeGreaterThanOrEqual(4);
    expect(recorded(entries)).not.toMatch(/hunter2|z@w|bob/);
  });
});

describe('trackState follows a replaced root', () => {
  it('tracks the new value, records state:replace with its checkpoint, and leaves the old proxy working unrecorded', () => {
    const { entries, changes, track } = setup();
    const first = { gold: 1, bag: { items: ['key'] } };
    const t = track(first);
    const oldProxy = t.proxy as typeof first;
    oldProxy.gold = 2;
    const second = { gold: 10, bag: first.bag }; // shares a child with the old root
    const newProxy = t.replace(second) as typeof first;
    expect(t.proxy).toBe(newProxy);
    expect(t.source).toBe(second);
    const replace = entries.find((e) => e.type === 'state:replace')!;
    expect(replace.data).toMatchObject({ replacements: 1, changes: 1, tracked: true, state: { gold: 10, bag: { items: ['key'] } } });
    oldProxy.gold = 3; // the game's old reference still works, on the old object
    expect(first.gold).toBe(3);
    oldProxy.bag.items.push('old'); // through the old proxy: not the tracked state's change
    newProxy.bag.items.push('map');
    newProxy.gold = 11;
    expect(changes().map((e) => (e.data as { changes: unknown[] }).changes[0])).toEqual([
      { op: 'set', path: ['gold'], prev: 1, next: 2 },
      { op: 'set', path: ['bag', 'items', 2], next: 'map' },
      { op: 'set', path: ['gold'], prev: 10, next: 11 },
    ]);
    expect(t.replace(newProxy)).toBe(newProxy); // its own proxy given back: no replacement
    expect(entries.filter((e) => e.type === 'state:replace')).toHaveLength(1);
  });

  it('holds a value it cannot track until the next replacement, and follows a store replaced by another', () => {
    const { entries, changes, track } = setup();
    const t = track({ hp: 1 });
    expect(t.replace(null)).toBeNull();
    expect(entries.at(-1)).toMatchObject({ type: 'state:replace', data: { tracked: false, state: null } });
    const a = reduxStore({ n: 0 });
    expect(t.replace(a)).toBe(a);
    a.dispatch((s) => ({ n: s.n + 1 }));
    const b = reduxStore({ n: 100 });
    t.replace(b);
    a.dispatch((s) => ({ n: s.n + 1 })); // the old store: unsubscribed
    b.dispatch((s) => ({ n: s.n + 1 }));
    expect(a.listeners.size).toBe(0);
    expect(changes().map((e) => (e.data as { changes: unknown[] }).changes[0])).toEqual([
      { op: 'set', path: ['n'], prev: 0, next: 1 },
      { op: 'set', path: ['n'], prev: 100, next: 101 },
    ]);
  });

  it('stateAt rebuilds the state after every entry across replacements', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.tuple(fc.constant('set' as const), fc.constantFrom('x', 'y'), fc.integer()), fc.tuple(fc.constant('replace' as const), fc.constantFrom('x', 'y'), fc.integer())), { maxLength: 40 }),
        (ops) => {
          const { entries, track } = setup();
          let raw: Record<string, unknown> = { x: 0 };
          const t = track(raw, { checkpointEvery: 0 });
          const truth: { seq: number; state: unknown }[] = [];
          for (const [op, k, v] of ops) {
            if (op === 'set') (t.proxy as Record<string, unknown>)[k] = v;
            else {
              raw = JSON.parse(JSON.stringify({ ...raw, [k]: v })) as Record<string, unknown>; // as `State = JSON.parse(save)`
              t.replace(raw);
            }
            truth.push({ seq: entries.at(-1)!.seq, state: structuredClone(t.source) });
          }
          for (const tr of truth) expect(stateAt(entries, tr.seq)?.state).toEqual(tr.state);
        },
      ),
      { numRuns: 100 },
    );
  });
});
