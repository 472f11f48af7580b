// @vitest-environment happy-dom
// The Phaser adapter's bookkeeping, on a stand-in with Phaser's shapes (its
// event emitter, scene systems, loop); the real engine runs in
// test/browser/engines.test.ts.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { tracePhaser, type PhaserGameLike, type PhaserSceneLike } from '../../../src/adapters/phaser';
import { createTraceAgent, type TraceAgent } from '../../../src/create-agent';
import { freshDb } from '../store/helpers';

class Emitter {
  private readonly listeners = new Map<string, ((...a: any[]) => void)[]>();
  on(event: string, fn: (...a: any[]) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  off(event: string, fn: (...a: any[]) => void) {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((f) => f !== fn));
    return this;
  }
  emit(event: string, ...args: unknown[]) {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }
  count(event: string) {
    return this.listeners.get(event)?.length ?? 0;
  }
  removeAllListeners() {
    this.listeners.clear();
  }
}

type FakeScene = PhaserSceneLike & { sys: { events: Emitter; settings: { key: string; status: number } }; input: Emitter & { keyboard: Emitter } };
const scene = (key: string, status = 1): FakeScene => ({
  sys: { settings: { key, status }, events: new Emitter() },
  input: Object.assign(new Emitter(), { keyboard: new Emitter() }),
});

let agent: TraceAgent | null = null;
afterEach(() => {
  agent?.destroy();
  agent = null;
});

describe('tracePhaser', () => {
  it('a switch (sleep one, start the other) is one story transition per step; update steps become one entry a second; stop removes every listener and unhooks', async () => {
    const a = (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, frames: { stats: false } }));
    class Menu {
      create() {
        return 'menu made';
      }
    }
    const events = new Emitter();
    const menu = scene('Menu', 5);
    const play = scene('Play');
    const game: PhaserGameLike & { events: Emitter } = { events, loop: { rawDelta: 0, frame: 0 }, scene: { scenes: [] }, config: { sceneConfig: [Menu] } };
    const handle = tracePhaser(a, game);
    expect(new Menu().create()).toBe('menu made'); // the config's class is hooked: a span
    game.scene.scenes.push(menu, play); // the boot creates them; Menu runs already
    events.emit('ready');
    const step = (ms: number) => {
      game.loop.rawDelta = ms;
      game.loop.frame = (game.loop.frame ?? 0) + 1;
      for (const s of [menu, play]) {
        s.sys.events.emit('preupdate');
        s.sys.events.emit('postupdate');
      }
      events.emit('poststep', 0, ms);
    };
    for (let i = 0; i < 30; i++) step(20); // 600 ms
    menu.sys.events.emit('sleep');
    play.sys.events.emit('start');
    for (let i = 0; i < 30; i++) step(20); // 1200 ms: one update entry per running scene, one frame:stats
    play.input.keyboard.emit('keydown', { key: 'a', code: 'KeyA' });
    menu.input.keyboard.emit('keydown', { key: 'b', code: 'KeyB' }); // asleep: not recorded
    handle.stop();
    expect(events.count('poststep') + menu.sys.events.count('sleep') + play.input.count('pointerdown')).toBe(0);
    expect(new Menu().create()).toBe('menu made'); // unhooked: no second span
    await a.flush();
    const e = (await a.query({ order: 'oldest', limit: 1000 })).entries;
    expect(e.filter((x) => x.kind === 'agent').map((x) => x.type)).toEqual(['Menu.create']);
    expect(e.filter((x) => x.type.startsWith('story:')).map((x) => [x.type, x.data])).toEqual([
      ['story:enter', { node: 'Menu' }],
      ['story:transition', expect.objectContaining({ from: 'Menu', to: 'Play', via: 'switch' })],
    ]);
    const updates = e.filter((x) => x.type === 'phaser:update').map((x) => [x.source, (x.data as { calls: number }).calls]);
    expect(updates).toEqual([
      ['Menu', 50],
      ['Play', 50],
      ['Menu', 10],
      ['Play', 10],
    ]); // at 1000 ms of loop time, then the rest when stopped: 60 steps, 4 entries
    const frames = e.filter((x) => x.type === 'frame:stats').map((x) => (x.data as { frames: number }).frames);
    expect(frames).toEqual([50, 10]);
    expect(e.filter((x) => x.kind === 'player').map((x) => [x.source, (x.data as { key: string }).key])).toEqual([['Play', 'a']]);
  });

  it('input is still recorded after a scene restarts: Phaser\'s input and keyboard plugins drop every listener when their scene shuts down', async () => {
    const a = (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, frames: { stats: false } }));
    const events = new Emitter();
    const play = scene('Play', 5);
    const game: PhaserGameLike & { events: Emitter } = { events, loop: { rawDelta: 16, frame: 0 }, scene: { scenes: [play] } };
    const handle = tracePhaser(a, game);
    const step = () => events.emit('poststep', 0, 16);
    step();
    play.input.keyboard.emit('keydown', { key: 'a', code: 'KeyA' });
    // this.scene.restart(): shutdown (InputPlugin#shutdown and KeyboardPlugin#shutdown call removeAllListeners), then start.
    play.sys.events.emit('shutdown');
    play.input.removeAllListeners();
    play.input.keyboard.removeAllListeners();
    play.sys.events.emit('start');
    step();
    play.input.keyboard.emit('keydown', { key: 'b', code: 'KeyB' });
    play.input.emit('pointerdown', { x: 1, y: 2, button: 0 });
    play.sys.events.emit('start'); // a start without a shutdown before it: no second listener
    expect(play.input.keyboard.count('keydown') + play.input.count('pointerdown')).toBe(2);
    handle.stop();
    expect(play.input.keyboard.count('keydown') + play.input.count('pointerdown')).toBe(0);
    await a.flush();
    const e = (await a.query({ order: 'oldest', limit: 1000 })).entries;
    expect(e.filter((x) => x.kind === 'player').map((x) => x.type + ':' + ((x.data as { key?: string }).key ?? ''))).toEqual(['phaser:keydown:a', 'phaser:keydown:b', 'phaser:pointerdown:']);
  });
});
