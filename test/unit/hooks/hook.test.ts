import { describe, expect, it, vi } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { Hooks } from '../../../src/hooks/hook';
import { parsePath, resolvePath, splitPaths } from '../../../src/hooks/paths';

function setup() {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: (e) => entries.push(e) });
  const hooks = new Hooks(core);
  const spans = () => entries.filter((e) => e.kind === 'agent');
  return { core, hooks, entries, spans };
}

class Npc {
  static count = 0;
  hp = 10;
  constructor(public name: string) {}
  move(dx: number, dy: number): string {
    return `${this.name} moves ${dx},${dy}`;
  }
  decide(): string {
    return this.move(1, 0);
  }
  fail(): never {
    throw new TypeError('cannot decide');
  }
  async think(prompt: string): Promise<string> {
    // At least 5 ms by the clock spans are timed with (a timer alone may fire early by it).
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 5));
    while (performance.now() - t0 < 5) await new Promise((r) => setTimeout(r, 1));
    return `${this.name}: ${prompt}!`;
  }
  async refuse(): Promise<never> {
    await Promise.resolve();
    throw new Error('llm down');
  }
  get label(): string {
    return `npc ${this.name}`;
  }
  static make(name: string): Npc {
    return new Npc(name);
  }
}

describe('hook', () => {
  it('traces a class: prototype and static methods, with this, args and results kept', () => {
    const { hooks, spans } = setup();
    hooks.hook(Npc, 'Npc');
    try {
      const n = Npc.make('Mira');
      expect(n).toBeInstanceOf(Npc);
      expect(n.move(2, 3)).toBe('Mira moves 2,3');
      expect(n.label).toBe('npc Mira'); // getters are not called by hooking, and still work
      const s = spans();
      expect(s.map((e) => e.type)).toEqual(['Npc.make', 'Npc.move']);
      expect(s[1]).toMatchObject({ source: 'Npc', method: 'move', args: [2, 3], result: 'Mira moves 2,3', status: 'ok', level: 'info' });
      expect(s[1]!.dur).toBeGreaterThanOrEqual(0);
      expect(Npc.prototype.move.name).toBe('move');
      expect(Npc.prototype.move.length).toBe(2);
    } finally {
      hooks.unhook(Npc);
    }
  });

  it('nests spans: a hooked method called inside another is its child', () => {
    const { hooks, spans } = setup();
    const n = new Npc('Ola');
    hooks.hook(n, 'ola');
    n.decide();
    const [move, decide] = spans();
    expect(move!.method).toBe('move');
    expect(decide!.method).toBe('decide');
    expect(move!.parentId).toBe(decide!.spanId);
    expect(decide!.parentId).toBeUndefined();
    expect(hooks.current).toBe(0);
  });

  it('records thrown errors and rethrows the same error', () => {
    const { hooks, spans } = setup();
    const n = new Npc('E');
    hooks.hook(n, 'e');
    let caught: unknown;
    try {
      n.fail();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TypeError);
    const [span] = spans();
    expect(span).toMatchObject({ status: 'error', level: 'error', error: { name: 'TypeError', message: 'cannot decide' } });
    expect(span!.error!.stack).toContain('cannot decide');
    expect(hooks.current).toBe(0);
  });

  it('traces async methods at settle time, keeping value and rejection', async () => {
    const { hooks, spans } = setup();
    const n = new Npc('Async');
    hooks.hook(n, 'a');
    const o = { run: (x: string) => n.think(x) };
    expect(hooks.hook(o, 'runner')[0]!.methods).toEqual(['run']);
    await expect(o.run('hi')).resolves.toBe('Async: hi!');
    await expect(n.refuse()).rejects.toThrow('llm down');
    const [think, run, refuse] = spans();
    expect(think).toMatchObject({ method: 'think', async: true, status: 'ok', result: 'Async: hi!' });
    expect(think!.dur).toBeGreaterThanOrEqual(4);
    expect(run).toMatchObject({ method: 'run', async: true });
    expect(think!.parentId).toBe(run!.spanId);
    expect(refuse).toMatchObject({ status: 'error', async: true, error: { message: 'llm down' } });
  });

  it('keeps parents right under Promise.all', async () => {
    const { hooks, spans } = setup();
    const agent = {
      async child(i: number) {
        await new Promise((r) => setTimeout(r, 3 - i));
        return i;
      },
      async parentA() {
        return Promise.all([this.child(0), this.child(1)]);
      },
      async parentB() {
        return Promise.all([this.child(2)]);
      },
    };
    hooks.hook(agent, 'agent');
    await Promise.all([agent.parentA(), agent.parentB()]);
    const s = spans();
    const a = s.find((e) => e.method === 'parentA')!;
    const b = s.find((e) => e.method === 'parentB')!;
    const kids = s.filter((e) => e.method === 'child');
    expect(kids).toHaveLength(3);
    expect(kids.filter((k) => k.parentId === a.spanId).map((k) => k.args)).toEqual(expect.arrayContaining([[0], [1]]));
    expect(kids.filter((k) => k.parentId === b.spanId).map((k) => k.args)).toEqual([[2]]);
  });

  it('does not wrap twice, and unhook restores the originals', () => {
    const { hooks, spans } = setup();
    const obj = { step(): number { return 1; } };
    const original = obj.step;
    hooks.hook(obj, 'o');
    const wrapped = obj.step;
    hooks.hook(obj, 'o');
    expect(obj.step).toBe(wrapped);
    obj.step();
    expect(spans()).toHaveLength(1);
    hooks.unhook(obj);
    expect(obj.step).toBe(original);
    obj.step();
    expect(spans()).toHaveLength(1);
  });

  it('hooked again with onlyNew (a path looked at as the page loads), wraps only names not hooked yet: a hooked method the game rebound since is not wrapped twice', () => {
    const { hooks, spans } = setup();
    const game: Record<string, (...a: unknown[]) => unknown> = { step: () => 1 };
    hooks.hook(game, 'game');
    game['step'] = game['step']!.bind(game); // the game binds the traced method after it was hooked
    game['draw'] = () => 2; // added after the hook
    expect(hooks.hook(game, 'game', {}, true)).toEqual([{ agent: 'game', methods: ['draw'], skipped: [] }]);
    game['step']!();
    game['draw']!();
    expect(spans().map((e) => e.type)).toEqual(['game.step', 'game.draw']);
  });

  it('hooks an instance without touching other instances of its class', () => {
    const { hooks, spans } = setup();
    const a = new Npc('A');
    const b = new Npc('B');
    hooks.hook(a, 'a');
    b.move(0, 0);
    expect(spans()).toHaveLength(0);
    a.move(0, 0);
    expect(spans()).toHaveLength(1);
    expect(Object.keys(a).sort()).toEqual(['hp', 'name']); // inherited wrappers are not enumerable
    hooks.unhook(a);
    expect(Object.prototype.hasOwnProperty.call(a, 'move')).toBe(false);
  });

  it('hooks each item of an array, named by its name', () => {
    const { hooks, spans } = setup();
    const npcs = [new Npc('Mira'), new Npc('Ola')];
    const reports = hooks.hook(npcs, 'game.npcs');
    expect(reports.map((r) => r.agent)).toEqual(['game.npcs[Mira]', 'game.npcs[Ola]']);
    npcs[1]!.move(1, 1);
    expect(spans()[0]!.source).toBe('game.npcs[Ola]');
  });

  it('respects include, exclude and capture options, and redacts secret args', () => {
    const { hooks, spans } = setup();
    const api = {
      login(creds: { user: string; password: string }) {
        return { ok: true, token: 'abc', user: creds.user };
      },
      tick() {
        return 1;
      },
      render() {
        return 2;
      },
    };
    hooks.hook(api, 'api', { exclude: [/^render$/] });
    api.login({ user: 'ann', password: 'hunter2' });
    api.render();
    expect(spans()).toHaveLength(1);
    expect(spans()[0]!.args).toEqual([{ user: 'ann', password: { $t: 'redacted' } }]);
    expect(spans()[0]!.result).toEqual({ ok: true, token: { $t: 'redacted' }, user: 'ann' });
    expect(spans()[0]!.flags).toBe(2);

    const other = { tick: () => 1, tock: () => 2 };
    hooks.hook(other, 'other', { include: ['tick'], captureArgs: false, captureResult: false });
    other.tick();
    other.tock();
    const last = spans().at(-1)!;
    expect(last.method).toBe('tick');
    expect(last.args).toBeUndefined();
    expect(last.result).toBeUndefined();
    expect(spans()).toHaveLength(2);
  });

  it('skips frozen methods and says why', () => {
    const { hooks } = setup();
    const frozen = Object.freeze({ go() {} });
    const [report] = hooks.hook(frozen, 'frozen');
    expect(report!.methods).toEqual([]);
    expect(report!.skipped).toEqual([{ method: 'go', reason: 'not writable' }]);
  });

  it('keeps working when tracing itself fails', () => {
    const core = new TraceCore({
      write: () => {
        throw new Error('store down');
      },
    });
    const hooks = new Hooks(core);
    const obj = { add: (a: number, b: number) => a + b };
    hooks.hook(obj, 'calc');
    expect(obj.add(2, 3)).toBe(5);
  });
});

describe('hook: behaviour kept in the corners', () => {
  it('an ES5 constructor kept on a hooked object still constructs with new', () => {
    const { hooks } = setup();
    function Enemy(this: { hp: number }, hp: number) {
      this.hp = hp;
    }
    Enemy.prototype.hit = function (this: { hp: number }) {
      return --this.hp;
    };
    const game = { Enemy: Enemy as unknown as new (hp: number) => { hp: number; hit(): number }, tick: () => 1 };
    hooks.hook(game, 'game');
    const e = new game.Enemy(3);
    expect(e).toBeInstanceOf(game.Enemy);
    expect(e.hit()).toBe(2);
  });

  it('keeps for...in over an instance the same (enumerable ES5 prototype methods)', () => {
    const { hooks } = setup();
    function Unit(this: { hp: number }) {
      this.hp = 1;
    }
    Unit.prototype.move = function () {
      return 'moved';
    };
    const u = new (Unit as unknown as new () => { hp: number; move(): string })();
    const keys = (o: object) => {
      const out: string[] = [];
      for (const k in o) out.push(k);
      return out;
    };
    const before = keys(u);
    hooks.hook(u, 'unit');
    expect(keys(u)).toEqual(before);
    expect(u.move()).toBe('moved');
  });

  it('returns a decorated promise itself, so its extra methods survive', async () => {
    const { hooks, spans } = setup();
    const api = {
      fetchLine() {
        const p = new Promise<string>((r) => setTimeout(() => r('hello'), 2)) as Promise<string> & { cancel(): string };
        p.cancel = () => 'cancelled';
        return p;
      },
    };
    hooks.hook(api, 'api');
    const p = api.fetchLine();
    expect(p.cancel()).toBe('cancelled');
    await expect(p).resolves.toBe('hello');
    await new Promise((r) => setTimeout(r, 1));
    expect(spans()[0]).toMatchObject({ method: 'fetchLine', async: true, result: 'hello' });
  });

  it('applies /g patterns to every method alike', () => {
    const { hooks } = setup();
    const o = { renderA: () => 1, renderB: () => 2, renderC: () => 3, tick: () => 4 };
    expect(hooks.hook(o, 'o', { include: [/^render/g] })[0]!.methods).toEqual(['renderA', 'renderB', 'renderC']);
  });

  it('skips array items that are not objects and says so', () => {
    const { hooks } = setup();
    const reports = hooks.hook([{ act: () => 1 }, null, 7], 'list');
    expect(reports.map((r) => [r.agent, r.methods, r.skipped])).toEqual([
      ['list[0]', ['act'], []],
      ['list[1]', [], [{ method: '*', reason: 'not an object (null)' }]],
      ['list[2]', [], [{ method: '*', reason: 'not an object (number)' }]],
    ]);
  });

  it('copies error fields as strings, whatever was thrown in them', () => {
    const { hooks, spans } = setup();
    const o = {
      boom() {
        const e = new Error('x');
        (e as unknown as { message: unknown }).message = 10n;
        throw e;
      },
    };
    hooks.hook(o, 'o');
    expect(() => o.boom()).toThrow();
    expect(spans()[0]!.error).toMatchObject({ name: 'Error', message: '10' });
    expect(() => JSON.stringify(spans())).not.toThrow();
  });

  it('unhookAll restores everything hooked', () => {
    const { hooks } = setup();
    const a = { f: () => 1 };
    const b = { g: () => 2 };
    const fa = a.f;
    const gb = b.g;
    hooks.hook(a, 'a');
    hooks.hook(b, 'b');
    expect(a.f).not.toBe(fa);
    hooks.unhookAll();
    expect(a.f).toBe(fa);
    expect(b.g).toBe(gb);
  });
});

describe('paths', () => {
  it('parses and resolves global paths without evaluating code', () => {
    expect(parsePath('window.game.npcs[0].brain')).toEqual(['game', 'npcs', '0', 'brain']);
    expect(parsePath(' Game.prototype ')).toEqual(['Game', 'prototype']);
    expect(parsePath('game.npcs[*]')).toEqual(['game', 'npcs', '*']);
    const root = { game: { npcs: [{ brain: 1 }] } };
    expect(resolvePath('game.npcs[0].brain', root)).toBe(1);
    expect(resolvePath('game.npcs[*]', root)).toBe(root.game.npcs);
    expect(resolvePath('game.missing.deep', root)).toBeUndefined();
    expect(splitPaths(' a.b, c ,, d[0] ')).toEqual(['a.b', 'c', 'd[0]']);
  });
});

describe('hook options and shapes from issue 4', () => {
  it('a class hooked before construction also traces methods its constructor binds', () => {
    const { hooks, spans } = setup();
    class Hero {
      x = 0;
      constructor() {
        this.move = this.move.bind(this);
      }
      move(dx: number): number {
        this.x += dx;
        return this.x;
      }
    }
    hooks.hook(Hero, 'Hero');
    const h = new Hero();
    const { move } = h; // a detached, bound method: what an event listener holds
    expect(move(2)).toBe(2);
    expect(h).toBeInstanceOf(Hero);
    expect(spans().map((s) => [s.type, s.args, s.result])).toEqual([['Hero.move', [2], 2]]);
    hooks.unhook(Hero);
  });

  it('leaves getters and setters working, and instanceof true', () => {
    const { hooks } = setup();
    class Box {
      private v = 1;
      get value(): number {
        return this.v;
      }
      set value(n: number) {
        this.v = n;
      }
      double(): number {
        return this.v * 2;
      }
    }
    hooks.hook(Box, 'Box');
    const b = new Box();
    b.value = 4;
    expect(b.value).toBe(4);
    expect(b.double()).toBe(8);
    expect(b).toBeInstanceOf(Box);
    expect(Object.getOwnPropertyDescriptor(Box.prototype, 'value')!.get).toBeTypeOf('function');
    hooks.unhook(Box);
  });

  it('samples where a trace starts: an untraced call hides what it calls, never the middle of a trace', () => {
    const { hooks, spans } = setup();
    const inner = { work: (n: number) => n + 1 };
    const outer = { run: (n: number) => inner.work(n) * 2 };
    hooks.hook(inner, 'inner', { sample: 1 });
    hooks.hook(outer, 'outer', { sample: 0 });
    expect(outer.run(1)).toBe(4);
    expect(spans()).toEqual([]); // inner ran inside an untraced call
    expect(inner.work(1)).toBe(2);
    expect(spans().map((s) => s.type)).toEqual(['inner.work']);
    expect(hooks.current).toBe(0);
    let traced = 0;
    const some = { tick: () => traced++ };
    hooks.hook(some, 'some', { sample: 0.5 });
    // Seeded draws (Park-Miller) instead of Math.random: the share is checked, never luck.
    let seed = 12_345;
    const random = vi.spyOn(Math, 'random').mockImplementation(() => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    try {
      for (let i = 0; i < 2_000; i++) some.tick();
    } finally {
      random.mockRestore();
    }
    const n = spans().filter((s) => s.type === 'some.tick').length;
    expect(traced).toBe(2_000);
    expect(n).toBeGreaterThan(800);
    expect(n).toBeLessThan(1_200);
  });

  it('a user redaction rule applies to captured args', () => {
    const entries: TraceEntry[] = [];
    const core = new TraceCore({ write: (e) => entries.push(e) }, { limits: { redact: (key) => key === 'playerName' } });
    const hooks = new Hooks(core);
    const api = { save: (profile: object) => profile };
    hooks.hook(api, 'api');
    api.save({ playerName: 'Ann', level: 3 });
    expect(entries[0]!.args).toEqual([{ playerName: { $t: 'redacted' }, level: 3 }]);
    expect(entries[0]!.flags).toBe(2);
  });
});

describe('span errors are recorded as page errors are (from review)', () => {
  it('script URLs in the stack lose their query and hash; long fields are cut and marked', () => {
    const { hooks, spans } = setup();
    const o = {
      boom() {
        const e = new Error('m'.repeat(2_100));
        e.name = 'N'.repeat(150);
        e.stack = 'Error: m\n    at boom (https://cdn.game.test/app.js?sig=SECRET&exp=1:10:5)\n    at https://cdn.game.test/main.js#frag:3:1';
        throw e;
      },
      text() {
        throw 'just text';
      },
    };
    hooks.hook(o, 'o');
    expect(() => o.boom()).toThrow();
    expect(() => o.text()).toThrow();
    const [boom, text] = spans().map((s) => s.error!);
    expect(boom!.stack).toBe('Error: m\n    at boom (https://cdn.game.test/app.js:10:5)\n    at https://cdn.game.test/main.js:3:1');
    expect(boom!.name).toBe(`${'N'.repeat(100)}…`);
    expect(boom!.message).toBe(`${'m'.repeat(2_000)}…`);
    expect(text).toEqual({ name: 'NonError', message: 'just text' });
  });
});
