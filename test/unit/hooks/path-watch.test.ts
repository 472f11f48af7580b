import { describe, expect, it } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { Hooks } from '../../../src/hooks/hook';
import { watchPath } from '../../../src/hooks/path-watch';
import { PendingPaths, type Again } from '../../../src/hooks/pending-paths';

type Bag = Record<string, unknown>;

describe('watchPath: hooked the moment the game assigns it', () => {
  it('hooks an object inside its assignment, before the game can take a reference to a method, and leaves a plain property', () => {
    const entries: TraceEntry[] = [];
    const hooks = new Hooks(new TraceCore({ write: (e) => entries.push(e) }));
    const root: Bag = {};
    const w = watchPath('Room', (v) => hooks.hook(v, 'Room'), root);
    expect(w.arrived).toBe(false);
    expect(w.blocked).toBeNull();
    root['Room'] = { lightFire: (n: number) => n + 1 };
    const taken = (root['Room'] as { lightFire: (n: number) => number }).lightFire; // as `new Button({ click: Room.lightFire })`
    expect(taken(1)).toBe(2);
    expect(w.arrived).toBe(true);
    expect(entries.filter((e) => e.type === 'Room.lightFire')).toMatchObject([{ args: [1], result: 2 }]);
    expect(Object.getOwnPropertyDescriptor(root, 'Room')).toMatchObject({ writable: true, enumerable: true, configurable: true });
    expect(Object.getOwnPropertyDescriptor(root, 'Room')!.get).toBeUndefined();
  });

  it('follows a path assigned in steps, waits through null, and arrives once', () => {
    const root: Bag = {};
    const seen: unknown[] = [];
    watchPath('game.world.rooms', (v) => seen.push(v), root);
    root['game'] = {};
    const game = root['game'] as Bag;
    game['world'] = null; // not yet
    expect(seen).toEqual([]);
    game['world'] = {};
    const rooms = ['hall'];
    (game['world'] as Bag)['rooms'] = rooms;
    expect(seen).toEqual([rooms]);
    (game['world'] as Bag)['rooms'] = ['other']; // a plain property now: no second arrival
    expect(seen).toEqual([rooms]);
    expect(Object.keys(game)).toEqual(['world']); // enumerable, as the game's own assignment makes it
  });

  it('arrives at once when the whole path is assigned in one go, and when it resolves already', () => {
    const root: Bag = {};
    const seen: unknown[] = [];
    watchPath('game.story', (v) => seen.push(v), root);
    const story = { node: 'a' };
    root['game'] = { story };
    const now = watchPath('game.story', (v) => seen.push(v), root);
    expect(seen).toEqual([story, story]);
    expect(now.arrived).toBe(true);
  });

  it('paths waiting at the same name share one accessor, and one cancelled leaves the other waiting', () => {
    const root: Bag = {};
    const seen: string[] = [];
    const room = watchPath('game.room', () => seen.push('room'), root);
    watchPath('game.state', () => seen.push('state'), root);
    room.cancel();
    expect(Object.getOwnPropertyDescriptor(root, 'game')!.get).toBeTypeOf('function'); // still waited for
    root['game'] = { room: {}, state: {} };
    expect(seen).toEqual(['state']);
  });

  it('a name that was not there stays out of Object.keys, for...in and spread while it waits, and is enumerable once assigned', () => {
    const root: Bag = { kept: 1 };
    watchPath('story.node', () => {}, root);
    const forIn: string[] = [];
    for (const k in root) forIn.push(k);
    expect([Object.keys(root), forIn, Object.keys({ ...root }), JSON.stringify(root)]).toEqual([['kept'], ['kept'], ['kept'], '{"kept":1}']);
    root['story'] = {};
    expect(Object.keys(root)).toEqual(['kept', 'story']);
    const before: Bag = {};
    Object.defineProperty(before, 'later', { value: null, writable: true, enumerable: false, configurable: true });
    watchPath('later.x', () => {}, before);
    before['later'] = {};
    expect(Object.getOwnPropertyDescriptor(before, 'later')!.enumerable).toBe(false); // as the game's own property was
  });

  it('keeps the game working when what runs on arrival throws', () => {
    const root: Bag = {};
    watchPath('x', () => {
      throw new Error('ours');
    }, root);
    expect(() => (root['x'] = 1)).not.toThrow();
    expect(root['x']).toBe(1);
  });

  it('never shadows a getter of the game, nor redefines a property it cannot', () => {
    class Game {
      private s: unknown = null;
      get story(): unknown {
        return this.s;
      }
      set story(v: unknown) {
        this.s = v;
      }
    }
    const game = new Game();
    const w = watchPath('game.story', () => {}, { game });
    expect(w.blocked).toMatch(/game\.story is an accessor/);
    game.story = 1;
    expect(game.story).toBe(1);
    const root: Bag = {};
    Object.defineProperty(root, 'fixed', { value: undefined, writable: true, configurable: false });
    expect(watchPath('fixed.a', () => {}, root).blocked).toMatch(/not configurable/);
    expect(watchPath('n.a', () => {}, { n: 3 }).blocked).toMatch(/n is number/);
  });

  it("an object inheriting from the holder assigns its own property, without arriving; a proxy of the holder's assignment arrives", () => {
    function Base(this: Bag) {}
    const proto = Base.prototype as Bag;
    const seen: unknown[] = [];
    watchPath('Base.prototype.move', (v) => seen.push(v), { Base });
    const inst = new (Base as unknown as new () => Bag)();
    const own = () => 'own';
    inst['move'] = own;
    expect(Object.getOwnPropertyDescriptor(inst, 'move')).toEqual({ value: own, writable: true, enumerable: true, configurable: true });
    expect(proto['move']).toBeUndefined();
    expect(seen).toEqual([]);
    const shared = () => 'shared';
    proto['move'] = shared;
    expect(seen).toEqual([shared]);
    expect((new (Base as unknown as new () => Bag)())['move']).toBe(shared);
    const root: Bag = {};
    const reactive = new Proxy(root, {}); // as a reactive store's proxy: Reflect.set with the proxy as receiver
    watchPath('game', (v) => seen.push(v), root);
    const game = {};
    reactive['game'] = game;
    expect(seen).toEqual([shared, game]);
  });

  it('never watches on a built-in prototype, nor through __proto__', () => {
    for (const [path, root] of [
      ['O.prototype.zz', { O: Object }],
      ['F.prototype.zz', { F: Function }],
      ['A.prototype.zz', { A: Array }],
      ['a.__proto__.zz', { a: {} }],
    ] as const) {
      expect(watchPath(path, () => {}, root).blocked).toMatch(/built-in prototype|__proto__/);
    }
    expect(Object.getOwnPropertyDescriptor(Object.prototype, 'zz')).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(Array.prototype, 'zz')).toBeUndefined();
  });

  it('cancel takes the accessor away, keeping what the game assigned', () => {
    const root: Bag = {};
    const w = watchPath('a.b', () => {}, root);
    w.cancel();
    expect(Object.getOwnPropertyDescriptor(root, 'a')).toBeUndefined();
    const w2 = watchPath('a.b', () => {}, root);
    root['a'] = {};
    const a = root['a'] as Bag;
    expect(Object.getOwnPropertyDescriptor(a, 'b')!.get).toBeTypeOf('function');
    w2.cancel();
    expect(Object.getOwnPropertyDescriptor(a, 'b')).toBeUndefined();
  });
});

describe('PendingPaths: retries for what an accessor cannot see', () => {
  const setup = () => {
    const problems = new Map<string, string>();
    const pending = new PendingPaths({ note: (path, reason) => problems.set(path, reason) });
    return { problems, pending };
  };

  it('a path the game assigns is taken on time; one it defines with defineProperty is found by a retry and listed as hooked late', () => {
    const { problems, pending } = setup();
    const g = globalThis as Bag;
    const taken: string[] = [];
    try {
      pending.wait('hook onTimeGame', 'onTimeGame', () => (taken.push('onTimeGame'), true));
      pending.wait('hook LateGame.prototype', 'LateGame.prototype', () => (taken.push('LateGame.prototype'), true));
      expect(problems.get('onTimeGame')).toMatch(/not defined yet/);
      g['onTimeGame'] = {};
      // As a function declaration does: the property is redefined, no setter runs.
      Object.defineProperty(g, 'LateGame', { value: function LateGame() {}, writable: true, configurable: true, enumerable: true });
      expect(taken).toEqual(['onTimeGame']);
      expect(pending.size).toBe(1);
      pending.retry('interactive');
      expect(taken).toEqual(['onTimeGame', 'LateGame.prototype']);
      expect(pending.late).toEqual([{ path: 'LateGame.prototype', when: 'interactive' }]);
      expect(problems.get('LateGame.prototype')).toMatch(/^hooked late \(when the parser finished\)/);
      expect(pending.size).toBe(0);
    } finally {
      delete g['onTimeGame'];
      delete g['LateGame'];
    }
  });

  it('after the page has loaded (no retries to come), says so of what it waits for and of what it cannot watch', () => {
    const problems = new Map<string, string>();
    const pending = new PendingPaths({ note: (path, reason) => problems.set(path, reason) }, false);
    (globalThis as Bag)['frozenGame'] = Object.freeze({});
    try {
      pending.wait('hook lazyGame.x', 'lazyGame.x', () => true);
      pending.wait('hook frozenGame.x', 'frozenGame.x', () => true);
      expect(problems.get('lazyGame.x')).toBe('not found on window: hooked when the game assigns it');
      expect(problems.get('frozenGame.x')).toMatch(/^not found on window, and cannot be watched \(frozenGame\.x: .+\)$/);
    } finally {
      pending.clear();
      delete (globalThis as Bag)['frozenGame'];
    }
  });

  it('waits once per id, says at load what never came, and is bounded', () => {
    const { problems, pending } = setup();
    let calls = 0;
    pending.wait('hook never.here', 'never.here', () => true);
    pending.wait('hook never.here', 'never.here', () => (calls++, true)); // the latest attach wins
    pending.retry('load');
    expect(problems.get('never.here')).toBe('not found on window: hooked when the game assigns it');
    (globalThis as Bag)['never'] = { here: {} };
    expect(calls).toBe(1);
    delete (globalThis as Bag)['never'];
    for (let i = 0; i < 205; i++) pending.wait(`hook p${i}.x`, `p${i}.x`, () => true);
    expect(pending.size).toBe(200);
    expect(problems.get('p204.x')).toMatch(/not watched: 200 paths/);
    pending.clear();
    expect(pending.size).toBe(0);
    expect(Object.getOwnPropertyDescriptor(globalThis, 'p0')).toBeUndefined();
  });

  /** As the agent's hook of a path: the first hook, and `again` at each retry. */
  const hooker = (name: string) => {
    const entries: TraceEntry[] = [];
    const hooks = new Hooks(new TraceCore({ write: (e) => entries.push(e) }));
    let total = 0;
    const use = (v: unknown, onlyNew = false) => {
      const reports = hooks.hook(v, name, {}, onlyNew);
      for (const r of reports) total += r.methods.length;
      return reports;
    };
    const again: Again = (v) => ({ added: use(v, true).flatMap((r) => r.methods.map((m) => `${r.agent}.${m}`)), total });
    return { entries, attach: (v: unknown) => (use(v), true), again };
  };

  it('an object that gets its methods after it is assigned (the namespace pattern, across files) is hooked again at the retries, and those methods are listed as hooked late', () => {
    const { problems, pending } = setup();
    const g = globalThis as unknown as Record<string, Record<string, () => string> | undefined>;
    const { entries, attach, again } = hooker('NsGame');
    try {
      pending.wait('hook NsGame', 'NsGame', attach, again);
      // file one: `var NsGame = NsGame || {}; NsGame.light = function () {}`
      g['NsGame'] = g['NsGame'] || {};
      g['NsGame']!['light'] = () => 'lit';
      // file two
      g['NsGame'] = g['NsGame'] || {};
      g['NsGame']!['stoke'] = () => 'stoked';
      expect(pending.size).toBe(0);
      expect(pending.revisiting).toBe(1);
      pending.retry('interactive');
      const stoke = g['NsGame']!['stoke']!; // taken by a ready handler, after the retry
      expect(stoke()).toBe('stoked');
      expect(entries.map((e) => e.type)).toEqual(['NsGame.stoke']);
      expect(pending.late).toEqual([{ path: 'NsGame', when: 'interactive', methods: ['light', 'stoke'].map((m) => `NsGame.${m}`) }]);
      expect(problems.get('NsGame')).toMatch(/^hooked late \(when the parser finished\): NsGame\.light, NsGame\.stoke, added after NsGame was hooked/);
      pending.retry('DOMContentLoaded'); // nothing new: not wrapped twice
      g['NsGame']!['light']!();
      expect(entries.map((e) => e.type)).toEqual(['NsGame.stoke', 'NsGame.light']);
      expect(pending.late).toHaveLength(1);
      pending.retry('load');
      expect(pending.revisiting).toBe(0);
    } finally {
      pending.clear();
      delete g['NsGame'];
    }
  });

  it('an array filled after it is assigned is hooked item by item at the retries; one still without methods at load says so', () => {
    const { problems, pending } = setup();
    const g = globalThis as unknown as Record<string, { npcs?: { name: string; think(): number }[]; props?: unknown[] } | undefined>;
    const npcs = hooker('game.npcs');
    const props = hooker('game.props');
    try {
      pending.wait('hook game.npcs', 'game.npcs', npcs.attach, npcs.again);
      pending.wait('hook game.props', 'game.props', props.attach, props.again);
      g['game'] = {};
      g['game']!.npcs = [];
      g['game']!.props = [];
      pending.retry('interactive');
      g['game']!.npcs!.push({ name: 'ann', think: () => 1 });
      pending.retry('DOMContentLoaded');
      g['game']!.npcs![0]!.think();
      expect(npcs.entries.map((e) => e.type)).toEqual(['game.npcs[ann].think']);
      expect(pending.late).toEqual([{ path: 'game.npcs', when: 'DOMContentLoaded', methods: ['game.npcs[ann].think'] }]);
      pending.retry('load');
      expect(problems.get('game.props')).toMatch(/^found, but with no methods to hook by load/);
      expect(problems.get('game.npcs')).toMatch(/^hooked late \(at DOMContentLoaded\)/);
    } finally {
      pending.clear();
      delete g['game'];
    }
  });

  it('forget and forgetValue stop looking again at a path taken already', () => {
    const { pending } = setup();
    const g = globalThis as unknown as Record<string, object | undefined>;
    const a = hooker('fa');
    const b = hooker('fb');
    try {
      g['fa'] = {};
      g['fb'] = {};
      pending.revisit('hook fa', 'fa', a.again);
      pending.revisit('hook fb', 'fb', b.again);
      pending.forget('hook fa');
      pending.forgetValue(g['fb']);
      expect(pending.revisiting).toBe(0);
    } finally {
      delete g['fa'];
      delete g['fb'];
    }
  });
});
