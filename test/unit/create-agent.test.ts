// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTraceAgent, type TraceAgent } from '../../src/create-agent';
import { stateAt } from '../../src/export/state-replay';
import { freshDb } from './store/helpers';

let agent: TraceAgent | null = null;
const g = globalThis as Record<string, unknown>;
afterEach(() => {
  agent?.destroy();
  agent = null;
  delete g['game'];
});

const make = (strict = false) => (agent = createTraceAgent({ dbName: freshDb(), worker: false, overlay: false, network: false, strict }));

describe('hook, trackState and trackStory by global path', () => {
  it('resolve the path; an agent is named by it unless a name is given', () => {
    class Npc {
      think() {
        return 1;
      }
    }
    g['game'] = { Npc, story: { current: 'a', go() {} }, state: { hp: 1 } };
    const a = make();
    expect(a.hook('window.game.Npc.prototype')).toEqual([{ agent: 'game.Npc', methods: ['think'], skipped: [] }]);
    expect(a.hook('game.story', 'tale')[0]).toMatchObject({ agent: 'tale', methods: ['go'] });
    expect(a.trackState('game.state')).not.toBeNull();
    expect(a.trackStory('game.story', { poll: false })!.node).toBe('a');
  });

  it('a path not defined yet is no throw (strict mode too): it is waited for; what cannot be tracked is a HOOK_FAILED in strict mode', () => {
    const a = make();
    expect(a.hook('game.missing')).toEqual([]);
    expect(a.trackState('game.missing')).toBeNull();
    expect(a.trackStory('game.missing')).toBeNull();
    a.destroy();
    expect(Object.getOwnPropertyDescriptor(g, 'game')).toBeUndefined(); // destroy took the accessor away
    const s = make(true);
    expect(s.hook('game.missing')).toEqual([]);
    expect(() => s.trackState(new Map())).toThrow(/trackState: expected a store/);
    g['game'] = { missing: new Map() }; // cannot be tracked: noted, and the game's assignment goes on
    expect((g['game'] as { missing: unknown }).missing).toBeInstanceOf(Map);
  });

  it('hooks, tracks state and story the moment the game assigns their paths, in steps', async () => {
    const a = make();
    expect(a.hook('game.room')).toEqual([]);
    expect(a.trackState('game.state')).toBeNull();
    expect(a.trackStory('game.story', { poll: false })).toBeNull();
    g['game'] = {};
    const game = g['game'] as Record<string, unknown>;
    game['room'] = { light: () => 'lit' };
    const light = (game['room'] as { light: () => string }).light; // taken at once, as a button handler
    game['state'] = { fire: 0 };
    (game['state'] as { fire: number }).fire = 1;
    const story = { node: 'dark', go(n: string) { story.node = n; } };
    game['story'] = story;
    (game['story'] as { go(n: string): void }).go('lit');
    expect(light()).toBe('lit');
    await a.flush();
    const types = (await a.query({ order: 'oldest', limit: 500 })).entries.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['game.room.light', 'state:change', 'story:transition']));
  });

  it('trackState by path follows the game replacing the whole state, and puts the game\'s own object back on destroy', async () => {
    g['game'] = { state: { gold: 1 } };
    const a = make();
    const handle = a.trackState('game.state')!;
    const game = g['game'] as { state: { gold: number; day?: number } };
    game.state.gold = 2;
    game.state = JSON.parse('{"gold":5,"day":1}') as { gold: number; day: number };
    game.state.day = 2;
    game.state = JSON.parse('{"gold":9,"day":7}') as { gold: number; day: number };
    game.state.gold += 1;
    expect(handle.proxy).toBe(game.state);
    await a.flush();
    const entries = (await a.query({ order: 'oldest', limit: 500, kinds: ['state'] })).entries;
    expect(entries.map((e) => e.type)).toEqual(['state:checkpoint', 'state:change', 'state:replace', 'state:change', 'state:replace', 'state:change']);
    expect(stateAt(entries, entries.at(-1)!.seq)!.state).toEqual({ gold: 10, day: 7 });
    a.destroy();
    agent = null;
    const own = Object.getOwnPropertyDescriptor(game, 'state')!;
    expect(own.get).toBeUndefined();
    expect(own.value).toEqual({ gold: 10, day: 7 });
    expect(() => structuredClone(game.state)).not.toThrow(); // the game's object, not a proxy
  });

  it('unhook of a path not defined yet stops waiting for it', () => {
    const a = make();
    a.hook('game.room');
    a.unhook('game.room');
    expect(Object.getOwnPropertyDescriptor(g, 'game')).toBeUndefined();
    const room = { light: () => 1 };
    const light = room.light;
    g['game'] = { room };
    expect(room.light).toBe(light); // not wrapped
    expect(a.hook('game.room')[0]!.methods).toEqual(['light']); // hooked now, at once
  });

  it('do nothing after destroy', () => {
    const npc = { act() {} };
    const act = npc.act;
    g['game'] = { npc };
    const a = make();
    a.destroy();
    expect(a.hook('game.npc')).toEqual([]);
    expect(a.trackState({ hp: 1 })).toBeNull();
    expect(npc.act).toBe(act);
  });
});
